//! `submit_block`: the block's checks of form, then validation, then moving the money.
//!
//! All of it runs in the extrinsic's storage transaction: if the block fails (the auditor
//! cannot pay, held funds are missing), nothing of it is kept and the sequence number does not
//! advance. A payout the merchant's account cannot receive does not fail the block: it is
//! held on the auditor as the merchant's credit (`features::credits`), so one party's fault
//! never blocks another.

use crate::{features::validation::PurchaseVerdictOf, pallet::*, BlockPurchase, TokenBlockSummary};
use alloc::collections::{BTreeMap, BTreeSet};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use micropay_primitives::{
	desk::settle_horizon,
	purchase::{may_prepay, token_block_content, PurchaseId},
	risk::{block_risk, merchant_payout, PurchaseBooks},
	token::{BatchId, InvalidReason},
};
use sp_runtime::{
	traits::{Saturating, Zero},
	SaturatedConversion,
};

/// What a token block's weight depends on, counted from the call's arguments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockShape {
	/// Purchases (one signature check, settled id and payout each).
	pub purchases: u32,
	/// Tokens.
	pub tokens: u32,
	/// Distinct `(batch, word)` pairs of the spent bitmap the tokens touch; each is at most
	/// one batch, one bank and one word read and written.
	pub words: u32,
}

impl<T: Config> Pallet<T> {
	/// The [`BlockShape`] of `purchases`.
	pub fn block_shape(purchases: &BlockPurchases<T>) -> BlockShape {
		let words = purchases
			.iter()
			.flat_map(|purchase| {
				purchase.purchase.tokens.iter().map(|token| (token.batch, token.word()))
			})
			.collect::<BTreeSet<_>>();
		BlockShape {
			purchases: purchases.len() as u32,
			tokens: purchases.iter().map(|purchase| purchase.purchase.tokens.len() as u32).sum(),
			words: words.len() as u32,
		}
	}

	/// Validates and settles one token block of `buyer` submitted by `auditor`.
	///
	/// # Errors
	/// `NotAuditor`; the form errors of [`Self::ensure_well_formed`]; `WrongBlockSequence`;
	/// `InsufficientBalance` (the buyer record's deposit); `AuditorCannotPay` or
	/// `HoldMismatch` from settlement. On error nothing is kept.
	pub(crate) fn do_submit_block(
		auditor: T::AccountId,
		buyer: T::AccountId,
		seq: u32,
		purchases: BlockPurchases<T>,
	) -> Result<TokenBlockSummary<BalanceOf<T>>, DispatchError> {
		let mut info = Self::auditor(&auditor)?;
		let bond_before = info.bond;
		let prepaid_limit = Self::buyer_trust(&auditor, &buyer).prepaid_limit;
		Self::ensure_well_formed(&auditor, &purchases, prepaid_limit)?;
		ensure!(NextBlockSeq::<T>::get(&auditor, &buyer) == seq, Error::<T>::WrongBlockSequence);
		Self::ensure_buyer_record(&auditor, &mut info, &buyer)?;
		let next_seq = seq.checked_add(1).ok_or(sp_runtime::ArithmeticError::Overflow)?;

		let verdicts = Self::validate_block(&buyer, &purchases);
		let mut summary = Self::settle(&auditor, &mut info, seq, &verdicts)?;
		summary.content = token_block_content(verdicts.iter().map(|verdict| &verdict.id));
		if info.bond != bond_before {
			Auditors::<T>::insert(&auditor, info);
		}
		NextBlockSeq::<T>::insert(&auditor, &buyer, next_seq);
		LastTokenBlock::<T>::insert(&auditor, &buyer, summary);
		Self::deposit_event(Event::TokenBlockValidated {
			auditor: auditor.clone(),
			buyer: buyer.clone(),
			summary,
		});
		Self::update_trust(auditor, buyer, &summary);
		Ok(summary)
	}

