//! Trust and risk: each buyer's trust profile and block size per auditor, recomputed after
//! every token block with the shared math of `micropay_primitives`, and cumulative risk.

use crate::{pallet::*, BuyerRecord, TokenBlockSummary, TokenStatus};
use frame_support::pallet_prelude::*;
use micropay_primitives::{
	block_size::BlockSizeBounds,
	token::TokenId,
	trust::TrustProfile,
	trust_state::{TrustParams, TrustState, UserTrust},
};
use sp_runtime::SaturatedConversion;

impl<T: Config> Pallet<T> {
	/// The trust parameters of this runtime: size bounds, `gamma` mode and recovery.
	pub fn trust_params() -> TrustParams {
		TrustParams {
			bounds: BlockSizeBounds::new(T::MinBlockTokens::get(), T::MaxBlockTokens::get()),
			gamma: T::TrustGamma::get(),
			recovery: T::TrustRecovery::get(),
		}
	}

	/// The trust record of `buyer` with `auditor` (the default one if none is stored).
	pub fn buyer_trust(auditor: &T::AccountId, buyer: &T::AccountId) -> UserTrust {
		Self::buyer_record(auditor, buyer).trust
	}

	/// Everything `auditor` keeps of `buyer` (a new buyer's record if none is stored).
	pub fn buyer_record(auditor: &T::AccountId, buyer: &T::AccountId) -> BuyerRecordOf<T> {
		BuyerRecords::<T>::get(auditor, buyer).unwrap_or_else(Self::new_buyer_record)
	}

	/// A buyer's first record: the trust it starts with, no token block settled yet.
	pub(crate) fn new_buyer_record() -> BuyerRecordOf<T> {
		BuyerRecord::new(Self::new_buyer_trust())
	}

	/// The trust a buyer starts with: the neutral profile at `DefaultBlockTokens`.
	pub(crate) fn new_buyer_trust() -> UserTrust {
		UserTrust::new(TrustState::new(
			TrustProfile::Neutral,
			T::DefaultBlockTokens::get(),
			&Self::trust_params(),
		))
	}

	/// Sets `buyer`'s profile and `W_0` for `auditor`; trust restarts, risk is kept, and
	/// purchases already promised under the old `W` may still be prepaid in the next block
	/// ([`UserTrust::restart`]).
	///
	/// # Errors
	/// `NotAuditor`, `BlockSizeOutOfBounds`, `InsufficientBalance` (the first record's
	/// deposit).
	pub(crate) fn do_set_trust_profile(
		auditor: T::AccountId,
		buyer: T::AccountId,
		profile: TrustProfile,
		initial_size: u32,
	) -> DispatchResult {
		let mut info = Self::auditor(&auditor)?;
		ensure!(
			(T::MinBlockTokens::get()..=T::MaxBlockTokens::get()).contains(&initial_size),
			Error::<T>::BlockSizeOutOfBounds
		);
		let stored = BuyerRecords::<T>::get(&auditor, &buyer);
		if stored.is_none() {
			let bond_before = info.bond;
			Self::hold_record_deposit(&auditor, &mut info)?;
			if info.bond != bond_before {
				Auditors::<T>::insert(&auditor, info);
			}
		}
		let mut record = stored.unwrap_or_else(Self::new_buyer_record);
		record.trust.restart(TrustState::new(profile, initial_size, &Self::trust_params()));
		BuyerRecords::<T>::insert(&auditor, &buyer, record);
		Self::deposit_event(Event::TrustProfileSet { auditor, buyer, profile, initial_size });
		Ok(())
	}

	/// Recomputes `buyer`'s trust and next block size from a settled block, adds the block's
	/// risk to the buyer's total, and keeps the block as the buyer's last with `next_seq` the
	/// next one's sequence number; `record` is the buyer's record before the block, written
	/// here once. `auditor_risk` is the auditor's total with this block's risk, which the
	/// caller stores once per extrinsic.
	pub(crate) fn update_trust(
		auditor: T::AccountId,
		buyer: T::AccountId,
		mut record: BuyerRecordOf<T>,
		summary: &TokenBlockSummary<BalanceOf<T>>,
		next_seq: u32,
		auditor_risk: i128,
	) {
		let outcome =
			record.trust.apply_block(summary.invalid.total(), summary.risk, &Self::trust_params());
		let (profile, user_risk) = (record.trust.state.profile, record.trust.risk);
		record.next_seq = next_seq;
		record.last = Some(*summary);
		BuyerRecords::<T>::insert(&auditor, &buyer, record);
		Self::deposit_event(Event::TrustUpdated {
			auditor,
			buyer,
			profile,
			trust: outcome.trust,
			next_block_size: outcome.next_size,
			gamma: outcome.gamma,
			block_risk: summary.risk,
			user_risk,
			auditor_risk,
		});
	}

	/// Where `token` stands now.
	pub fn token_status(token: TokenId) -> TokenStatus {
		let Some(batch) = Batches::<T>::get(token.batch).filter(|batch| token.index < batch.count)
		else {
			return TokenStatus::Unknown;
		};
		if !batch.reclaimed && SpentWords::<T>::get(token.batch, token.word()) & token.bit() != 0 {
			return TokenStatus::Spent;
		}
		if batch.is_expired_at(&frame_system::Pallet::<T>::block_number()) {
			return TokenStatus::Expired;
		}
		TokenStatus::Unspent { expires_at: batch.expires_at.saturated_into() }
	}
}
