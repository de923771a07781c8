//! Merchant credits: payouts an auditor owes a merchant whose account could not receive them.
//!
//! A token block never fails because one merchant cannot be paid (an account below the
//! existential deposit, an account closed after "deliver"): the amount is held on the
//! auditor ([`HoldReason::MerchantCredit`]) and recorded in [`MerchantCredits`]; the merchant
//! withdraws it with `withdraw_credit` once its account can receive it. One entry per
//! (merchant, auditor), each holding at least the payout that could not be made; the desk
//! refuses purchases whose merchant cannot receive the payout
//! (`Refusal::MerchantCannotReceive`), so credits arise from accounts closed after "deliver"
//! or from token blocks sent by hand.

use crate::{pallet::*, AuditorStatus};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, InspectHold, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
	},
};
use micropay_primitives::desk::AuditorCover;
use sp_runtime::{
	traits::{Saturating, Zero},
	SaturatedConversion,
};

impl<T: Config> Pallet<T> {
	/// Holds `amount` of the auditor's free balance as `merchant`'s credit.
	///
	/// # Errors
	/// `HoldMismatch` if the auditor's free balance cannot cover it (the caller made sure it
	/// can).
	pub(crate) fn credit_merchant(
		auditor: &T::AccountId,
		merchant: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		T::Currency::hold(&HoldReason::MerchantCredit.into(), auditor, amount)
			.map_err(|_| Error::<T>::HoldMismatch)?;
		MerchantCredits::<T>::mutate(merchant, auditor, |owed| *owed = owed.saturating_add(amount));
		Self::deposit_event(Event::PayoutCredited {
			merchant: merchant.clone(),
			auditor: auditor.clone(),
			amount,
		});
		Ok(())
	}

	/// Pays `merchant` what `auditor` owes it.
	///
	/// # Errors
	/// `NoCredit` if nothing is owed; `CreditNotPayable` if the account still cannot receive
	/// it (the credit stays).
	pub(crate) fn do_withdraw_credit(
		merchant: T::AccountId,
		auditor: T::AccountId,
	) -> DispatchResult {
		let amount = MerchantCredits::<T>::get(&merchant, &auditor);
		ensure!(!amount.is_zero(), Error::<T>::NoCredit);
		T::Currency::transfer_on_hold(
			&HoldReason::MerchantCredit.into(),
			&auditor,
			&merchant,
			amount,
			Precision::Exact,
			Restriction::Free,
			Fortitude::Polite,
		)
		.map_err(|_| Error::<T>::CreditNotPayable)?;
		MerchantCredits::<T>::remove(&merchant, &auditor);
		Self::deposit_event(Event::CreditWithdrawn { merchant, auditor, amount });
		Ok(())
	}

	/// All that auditors owe `merchant` (one entry per auditor that owes it).
	pub fn merchant_credit(merchant: &T::AccountId) -> BalanceOf<T> {
		MerchantCredits::<T>::iter_prefix_values(merchant)
			.fold(Zero::zero(), |sum: BalanceOf<T>, owed| sum.saturating_add(owed))
	}

	/// What backs `auditor`'s promises on chain (runtime API `auditor_cover`).
	pub fn auditor_cover(auditor: &T::AccountId) -> Option<AuditorCover> {
		let info = Auditors::<T>::get(auditor)?;
		let owed = |reason: HoldReason| -> u128 {
			T::Currency::balance_on_hold(&reason.into(), auditor).saturated_into()
		};
		Some(AuditorCover {
			bond: owed(HoldReason::AuditorBond),
			free: T::Currency::reducible_balance(
				auditor,
				Preservation::Preserve,
				Fortitude::Polite,
			)
			.saturated_into(),
			active: info.status == AuditorStatus::Active,
			credits_owed: owed(HoldReason::MerchantCredit),
		})
	}
}
