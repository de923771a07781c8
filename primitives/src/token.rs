//! Token identities, where a token's spent bit lives, and why a token can be invalid.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Identifier of a batch of tokens issued by one bank to one buyer in one extrinsic.
/// Batch ids come from a counter and are never reused.
pub type BatchId = u64;

/// Position of a token inside its batch, from `0` to `count − 1`.
pub type TokenIndex = u32;

/// How many tokens share one spent-bitmap word (one storage item on chain).
pub const TOKENS_PER_WORD: u32 = 128;

/// A token's identity, unique on the chain: its batch and its index in the batch.
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	Hash,
	MaxEncodedLen,
	Ord,
	PartialEq,
	PartialOrd,
	TypeInfo,
)]
pub struct TokenId {
	/// The batch the token was issued in.
	pub batch: BatchId,
	/// The token's index in that batch.
	pub index: TokenIndex,
}

impl TokenId {
	/// A token id.
	pub const fn new(batch: BatchId, index: TokenIndex) -> Self {
		Self { batch, index }
	}

	/// Index of the bitmap word that holds this token's spent bit.
	pub const fn word(&self) -> u32 {
		self.index / TOKENS_PER_WORD
	}

	/// The mask of this token's bit inside its word.
	pub const fn bit(&self) -> u128 {
		1u128 << (self.index % TOKENS_PER_WORD)
	}
}

/// Number of bitmap words a batch of `count` tokens needs.
pub const fn words_for(count: u32) -> u32 {
	count.div_ceil(TOKENS_PER_WORD)
}

/// Why the chain (or the auditor's front desk) holds a token to be invalid.
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	TypeInfo,
)]
pub enum InvalidReason {
	/// Forged: the batch does not exist or has no token at that index.
	Unknown,
	/// The token belongs to another buyer than the purchase's signer.
	NotOwned,
	/// The buyer's signature over the purchase does not verify (all its tokens are invalid).
	BadSignature,
	/// The token was already spent in an earlier block.
	DoubleSpentOnChain,
	/// The token appears earlier in the same token block.
	DoubleSpentInBlock,
	/// The purchase was already settled (or appears twice in the block): a double-sell.
	DoubleSold,
	/// The token's batch has expired (or its collateral was reclaimed).
	Expired,
	/// The issuing bank's collateral no longer covers the token.
	CollateralMissing,
}

/// Where a token stands on chain (what the runtime API's `token_status` answers).
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	TypeInfo,
)]
pub enum TokenStatus {
	/// Never issued (a forged id).
	Unknown,
	/// Issued, unspent, spendable until block `expires_at` (exclusive).
	Unspent {
		/// First block at which the token is expired.
		expires_at: u64,
	},
	/// Spent (redeemed by an auditor).
	Spent,
	/// Expired unspent (or its collateral reclaimed).
	Expired,
}

/// How many tokens of a block were invalid, per reason.
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Default,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	TypeInfo,
)]
pub struct InvalidCounts {
	/// Forged or unknown tokens.
	pub unknown: u32,
	/// Tokens not owned by the signer.
	pub not_owned: u32,
	/// Tokens of purchases with a bad signature.
	pub bad_signature: u32,
	/// Tokens already spent on chain.
	pub double_spent_on_chain: u32,
	/// Tokens used twice in the block.
	pub double_spent_in_block: u32,
	/// Tokens of double-sold purchases.
	pub double_sold: u32,
	/// Expired tokens.
	pub expired: u32,
	/// Tokens whose bank collateral is missing.
	pub collateral_missing: u32,
}

impl InvalidCounts {
	/// Counts one more invalid token for `reason`.
	pub fn record(&mut self, reason: InvalidReason) {
		let slot = match reason {
			InvalidReason::Unknown => &mut self.unknown,
			InvalidReason::NotOwned => &mut self.not_owned,
			InvalidReason::BadSignature => &mut self.bad_signature,
			InvalidReason::DoubleSpentOnChain => &mut self.double_spent_on_chain,
			InvalidReason::DoubleSpentInBlock => &mut self.double_spent_in_block,
			InvalidReason::DoubleSold => &mut self.double_sold,
			InvalidReason::Expired => &mut self.expired,
			InvalidReason::CollateralMissing => &mut self.collateral_missing,
		};
		*slot = slot.saturating_add(1);
	}

	/// All invalid tokens, whatever the reason (the block's `beta`).
	pub fn total(&self) -> u32 {
		[
			self.unknown,
			self.not_owned,
			self.bad_signature,
			self.double_spent_on_chain,
			self.double_spent_in_block,
			self.double_sold,
			self.expired,
			self.collateral_missing,
		]
		.iter()
		.fold(0u32, |sum, n| sum.saturating_add(*n))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn tokens_map_to_words_and_bits() {
		assert_eq!(TokenId::new(7, 0).word(), 0);
		assert_eq!(TokenId::new(7, 127).word(), 0);
		assert_eq!(TokenId::new(7, 128).word(), 1);
		assert_eq!(TokenId::new(7, 129).bit(), 0b10);
		assert_eq!(TokenId::new(7, 127).bit(), 1u128 << 127);
		assert_eq!(words_for(0), 0);
		assert_eq!(words_for(1), 1);
		assert_eq!(words_for(128), 1);
		assert_eq!(words_for(129), 2);
	}

	#[test]
	fn invalid_counts_sum_every_reason() {
		let mut counts = InvalidCounts::default();
		counts.record(InvalidReason::Unknown);
		counts.record(InvalidReason::Expired);
		counts.record(InvalidReason::Expired);
		assert_eq!(counts.expired, 2);
		assert_eq!(counts.unknown, 1);
		assert_eq!(counts.total(), 3);
	}
}
