//! The purchase a buyer signs (the talk's `tr`), its domain-separated signing payload, and the
//! receipt an auditor signs when it tells a merchant to deliver.
//!
//! Protocol v2 (`docs/protocol.md`, "Purchase payload"): the buyer signs the SCALE encoding of
//! `(PURCHASE_TAG, genesis_hash, buyer, merchant, auditor, item, created_at, tokens)`. The tag
//! keeps the signature from meaning anything else, the genesis hash keeps it from being
//! replayed on another chain, and the auditor binds it to one auditor: no other auditor can
//! settle, front-run or re-pay it. A purchase's id is the BLAKE2-256 hash of that payload, so
//! the chain, the auditor's desk and worker, and client scripts derive it identically.
//!
//! Browser wallets (`signRaw` of the polkadot.js extension and other injected signers) sign
//! `<Bytes>` + payload + `</Bytes>`; [`wrapped_payload`] builds those bytes so the chain can
//! accept either form (the id is always the hash of the plain payload).

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Domain tag in front of every signed purchase (protocol v2: the auditor is signed).
pub const PURCHASE_TAG: &[u8; 20] = b"micropay/purchase/v2";

/// Domain tag in front of every signed receipt.
pub const RECEIPT_TAG: &[u8; 19] = b"micropay/receipt/v1";

/// A purchase's id: BLAKE2-256 of its signing payload.
pub type PurchaseId = [u8; 32];

/// A purchase as its buyer signed it, less the buyer, whom the token block (or the desk's
/// record) names once for all its purchases. The one shape the desk, the token block and the
/// simulator share.
///
/// `Tokens` is how its tokens are written: ids (a bounded vector in the runtime, a `Vec` off
/// chain: they encode the same, and the signing payload always encodes ids), or runs of
/// consecutive ids (`TokenRun`) in the extrinsics that carry token blocks.
#[derive(
	Clone, Debug, Decode, DecodeWithMemTracking, Encode, Eq, MaxEncodedLen, PartialEq, TypeInfo,
)]
pub struct SignedPurchase<AccountId, Signature, Tokens> {
	/// The merchant selling the item.
	pub merchant: AccountId,
	/// The only auditor that may settle it.
	pub auditor: AccountId,
	/// Hash of the item information (the talk's `INF`).
	pub item: [u8; 32],
	/// Creation time of the purchase, milliseconds since the Unix epoch (the talk's `t`).
	pub created_at: u64,
	/// The tokens covering the price.
	pub tokens: Tokens,
	/// The buyer's signature over [`Self::signing_payload`] (or its wrapped form).
	pub signature: Signature,
}

impl<AccountId: Encode, Signature, Tokens: Encode> SignedPurchase<AccountId, Signature, Tokens> {
	/// The bytes `buyer` signs for this purchase on the chain whose genesis hash is `genesis`.
	pub fn signing_payload<G: Encode>(&self, genesis: &G, buyer: &AccountId) -> Vec<u8> {
		(
			PURCHASE_TAG,
			genesis,
			buyer,
			&self.merchant,
			&self.auditor,
			&self.item,
			self.created_at,
			&self.tokens,
		)
			.encode()
	}
}

impl<AccountId, Signature, Tokens> SignedPurchase<AccountId, Signature, Tokens> {
	/// The same purchase with its tokens in another container, or `map`'s error.
	pub fn try_map_tokens<Other, Error>(
		self,
		map: impl FnOnce(Tokens) -> Result<Other, Error>,
	) -> Result<SignedPurchase<AccountId, Signature, Other>, Error> {
		Ok(SignedPurchase {
			merchant: self.merchant,
			auditor: self.auditor,
			item: self.item,
			created_at: self.created_at,
			tokens: map(self.tokens)?,
			signature: self.signature,
		})
	}

	/// The same purchase with its tokens in another container, if `map` gives one.
	pub fn map_tokens<Other>(
		self,
		map: impl FnOnce(Tokens) -> Option<Other>,
	) -> Option<SignedPurchase<AccountId, Signature, Other>> {
		self.try_map_tokens(|tokens| map(tokens).ok_or(())).ok()
	}
}

/// The id of the purchase whose signing payload is `payload`.
pub fn purchase_id(payload: &[u8]) -> PurchaseId {
	sp_crypto_hashing::blake2_256(payload)
}

/// `payload` as browser wallets sign raw data: `<Bytes>payload</Bytes>`.
pub fn wrapped_payload(payload: &[u8]) -> Vec<u8> {
	const OPEN: &[u8] = b"<Bytes>";
	const CLOSE: &[u8] = b"</Bytes>";
	let mut wrapped = Vec::with_capacity(OPEN.len() + payload.len() + CLOSE.len());
	wrapped.extend_from_slice(OPEN);
	wrapped.extend_from_slice(payload);
	wrapped.extend_from_slice(CLOSE);
	wrapped
}

