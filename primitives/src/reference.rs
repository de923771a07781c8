//! **Reference, not for the runtime.** The trust models and the block-size rule in `f64`,
//! written straight from the talk's formulas (the optimistic one rearranged to avoid a
//! cancellation, see [`trust`]).
//!
//! Tests compare the fixed-point code against this module, and the simulator and the
//! `trust_table` example print it beside the chain's values. It exists only with the `std`
//! feature, so the Wasm runtime never contains it; the on-chain path uses
//! [`crate::trust::trust`] and [`crate::block_size::next_block_size`].

use crate::trust::TrustProfile;

/// `T(beta)` of `profile` with parameter `w`, in `f64`. Like the fixed-point version,
/// `w = 0` counts as 1 and `beta` is clamped to `[0, w]`.
pub fn trust(profile: TrustProfile, w: u32, beta: u32) -> f64 {
	let w = f64::from(w.max(1));
	let beta = f64::from(beta).min(w);
	let d = (1.0 + w).ln() / w;
	match profile {
		TrustProfile::Neutral => ((w - beta) + 1.0) / (w + 2.0),
		TrustProfile::Optimistic => {
			// `1 − g2·e^(−x)` written as `(1 − g2) − g2·(e^(−x) − 1)`: the same value, without
			// the cancellation that costs `f64` about `W·1e-16` of relative error near `beta = W`.
			let g2 = (w + 1.0) / (w + 2.0);
			1.0 / (w + 2.0) - g2 * (-d * (w - beta)).exp_m1()
		},
		TrustProfile::Pessimistic => {
			let g1 = 1.0 / (w + 2.0);
			g1 * (d * (w - beta)).exp()
		},
	}
}

/// `W_{i−1} · T(gamma_new) / T(gamma_prev)` in `f64`, neither rounded nor clamped.
pub fn next_block_size_unrounded(
	profile: TrustProfile,
	w_prev: u32,
	gamma_prev: u32,
	gamma_new: u32,
) -> f64 {
	let w = w_prev.max(1);
	f64::from(w) * trust(profile, w, gamma_new) / trust(profile, w, gamma_prev)
}
