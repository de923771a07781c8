//! The simulator's errors: what a user can get wrong (an argument out of range) or what the
//! machine can refuse (writing a file). Each says what went wrong and where.

use std::{fmt, io, path::PathBuf};

/// Why a simulator command failed.
#[derive(Debug)]
pub enum Error {
	/// A command-line value outside its meaningful range.
	Argument(String),
	/// A file or directory could not be created or written.
	Io {
		/// The file or directory.
		path: PathBuf,
		/// What the system said.
		source: io::Error,
	},
	/// A figure could not be drawn.
	Plot {
		/// The PNG being drawn.
		path: PathBuf,
		/// What the plotting library said.
		message: String,
	},
}

impl Error {
	/// An [`Error::Io`] for `path`.
	pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
		Self::Io { path: path.into(), source }
	}
}

impl fmt::Display for Error {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::Argument(message) => f.write_str(message),
			Self::Io { path, source } => write!(f, "cannot write {}: {source}", path.display()),
			Self::Plot { path, message } => write!(f, "cannot draw {}: {message}", path.display()),
		}
	}
}

impl std::error::Error for Error {
	fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
		match self {
			Self::Io { source, .. } => Some(source),
			_ => None,
		}
	}
}
