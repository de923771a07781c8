mod helpers {}
