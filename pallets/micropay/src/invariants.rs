//! `try_state`: the books the pallet keeps must match the funds actually held.
#![cfg(any(feature = "try-runtime", feature = "mock", test))]

use crate::pallet::*;
use alloc::collections::BTreeMap;
use frame_support::traits::{fungible::InspectHold, Get};
use micropay_primitives::token::{words_for, TOKENS_PER_WORD};
use sp_runtime::{
	traits::{Saturating, Zero},
	TryRuntimeError,
};

impl<T: Config> Pallet<T> {
	/// Checks that
	/// - each bank's held collateral equals the face value of its issued, unspent, not yet
	///   reclaimed tokens;
	/// - no spent bit lies beyond its batch's tokens (the bits are the spent count), and no
	///   batch id is beyond the counter;
	/// - each auditor's held bond equals its recorded bond, and its held merchant credits the
	///   credits recorded against it;
	/// - every settled purchase id is indexed under its expiry and every index entry names a
	///   settled id with that expiry; no index entry lies behind the prune cursor;
	/// - every buyer's block size lies within `[MinBlockTokens, MaxBlockTokens]` and its
	///   prepaid bound is at least its block size.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		Self::check_collateral()?;
		Self::check_auditor_holds()?;
		Self::check_settled_index()?;
		Self::check_trust()
	}

	fn check_collateral() -> Result<(), TryRuntimeError> {
		let next_batch = NextBatchId::<T>::get();
		let mut expected = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		for (id, batch) in Batches::<T>::iter() {
			frame_support::ensure!(id < next_batch, "a batch id is beyond the batch counter");
			let spent = if batch.reclaimed { 0 } else { Self::spent_tokens(id, batch.count) };
			for (word, bits) in SpentWords::<T>::iter_prefix(id) {
				let tokens = batch
					.count
					.saturating_sub(word.saturating_mul(TOKENS_PER_WORD))
					.min(TOKENS_PER_WORD);
				let mask =
					if tokens >= TOKENS_PER_WORD { u128::MAX } else { (1u128 << tokens) - 1 };
				frame_support::ensure!(
					word < words_for(batch.count) && bits & !mask == 0,
					"a spent bit lies beyond the batch's tokens"
				);
			}
			let outstanding = batch.value.saturating_mul(batch.outstanding(spent).into());
			let total = expected.entry(batch.bank.clone()).or_insert_with(Zero::zero);
			*total = total.saturating_add(outstanding);
		}
		for (bank, amount) in expected {
			let held = T::Currency::balance_on_hold(&HoldReason::BankCollateral.into(), &bank);
			frame_support::ensure!(
				held == amount,
				"a bank's held collateral differs from its outstanding tokens"
			);
		}
		Ok(())
	}

	fn check_auditor_holds() -> Result<(), TryRuntimeError> {
		for (auditor, info) in Auditors::<T>::iter() {
			let held = T::Currency::balance_on_hold(&HoldReason::AuditorBond.into(), &auditor);
			frame_support::ensure!(
				held == info.bond,
				"an auditor's held bond differs from its record"
			);
		}
		let mut owed = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		for (_, auditor, amount) in MerchantCredits::<T>::iter() {
			frame_support::ensure!(!amount.is_zero(), "a zero merchant credit is stored");
			let total = owed.entry(auditor).or_insert_with(Zero::zero);
			*total = total.saturating_add(amount);
		}
		for (auditor, amount) in owed {
			let held = T::Currency::balance_on_hold(&HoldReason::MerchantCredit.into(), &auditor);
			frame_support::ensure!(held == amount, "held merchant credits differ from the record");
		}
		let mut records = BTreeMap::<T::AccountId, u32>::new();
		for (auditor, _, _) in BuyerRecords::<T>::iter() {
			*records.entry(auditor).or_default() += 1;
		}
		for (auditor, count) in records {
			let held = T::Currency::balance_on_hold(&HoldReason::BuyerRecord.into(), &auditor);
			frame_support::ensure!(
				held == T::BuyerRecordDeposit::get().saturating_mul(count.into()),
				"held buyer-record deposits differ from the records kept"
			);
		}
		Ok(())
	}

	fn check_settled_index() -> Result<(), TryRuntimeError> {
		let cursor = PruneCursor::<T>::get();
		let mut indexed = alloc::collections::BTreeMap::new();
		for (epoch, page, ids) in SettledByExpiry::<T>::iter() {
			frame_support::ensure!(epoch >= cursor, "an expiry page lies behind the prune cursor");
			frame_support::ensure!(
				page < SettledPages::<T>::get(epoch),
				"an expiry page lies beyond its epoch's page count"
			);
			for id in ids {
				indexed.insert(id, epoch);
			}
		}
		for (id, epoch) in SettledPurchases::<T>::iter() {
			frame_support::ensure!(
				indexed.get(&id) == Some(&epoch),
				"a settled purchase id is missing from its epoch's expiry pages"
			);
		}
		Ok(())
	}

	fn check_trust() -> Result<(), TryRuntimeError> {
		let (min, max) = (T::MinBlockTokens::get(), T::MaxBlockTokens::get());
		for (_, _, record) in BuyerRecords::<T>::iter() {
			let w = record.trust.state.block_size;
			frame_support::ensure!(min <= w && w <= max, "a block size is out of bounds");
			frame_support::ensure!(record.trust.prepaid_limit >= w, "a prepaid bound is below W");
			let expected_next = record.last.map_or(Some(0), |last| last.seq.checked_add(1));
			frame_support::ensure!(
				expected_next == Some(record.next_seq),
				"a buyer's next sequence number does not follow its last token block"
			);
		}
		Ok(())
	}
}
