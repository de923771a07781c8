//! What the chain keeps per (auditor, buyer) — the trust record, the next token block's
//! sequence number and the last token block's outcome — is paid for by the auditor: a
//! deposit (`BuyerRecordDeposit`, held as [`HoldReason::BuyerRecord`]) when the first record
//! of a pair is written, released when the auditor forgets the buyer. So the records any
//! auditor can create (one per buyer it settles or profiles) are bounded by its funds.

use crate::pallet::*;
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};

impl<T: Config> Pallet<T> {
	/// Holds the record deposit from `auditor` if it has no record of `buyer` yet.
	///
	/// # Errors
	/// `InsufficientBalance` if the auditor cannot afford the deposit.
	pub(crate) fn ensure_buyer_record(
		auditor: &T::AccountId,
		buyer: &T::AccountId,
	) -> DispatchResult {
		if Trust::<T>::contains_key(auditor, buyer) {
			return Ok(());
		}
		T::Currency::hold(&HoldReason::BuyerRecord.into(), auditor, T::BuyerRecordDeposit::get())
			.map_err(|_| Error::<T>::InsufficientBalance.into())
	}

	/// Removes `auditor`'s records of `buyer` and releases their deposit. The buyer's next
	/// token block with this auditor starts again at sequence 0 with the default profile;
	/// purchases already settled stay settled (their ids are kept), and the auditor's
	/// cumulative risk keeps what the buyer cost it.
	///
	/// # Errors
	/// `NoBuyerRecord` if the auditor has no record of the buyer.
	pub(crate) fn do_forget_buyer(auditor: T::AccountId, buyer: T::AccountId) -> DispatchResult {
		ensure!(Trust::<T>::contains_key(&auditor, &buyer), Error::<T>::NoBuyerRecord);
		Trust::<T>::remove(&auditor, &buyer);
		NextBlockSeq::<T>::remove(&auditor, &buyer);
		LastBlock::<T>::remove(&auditor, &buyer);
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
