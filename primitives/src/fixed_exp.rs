//! The one exponential the trust models need, `exp(±d·x)` with `d = ln(1 + W) / W`, in
//! deterministic 64.64 fixed point.
//!
//! # Why `fixed_analytics`
//!
//! The exponential profiles need `exp` and `ln` without floats (the runtime forbids them).
//! Candidates on crates.io, measured on `T2` for `W ∈ {1 … 10 000}` against `f64`:
//!
//! - `substrate-fixed` 0.6 (the Encointer fork of `fixed`, `transcendental::{exp, ln}`):
//!   `ln` divides by a `log2(e)` constant kept in an `I9F23` (23 fractional bits) and `exp`
//!   is a plain Taylor series without range reduction, so even on `I64F64` its relative
//!   error is about `1.2e-7`: two orders of magnitude above the `1e-9` target.
//! - `fixed` itself has no `exp`/`ln`.
//! - `fixed_analytics` 5.0 (generic over the signed types of `fixed`): every function is
//!   evaluated in an integer-only multi-limb software float at twice the type's width and
//!   rounded once, so results lie within one ulp of the exact value; it is `no_std`, has no
//!   floats and no allocation, is checked not to panic, and pins a hash of its outputs in its
//!   tests. On `I64F64` the same measurement gives about `1.5e-15` (the `f64` reference's own
//!   noise). It builds for `wasm32v1-none`.
//!
//! So this module wraps `fixed_analytics` on `I64F64` (64 fractional bits, resolution
//! `5.4e-20`). The workspace pins it with `=5.0.0`: consensus depends on every output bit.
//!
//! # Ranges
//!
//! With `W ≤ u32::MAX` and `0 ≤ x ≤ W`, the exponent `d·x` lies in `[0, ln(2³²)] ≈ [0, 22.2]`,
//! far inside the range where `exp` on `I64F64` neither saturates (`43.6`) nor underflows:
//! `exp(d·x) ≤ W + 1 < 2³³` and `exp(−d·x) ≥ 1/(W + 1) > 2⁻³³`.

use fixed_analytics::fixed::types::I64F64;
use sp_arithmetic::{helpers_128bit::multiply_by_rational_with_rounding, Rounding};

/// Number of fractional bits of the 64.64 fixed-point numbers returned here.
pub(crate) const FRACTION_BITS: u32 = 64;

/// `1.0` in 64.64 fixed point.
pub(crate) const ONE: u128 = 1 << FRACTION_BITS;

/// `d·x = ln(1 + w) · x / w` in 64.64 fixed point, rounded to nearest.
///
/// `None` only if `w` is zero or `x > w` (callers never pass either).
fn exponent(w: u32, x: u32) -> Option<I64F64> {
	if w == 0 || x > w {
		return None;
	}
	let one_plus_w = i128::from(w).checked_add(1)?.checked_shl(FRACTION_BITS)?;
	let ln = fixed_analytics::ln(I64F64::from_bits(one_plus_w)).ok()?;
	let ln_bits = u128::try_from(ln.to_bits()).ok()?;
	let scaled = multiply_by_rational_with_rounding(
		ln_bits,
		u128::from(x),
		u128::from(w),
		Rounding::NearestPrefDown,
	)?;
	Some(I64F64::from_bits(i128::try_from(scaled).ok()?))
}

/// `exp(d·x) = (1 + w)^(x/w)` as 64.64 fixed-point bits, for `w ≥ 1` and `x ≤ w`.
///
/// Lies in `[1, w + 1]`. `None` only outside that domain.
pub(crate) fn growth(w: u32, x: u32) -> Option<u128> {
	let value = fixed_analytics::exp(exponent(w, x)?);
	u128::try_from(value.to_bits()).ok()
}

/// `exp(−d·x) = (1 + w)^(−x/w)` as 64.64 fixed-point bits, for `w ≥ 1` and `x ≤ w`.
///
/// Lies in `[1/(w + 1), 1]`. `None` only outside that domain.
pub(crate) fn decay(w: u32, x: u32) -> Option<u128> {
	let value = fixed_analytics::exp(exponent(w, x)?.checked_neg()?);
	u128::try_from(value.to_bits()).ok()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn to_f64(bits: u128) -> f64 {
		bits as f64 / ONE as f64
	}

	#[test]
	fn growth_and_decay_hit_their_endpoints() {
		for w in [1u32, 2, 20, 10_000, u32::MAX] {
			assert_eq!(growth(w, 0), Some(ONE));
			assert_eq!(decay(w, 0), Some(ONE));
			let top = to_f64(growth(w, w).unwrap_or(0));
			assert!((top / (f64::from(w) + 1.0) - 1.0).abs() < 1e-15, "w = {w}: {top}");
			let bottom = to_f64(decay(w, w).unwrap_or(0));
			assert!((bottom * (f64::from(w) + 1.0) - 1.0).abs() < 1e-9, "w = {w}: {bottom}");
		}
	}

	#[test]
	fn outside_the_domain_is_none() {
		assert_eq!(growth(0, 0), None);
		assert_eq!(growth(3, 4), None);
		assert_eq!(decay(0, 0), None);
	}
}
