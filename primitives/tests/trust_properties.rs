//! Properties of the three trust models over the whole `u32` range.

use micropay_primitives::trust::{initial_trust, normalized_size, trust, TrustProfile, TrustValue};
use proptest::prelude::*;
use sp_arithmetic::{PerThing, Perquintill, Rounding};

const PROFILES: [TrustProfile; 3] =
	[TrustProfile::Neutral, TrustProfile::Optimistic, TrustProfile::Pessimistic];

/// `p / q` rounded to the nearest `1e-18`.
fn exact(p: u64, q: u64) -> TrustValue {
	Perquintill::from_rational_with_rounding(p, q, Rounding::NearestPrefDown)
		.unwrap_or_else(|()| panic!("{p}/{q} is not a fraction in [0, 1]"))
}

fn any_size() -> impl Strategy<Value = u32> {
	prop_oneof![1u32..=64, 1u32..=10_000, any::<u32>(), Just(u32::MAX), Just(0)]
}

/// A size and a `beta` in `[0, size]` (weighted to the ends) or beyond it.
fn size_and_beta() -> impl Strategy<Value = (u32, u32)> {
	any_size().prop_flat_map(|w| {
		let w1 = normalized_size(w);
		(Just(w), prop_oneof![0..=w1, Just(0), Just(1), Just(w1 - 1), Just(w1), w1..=u32::MAX])
	})
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

	#[test]
	fn all_profiles_share_the_endpoints(w in any_size()) {
		let size = normalized_size(w);
		let w1 = u64::from(size);
		for profile in PROFILES {
			prop_assert_eq!(trust(profile, w, 0), exact(w1 + 1, w1 + 2), "{:?} W = {}", profile, w);
			prop_assert_eq!(trust(profile, w, size), exact(1, w1 + 2), "{:?} W = {}", profile, w);
			prop_assert_eq!(trust(profile, w, u32::MAX), exact(1, w1 + 2), "{:?} W = {}", profile, w);
			prop_assert_eq!(initial_trust(profile, w), exact(w1 + 1, w1 + 2));
		}
	}

	#[test]
	fn pessimistic_below_neutral_below_optimistic((w, beta) in size_and_beta()) {
		let t0 = trust(TrustProfile::Neutral, w, beta);
		let t1 = trust(TrustProfile::Optimistic, w, beta);
		let t2 = trust(TrustProfile::Pessimistic, w, beta);
		prop_assert!(t2 <= t0 && t0 <= t1, "W = {} beta = {}: {:?} {:?} {:?}", w, beta, t2, t0, t1);
	}

	#[test]
	fn trust_never_rises_with_beta((w, beta) in size_and_beta()) {
		for profile in PROFILES {
			let now = trust(profile, w, beta);
			let after_one_more = trust(profile, w, beta.saturating_add(1));
			prop_assert!(after_one_more <= now, "{:?} W = {} beta = {}", profile, w, beta);
		}
	}

	#[test]
	fn trust_lies_between_the_endpoints((w, beta) in size_and_beta()) {
		let w1 = u64::from(normalized_size(w));
		for profile in PROFILES {
			let value = trust(profile, w, beta);
			prop_assert!(exact(1, w1 + 2) <= value && value <= exact(w1 + 1, w1 + 2));
		}
	}
}

#[test]
fn monotone_over_every_beta_of_small_sizes() {
	for w in 1..=300u32 {
		for profile in PROFILES {
			let values: Vec<_> = (0..=w + 1).map(|beta| trust(profile, w, beta)).collect();
			assert!(values.windows(2).all(|pair| pair[1] <= pair[0]), "{profile:?} W = {w}");
		}
	}
}

#[test]
fn interior_order_is_strict_where_the_models_differ() {
	// Away from the endpoints the three curves are distinct (the talk's figure).
	for (w, beta) in [(2, 1), (20, 1), (20, 10), (20, 19), (10_000, 5_000)] {
		let t0 = trust(TrustProfile::Neutral, w, beta);
		let t1 = trust(TrustProfile::Optimistic, w, beta);
		let t2 = trust(TrustProfile::Pessimistic, w, beta);
		assert!(t2 < t0 && t0 < t1, "W = {w} beta = {beta}");
	}
}

#[test]
fn extreme_inputs_do_not_panic() {
	for profile in PROFILES {
		for w in [0, 1, 2, u32::MAX - 1, u32::MAX] {
			for beta in [0, 1, w / 2, w.saturating_sub(1), w, u32::MAX] {
				let _ = trust(profile, w, beta);
			}
		}
	}
}
