//! Banks and auditors: registration by Root, retirement, and the auditor bond.

use crate::{pallet::*, AuditorInfo, AuditorStatus, BankStatus};
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::Saturating, Perbill};

impl<T: Config> Pallet<T> {
	/// Registers `bank` as an active bank.
	///
	/// # Errors
	/// `AlreadyBank` (also for a deregistered bank: ids are not reused).
	pub(crate) fn do_register_bank(bank: T::AccountId) -> DispatchResult {
		ensure!(!Banks::<T>::contains_key(&bank), Error::<T>::AlreadyBank);
		Banks::<T>::insert(&bank, BankStatus::Active);
		Self::deposit_event(Event::BankRegistered { bank });
		Ok(())
	}

	/// Stops `bank` from issuing; its outstanding tokens keep their collateral.
	///
	/// # Errors
	/// `NotBank`, `BankDeregistered`.
	pub(crate) fn do_deregister_bank(bank: T::AccountId) -> DispatchResult {
		Banks::<T>::try_mutate(&bank, |status| match status {
			Some(BankStatus::Active) => {
				*status = Some(BankStatus::Deregistered);
				Ok(())
			},
			Some(BankStatus::Deregistered) => Err(Error::<T>::BankDeregistered),
			None => Err(Error::<T>::NotBank),
		})?;
		Self::deposit_event(Event::BankDeregistered { bank });
		Ok(())
	}

	/// Registers `auditor` with withholding `rho`, holding the auditor bond.
	///
	/// # Errors
	/// `AlreadyAuditor`, `InsufficientBalance`.
	pub(crate) fn do_register_auditor(auditor: &T::AccountId, rho: Perbill) -> DispatchResult {
		ensure!(!Auditors::<T>::contains_key(auditor), Error::<T>::AlreadyAuditor);
		let bond = T::AuditorBond::get();
		T::Currency::hold(&HoldReason::AuditorBond.into(), auditor, bond)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		Auditors::<T>::insert(auditor, AuditorInfo { rho, bond, status: AuditorStatus::Active });
		Self::deposit_event(Event::AuditorRegistered { auditor: auditor.clone(), rho, bond });
		Ok(())
	}

	/// Puts an active auditor into retirement.
	///
	/// # Errors
	/// `NotAuditor`, `AuditorAlreadyRetiring`.
	pub(crate) fn do_deregister_auditor(auditor: T::AccountId) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		Auditors::<T>::try_mutate(&auditor, |info| {
			let info = info.as_mut().ok_or(Error::<T>::NotAuditor)?;
			ensure!(info.status == AuditorStatus::Active, Error::<T>::AuditorAlreadyRetiring);
			info.status = AuditorStatus::Retiring { since: now };
			Ok::<_, Error<T>>(())
		})?;
		let bond_free_at = now.saturating_add(T::AuditorRetirementPeriod::get());
		Self::deposit_event(Event::AuditorRetiring { auditor, bond_free_at });
		Ok(())
	}

	/// Releases a retired auditor's bond and forgets the auditor.
	///
	/// # Errors
	/// `NotAuditor`, `AuditorNotRetiring`, `RetirementPeriodNotOver`, `HoldMismatch`.
	pub(crate) fn do_withdraw_auditor_bond(auditor: T::AccountId) -> DispatchResult {
		let info = Auditors::<T>::get(&auditor).ok_or(Error::<T>::NotAuditor)?;
		let AuditorStatus::Retiring { since } = info.status else {
			return Err(Error::<T>::AuditorNotRetiring.into());
		};
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			now >= since.saturating_add(T::AuditorRetirementPeriod::get()),
			Error::<T>::RetirementPeriodNotOver
		);
		let bond = T::Currency::release(
			&HoldReason::AuditorBond.into(),
			&auditor,
			info.bond,
			Precision::Exact,
		)
		.map_err(|_| Error::<T>::HoldMismatch)?;
		Auditors::<T>::remove(&auditor);
		Self::deposit_event(Event::AuditorBondWithdrawn { auditor, bond });
		Ok(())
	}

	/// The record of `who` if it may submit token blocks (active or retiring).
	pub(crate) fn auditor(who: &T::AccountId) -> Result<AuditorInfoOf<T>, Error<T>> {
		Auditors::<T>::get(who).ok_or(Error::<T>::NotAuditor)
	}

	/// The block from which a retiring auditor's bond is free (for tests and tooling).
	pub fn bond_free_at(since: BlockNumberFor<T>) -> BlockNumberFor<T> {
		since.saturating_add(T::AuditorRetirementPeriod::get())
	}
}
