//! Token identities, where a token's spent bit lives, and why a token can be invalid.

use alloc::vec::Vec;
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

/// Consecutive tokens of one batch, `first, first + 1, …, first + count − 1`: how a token
/// block carries a purchase's tokens on chain (a wallet spends its batch in order, so a
/// purchase is usually one run). A buyer still signs the list of token ids; the runtime
/// expands the runs back into that list ([`expand_runs`]) before it checks anything, so runs
/// change what a token block costs in length, never what was signed.
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
pub struct TokenRun {
	/// The batch of every token of the run.
	pub batch: BatchId,
	/// The index of its first token.
	#[codec(compact)]
	pub first: TokenIndex,
	/// How many tokens it holds (at least one).
	#[codec(compact)]
	pub count: u32,
}

/// Why token runs do not describe a purchase's tokens.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum RunError {
	/// A run holds no token.
	EmptyRun,
	/// A run goes past the largest token index.
	RunOverflow,
	/// The runs hold more tokens than a purchase may.
	TooManyTokens,
}

/// `tokens` as runs, in order: each run takes as many of the following ids as continue it
/// (same batch, next index). The fewest runs that expand back to `tokens`.
pub fn token_runs(tokens: &[TokenId]) -> Vec<TokenRun> {
	let mut runs: Vec<TokenRun> = Vec::new();
	for token in tokens {
		match runs.last_mut() {
			Some(run)
				if run.batch == token.batch
					&& run.first.checked_add(run.count) == Some(token.index) =>
			{
				run.count = run.count.saturating_add(1);
			},
			_ => runs.push(TokenRun { batch: token.batch, first: token.index, count: 1 }),
		}
	}
	runs
}

/// The token ids `runs` hold, in order, if they are well formed and hold at most `max`
/// tokens. Checked before anything is allocated: a run claiming billions of tokens costs
/// what reading it costs.
pub fn expand_runs(runs: &[TokenRun], max: u32) -> Result<Vec<TokenId>, RunError> {
	let mut total = 0u32;
	for run in runs {
		if run.count == 0 {
			return Err(RunError::EmptyRun);
		}
		run.first.checked_add(run.count.saturating_sub(1)).ok_or(RunError::RunOverflow)?;
		total = total
			.checked_add(run.count)
			.filter(|total| *total <= max)
			.ok_or(RunError::TooManyTokens)?;
	}
	let mut tokens = Vec::with_capacity(total as usize);
	for run in runs {
		tokens.extend(
			(run.first..=run.first.saturating_add(run.count.saturating_sub(1)))
				.map(|index| TokenId::new(run.batch, index)),
		);
	}
	Ok(tokens)
}

/// Each of `runs` with how many of its tokens are counted when at most `max` are in all:
/// what a purchase is weighed for before dispatch (runs holding more are refused before any
/// token is looked at).
pub fn counted_runs(runs: &[TokenRun], max: u32) -> impl Iterator<Item = (&TokenRun, u32)> {
	let mut left = max;
	runs.iter().map(move |run| {
		let counted = run.count.min(left);
		left = left.saturating_sub(counted);
		(run, counted)
	})
}

