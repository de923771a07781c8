//! The three user trust models of the talk ("User trust models"), in deterministic fixed
//! point.
//!
//! With `W` the previous block size and `beta` the number of invalid tokens (clamped to
//! `[0, W]`):
//!
//! - neutral: `T0(beta) = ((W − beta) + 1) / (W + 2)`;
//! - optimistic: `T1(beta) = 1 − g2·exp(−d·(W − beta))`, `g2 = (W + 1)/(W + 2)`;
//! - pessimistic: `T2(beta) = g1·exp(d·(W − beta))`, `g1 = 1/(W + 2)`;
//!
//! with `d = ln(1 + W)/W`. All three equal `(W + 1)/(W + 2)` at `beta = 0` and `1/(W + 2)`
//! at `beta = W`, and `T2 ≤ T0 ≤ T1` everywhere.
//!
//! # Representation
//!
//! Internally a trust value is an exact fraction `numerator / scale(profile, W)` whose
//! denominator depends only on the profile and `W`: `W + 2` for the neutral profile (so `T0`
//! is exact) and `(W + 2)·2⁶⁴` for the exponential ones (a 64.64 fixed-point `exp` divided by
//! `W + 2` without rounding). Both endpoints are the exact fractions above for every profile.
//! Ratios of two trust values of one profile and one `W` — all the block-size rule needs —
//! are therefore ratios of numerators, with no rounding before the final one. The public
//! value, [`TrustValue`], is that fraction rounded to the nearest `1e-18`.
//!
//! # exp and ln
//!
//! `exp` and `ln` come from the `fixed_analytics` crate on `I64F64` (integer-only, `no_std`,
//! within one ulp of the exact value, pinned to `=5.0.0` because consensus depends on every
//! output bit). `substrate-fixed` was measured and rejected: its `ln` goes through a 23-bit
//! constant, giving about `1e-7` relative error against the `1e-9` target. The private module
//! `fixed_exp` (`src/fixed_exp.rs`) records the comparison. Against the `f64` reference the
//! values here agree to about `5e-15` relative for every `W ≤ 10 000` and `beta ≤ W` (the
//! `1e-18` rounding of the smallest values dominates).
//!
//! # Edge cases
//!
//! - `W = 0` is treated as `W = 1` (a block holds at least one token), see
//!   [`normalized_size`].
//! - `beta > W` is clamped to `W`; any `u32` is accepted, nothing panics.

use crate::fixed_exp;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_arithmetic::{PerThing, Perquintill, Rounding};

/// A trust value in `[0, 1]`, with a resolution of `1e-18`.
pub type TrustValue = Perquintill;

/// How fast a user's trust falls with the number of invalid tokens (talk, "User trust
/// models"). Chosen by the auditor per user.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
)]
pub enum TrustProfile {
	/// `T0`: trust falls linearly with the invalid tokens (the mean of a Beta distribution).
	#[default]
	Neutral,
	/// `T1`: trust falls slowly at first, then fast; the most lenient model.
	Optimistic,
	/// `T2`: trust falls fast at first, then slowly; the strictest model.
	Pessimistic,
}

/// The block size the trust models actually use for `w`: `w`, or `1` for `w = 0`.
pub fn normalized_size(w: u32) -> u32 {
	w.max(1)
}

/// Trust `T(beta)` of `profile` with parameter `w` (the previous block size) after `beta`
/// invalid tokens. `w = 0` counts as `1`; `beta` is clamped to `[0, w]`.
pub fn trust(profile: TrustProfile, w: u32, beta: u32) -> TrustValue {
	// Cannot fail: the numerator is at least 1 and at most the scale, which is at least 3.
	Perquintill::from_rational_with_rounding(
		trust_numerator(profile, w, beta),
		trust_scale(profile, w),
		Rounding::NearestPrefDown,
	)
	.unwrap_or_default()
}

