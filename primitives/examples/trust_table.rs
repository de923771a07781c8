//! Prints the three trust models and the next block size for `W = 20`, in the chain's fixed
//! point and in the `f64` reference.
//!
//! Run with `cargo run -p micropay-primitives --example trust_table`.

use micropay_primitives::{
	block_size::{next_block_size, BlockSizeBounds},
	reference,
	trust::{trust, TrustProfile, TrustValue},
};
use sp_arithmetic::PerThing;

const W: u32 = 20;
const BETAS: [u32; 5] = [0, 1, 5, 10, 20];
const PROFILES: [(TrustProfile, &str); 3] = [
	(TrustProfile::Neutral, "T0"),
	(TrustProfile::Optimistic, "T1"),
	(TrustProfile::Pessimistic, "T2"),
];

/// A trust value as a decimal with all 18 digits of its fixed point.
fn decimal(value: TrustValue) -> String {
	let parts = value.deconstruct();
	let one = TrustValue::ACCURACY;
	format!("{}.{:018}", parts / one, parts % one)
}

fn main() {
	let bounds = BlockSizeBounds::default();
	println!("W = {W}; next W with gamma_prev = 0, gamma_new = beta, bounds [1, u32::MAX]\n");
	print!("{:>4}", "beta");
	for (_, name) in PROFILES {
		print!("  {:>20}  {:>20}", format!("{name} fixed"), format!("{name} f64"));
	}
	for (_, name) in PROFILES {
		print!("  {:>7}", format!("W' {name}"));
	}
	println!();
	for beta in BETAS {
		print!("{beta:>4}");
		for (profile, _) in PROFILES {
			let fixed = decimal(trust(profile, W, beta));
			let float = reference::trust(profile, W, beta);
			print!("  {fixed:>20}  {float:>20.18}");
		}
		for (profile, _) in PROFILES {
			print!("  {:>7}", next_block_size(profile, W, 0, beta, bounds));
		}
		println!();
	}
}
