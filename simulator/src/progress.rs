//! A one-line progress indicator on standard error, for runs that take seconds or more.

use std::io::Write;

/// Counts finished steps of a known total and redraws `label [#####.....] n/total`.
pub struct Progress {
	label: String,
	total: u64,
	done: u64,
	enabled: bool,
}

impl Progress {
	/// A progress line for `total` steps; `enabled = false` prints nothing (tests, quiet).
	pub fn new(label: &str, total: u64, enabled: bool) -> Self {
		Self { label: label.to_owned(), total: total.max(1), done: 0, enabled }
	}

	/// Records one more finished step.
	pub fn step(&mut self) {
		self.done = (self.done + 1).min(self.total);
		if self.enabled {
			let width = 30;
			let filled = (self.done * width / self.total) as usize;
			let bar = format!("{}{}", "#".repeat(filled), ".".repeat(width as usize - filled));
			eprint!("\r{} [{bar}] {}/{}", self.label, self.done, self.total);
			if self.done == self.total {
				eprintln!();
			}
			let _ = std::io::stderr().flush();
		}
	}
}