	/// Rejects a malformed block before any token is looked at. `prepaid_limit` is the buyer's
	/// block size `W` (or, if the auditor lowered `W` since the buyer's last block, the `W`
	/// its promises were made under: [`crate::UserTrust::prepaid_limit`]): a purchase may be prepaid
	/// only if the block, with it, still holds fewer tokens (the purchase that reaches `W` is
	/// held, so `W = 1` holds every purchase). Held purchases may come anywhere, e.g. first:
	/// those that arrived while the buyer's previous block was being validated.
	///
	/// # Errors
	/// `EmptyBlock`, `EmptyPurchase`, `WrongAuditor` (a purchase signed for another auditor),
	/// `PrepaidBeyondBlockSize`, `TooManyTokens`.
	fn ensure_well_formed(
		auditor: &T::AccountId,
		purchases: &BlockPurchases<T>,
		prepaid_limit: u32,
	) -> DispatchResult {
		ensure!(!purchases.is_empty(), Error::<T>::EmptyBlock);
		let mut tokens = 0u32;
		for BlockPurchase { purchase, prepaid } in purchases {
			ensure!(purchase.auditor == *auditor, Error::<T>::WrongAuditor);
			ensure!(!purchase.tokens.is_empty(), Error::<T>::EmptyPurchase);
			tokens = tokens.saturating_add(purchase.tokens.len() as u32);
			ensure!(
				!prepaid || may_prepay(tokens, prepaid_limit),
				Error::<T>::PrepaidBeyondBlockSize
			);
		}
		ensure!(tokens <= T::MaxBlockTokens::get(), Error::<T>::TooManyTokens);
		Ok(())
	}

	/// Redeems valid tokens of accepted purchases, pays merchants, and records the outcome.
	fn settle(
		auditor: &T::AccountId,
		info: &mut AuditorInfoOf<T>,
		seq: u32,
		verdicts: &[PurchaseVerdictOf<T>],
	) -> Result<TokenBlockSummary<BalanceOf<T>>, DispatchError> {
		let mut summary =
			TokenBlockSummary { seq, purchases: verdicts.len() as u32, ..Default::default() };

		// Redemptions first, so payouts can use what the auditor just received.
		summary.redeemed = Self::redeem_tokens(auditor, verdicts)?;

		let now = frame_system::Pallet::<T>::block_number();
		// One transfer per merchant, however many of its purchases the block holds.
		let mut payouts = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		for verdict in verdicts {
			summary.tokens = summary
				.tokens
				.saturating_add(verdict.valid.len() as u32)
				.saturating_add(verdict.invalid.len() as u32);
			summary.valid = summary.valid.saturating_add(verdict.valid.len() as u32);
			for (_, reason) in verdict.invalid.iter() {
				summary.invalid.record(*reason);
			}
			if !verdict.invalid.is_empty() {
				Self::deposit_event(Event::InvalidTokens {
					purchase: verdict.id,
					tokens: verdict.invalid.clone(),
				});
			}
			if verdict.accepted {
				let payout: BalanceOf<T> =
					merchant_payout(verdict.value.saturated_into(), info.rho).saturated_into();
				let owed = payouts.entry(verdict.merchant.clone()).or_insert_with(Zero::zero);
				*owed = owed.saturating_add(payout);
				summary.paid_out = summary.paid_out.saturating_add(payout);
				Self::record_settled(verdict.id, Self::forget_settled_after(verdict, now));
				Self::deposit_event(Event::PurchaseSettled {
					purchase: verdict.id,
					merchant: verdict.merchant.clone(),
					paid: payout,
					prepaid: verdict.prepaid,
				});
			} else {
				summary.rejected = summary.rejected.saturating_add(1);
				let reason =
					verdict.invalid.first().map_or(InvalidReason::Unknown, |(_, reason)| *reason);
				Self::deposit_event(Event::PurchaseRejected {
					purchase: verdict.id,
					merchant: verdict.merchant.clone(),
					reason,
				});
			}
		}
		for (merchant, amount) in payouts {
			Self::pay_merchant(auditor, info, &merchant, amount)?;
		}
		summary.risk = block_risk(verdicts.iter().map(Self::books), info.rho);
		Ok(summary)
	}

	/// What one purchase contributed to the auditor's books.
	fn books(verdict: &PurchaseVerdictOf<T>) -> PurchaseBooks {
		let redeemed = if verdict.accepted {
			verdict
				.valid
				.iter()
				.fold(0u128, |sum, (_, _, value)| sum.saturating_add((*value).saturated_into()))
		} else {
			0
		};
		PurchaseBooks { value: verdict.value.saturated_into(), redeemed, paid: verdict.accepted }
	}

