//! Weights of the micropay pallet's calls.
//!
//! PROVISIONAL: until the FRAME benchmarks of the benchmarks issue generate this file on the
//! reference machine, the `()` implementation prices each call by its storage accesses
//! (ParityDB-like costs) plus a conservative compute term per token for the signature check.
//! It exists so the pallet is usable now; it is not the final weighting.

use frame_support::weights::{constants::ParityDbWeight, Weight};

/// The weight of each call of the pallet.
pub trait WeightInfo {
	/// `register_bank`.
	fn register_bank() -> Weight;
	/// `deregister_bank`.
	fn deregister_bank() -> Weight;
	/// `register_auditor`.
	fn register_auditor() -> Weight;
	/// `deregister_auditor`.
	fn deregister_auditor() -> Weight;
	/// `withdraw_auditor_bond`.
	fn withdraw_auditor_bond() -> Weight;
	/// `issue_tokens`.
	fn issue_tokens() -> Weight;
	/// `reclaim_expired` of a batch of `t` tokens.
	fn reclaim_expired(t: u32) -> Weight;
	/// `submit_block` with `p` purchases, `t` tokens and `w` distinct spent-bitmap words.
	fn submit_block(p: u32, t: u32, w: u32) -> Weight;
	/// `set_trust_profile`.
	fn set_trust_profile() -> Weight;
}

/// Compute cost of verifying one sr25519 signature (about 50 µs).
const SIGNATURE_CHECK: u64 = 50_000_000;
/// Compute cost of the bookkeeping of one token.
const PER_TOKEN: u64 = 5_000_000;
/// Base compute cost of a call.
const BASE: u64 = 20_000_000;

impl WeightInfo for () {
	fn register_bank() -> Weight {
		Weight::from_parts(BASE, 3_000).saturating_add(ParityDbWeight::get().reads_writes(1, 1))
	}
	fn deregister_bank() -> Weight {
		Weight::from_parts(BASE, 3_000).saturating_add(ParityDbWeight::get().reads_writes(1, 1))
	}
	fn register_auditor() -> Weight {
		Weight::from_parts(BASE, 6_000).saturating_add(ParityDbWeight::get().reads_writes(3, 3))
	}
	fn deregister_auditor() -> Weight {
		Weight::from_parts(BASE, 3_000).saturating_add(ParityDbWeight::get().reads_writes(1, 1))
	}
	fn withdraw_auditor_bond() -> Weight {
		Weight::from_parts(BASE, 6_000).saturating_add(ParityDbWeight::get().reads_writes(3, 3))
	}
	fn issue_tokens() -> Weight {
		Weight::from_parts(BASE, 6_000).saturating_add(ParityDbWeight::get().reads_writes(4, 4))
	}
	fn reclaim_expired(t: u32) -> Weight {
		let words = u64::from(t.div_ceil(128));
		Weight::from_parts(BASE, 6_000)
			.saturating_add(ParityDbWeight::get().reads_writes(3, 3))
			.saturating_add(ParityDbWeight::get().writes(words))
	}
	fn submit_block(p: u32, t: u32, _w: u32) -> Weight {
		let (p, t) = (u64::from(p), u64::from(t));
		Weight::from_parts(BASE, 10_000)
			.saturating_add(Weight::from_parts(SIGNATURE_CHECK, 1_000).saturating_mul(p))
			.saturating_add(Weight::from_parts(PER_TOKEN, 3_000).saturating_mul(t))
			// Per purchase: settled-id read and two writes, two transfers (4 accounts).
			.saturating_add(ParityDbWeight::get().reads_writes(3, 4).saturating_mul(p))
			// Per token, worst case (every token in a cold batch and word): batch, word and
			// hold reads; word, batch and two balance writes.
			.saturating_add(ParityDbWeight::get().reads_writes(3, 4).saturating_mul(t))
			.saturating_add(ParityDbWeight::get().reads_writes(4, 3))
			// Trust update: a few fixed-point exp/ln evaluations and two records.
			.saturating_add(Weight::from_parts(BASE, 200))
			.saturating_add(ParityDbWeight::get().reads_writes(2, 2))
	}
	fn set_trust_profile() -> Weight {
		Weight::from_parts(BASE, 3_000).saturating_add(ParityDbWeight::get().reads_writes(2, 1))
	}
}
