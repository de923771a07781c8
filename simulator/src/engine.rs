//! One token block: which purchases are paid, what the auditor risks, and the user's next
//! block size. The rules are the pallet's (`submit_block`), on the shared math:
//!
//! - a prepaid purchase (started before the block reached `W` tokens) is always paid
//!   `merchant_payout(value, rho)`; a held one only if none of its tokens is invalid;
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
	/// How many of them are invalid (double-spent).
	pub invalid: u32,
	/// Whether the merchant was paid at once (the block was still under `W`).
	pub prepaid: bool,
}

impl SimPurchase {
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
			PurchaseBooks {
				value: value_of(purchase.tokens),
				redeemed: if paid { value_of(purchase.tokens - purchase.invalid) } else { 0 },
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
			risk,
			purchases: purchases.len() as u32,
			held: purchases.iter().filter(|purchase| !purchase.prepaid).count() as u32,
			rejected: purchases.iter().filter(|purchase| !purchase.accepted()).count() as u32,
		}
	}
}

/// A full block of `size` tokens in prepaid purchases of `per_purchase` tokens (the last one
/// smaller), with `invalid` invalid tokens placed at the end of the block.
pub fn prepaid_block(size: u32, per_purchase: u32, invalid: u32) -> Vec<SimPurchase> {
	let per_purchase = per_purchase.max(1);
	let mut purchases = Vec::new();
	let mut start = 0;
	while start < size {
		let tokens = per_purchase.min(size - start);
		let first_invalid = size.saturating_sub(invalid);
		let end = start + tokens;
		let invalid_here = end.saturating_sub(first_invalid.max(start)).min(tokens);
		purchases.push(SimPurchase { tokens, invalid: invalid_here, prepaid: true });
		start = end;
	}
	purchases
}

#[cfg(test)]
mod tests {
	use super::*;
	use micropay_primitives::block_size::BlockSizeBounds;

	fn economics() -> Economics {
		Economics { value: 1_000, rho: Perbill::from_percent(10) }
	}

	#[test]
	fn prepaid_block_puts_invalid_tokens_last() {
		let block = prepaid_block(10, 4, 3);
		let shape: Vec<_> = block.iter().map(|p| (p.tokens, p.invalid)).collect();
		assert_eq!(shape, vec![(4, 0), (4, 1), (2, 2)]);
		assert_eq!(prepaid_block(5, 5, 9).iter().map(|p| p.invalid).sum::<u32>(), 5);
	}

	#[test]
	fn a_clean_block_earns_the_withholding_and_a_cheat_costs_the_auditor() {
		let params = TrustParams::talk(BlockSizeBounds::new(1, 100));
		let mut user = UserBook::new(TrustProfile::Neutral, 20, params);
		let clean = user.settle(&prepaid_block(20, 5, 0), economics());
		// Talk: Rsk = −W · v · rho.
		assert_eq!(clean.risk, -(20 * 1_000 / 10));
		assert_eq!(clean.next_size, 20);
		let cheat = user.settle(&prepaid_block(20, 5, 4), economics());
		// Paid 20 · 900, redeemed 16 · 1000.
		assert_eq!(cheat.risk, 20 * 900 - 16 * 1_000);
		assert_eq!(cheat.beta, 4);
		assert!(cheat.next_size < 20);
	}

	#[test]
	fn a_held_purchase_with_an_invalid_token_is_rejected_and_costs_nothing() {
		let params = TrustParams::talk(BlockSizeBounds::new(1, 100));
		let mut user = UserBook::new(TrustProfile::Neutral, 20, params);
		let block = [
			SimPurchase { tokens: 20, invalid: 0, prepaid: true },
			SimPurchase { tokens: 5, invalid: 1, prepaid: false },
		];
		let outcome = user.settle(&block, economics());
		assert_eq!((outcome.held, outcome.rejected, outcome.beta), (1, 1, 1));
		assert_eq!(outcome.risk, 20 * 900 - 20 * 1_000);
	}
}
