//! Receipts: the auditor's signed promise behind "deliver", enforced from its bond.
//!
//! The desk answers "deliver" with a [`Receipt`](micropay_primitives::purchase::Receipt)
//! signed by the auditor key: purchase id, merchant, auditor, amount due, deadline. If the
//! purchase is not settled as paid by the deadline, the merchant claims the receipt: the
//! auditor pays the amount plus `ReceiptPenalty` (from its bond first, then its free balance),
//! and the purchase id is settled so no token block can pay it again. The merchant needs no
//! trust in the auditor's honesty, only in its bond (`docs/protocol.md`, "Receipts").

use crate::pallet::*;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::Inspect,
		tokens::{Fortitude, Preservation},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{Saturating, Verify, Zero};

impl<T: Config> Pallet<T> {
	/// Pays `merchant`'s claim on `receipt`, signed by its auditor with `signature`.
	///
	/// # Errors
	/// `NotReceiptMerchant`, `NotAuditor`, `BadReceiptSignature`, `ReceiptNotDue`,
	/// `ReceiptExpired`, `PurchaseAlreadySettled`, `AuditorCannotPay`, `HoldMismatch`.
	pub(crate) fn do_claim_receipt(
		merchant: T::AccountId,
		receipt: ReceiptOf<T>,
		signature: T::BuyerSignature,
	) -> DispatchResult {
		ensure!(receipt.merchant == merchant, Error::<T>::NotReceiptMerchant);
		let auditor = receipt.auditor.clone();
		let mut info = Self::auditor(&auditor)?;
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let payload = receipt.signing_payload(&genesis);
		ensure!(signature.verify(&payload[..], &auditor), Error::<T>::BadReceiptSignature);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now > receipt.deadline, Error::<T>::ReceiptNotDue);
		ensure!(
			now <= receipt.deadline.saturating_add(T::ReceiptClaimWindow::get()),
			Error::<T>::ReceiptExpired
		);
		ensure!(
			!SettledPurchases::<T>::contains_key(receipt.purchase),
			Error::<T>::PurchaseAlreadySettled
		);

		let penalty = T::ReceiptPenalty::get() * receipt.amount;
		let due = receipt.amount.saturating_add(penalty);
		Self::draw_on_bond(&auditor, &mut info, due)?;
		Self::pay_merchant(&auditor, &mut info, &merchant, due)?;
		Auditors::<T>::insert(&auditor, info);
		// Its tokens were issued before now, so they all expire within `MaxTokenLifetime`: a
		// token block holding it fails `DoubleSold` until then, `Expired` after.
		Self::record_settled_page(
			Self::settled_epoch(now.saturating_add(T::MaxTokenLifetime::get())),
			alloc::vec![receipt.purchase],
		)?;
		Self::deposit_event(Event::ReceiptClaimed {
			purchase: receipt.purchase,
			merchant,
			auditor,
			amount: receipt.amount,
			penalty,
		});
		Ok(())
	}

	/// Releases up to `due` of the auditor's bond into its free balance, so a broken promise
	/// is paid from the bond first.
	fn draw_on_bond(
		auditor: &T::AccountId,
		info: &mut AuditorInfoOf<T>,
		due: BalanceOf<T>,
	) -> DispatchResult {
		let from_bond = due.min(info.bond);
		let free =
			T::Currency::reducible_balance(auditor, Preservation::Preserve, Fortitude::Polite);
		ensure!(free.saturating_add(from_bond) >= due, Error::<T>::AuditorCannotPay);
		Self::release_bond(auditor, info, from_bond)
	}
}
