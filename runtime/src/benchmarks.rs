//! The pallets the node's `benchmark pallet` subcommand measures (feature `runtime-benchmarks`).
//!
//! `scripts/benchmark.sh` runs them and writes the weight files the runtime uses.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_micropay, Micropay]
);

impl frame_system_benchmarking::Config for crate::Runtime {}
impl frame_benchmarking::baseline::Config for crate::Runtime {}
