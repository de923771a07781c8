//! A one-line progress bar on standard error for runs that take seconds or more. It can be
//! shared by the threads of a run: each calls [`Progress::step`] when it finishes a step.

use std::{
	io::Write,
	sync::{
		atomic::{AtomicU64, Ordering},
		Mutex,
	},
	time::Instant,
};

/// Width of the bar, in characters.
const WIDTH: u64 = 30;

/// Counts finished steps of a known total and redraws `label [#####.....] n/total  1.2 s`
/// whenever the bar or the percentage moves.
pub struct Progress {
	label: String,
	total: u64,
	done: AtomicU64,
	enabled: bool,
	started: Instant,
	/// Serializes redraws, so lines of different threads never interleave.
	draw: Mutex<()>,
}

impl Progress {
	/// A progress bar for `total` steps; `enabled = false` prints nothing (tests, `--quiet`).
	pub fn new(label: &str, total: u64, enabled: bool) -> Self {
		Self {
			label: label.to_owned(),
			total: total.max(1),
			done: AtomicU64::new(0),
			enabled,
			started: Instant::now(),
			draw: Mutex::new(()),
		}
	}

	/// A bar that prints nothing.
	pub fn hidden() -> Self {
		Self::new("", 1, false)
	}

	/// Steps finished so far.
	pub fn done(&self) -> u64 {
		self.done.load(Ordering::Relaxed)
	}

	/// Records one more finished step.
	pub fn step(&self) {
		let done = (self.done.fetch_add(1, Ordering::Relaxed) + 1).min(self.total);
		// Redraw only when the percentage changes: a long run makes 100 redraws, not millions.
		if !self.enabled || (done * 100 / self.total == (done - 1) * 100 / self.total) {
			return;
		}
		let Ok(_guard) = self.draw.lock() else { return };
		let filled = (done * WIDTH / self.total) as usize;
		let bar = format!("{}{}", "#".repeat(filled), ".".repeat(WIDTH as usize - filled));
		let elapsed = self.started.elapsed().as_secs_f64();
		let mut err = std::io::stderr().lock();
		let _ = write!(err, "\r{} [{bar}] {done}/{} {elapsed:.1} s", self.label, self.total);
		if done == self.total {
			let _ = writeln!(err);
		}
		let _ = err.flush();
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn threads_share_one_count() {
		let progress = Progress::hidden();
		std::thread::scope(|scope| {
			for _ in 0..4 {
				scope.spawn(|| (0..250).for_each(|_| progress.step()));
			}
		});
		assert_eq!(progress.done(), 1_000);
	}
}
