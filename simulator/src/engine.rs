//! One token block: which purchases are paid, what the auditor risks, and the user's next
//! block size. The rules are the pallet's (`submit_block`), on the shared math:
//!
//! - a prepaid purchase (started before the block reached `W` tokens) is always paid
//!   `merchant_payout(value, rho)`; a held one only if none of its tokens is invalid;
//! - a purchase's value is the face value of its tokens the chain knows: a double-spent token
//!   (issued, then spent twice) has face value, a forged one (never issued) has none;
//! - the auditor redeems the valid tokens of paid purchases at face value;
//! - the block's risk is `block_risk` of those books; every invalid token of the block, paid
//!   or not, counts in `beta`, and `TrustState::apply_block` sets the next `W`.

use micropay_primitives::{
	risk::{block_risk, PurchaseBooks},
	trust::{TrustProfile, TrustValue},
	trust_state::{TrustParams, TrustState},
};
use sp_arithmetic::Perbill;

/// One purchase of a simulated block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimPurchase {
	/// Tokens paying for it.
	pub tokens: u32,
	/// How many of them are invalid (double-spent or forged): they count in `beta`.
	pub invalid: u32,
	/// How many of the invalid ones are forged (never issued, so without face value on
	/// chain: the merchant's payout does not cover them). At most `invalid`.
	pub forged: u32,
	/// Whether the merchant was paid at once (the block was still under `W`).
	pub prepaid: bool,
}

impl SimPurchase {
	/// A purchase of `tokens` tokens, `invalid` of them double-spent (none forged).
	pub fn new(tokens: u32, invalid: u32, prepaid: bool) -> Self {
		Self { tokens, invalid, forged: 0, prepaid }
	}

	/// Whether the merchant is paid: prepaid, or held with every token valid.
	pub fn accepted(&self) -> bool {
		self.prepaid || self.invalid == 0
	}
}

/// What settling one block did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimBlock {
	/// The user's block size `W` the block was built with.
	pub size: u32,
	/// Tokens in the block.
	pub tokens: u32,
	/// Invalid tokens in the block (`beta`).
	pub beta: u32,
	/// `gamma` after the block.
	pub gamma: u32,
	/// Trust after the block.
	pub trust: TrustValue,
	/// The user's next block size.
	pub next_size: u32,
	/// Whether a recovery step raised it (only with a recovery rule).
	pub recovered: bool,
	/// Payouts minus redemptions (smallest units); negative is the auditor's gain.
	pub risk: i128,
	/// Purchases in the block.
	pub purchases: u32,
	/// Held purchases (their merchants waited for the block's validation).
	pub held: u32,
	/// Held purchases rejected (merchant not paid).
	pub rejected: u32,
}

/// The auditor's economics: each token's face value and the withholding `rho`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Economics {
	/// Face value of one token, in the smallest unit.
	pub value: u128,
	/// Share of each payment the auditor withholds.
	pub rho: Perbill,
}

/// One user as one auditor sees it: trust state and parameters.
#[derive(Clone, Debug)]
pub struct UserBook {
	/// Trust, sizes and `gamma`.
	pub state: TrustState,
	/// Bounds, `gamma` mode and recovery.
	pub params: TrustParams,
}

impl UserBook {
	/// A new user with `profile` and initial block size `w0`.
	pub fn new(profile: TrustProfile, w0: u32, params: TrustParams) -> Self {
		Self { state: TrustState::new(profile, w0, &params), params }
	}

	/// The size `W` of the user's next block.
	pub fn block_size(&self) -> u32 {
		self.state.block_size
	}

	/// Settles a block of `purchases`, updates trust, and reports the outcome.
	pub fn settle(&mut self, purchases: &[SimPurchase], economics: Economics) -> SimBlock {
		let size = self.state.block_size;
		let value_of = |tokens: u32| economics.value.saturating_mul(u128::from(tokens));
		let books = purchases.iter().map(|purchase| {
			let paid = purchase.accepted();
			let valid = purchase.tokens.saturating_sub(purchase.invalid);
			PurchaseBooks {
				value: value_of(purchase.tokens.saturating_sub(purchase.forged)),
				redeemed: if paid { value_of(valid) } else { 0 },
				paid,
			}
		});
		let risk = block_risk(books, economics.rho);
		let beta = purchases.iter().map(|purchase| purchase.invalid).sum();
		let outcome = self.state.apply_block(beta, &self.params);
		SimBlock {
			size,
			tokens: purchases.iter().map(|purchase| purchase.tokens).sum(),
			beta,
			gamma: outcome.gamma,
			trust: outcome.trust,
			next_size: outcome.next_size,
			recovered: outcome.recovered,
			risk,
			purchases: purchases.len() as u32,
			held: purchases.iter().filter(|purchase| !purchase.prepaid).count() as u32,
			rejected: purchases.iter().filter(|purchase| !purchase.accepted()).count() as u32,
		}
	}
}

