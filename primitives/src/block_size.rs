//! The size of a user's next token block (talk, "User trust models (4)").
//!
//! After block `i` with `beta_i` invalid tokens, `gamma_i = gamma_{i−1} + beta_i` and
//!
//! ```text
//! W_i = W_{i−1} · T(gamma_i) / T(gamma_{i−1})
//! ```
//!
//! with both `T` of the user's profile taken with parameter `W_{i−1}` (so `gamma` is clamped
//! to `[0, W_{i−1}]` inside `T`), rounded to the nearest integer (halves up) and clamped to
//! [`BlockSizeBounds`]. The ratio is computed from the exact fractions of [`crate::trust`],
//! so the only rounding is the final one.
//!
//! Faithful to the talk, once `gamma ≥ W` both `T` equal `1/(W + 2)` and `W` stops moving;
//! [`crate::trust_state`] offers documented options around that.

use crate::trust::{normalized_size, trust_numerator, TrustProfile};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_arithmetic::{helpers_128bit::multiply_by_rational_with_rounding, Rounding};

/// Smallest and largest block size an auditor may assign (the pallet's `MinBlockTokens` and
/// `MaxBlockTokens`).
///
/// Never panics on odd values: a `min` of 0 acts as 1 (a block holds at least one token) and
/// a `max` below `min` acts as `min`.
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
)]
pub struct BlockSizeBounds {
	/// Smallest block size, in tokens.
	pub min: u32,
	/// Largest block size, in tokens.
	pub max: u32,
}

impl BlockSizeBounds {
	/// Bounds `[min, max]`.
	pub const fn new(min: u32, max: u32) -> Self {
		Self { min, max }
	}

	/// The effective lower bound: `min`, at least 1.
	pub fn lower(&self) -> u32 {
		normalized_size(self.min)
	}

	/// The effective upper bound: `max`, at least [`Self::lower`].
	pub fn upper(&self) -> u32 {
		self.max.max(self.lower())
	}

	/// `size` brought into `[lower, upper]`.
	pub fn clamp(&self, size: u128) -> u32 {
		let upper = self.upper();
		let within = size.max(u128::from(self.lower())).min(u128::from(upper));
		u32::try_from(within).unwrap_or(upper)
	}
}

impl Default for BlockSizeBounds {
	/// `[1, u32::MAX]`: no bound beyond the type's.
	fn default() -> Self {
		Self::new(1, u32::MAX)
	}
}

/// Next block size `W_i = W_{i−1} · T(gamma_new) / T(gamma_prev)`, rounded (halves up) and
/// clamped to `bounds`.
///
/// `w_prev` is `W_{i−1}` (0 counts as 1); `gamma_prev` and `gamma_new` are the invalid-token
/// counts before and after the block (cumulative in the talk). Both `T` use `w_prev` and
/// clamp their `gamma` to `[0, w_prev]`, so `W` stays put once `gamma_prev ≥ w_prev`. When
/// `gamma_new < gamma_prev` the size grows (the pallet's update never passes such a pair:
/// `trust_state` takes both over the same window).
pub fn next_block_size(
	profile: TrustProfile,
	w_prev: u32,
	gamma_prev: u32,
	gamma_new: u32,
	bounds: BlockSizeBounds,
) -> u32 {
	let w = normalized_size(w_prev);
	let before = trust_numerator(profile, w, gamma_prev);
	let after = trust_numerator(profile, w, gamma_new);
	// Both numerators share one denominator, so the trust ratio is `after / before`.
	// `None` only for a zero `before`, which `trust_numerator` never returns.
	let scaled =
		multiply_by_rational_with_rounding(u128::from(w), after, before, Rounding::NearestPrefUp)
			.unwrap_or(u128::from(w));
	bounds.clamp(scaled)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn neutral_matches_the_hand_computed_rule() {
		// W = 20, beta = 5: 20 · (16/22) / (21/22) = 15.24 → 15.
		let bounds = BlockSizeBounds::default();
		assert_eq!(next_block_size(TrustProfile::Neutral, 20, 0, 5, bounds), 15);
		// W = 3, gamma 0 → 2: 3 · 2/4 = 1.5 → 2 (halves round up).
		assert_eq!(next_block_size(TrustProfile::Neutral, 3, 0, 2, bounds), 2);
	}

	#[test]
	fn odd_bounds_do_not_panic() {
		let inverted = BlockSizeBounds::new(10, 5);
		assert_eq!(inverted.clamp(0), 10);
		assert_eq!(inverted.clamp(u128::MAX), 10);
		let zero = BlockSizeBounds::new(0, 0);
		assert_eq!(zero.clamp(0), 1);
	}
}