/// Trust of a new user whose first block size is `w0`: `T(0) = (w0 + 1)/(w0 + 2)`, the same
/// for every profile.
pub fn initial_trust(profile: TrustProfile, w0: u32) -> TrustValue {
	trust(profile, w0, 0)
}

/// Denominator of every trust value of `profile` with parameter `w`: `w + 2`, times `2⁶⁴`
/// for the exponential profiles. Normalizes `w`.
pub(crate) fn trust_scale(profile: TrustProfile, w: u32) -> u128 {
	let linear = u128::from(normalized_size(w)).saturating_add(2);
	match profile {
		TrustProfile::Neutral => linear,
		TrustProfile::Optimistic | TrustProfile::Pessimistic => {
			linear.saturating_mul(fixed_exp::ONE)
		},
	}
}

/// Numerator of `T(beta)` over [`trust_scale`]`(profile, w)`. Normalizes `w` and clamps
/// `beta` to `[0, w]`. Always at least 1 and at most the scale.
pub(crate) fn trust_numerator(profile: TrustProfile, w: u32, beta: u32) -> u128 {
	let w = normalized_size(w);
	let valid = w.saturating_sub(beta);
	let linear = u128::from(valid).saturating_add(1);
	// The endpoints are exact for every profile; `exp` never fails inside the domain, and
	// should it, the neutral value keeps the endpoints and the order `T2 ≤ T0 ≤ T1`.
	let linear_on_exponential_scale = linear.saturating_mul(fixed_exp::ONE);
	match profile {
		TrustProfile::Neutral => linear,
		_ if valid == 0 || valid == w => linear_on_exponential_scale,
		TrustProfile::Optimistic => {
			optimistic_numerator(w, valid).unwrap_or(linear_on_exponential_scale)
		},
		TrustProfile::Pessimistic => {
			pessimistic_numerator(w, valid).unwrap_or(linear_on_exponential_scale)
		},
	}
}

/// `(w + 2)·2⁶⁴ · T1 = (w + 2)·2⁶⁴ − (w + 1)·exp(−d·valid)·2⁶⁴`.
fn optimistic_numerator(w: u32, valid: u32) -> Option<u128> {
	let decay = fixed_exp::decay(w, valid)?;
	let subtrahend = u128::from(w).checked_add(1)?.checked_mul(decay)?;
	trust_scale(TrustProfile::Optimistic, w).checked_sub(subtrahend)
}

/// `(w + 2)·2⁶⁴ · T2 = exp(d·valid)·2⁶⁴`.
fn pessimistic_numerator(w: u32, valid: u32) -> Option<u128> {
	fixed_exp::growth(w, valid)
}

#[cfg(test)]
mod tests {
	use super::*;

	const PROFILES: [TrustProfile; 3] =
		[TrustProfile::Neutral, TrustProfile::Optimistic, TrustProfile::Pessimistic];

	#[test]
	fn neutral_is_exact() {
		assert_eq!(trust(TrustProfile::Neutral, 3, 1), Perquintill::from_rational(3u64, 5));
		assert_eq!(trust(TrustProfile::Neutral, 20, 0), Perquintill::from_rational(21u64, 22));
	}

	#[test]
	fn zero_size_counts_as_one() {
		for profile in PROFILES {
			assert_eq!(trust(profile, 0, 0), trust(profile, 1, 0));
			assert_eq!(trust(profile, 0, 7), Perquintill::from_rational(1u64, 3));
		}
	}

	#[test]
	fn numerators_stay_within_the_scale() {
		for profile in PROFILES {
			for (w, beta) in [(1, 0), (1, 1), (20, 7), (u32::MAX, 1), (u32::MAX, u32::MAX - 1)] {
				let numerator = trust_numerator(profile, w, beta);
				assert!(numerator >= 1 && numerator <= trust_scale(profile, w));
			}
		}
	}

	#[test]
	fn default_profile_is_neutral() {
		assert_eq!(TrustProfile::default(), TrustProfile::Neutral);
	}
}
