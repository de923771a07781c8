//! `try_state`: the books the pallet keeps must match the funds actually held.
#![cfg(any(feature = "try-runtime", feature = "mock", test))]

use crate::pallet::*;
use alloc::collections::BTreeMap;
use frame_support::traits::fungible::InspectHold;
use micropay_primitives::token::words_for;
use sp_runtime::{
	traits::{Saturating, Zero},
	TryRuntimeError,
};

impl<T: Config> Pallet<T> {
	/// Checks that
	/// - each bank's held collateral equals the face value of its issued, unspent, not yet
	///   reclaimed tokens;
	/// - each batch's spent count equals the bits set in its spent bitmap (unless reclaimed),
	///   and no batch id is beyond the counter;
	/// - each auditor's held bond equals its recorded bond.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let next_batch = NextBatchId::<T>::get();
		let mut expected = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		for (id, batch) in Batches::<T>::iter() {
			frame_support::ensure!(id < next_batch, "a batch id is beyond the batch counter");
			frame_support::ensure!(batch.spent <= batch.count, "a batch spent more than it holds");
			if !batch.reclaimed {
				let bits: u32 = (0..words_for(batch.count))
					.map(|word| SpentWords::<T>::get(id, word).count_ones())
					.sum();
				frame_support::ensure!(bits == batch.spent, "spent bits differ from spent count");
			}
			let outstanding = batch.value.saturating_mul(batch.outstanding().into());
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
		for (auditor, info) in Auditors::<T>::iter() {
			let held = T::Currency::balance_on_hold(&HoldReason::AuditorBond.into(), &auditor);
			frame_support::ensure!(
				held == info.bond,
				"an auditor's held bond differs from its record"
			);
		}
		Ok(())
	}
}