	/// Marks the valid tokens of accepted purchases spent and moves their value from the
	/// banks' collateral to the auditor, one transfer per bank. Returns the total redeemed.
	fn redeem_tokens(
		auditor: &T::AccountId,
		verdicts: &[PurchaseVerdictOf<T>],
	) -> Result<BalanceOf<T>, DispatchError> {
		let mut words = BTreeMap::<(BatchId, u32), u128>::new();
		let mut spent = BTreeMap::<BatchId, u32>::new();
		let mut per_bank = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		for verdict in verdicts.iter().filter(|verdict| verdict.accepted) {
			for (token, bank, value) in verdict.valid.iter() {
				let word = words
					.entry((token.batch, token.word()))
					.or_insert_with(|| SpentWords::<T>::get(token.batch, token.word()));
				*word |= token.bit();
				let count = spent.entry(token.batch).or_insert(0);
				*count = count.saturating_add(1);
				let claimed = per_bank.entry(bank.clone()).or_insert_with(Zero::zero);
				*claimed = claimed.saturating_add(*value);
			}
		}
		let mut redeemed = BalanceOf::<T>::zero();
		for (bank, amount) in per_bank {
			T::Currency::transfer_on_hold(
				&HoldReason::BankCollateral.into(),
				&bank,
				auditor,
				amount,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Polite,
			)
			.map_err(|_| Error::<T>::HoldMismatch)?;
			redeemed = redeemed.saturating_add(amount);
		}
		for ((batch, word), bits) in words {
			SpentWords::<T>::insert(batch, word, bits);
		}
		for (batch, count) in spent {
			Batches::<T>::mutate(batch, |maybe| {
				if let Some(batch) = maybe {
					batch.spent = batch.spent.saturating_add(count);
				}
			});
		}
		Ok(redeemed)
	}

	/// Pays `amount` to `merchant` from the auditor's free balance, topped up from its bond. If
	/// the merchant's account cannot receive it, the amount is held on the auditor as the
	/// merchant's credit instead (`PayoutCredited`).
	///
	/// # Errors
	/// `AuditorCannotPay` if free balance and bond together fall short; `HoldMismatch` if the
	/// bond on hold is smaller than its record.
	pub(crate) fn pay_merchant(
		auditor: &T::AccountId,
		info: &mut AuditorInfoOf<T>,
		merchant: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		let free =
			T::Currency::reducible_balance(auditor, Preservation::Preserve, Fortitude::Polite);
		if free < amount {
			let shortfall = amount.saturating_sub(free);
			ensure!(shortfall <= info.bond, Error::<T>::AuditorCannotPay);
			Self::release_bond(auditor, info, shortfall)?;
		}
		if T::Currency::transfer(auditor, merchant, amount, Preservation::Preserve).is_err() {
			Self::credit_merchant(auditor, merchant, amount)?;
		}
		Ok(())
	}

	/// Releases `amount` of the auditor's bond (at most its bond) into its free balance.
	///
	/// # Errors
	/// `HoldMismatch` if the bond on hold is smaller than its record.
	pub(crate) fn release_bond(
		auditor: &T::AccountId,
		info: &mut AuditorInfoOf<T>,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		let amount = amount.min(info.bond);
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::release(&HoldReason::AuditorBond.into(), auditor, amount, Precision::Exact)
			.map_err(|_| Error::<T>::HoldMismatch)?;
		info.bond = info.bond.saturating_sub(amount);
		Ok(())
	}

	/// The block after which a purchase settled now by `verdict` may be forgotten: once all
	/// its tokens expired (a prepaid replay with no live token is not paid), and not before any receipt for
	/// it can still be claimed (a receipt signed when it was admitted falls due within the
	/// desk's horizon, then may be claimed for `ReceiptClaimWindow` blocks).
	fn forget_settled_after(
		verdict: &PurchaseVerdictOf<T>,
		now: BlockNumberFor<T>,
	) -> BlockNumberFor<T> {
		let horizon = settle_horizon(&Self::desk_limits());
		let receipts_closed =
			now.saturating_add(horizon.into()).saturating_add(T::ReceiptClaimWindow::get());
		verdict.expires_by.map_or(receipts_closed, |at| at.max(receipts_closed))
	}

	/// Remembers a settled purchase until block `forget_after`.
	pub(crate) fn record_settled(id: PurchaseId, forget_after: BlockNumberFor<T>) {
		SettledPurchases::<T>::insert(id, forget_after);
		SettledByExpiry::<T>::insert(forget_after, id, ());
	}
}
