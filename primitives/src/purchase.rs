//! The purchase a buyer signs (the talk's `tr`) and its domain-separated signing payload.
//!
//! The buyer signs the SCALE encoding of `(PURCHASE_TAG, genesis_hash, body)`. The fixed tag
//! keeps the signature from meaning anything else, and the genesis hash keeps it from being
//! replayed on another chain. A purchase's id is the BLAKE2-256 hash of that same payload, so
//! the chain, the auditor worker and client scripts derive it identically.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Domain tag in front of every signed purchase.
pub const PURCHASE_TAG: &[u8; 20] = b"micropay/purchase/v1";

/// A purchase's id: BLAKE2-256 of its signing payload.
pub type PurchaseId = [u8; 32];

/// What the buyer signs besides the tag and genesis hash.
///
/// `Tokens` is the container of token ids (a bounded vector on chain, a slice or `Vec`
/// off chain: they encode the same).
#[derive(
	Clone, Debug, Decode, DecodeWithMemTracking, Encode, Eq, MaxEncodedLen, PartialEq, TypeInfo,
)]
pub struct PurchaseBody<AccountId, Tokens> {
	/// The buyer (owner of the tokens and signer).
	pub buyer: AccountId,
	/// The merchant selling the item.
	pub merchant: AccountId,
	/// Hash of the item information (the talk's `INF`).
	pub item: [u8; 32],
	/// Creation time of the purchase, milliseconds since the Unix epoch (the talk's `t`).
	pub created_at: u64,
	/// The tokens covering the price.
	pub tokens: Tokens,
}

/// The bytes a buyer signs for `body` on the chain whose genesis hash is `genesis`.
pub fn signing_payload<G: Encode, B: Encode>(genesis: &G, body: &B) -> Vec<u8> {
	(PURCHASE_TAG, genesis, body).encode()
}

/// The id of the purchase whose signing payload is `payload`.
pub fn purchase_id(payload: &[u8]) -> PurchaseId {
	sp_crypto_hashing::blake2_256(payload)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn body(created_at: u64) -> PurchaseBody<u8, Vec<u32>> {
		PurchaseBody { buyer: 1, merchant: 2, item: [9; 32], created_at, tokens: vec![1, 2, 3] }
	}

	#[test]
	fn payload_starts_with_tag_then_genesis() {
		let payload = signing_payload(&[7u8; 32], &body(5));
		assert_eq!(&payload[..20], PURCHASE_TAG);
		assert_eq!(&payload[20..52], &[7u8; 32]);
		assert_eq!(&payload[52..], &body(5).encode()[..]);
	}

	#[test]
	fn id_depends_on_chain_and_content() {
		let here = purchase_id(&signing_payload(&[7u8; 32], &body(5)));
		assert_eq!(here, purchase_id(&signing_payload(&[7u8; 32], &body(5))));
		assert_ne!(here, purchase_id(&signing_payload(&[8u8; 32], &body(5))));
		assert_ne!(here, purchase_id(&signing_payload(&[7u8; 32], &body(6))));
	}

	#[test]
	fn slice_and_vec_tokens_encode_alike() {
		let owned = body(5);
		let borrowed = PurchaseBody {
			buyer: 1u8,
			merchant: 2u8,
			item: [9; 32],
			created_at: 5,
			tokens: &[1u32, 2, 3][..],
		};
		assert_eq!(owned.encode(), borrowed.encode());
	}
}