/// The spent-bitmap words the first `count` tokens of `run` fall in (at most `count` of them,
/// however large the run claims to be).
pub fn run_words(run: &TokenRun, count: u32) -> impl Iterator<Item = u32> {
	let count = count.min(run.count);
	let last = run.first.saturating_add(count.saturating_sub(1));
	(count > 0)
		.then_some((run.first / TOKENS_PER_WORD)..=(last / TOKENS_PER_WORD))
		.into_iter()
		.flatten()
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

	fn run(batch: BatchId, first: TokenIndex, count: u32) -> TokenRun {
		TokenRun { batch, first, count }
	}

	#[test]
	fn consecutive_tokens_of_a_batch_make_one_run() {
		let tokens = [
			TokenId::new(3, 10),
			TokenId::new(3, 11),
			TokenId::new(3, 12),
			TokenId::new(4, 13),
			TokenId::new(3, 14),
			TokenId::new(3, 13),
		];
		let runs = token_runs(&tokens);
		assert_eq!(runs, vec![run(3, 10, 3), run(4, 13, 1), run(3, 14, 1), run(3, 13, 1)]);
		assert_eq!(expand_runs(&runs, 6), Ok(tokens.to_vec()), "runs expand to the signed order");
		assert_eq!(token_runs(&[]), vec![]);
		assert_eq!(token_runs(&[TokenId::new(1, u32::MAX)]), vec![run(1, u32::MAX, 1)]);
	}

	#[test]
	fn ten_tokens_encode_in_a_run_smaller_than_two_ids() {
		let tokens: Vec<TokenId> = (0..10).map(|i| TokenId::new(1 << 40, 1_000 + i)).collect();
		let runs = token_runs(&tokens);
		assert_eq!(runs.len(), 1);
		assert_eq!(runs.encode().len(), 1 + 8 + 2 + 1);
		assert_eq!(tokens.encode().len(), 1 + 10 * 12);
	}

	#[test]
	fn runs_expand_back_to_any_id_list() {
		// Lists of up to 40 ids from 3 batches near 0 and near u32::MAX, with repeats,
		// gaps and reversals; a small xorshift keeps the cases reproducible.
		let mut state = 0x9E37_79B9_7F4A_7C15u64;
		let mut next = |bound: u64| {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			state % bound
		};
		for _ in 0..2_000 {
			let len = next(41) as usize;
			let mut tokens = Vec::with_capacity(len);
			let mut index =
				if next(2) == 0 { next(300) as u32 } else { u32::MAX - next(50) as u32 };
			for _ in 0..len {
				let batch = next(3);
				index = match next(4) {
					0 => index,
					1 => index.saturating_add(1),
					2 => index.saturating_sub(1),
					_ => index.saturating_add(next(200) as u32),
				};
				tokens.push(TokenId::new(batch, index));
			}
			let runs = token_runs(&tokens);
			assert!(runs.len() <= tokens.len());
			assert!(runs.windows(2).all(|pair| pair[0].batch != pair[1].batch
				|| pair[0].first.checked_add(pair[0].count) != Some(pair[1].first)));
			assert_eq!(expand_runs(&runs, 40), Ok(tokens.clone()));
			let counted: u32 = counted_runs(&runs, 40).map(|(_, counted)| counted).sum();
			assert_eq!(counted, tokens.len() as u32);
		}
	}

	#[test]
	fn malformed_runs_are_refused_before_anything_is_allocated() {
		assert_eq!(expand_runs(&[run(1, 0, 0)], 10), Err(RunError::EmptyRun));
		assert_eq!(expand_runs(&[run(1, u32::MAX, 2)], 10), Err(RunError::RunOverflow));
		assert_eq!(expand_runs(&[run(1, u32::MAX, 1)], 10), Ok(vec![TokenId::new(1, u32::MAX)]));
		assert_eq!(expand_runs(&[run(1, 0, 11)], 10), Err(RunError::TooManyTokens));
		assert_eq!(
			expand_runs(&[run(1, 0, u32::MAX), run(2, 0, u32::MAX)], u32::MAX),
			Err(RunError::TooManyTokens)
		);
		assert_eq!(expand_runs(&[run(1, 0, 6), run(2, 0, 5)], 10), Err(RunError::TooManyTokens));
		assert_eq!(expand_runs(&[run(1, 0, 6), run(2, 0, 4)], 10).map(|t| t.len()), Ok(10));
	}

	#[test]
	fn a_run_is_weighed_for_at_most_what_a_purchase_may_hold() {
		let counted = |runs: &[TokenRun]| {
			counted_runs(runs, 256).map(|(run, counted)| (run.batch, counted)).collect::<Vec<_>>()
		};
		assert_eq!(counted(&[run(1, 0, u32::MAX), run(2, 0, 7)]), vec![(1, 256), (2, 0)]);
		assert_eq!(counted(&[run(1, 0, 3), run(2, 0, 7)]), vec![(1, 3), (2, 7)]);
		assert_eq!(run_words(&run(1, 120, 10), 10).collect::<Vec<_>>(), vec![0, 1]);
		assert_eq!(
			run_words(&run(1, 0, u32::MAX), 256).collect::<Vec<_>>(),
			vec![0, 1],
			"bounded by the count weighed"
		);
		assert_eq!(run_words(&run(1, u32::MAX, 5), 5).collect::<Vec<_>>(), vec![u32::MAX / 128]);
		assert_eq!(run_words(&run(1, 0, 0), 10).count(), 0);
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
