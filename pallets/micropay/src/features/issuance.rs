//! Token batches: issuance against held bank collateral, and reclaiming expired collateral.

use crate::{pallet::*, weights::WeightInfo, BankStatus, Batch, BatchId};
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use frame_system::pallet_prelude::BlockNumberFor;
use micropay_primitives::token::words_for;
use sp_runtime::traits::{CheckedMul, Saturating, Zero};

impl<T: Config> Pallet<T> {
	/// Issues a batch of `count` tokens of `value` to `owner`, holding their face value from
	/// `bank`.
	///
	/// # Errors
	/// `NotBank`, `BankDeregistered`, `EmptyBatch`, `BatchTooLarge`, `ZeroValue`,
	/// `CollateralOverflow`, `ExpiryInPast`, `ExpiryTooFar`, `InsufficientBalance`.
	pub(crate) fn do_issue_tokens(
		bank: T::AccountId,
		owner: T::AccountId,
		count: u32,
		value: BalanceOf<T>,
		expires_at: BlockNumberFor<T>,
	) -> DispatchResult {
		match Banks::<T>::get(&bank) {
			Some(BankStatus::Active) => {},
			Some(BankStatus::Deregistered) => return Err(Error::<T>::BankDeregistered.into()),
			None => return Err(Error::<T>::NotBank.into()),
		}
		ensure!(count > 0, Error::<T>::EmptyBatch);
		ensure!(count <= T::MaxBatchTokens::get(), Error::<T>::BatchTooLarge);
		ensure!(!value.is_zero(), Error::<T>::ZeroValue);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(expires_at > now, Error::<T>::ExpiryInPast);
		ensure!(
			expires_at <= now.saturating_add(T::MaxTokenLifetime::get()),
			Error::<T>::ExpiryTooFar
		);
		let collateral = value.checked_mul(&count.into()).ok_or(Error::<T>::CollateralOverflow)?;

		let batch = NextBatchId::<T>::get();
		let next = batch.checked_add(1).ok_or(sp_runtime::ArithmeticError::Overflow)?;
		T::Currency::hold(&HoldReason::BankCollateral.into(), &bank, collateral)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		NextBatchId::<T>::put(next);
		Batches::<T>::insert(
			batch,
			Batch {
				bank: bank.clone(),
				owner: owner.clone(),
				value,
				count,
				expires_at,
				reclaimed: false,
			},
		);
		Self::deposit_event(Event::TokensIssued { batch, bank, owner, count, value, expires_at });
		Ok(())
	}

	/// The weight of reclaiming a batch of `count` tokens: the measured call plus one database
	/// write per spent-bitmap word it deletes (the benchmark's in-memory deletions cost next to
	/// nothing, so they are priced here from the runtime's database weights).
	pub fn reclaim_weight(count: u32) -> Weight {
		T::WeightInfo::reclaim_expired(count)
			.saturating_add(T::DbWeight::get().writes(u64::from(words_for(count))))
	}

	/// How many of the first `count` tokens of `batch` are spent: the bits set in its spent
	/// bitmap (one read per word).
	pub fn spent_tokens(batch: BatchId, count: u32) -> u32 {
		(0..words_for(count)).map(|word| SpentWords::<T>::get(batch, word).count_ones()).sum()
	}

	/// Releases the collateral of an expired batch's unspent tokens to its bank; returns the
	/// batch's token count.
	///
	/// # Errors
	/// `UnknownBatch`, `NotBatchBank`, `AlreadyReclaimed`, `BatchNotExpired`,
	/// `CollateralOverflow`.
	pub(crate) fn do_reclaim_expired(
		bank: T::AccountId,
		batch_id: BatchId,
	) -> Result<u32, DispatchError> {
		let now = frame_system::Pallet::<T>::block_number();
		let (tokens, amount, count) = Batches::<T>::try_mutate(batch_id, |maybe| {
			let batch = maybe.as_mut().ok_or(Error::<T>::UnknownBatch)?;
			ensure!(batch.bank == bank, Error::<T>::NotBatchBank);
			ensure!(!batch.reclaimed, Error::<T>::AlreadyReclaimed);
			ensure!(now >= batch.expires_at, Error::<T>::BatchNotExpired);
			let tokens = batch.outstanding(Self::spent_tokens(batch_id, batch.count));
			let amount =
				batch.value.checked_mul(&tokens.into()).ok_or(Error::<T>::CollateralOverflow)?;
			batch.reclaimed = true;
			Ok::<_, DispatchError>((tokens, amount, batch.count))
		})?;
		// Best effort: if some collateral was taken by other means, release what is left
		// rather than strand it.
		let amount = T::Currency::release(
			&HoldReason::BankCollateral.into(),
			&bank,
			amount,
			Precision::BestEffort,
		)?;
		let _ = SpentWords::<T>::clear_prefix(batch_id, words_for(count), None);
		Self::deposit_event(Event::CollateralReclaimed { batch: batch_id, bank, tokens, amount });
		Ok(count)
	}
}
