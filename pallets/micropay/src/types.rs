//! The records the pallet stores and the shapes of `submit_block`'s input and outcome.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use frame_support::BoundedVec;
use frame_support::{CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use micropay_primitives::{
	purchase::SignedPurchase,
	token::{token_runs, InvalidCounts, InvalidReason, TokenId, TokenRun},
	trust_state::UserTrust,
};
use scale_info::TypeInfo;
use sp_runtime::{traits::Get, Perbill};

/// Whether a bank may issue new tokens.
#[derive(
	Clone,
	Copy,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	Debug,
	TypeInfo,
)]
pub enum BankStatus {
	/// Registered: may issue.
	Active,
	/// Deregistered by Root: issues nothing new; its outstanding tokens stay valid until they
	/// are redeemed or expire, and it can still reclaim expired collateral.
	Deregistered,
}

/// Where an auditor stands.
#[derive(
	Clone,
	Copy,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	Debug,
	TypeInfo,
)]
pub enum AuditorStatus<BlockNumber> {
	/// Registered: submits token blocks.
	Active,
	/// Deregistered by Root at block `since`: may still submit blocks so that pending
	/// purchases settle; its bond can be withdrawn after the retirement period.
	Retiring {
		/// The block at which the auditor was deregistered.
		since: BlockNumber,
	},
}

/// A registered auditor.
#[derive(
	Clone,
	Copy,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	Debug,
	TypeInfo,
)]
pub struct AuditorInfo<Balance, BlockNumber> {
	/// The share of each payment the auditor withholds from merchants (the talk's `rho`).
	pub rho: Perbill,
	/// The bond held from the auditor's balance; it backs payouts to merchants.
	pub bond: Balance,
	/// Active or retiring.
	pub status: AuditorStatus<BlockNumber>,
}

/// A batch of tokens issued by one bank to one buyer.
#[derive(
	Clone,
	Copy,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	Debug,
	TypeInfo,
)]
pub struct Batch<AccountId, Balance, BlockNumber> {
	/// The issuing bank, whose collateral backs the tokens.
	pub bank: AccountId,
	/// The buyer who owns the tokens.
	pub owner: AccountId,
	/// Face value of each token.
	pub value: Balance,
	/// Number of tokens; their indices are `0..count`.
	pub count: u32,
	/// From this block on the tokens are expired.
	pub expires_at: BlockNumber,
	/// Whether the bank has taken back the collateral of the unspent tokens (after expiry).
	pub reclaimed: bool,
}

impl<AccountId, Balance, BlockNumber: PartialOrd> Batch<AccountId, Balance, BlockNumber> {
	/// Tokens neither spent nor reclaimed, when `spent` of them were spent (the bits set in
	/// the batch's spent bitmap: no counter is kept, so settling a token block writes only
	/// its bitmap words): their collateral is still held.
	pub fn outstanding(&self, spent: u32) -> u32 {
		if self.reclaimed {
			0
		} else {
			self.count.saturating_sub(spent)
		}
	}

	/// Whether the batch's tokens can no longer be spent at block `now`.
	pub fn is_expired_at(&self, now: &BlockNumber) -> bool {
		self.reclaimed || *now >= self.expires_at
	}
}

/// A buyer-signed purchase as the chain checks it (tokens in a bounded vector).
pub type BoundedSignedPurchase<AccountId, Signature, MaxTokens> =
	SignedPurchase<AccountId, Signature, BoundedVec<TokenId, MaxTokens>>;

/// A purchase's tokens as a token block carries them: runs of consecutive tokens (at most
/// one run per token), expanded to the signed id list before anything is checked.
pub type BoundedTokenRuns<MaxTokens> = BoundedVec<TokenRun, MaxTokens>;

/// One purchase in a token block. `Tokens` is how its tokens are written: runs
/// ([`BoundedTokenRuns`]) in the extrinsic the auditor submits, ids once the runtime expanded
/// them.
#[derive(
	Clone, Debug, Decode, DecodeWithMemTracking, Encode, Eq, MaxEncodedLen, PartialEq, TypeInfo,
)]
pub struct BlockPurchase<AccountId, Signature, Tokens> {
	/// The purchase as the buyer signed it (it names its merchant and its auditor).
	pub purchase: SignedPurchase<AccountId, Signature, Tokens>,
	/// `true` if the auditor already paid (promised) the merchant while the block was being
	/// built; `false` if the merchant waited for this block (a held purchase).
	pub prepaid: bool,
}

impl<AccountId, Signature, MaxTokens: Get<u32>>
	BlockPurchase<AccountId, Signature, BoundedVec<TokenId, MaxTokens>>
{
	/// This purchase as a token block carries it: its tokens as runs (never more runs than
	/// tokens, so they fit the same bound).
	pub fn with_runs(self) -> BlockPurchase<AccountId, Signature, BoundedTokenRuns<MaxTokens>> {
		let BlockPurchase { purchase, prepaid } = self;
		let Ok(purchase) = purchase.try_map_tokens(|tokens| {
			Ok::<_, core::convert::Infallible>(BoundedVec::truncate_from(token_runs(&tokens)))
		});
		BlockPurchase { purchase, prepaid }
	}
}

