//! Merchant payouts and the risk of a token block (talk, "Risk assessment").
//!
//! The talk writes the payout of a purchase of `|tr|` tokens of value `v` as
//! `|tr| · v · (1 − rho)` and the risk of block `n` as
//!
//! - valid block: `Rsk = −W · v · rho`;
//! - invalid block: `Rsk = Σ_prepaid |tr_i| · v · (1 − rho) − Σ_prepaid (|tr_i| − beta_i) · v`.
//!
//! Both are one rule: **risk = what the auditor paid merchants − what it redeemed from the
//! banks**, summed over the purchases the auditor paid for. [`block_risk`] computes exactly
//! that, so the chain's accounting and the talk's formulas cannot drift apart: a held purchase
//! that was rejected is neither paid nor redeemed and adds nothing; a purchase whose tokens are
//! all valid adds `−value · rho`.

use sp_arithmetic::Perbill;

/// Amount a merchant receives for `value` worth of tokens when the auditor withholds `rho`:
/// `value − ⌊rho · value⌋`.
///
/// Rounding favours the merchant (the withheld part is rounded down), and the result never
/// exceeds `value`, so an auditor can always fund a payout from the tokens it redeems.
pub fn merchant_payout(value: u128, rho: Perbill) -> u128 {
	value.saturating_sub(rho.mul_floor(value))
}

/// What one purchase of a token block contributed to the auditor's books.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurchaseBooks {
	/// Total face value of the purchase's tokens (`|tr| · v` when all tokens share `v`).
	pub value: u128,
	/// Face value of the purchase's tokens that were valid and redeemed from the bank.
	pub redeemed: u128,
	/// Whether the merchant was paid (`merchant_payout(value, rho)`) for this purchase.
	pub paid: bool,
}

/// Risk of one token block for its auditor: payouts made minus value redeemed, over the
/// purchases the auditor paid for. Negative is the auditor's gain (its withholding).
///
/// Saturates at the bounds of `i128` instead of overflowing.
pub fn block_risk(purchases: impl IntoIterator<Item = PurchaseBooks>, rho: Perbill) -> i128 {
	purchases.into_iter().filter(|p| p.paid).fold(0i128, |risk, p| {
		let paid = i128::try_from(merchant_payout(p.value, rho)).unwrap_or(i128::MAX);
		let redeemed = i128::try_from(p.redeemed).unwrap_or(i128::MAX);
		risk.saturating_add(paid.saturating_sub(redeemed))
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	fn rho_percent(p: u32) -> Perbill {
		Perbill::from_percent(p)
	}

	#[test]
	fn payout_withholds_rho_of_the_value() {
		assert_eq!(merchant_payout(1_000, rho_percent(10)), 900);
		assert_eq!(merchant_payout(1_000, rho_percent(0)), 1_000);
		assert_eq!(merchant_payout(1_000, rho_percent(100)), 0);
	}

	#[test]
	fn payout_rounds_in_the_merchants_favour() {
		// 1% of 150 is 1.5: the auditor withholds 1, the merchant gets 149.
		assert_eq!(merchant_payout(150, rho_percent(1)), 149);
	}

	#[test]
	fn valid_block_risk_is_minus_w_v_rho() {
		// W = 20 tokens of v = 100 in four purchases of 5, rho = 5%: Rsk = -20·100·0.05 = -100.
		let purchase = PurchaseBooks { value: 500, redeemed: 500, paid: true };
		assert_eq!(block_risk([purchase; 4], rho_percent(5)), -100);
	}

	#[test]
	fn invalid_block_risk_matches_the_talk() {
		// v = 100, rho = 10%. Prepaid: |tr1| = 4 with beta1 = 1, |tr2| = 3 with beta2 = 0.
		// Held and rejected: |tr3| = 5 with one invalid token (neither paid nor redeemed).
		// Talk: Σ |tr_i| v (1-rho) - Σ (|tr_i| - beta_i) v = (4+3)·90 - (3+3)·100 = 630 - 600 = 30.
		let books = [
			PurchaseBooks { value: 400, redeemed: 300, paid: true },
			PurchaseBooks { value: 300, redeemed: 300, paid: true },
			PurchaseBooks { value: 500, redeemed: 0, paid: false },
		];
		assert_eq!(block_risk(books, rho_percent(10)), 30);
	}

	#[test]
	fn risk_saturates_instead_of_overflowing() {
		let huge = PurchaseBooks { value: u128::MAX, redeemed: 0, paid: true };
		assert_eq!(block_risk([huge, huge], rho_percent(0)), i128::MAX);
	}
}
