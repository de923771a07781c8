//! The weight of an extrinsic of token blocks, composed from benchmarks that each vary one
//! component with every other at its minimum (`benchmarking.rs`): the slope of a component is
//! then what one more of it costs at the shapes people use, not a difference lost in the
//! noise of blocks already at their maximum.
//!
//! Each benchmark's smallest case already holds one of everything (one token block with one
//! purchase of one token in one word, one merchant, one bank), so the weight is the token
//! blocks benchmark at `b`, plus each other component's slope times what the call has beyond
//! what `b` token blocks of that smallest shape hold:
//!
//! ```text
//! weight = profiled(b)                         b token blocks (exp/ln profiles)
//!        + (new_buyers′ − profiled′)⁺ · n      each new buyer's record deposit (bond top-up)
//!        + purchases′ · (p − b)                each further purchase (its signature, its id)
//!        + tokens′ · (t − p)                   each further token
//!        + words′ · (w − b)                    each further word (and its batch)
//!        + (merchants′ − purchases′) · (m − 1) each further merchant paid (bond top-up)
//!        + (banks′ − words′) · (k − 1)         each further bank paid
//!        + (invalid′ − tokens′)⁺ · i           what an invalid token costs beyond a valid one
//! ```
//!
//! Before dispatch every token counts as invalid, every buyer as new and the banks are the
//! call's witness (or, for `submit_block`, every batch); the extrinsic is refunded to the
//! tokens it found invalid, the buyers that were new and the banks it paid. The overlaps (a further word's token is also a further token; the
//! merchants' and banks' benchmarks add a purchase and a word) are counted twice, so the
//! weight errs high, by a token's cost.

use crate::{
	features::settlement::{CallOutcome, CallShape},
	pallet::*,
	WeightInfo,
};
use frame_support::{dispatch::PostDispatchInfo, pallet_prelude::*};

/// What one more of a component adds: `f(1) − f(0)` of a linear weight function.
fn slope(f: fn(u32) -> Weight) -> Weight {
	f(1).saturating_sub(f(0))
}

impl<T: Config> Pallet<T> {
	/// The weight charged before dispatch for an extrinsic of `shape`.
	pub fn token_blocks_weight(shape: &CallShape) -> Weight {
		Self::weigh(shape, shape.banks, shape.invalid, shape.blocks)
	}

	/// The weight of an extrinsic of `shape` that paid `banks` banks, found `invalid` invalid
	/// tokens and held `new_buyers` new buyer records.
	pub fn weigh(shape: &CallShape, banks: u32, invalid: u32, new_buyers: u32) -> Weight {
		let b = shape.blocks.max(1);
		let profiled = slope(T::WeightInfo::submit_blocks_profiled);
		let beyond = |count: u32, floor: u32| u64::from(count.saturating_sub(floor));
		let purchases = slope(T::WeightInfo::submit_block_purchases);
		let tokens = slope(T::WeightInfo::submit_block_tokens);
		let words = slope(T::WeightInfo::submit_block_words);
		// New buyers: what their benchmark adds beyond the profiled one, per buyer and (once,
		// if any) in its intercept.
		let new_buyer = slope(T::WeightInfo::submit_blocks_new_buyers).saturating_sub(profiled);
		let new_intercept = if new_buyers > 0 {
			T::WeightInfo::submit_blocks_new_buyers(0)
				.saturating_sub(T::WeightInfo::submit_blocks_profiled(0))
		} else {
			Weight::zero()
		};
		T::WeightInfo::submit_blocks_profiled(b)
			.saturating_add(new_buyer.saturating_mul(u64::from(new_buyers)))
			.saturating_add(new_intercept)
			.saturating_add(purchases.saturating_mul(beyond(shape.purchases, b)))
			.saturating_add(tokens.saturating_mul(beyond(shape.tokens, shape.purchases)))
			.saturating_add(words.saturating_mul(beyond(shape.words, b)))
			.saturating_add(
				slope(T::WeightInfo::submit_block_merchants)
					.saturating_sub(purchases)
					.saturating_mul(beyond(shape.merchants, 1)),
			)
			.saturating_add(
				slope(T::WeightInfo::submit_block_banks)
					.saturating_sub(words)
					.saturating_mul(beyond(banks, 1)),
			)
			.saturating_add(
				slope(T::WeightInfo::submit_block_invalid)
					.saturating_sub(tokens)
					.saturating_mul(u64::from(invalid)),
			)
	}

	/// The weight actually used and who pays: only extrinsics whose token blocks were all
	/// settled and clean ride free; junk is paid for by the auditor that sent it.
	pub(crate) fn token_blocks_post_info(
		shape: CallShape,
		outcome: &CallOutcome,
	) -> PostDispatchInfo {
		let pays = if outcome.invalid == 0 && outcome.refused == 0 { Pays::No } else { Pays::Yes };
		PostDispatchInfo {
			actual_weight: Some(Self::weigh(
				&shape,
				outcome.banks,
				outcome.invalid,
				outcome.new_buyers,
			)),
			pays_fee: pays,
		}
	}
}