/// What the chain decided about one purchase of a block.
#[derive(CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound)]
pub struct PurchaseVerdict<
	AccountId: Clone + PartialEq + Eq + Debug,
	Balance: Clone + PartialEq + Eq + Debug,
	BlockNumber: Clone + PartialEq + Eq + Debug,
	MaxTokens: Get<u32>,
> {
	/// The purchase id (hash of its signing payload).
	pub id: [u8; 32],
	/// The merchant.
	pub merchant: AccountId,
	/// Whether it was prepaid.
	pub prepaid: bool,
	/// Total face value of its tokens.
	pub value: Balance,
	/// Its valid tokens, with their bank and value, in order.
	pub valid: BoundedVec<(TokenId, AccountId, Balance), MaxTokens>,
	/// Its invalid tokens with the reason of each.
	pub invalid: BoundedVec<(TokenId, InvalidReason), MaxTokens>,
	/// Whether the merchant is paid: for a prepaid purchase unless it was settled before (a
	/// double-sell is never paid twice) or none of its tokens is live, for a held one only
	/// with no invalid token.
	pub accepted: bool,
	/// The latest expiry (first expired block) of its issued tokens, valid or not: its id is
	/// kept at least until then.
	pub expires_by: Option<BlockNumber>,
}

/// Summary of one validated token block, also kept as the last outcome per (auditor, buyer).
#[derive(
	Clone,
	Copy,
	Decode,
	DecodeWithMemTracking,
	Default,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	Debug,
	TypeInfo,
)]
pub struct TokenBlockSummary<Balance> {
	/// The block's sequence number for this (auditor, buyer).
	pub seq: u32,
	/// Purchases in the block.
	pub purchases: u32,
	/// Tokens in the block.
	pub tokens: u32,
	/// Valid tokens.
	pub valid: u32,
	/// Invalid tokens per reason (their total is the block's `beta`).
	pub invalid: InvalidCounts,
	/// Purchases rejected (held purchases with an invalid token).
	pub rejected: u32,
	/// Total paid to merchants.
	pub paid_out: Balance,
	/// Total redeemed from banks' collateral to the auditor.
	pub redeemed: Balance,
	/// The block's risk for the auditor: paid out − redeemed (negative is the auditor's gain).
	pub risk: i128,
	/// The hash of the block's purchase ids in order
	/// (`micropay_primitives::purchase::token_block_content`): what the auditor's worker
	/// compares with the token block it sent under this sequence number.
	pub content: [u8; 32],
}

/// Everything the chain keeps per (auditor, buyer), in one storage item so that settling a
/// token block reads and writes it once: the buyer's trust record, the sequence number its
/// next token block must carry, and the outcome of its last token block (which the auditor's
/// worker compares with what it sent). Paid for by the auditor's record deposit
/// ([`crate::HoldReason::BuyerRecord`]).
#[derive(
	Clone, Debug, Decode, DecodeWithMemTracking, Encode, Eq, MaxEncodedLen, PartialEq, TypeInfo,
)]
pub struct BuyerRecord<Balance> {
	/// Trust state, cumulative risk and prepaid limit of the buyer with this auditor.
	pub trust: UserTrust,
	/// The sequence number the buyer's next token block must carry: 0 before the first,
	/// then one more than [`Self::last`]'s.
	pub next_seq: u32,
	/// The outcome of the buyer's last settled token block, if any was settled since the
	/// record was made.
	pub last: Option<TokenBlockSummary<Balance>>,
}

impl<Balance> BuyerRecord<Balance> {
	/// A new buyer's record: `trust`, no token block settled yet.
	pub fn new(trust: UserTrust) -> Self {
		Self { trust, next_seq: 0, last: None }
	}
}

/// The bounded list of invalid tokens of one purchase, as events carry it.
pub type InvalidTokens<MaxTokens> = BoundedVec<(TokenId, InvalidReason), MaxTokens>;

/// One buyer's token block as `submit_blocks` takes it: many buyers' token blocks travel in
/// one extrinsic, so the auditor's fixed work (its record, its risk, netted payouts and
/// redemptions) is paid once per extrinsic, not once per token block.
#[derive(
	CloneNoBound,
	Decode,
	DecodeWithMemTracking,
	DebugNoBound,
	Encode,
	EqNoBound,
	MaxEncodedLen,
	PartialEqNoBound,
	TypeInfo,
)]
#[scale_info(skip_type_params(MaxTokens, MaxPurchases))]
#[allow(clippy::multiple_bound_locations)]
pub struct TokenBlock<
	AccountId: Clone + PartialEq + Eq + Debug,
	Signature: Clone + PartialEq + Eq + Debug,
	MaxTokens: Get<u32>,
	MaxPurchases: Get<u32>,
> {
	/// The buyer who signed every purchase of the block.
	pub buyer: AccountId,
	/// The block's sequence number for (auditor, buyer).
	pub seq: u32,
	/// The purchases in arrival order, their tokens as runs.
	pub purchases:
		BoundedVec<BlockPurchase<AccountId, Signature, BoundedTokenRuns<MaxTokens>>, MaxPurchases>,
}
