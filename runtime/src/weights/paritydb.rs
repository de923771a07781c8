//! The database's weights, measured on the reference machine by the node's `benchmark
//! storage` on a chain database that the real-path load had filled (`scripts/db-weights.sh`):
//! 153,467 keys, ParityDB, state version 1 (2026-12-03; the machine of that day's stop).
//!
//! They replace frame-support's reference values for ParityDB (read 8 µs, write 50 µs). The
//! check that they are not too low is the real-path load's own: every block it loads is
//! re-executed on a quiet machine (`benchmark block`) and its time printed beside the weight
//! it consumed (README, "Benchmarks and performance").

use frame_support::{
	parameter_types,
	weights::{constants::WEIGHT_REF_TIME_PER_NANOS, RuntimeDbWeight},
};

parameter_types! {
	/// ParityDB on this machine.
	pub const ParityDbWeight: RuntimeDbWeight = RuntimeDbWeight {
		// Time to read one storage item: the average over every key of the database
		// (median 4,685 ns; 95th percentile 6,093 ns; 99th 7,306 ns).
		read: 5_260 * WEIGHT_REF_TIME_PER_NANOS,
		// Time to write one storage item, amortized over batches of 100,000 keys (a loaded
		// block commits tens of thousands).
		write: 7_447 * WEIGHT_REF_TIME_PER_NANOS,
	};
}

#[cfg(test)]
mod tests {
	use super::ParityDbWeight;
	use frame_support::weights::constants::{
		WEIGHT_REF_TIME_PER_MICROS, WEIGHT_REF_TIME_PER_MILLIS,
	};

	#[test]
	fn database_weights_are_plausible() {
		let weight = ParityDbWeight::get();
		for (what, ref_time) in [("read", weight.reads(1)), ("write", weight.writes(1))] {
			let ref_time = ref_time.ref_time();
			assert!(ref_time >= WEIGHT_REF_TIME_PER_MICROS, "a {what} under 1 µs");
			assert!(ref_time <= WEIGHT_REF_TIME_PER_MILLIS, "a {what} over 1 ms");
		}
	}
}
