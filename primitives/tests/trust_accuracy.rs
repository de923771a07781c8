//! The fixed-point trust models and block-size rule against the `f64` reference.
//!
//! Target: relative error ≤ 1e-9 for every `W ∈ [1, 10 000]` and `beta ∈ [0, W]`. The default
//! tests cover a grid; `exhaustive_agreement_up_to_ten_thousand` (ignored, run it in release)
//! covers every pair and prints the largest error.

use micropay_primitives::{
	block_size::{next_block_size, BlockSizeBounds},
	reference,
	trust::{trust, TrustProfile},
};
use proptest::prelude::*;
use sp_arithmetic::PerThing;

const PROFILES: [TrustProfile; 3] =
	[TrustProfile::Neutral, TrustProfile::Optimistic, TrustProfile::Pessimistic];
const TOLERANCE: f64 = 1e-9;

fn fixed_as_f64(profile: TrustProfile, w: u32, beta: u32) -> f64 {
	let value = trust(profile, w, beta);
	value.deconstruct() as f64 / sp_arithmetic::Perquintill::ACCURACY as f64
}

fn relative_error(profile: TrustProfile, w: u32, beta: u32) -> f64 {
	let expected = reference::trust(profile, w, beta);
	(fixed_as_f64(profile, w, beta) - expected).abs() / expected
}

/// Largest relative error over `pairs`, with the pair where it occurs.
fn worst(pairs: impl Iterator<Item = (u32, u32)>) -> (f64, TrustProfile, u32, u32) {
	let mut worst = (0.0, TrustProfile::Neutral, 0, 0);
	for (w, beta) in pairs {
		for profile in PROFILES {
			let error = relative_error(profile, w, beta);
			if error > worst.0 {
				worst = (error, profile, w, beta);
			}
		}
	}
	worst
}

/// `beta` values spread over `[0, w]`: both endpoints, their neighbours and about 60 between.
fn spread_betas(w: u32) -> impl Iterator<Item = u32> {
	let step = (w / 60).max(1);
	let near_ends = [0, 1, 2, w.saturating_sub(2), w.saturating_sub(1), w];
	(0..=w).step_by(step as usize).chain(near_ends).filter(move |beta| *beta <= w)
}

#[test]
fn every_pair_up_to_two_hundred_agrees() {
	let pairs = (1..=200u32).flat_map(|w| (0..=w).map(move |beta| (w, beta)));
	let (error, profile, w, beta) = worst(pairs);
	println!(
		"max relative error, W ≤ 200, every beta: {error:e} ({profile:?}, W = {w}, beta = {beta})"
	);
	assert!(error <= TOLERANCE, "{profile:?} W = {w} beta = {beta}: {error:e}");
}

#[test]
fn grid_up_to_ten_thousand_agrees() {
	let sizes = (1..=10_000u32).step_by(97).chain([1_024, 4_096, 9_999, 10_000]);
	let pairs = sizes.flat_map(|w| spread_betas(w).map(move |beta| (w, beta)));
	let (error, profile, w, beta) = worst(pairs);
	println!(
		"max relative error, W grid to 10 000: {error:e} ({profile:?}, W = {w}, beta = {beta})"
	);
	assert!(error <= TOLERANCE, "{profile:?} W = {w} beta = {beta}: {error:e}");
}

#[test]
#[ignore = "every (W, beta) up to W = 10 000 (50 million pairs): run with --release --ignored"]
fn exhaustive_agreement_up_to_ten_thousand() {
	let pairs = (1..=10_000u32).flat_map(|w| (0..=w).map(move |beta| (w, beta)));
	let (error, profile, w, beta) = worst(pairs);
	println!("max relative error, every W ≤ 10 000 and beta: {error:e} ({profile:?}, W = {w}, beta = {beta})");
	assert!(error <= TOLERANCE, "{profile:?} W = {w} beta = {beta}: {error:e}");
}

#[test]
fn table_for_w_twenty_matches_hand_values() {
	// T0 exact; T1 and T2 from the closed forms with W = 20, d = ln(21)/20.
	let expect = [
		(TrustProfile::Neutral, 5, 16.0 / 22.0),
		(TrustProfile::Optimistic, 10, 1.0 - 21.0 / 22.0 / 21f64.sqrt()),
		(TrustProfile::Pessimistic, 10, 21f64.sqrt() / 22.0),
	];
	for (profile, beta, value) in expect {
		let error = (fixed_as_f64(profile, 20, beta) - value).abs() / value;
		assert!(error <= 1e-15, "{profile:?} beta = {beta}: {error:e}");
	}
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

	#[test]
	fn random_pairs_agree(w in 1u32..=10_000, beta_share in 0.0f64..=1.0) {
		let beta = (f64::from(w) * beta_share).round() as u32;
		for profile in PROFILES {
			let error = relative_error(profile, w, beta);
			prop_assert!(error <= TOLERANCE, "{:?} W = {} beta = {}: {:e}", profile, w, beta, error);
		}
	}

	/// The chain's rounded size is the reference's, rounded, except where the reference lies
	/// within 1e-9 of a half (where either neighbour is acceptable).
	#[test]
	fn next_size_rounds_the_reference(
		w in 1u32..=10_000,
		prev_share in 0.0f64..=1.0,
		step_share in 0.0f64..=1.0,
	) {
		let gamma_prev = (f64::from(w) * prev_share) as u32;
		let gamma_new = gamma_prev + (f64::from(w - gamma_prev) * step_share) as u32;
		for profile in PROFILES {
			let exact = reference::next_block_size_unrounded(profile, w, gamma_prev, gamma_new);
			let chain = next_block_size(profile, w, gamma_prev, gamma_new, BlockSizeBounds::default());
			let near_half = ((exact - exact.floor()) - 0.5).abs() < 1e-9;
			if near_half {
				prop_assert!((f64::from(chain) - exact).abs() <= 0.5 + 1e-9);
			} else {
				prop_assert_eq!(f64::from(chain), exact.round().max(1.0), "{:?}: {}", profile, exact);
			}
		}
	}
}