/// The merchant may deliver at once (the purchase is prepaid) only while the token block,
/// with this purchase's tokens, stays under the buyer's block size `w`: the purchase that
/// reaches `w` is held, so `w = 1` holds every purchase. The desk, the chain and the
/// simulator all ask this one rule.
pub const fn may_prepay(tokens_with_purchase: u32, w: u32) -> bool {
	tokens_with_purchase < w
}

/// The hash of a token block's content: its purchase ids in block order. The chain records it
/// for each (auditor, buyer, sequence number), so the auditor's worker resolves its token
/// block by what the chain settled, not by its sequence number.
pub fn token_block_content<'a>(ids: impl IntoIterator<Item = &'a PurchaseId>) -> [u8; 32] {
	let mut bytes = Vec::new();
	for id in ids {
		bytes.extend_from_slice(id);
	}
	sp_crypto_hashing::blake2_256(&bytes)
}

/// What an auditor promises a merchant when its desk answers "deliver": the purchase will be
/// settled as paid to this merchant by block `deadline`, or the merchant may claim `amount`
/// (plus the runtime's penalty) from the auditor's bond.
#[derive(
	Clone, Debug, Decode, DecodeWithMemTracking, Encode, Eq, MaxEncodedLen, PartialEq, TypeInfo,
)]
pub struct Receipt<AccountId, Balance, BlockNumber> {
	/// The purchase promised.
	pub purchase: PurchaseId,
	/// The merchant it is owed to.
	pub merchant: AccountId,
	/// The auditor that promised (and signs the receipt).
	pub auditor: AccountId,
	/// What the merchant is due: the purchase's value less the auditor's withholding.
	pub amount: Balance,
	/// The last block by which the purchase must be settled as paid.
	pub deadline: BlockNumber,
}

impl<AccountId: Encode, Balance: Encode, BlockNumber: Encode>
	Receipt<AccountId, Balance, BlockNumber>
{
	/// The bytes the auditor signs for this receipt on the chain whose genesis hash is
	/// `genesis`.
	pub fn signing_payload<G: Encode>(&self, genesis: &G) -> Vec<u8> {
		(RECEIPT_TAG, genesis, self).encode()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn signed(created_at: u64) -> SignedPurchase<u8, (), Vec<u32>> {
		SignedPurchase {
			merchant: 2,
			auditor: 3,
			item: [9; 32],
			created_at,
			tokens: vec![1, 2, 3],
			signature: (),
		}
	}

	#[test]
	fn payload_is_tag_genesis_buyer_merchant_auditor_item_time_tokens() {
		let payload = signed(5).signing_payload(&[7u8; 32], &1u8);
		assert_eq!(&payload[..20], PURCHASE_TAG);
		assert_eq!(&payload[20..52], &[7u8; 32]);
		assert_eq!(&payload[52..55], &[1, 2, 3], "buyer, merchant, auditor");
		assert_eq!(&payload[55..87], &[9u8; 32]);
		assert_eq!(&payload[87..95], &5u64.to_le_bytes());
		assert_eq!(&payload[95..], &vec![1u32, 2, 3].encode()[..]);
	}

	#[test]
	fn id_depends_on_chain_buyer_auditor_and_content() {
		let id = |genesis: u8, buyer: u8, purchase: SignedPurchase<u8, (), Vec<u32>>| {
			purchase_id(&purchase.signing_payload(&[genesis; 32], &buyer))
		};
		let here = id(7, 1, signed(5));
		assert_eq!(here, id(7, 1, signed(5)));
		assert_ne!(here, id(8, 1, signed(5)));
		assert_ne!(here, id(7, 4, signed(5)));
		assert_ne!(here, id(7, 1, signed(6)));
		assert_ne!(here, id(7, 1, SignedPurchase { auditor: 4, ..signed(5) }));
	}

	#[test]
	fn slice_and_vec_tokens_encode_alike() {
		let borrowed = signed(5).map_tokens(|_| Some(&[1u32, 2, 3][..])).unwrap();
		assert_eq!(signed(5).signing_payload(&0u8, &1u8), borrowed.signing_payload(&0u8, &1u8));
	}

	#[test]
	fn wallets_wrap_the_payload_in_bytes_tags() {
		assert_eq!(wrapped_payload(&[1, 2]), b"<Bytes>\x01\x02</Bytes>".to_vec());
	}

	#[test]
	fn the_purchase_reaching_w_is_held() {
		assert!(may_prepay(19, 20));
		assert!(!may_prepay(20, 20));
		assert!(!may_prepay(1, 1), "W = 1 holds every purchase");
	}

	#[test]
	fn content_depends_on_ids_and_order() {
		let (a, b) = ([1u8; 32], [2u8; 32]);
		assert_eq!(token_block_content([&a, &b]), token_block_content([&a, &b]));
		assert_ne!(token_block_content([&a, &b]), token_block_content([&b, &a]));
		assert_ne!(token_block_content([&a]), token_block_content([&a, &b]));
	}
}
