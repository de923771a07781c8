//! What the chain keeps per (auditor, buyer) — one [`crate::BuyerRecord`]: the trust record,
//! the next token block's sequence number and the last token block's outcome — is paid for
//! by the auditor: a deposit (`BuyerRecordDeposit`, held as [`HoldReason::BuyerRecord`]) when
//! the record is first written, released when the auditor forgets the buyer. So the records any
//! auditor can create (one per buyer it settles or profiles) are bounded by its funds.

use crate::pallet::*;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, MutateHold},
		tokens::{Fortitude, Precision, Preservation},
	},
};
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Holds the record deposit for a new (auditor, buyer) record from `auditor` (`info` its
	/// record): from its free balance, topped up from its bond like a payout, so a new
	/// buyer's token block does not fail while the bond can pay. The caller has found no
	/// record of the buyer.
	///
	/// # Errors
	/// `InsufficientBalance` if free balance and bond together cannot afford the deposit.
	pub(crate) fn hold_record_deposit(
		auditor: &T::AccountId,
		info: &mut AuditorInfoOf<T>,
	) -> DispatchResult {
		let deposit = T::BuyerRecordDeposit::get();
		let free =
			T::Currency::reducible_balance(auditor, Preservation::Preserve, Fortitude::Polite);
		if free < deposit {
			let shortfall = deposit.saturating_sub(free);
			ensure!(shortfall <= info.bond, Error::<T>::InsufficientBalance);
			Self::release_bond(auditor, info, shortfall)?;
		}
		T::Currency::hold(&HoldReason::BuyerRecord.into(), auditor, deposit)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		Ok(())
	}

	/// Removes `auditor`'s records of `buyer` and releases their deposit. The buyer's next
	/// token block with this auditor starts again at sequence 0 with the default profile;
	/// purchases already settled stay settled (their ids are kept), and the auditor's
	/// cumulative risk keeps what the buyer cost it.
	///
	/// # Errors
	/// `NoBuyerRecord` if the auditor has no record of the buyer.
	pub(crate) fn do_forget_buyer(auditor: T::AccountId, buyer: T::AccountId) -> DispatchResult {
		ensure!(BuyerRecords::<T>::contains_key(&auditor, &buyer), Error::<T>::NoBuyerRecord);
		BuyerRecords::<T>::remove(&auditor, &buyer);
		let deposit = T::Currency::release(
			&HoldReason::BuyerRecord.into(),
			&auditor,
			T::BuyerRecordDeposit::get(),
			Precision::BestEffort,
		)?;
		Self::deposit_event(Event::BuyerForgotten { auditor, buyer, deposit });
		Ok(())
	}
}