/// A block of the tokens `invalid.len()` = `W` (token `i` invalid iff `invalid[i]`), in
/// purchases of `per_purchase` tokens (the last one smaller). Every purchase is prepaid but
/// the last, which reaches `W` and is therefore held (DESIGN: "the purchase that makes the
/// block reach `W` is held").
pub fn full_block(per_purchase: u32, invalid: &[bool]) -> Vec<SimPurchase> {
	invalid
		.chunks(per_purchase.max(1) as usize)
		.enumerate()
		.map(|(i, chunk)| {
			let end = (i + 1) * per_purchase.max(1) as usize;
			SimPurchase::new(
				chunk.len() as u32,
				chunk.iter().filter(|bad| **bad).count() as u32,
				end < invalid.len(),
			)
		})
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use micropay_primitives::block_size::BlockSizeBounds;

	fn economics() -> Economics {
		Economics { value: 1_000, rho: Perbill::from_percent(10) }
	}

	#[test]
	fn full_block_puts_invalid_tokens_last() {
		let flags = [false, true, false, false, false, false, true, true, false, true];
		let block = full_block(4, &flags);
		let shape: Vec<_> = block.iter().map(|p| (p.tokens, p.invalid, p.prepaid)).collect();
		assert_eq!(shape, vec![(4, 1, true), (4, 2, true), (2, 1, false)]);
		assert_eq!(full_block(5, &[true; 5]), vec![SimPurchase::new(5, 5, false)]);
	}

	#[test]
	fn a_clean_block_earns_the_withholding_and_a_cheat_costs_the_auditor() {
		let params = TrustParams::talk(BlockSizeBounds::new(1, 100));
		let mut user = UserBook::new(TrustProfile::Neutral, 20, params);
		let clean = user.settle(&full_block(5, &[false; 20]), economics());
		// Talk: Rsk = −W · v · rho.
		assert_eq!(clean.risk, -(20 * 1_000 / 10));
		assert_eq!(clean.next_size, 20);
		// Two invalid tokens in the first (prepaid) purchase, two in the last (held) one.
		let mut flags = [false; 20];
		for i in [0, 1, 18, 19] {
			flags[i] = true;
		}
		let cheat = user.settle(&full_block(5, &flags), economics());
		// Paid 15 · 900 for the three prepaid purchases, redeemed their 13 valid tokens; the
		// held one is rejected: no payout, its valid tokens stay with the buyer.
		assert_eq!(cheat.risk, 15 * 900 - 13 * 1_000);
		assert_eq!(cheat.rejected, 1);
		assert_eq!(cheat.beta, 4);
		assert!(cheat.next_size < 20);
	}

	#[test]
	fn a_held_purchase_with_an_invalid_token_is_rejected_and_costs_nothing() {
		let params = TrustParams::talk(BlockSizeBounds::new(1, 100));
		let mut user = UserBook::new(TrustProfile::Neutral, 20, params);
		let block = [SimPurchase::new(20, 0, true), SimPurchase::new(5, 1, false)];
		let outcome = user.settle(&block, economics());
		assert_eq!((outcome.held, outcome.rejected, outcome.beta), (1, 1, 1));
		assert_eq!(outcome.risk, 20 * 900 - 20 * 1_000);
	}

	#[test]
	fn a_forged_token_is_paid_for_by_nobody_but_still_counts_in_beta() {
		let params = TrustParams::talk(BlockSizeBounds::new(1, 100));
		let mut user = UserBook::new(TrustProfile::Neutral, 20, params);
		// A prepaid purchase of 5 tokens: one double-spent, one forged.
		let block = [SimPurchase { tokens: 5, invalid: 2, forged: 1, prepaid: true }];
		let outcome = user.settle(&block, economics());
		// Paid for the 4 tokens the chain knows, redeemed the 3 valid ones.
		assert_eq!(outcome.risk, 4 * 900 - 3 * 1_000);
		assert_eq!(outcome.beta, 2);
	}
}
