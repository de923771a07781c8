//! The talk's block-size rule, `W_i = W_{i−1} · T(gamma_i) / T(gamma_{i−1})`.

use micropay_primitives::{
	block_size::{next_block_size, BlockSizeBounds},
	trust::{normalized_size, TrustProfile},
};
use proptest::prelude::*;

const PROFILES: [TrustProfile; 3] =
	[TrustProfile::Neutral, TrustProfile::Optimistic, TrustProfile::Pessimistic];

fn any_profile() -> impl Strategy<Value = TrustProfile> {
	prop::sample::select(PROFILES.to_vec())
}

fn any_count() -> impl Strategy<Value = u32> {
	prop_oneof![0u32..=64, 0u32..=20_000, any::<u32>(), Just(u32::MAX)]
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

	/// Any input, including inverted or zero bounds: no panic, and the result within bounds.
	#[test]
	fn next_size_stays_within_bounds(
		profile in any_profile(),
		w in any_count(),
		gamma_prev in any_count(),
		gamma_new in any_count(),
		min in any_count(),
		max in any_count(),
	) {
		let bounds = BlockSizeBounds::new(min, max);
		let next = next_block_size(profile, w, gamma_prev, gamma_new, bounds);
		prop_assert!(bounds.lower() <= next && next <= bounds.upper());
		prop_assert!(next >= 1);
	}

	/// More invalid tokens never give a larger block, and no new invalid token keeps the size.
	#[test]
	fn more_invalid_tokens_never_grow_the_block(
		profile in any_profile(),
		w in 1u32..=20_000,
		gamma_prev in any_count(),
		extra in any_count(),
	) {
		let bounds = BlockSizeBounds::default();
		let gamma_new = gamma_prev.saturating_add(extra);
		let next = next_block_size(profile, w, gamma_prev, gamma_new, bounds);
		let one_more = next_block_size(profile, w, gamma_prev, gamma_new.saturating_add(1), bounds);
		prop_assert!(one_more <= next && next <= w);
		prop_assert_eq!(next_block_size(profile, w, gamma_prev, gamma_prev, bounds), w);
	}

	/// Faithful to the talk: once the cumulative `gamma` reaches `W`, `W` stops moving.
	#[test]
	fn size_freezes_once_gamma_reaches_it(
		profile in any_profile(),
		w in any_count(),
		over in any_count(),
		extra in any_count(),
	) {
		let gamma_prev = normalized_size(w).saturating_add(over);
		let gamma_new = gamma_prev.saturating_add(extra);
		let bounds = BlockSizeBounds::default();
		prop_assert_eq!(next_block_size(profile, w, gamma_prev, gamma_new, bounds), normalized_size(w));
	}

	/// The first bad block cuts a pessimistic user's block most and an optimistic one's least.
	#[test]
	fn first_cut_is_ordered_by_profile(w in 1u32..=u32::MAX, beta_share in 0.0f64..=1.0) {
		let beta = (f64::from(w) * beta_share) as u32;
		let cut = |profile| next_block_size(profile, w, 0, beta, BlockSizeBounds::default());
		let (pessimistic, neutral, optimistic) =
			(cut(TrustProfile::Pessimistic), cut(TrustProfile::Neutral), cut(TrustProfile::Optimistic));
		prop_assert!(pessimistic <= neutral && neutral <= optimistic);
	}
}

#[test]
fn block_sizes_for_w_twenty() {
	// W = 20, gamma 0 → beta (the trust_table example). Neutral: 20·(21 − beta)/21.
	let bounds = BlockSizeBounds::default();
	let expected = [
		(0, [20, 20, 20]),
		(1, [19, 20, 17]),
		(5, [15, 19, 9]),
		(10, [10, 17, 4]),
		(20, [1, 1, 1]),
	];
	for (beta, sizes) in expected {
		for (profile, size) in PROFILES.into_iter().zip(sizes) {
			assert_eq!(
				next_block_size(profile, 20, 0, beta, bounds),
				size,
				"{profile:?} beta = {beta}"
			);
		}
	}
}

#[test]
fn bounds_clamp_the_rule() {
	let bounds = BlockSizeBounds::new(5, 18);
	assert_eq!(next_block_size(TrustProfile::Neutral, 20, 0, 0, bounds), 18);
	assert_eq!(next_block_size(TrustProfile::Neutral, 20, 0, 20, bounds), 5);
	assert_eq!(next_block_size(TrustProfile::Pessimistic, 0, 0, 0, BlockSizeBounds::new(0, 0)), 1);
}

#[test]
fn a_falling_gamma_grows_the_block() {
	// Windowed gamma: the old bad block leaves the window. Neutral, W = 15: 15·(16/17)/(11/17).
	let bounds = BlockSizeBounds::default();
	assert_eq!(next_block_size(TrustProfile::Neutral, 15, 5, 0, bounds), 22);
	for profile in PROFILES {
		assert!(next_block_size(profile, 15, 5, 0, bounds) > 15, "{profile:?}");
	}
}
