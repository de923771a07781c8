//! FRAME benchmarks (v2) of every call, each at its worst case.
//!
//! `submit_block` is measured with three components: `p` purchases (one signature check, one
//! settled id and one merchant payout each, every merchant a new account), `t` tokens (the
//! per-token checks and bookkeeping) and `w` distinct spent-bitmap words. Every word is the
//! first word of its own batch of its own bank, so each word costs a cold batch read, a cold
//! word read and write, and one bank's collateral read and transfer: the worst a word can
//! cost. A block needs at least one token per purchase, at most `MaxTokensPerPurchase` per
//! purchase, at least one token per word and at most 128 per word, so the ranges make every
//! `(p, t, w)` buildable: `p` and `w` up to `min(MaxPurchasesPerBlock, MaxBlockTokens)`, `t`
//! from there to `MaxBlockTokens`, and the lower ends of `p` and `w` as small as
//! `MaxBlockTokens` allows. The linear fit extends beyond those ranges.

use crate::{
	benchmark_helper::BenchmarkHelper, pallet::*, AuditorStatus, BlockPurchase, SignedPurchase,
	TokenBlockSummary, TokenId, TrustProfile,
};
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use micropay_primitives::token::{words_for, TOKENS_PER_WORD};
use sp_runtime::{
	traits::{One, Saturating, Zero},
	Perbill,
};

/// Withholding of the benchmarks' auditor.
const RHO_PERCENT: u32 = 2;

/// Gives `who` enough to cover `amount` and stay alive.
fn fund<T: Config>(who: &T::AccountId, amount: BalanceOf<T>) {
	let existential =
		<T::Currency as frame_support::traits::fungible::Inspect<_>>::minimum_balance();
	T::Currency::set_balance(who, existential.saturating_mul(10u32.into()).saturating_add(amount));
}

/// Face value of the benchmarks' tokens: large enough that a one-token purchase pays a new
/// merchant account at least the existential deposit.
fn token_value<T: Config>() -> BalanceOf<T> {
	let existential =
		<T::Currency as frame_support::traits::fungible::Inspect<_>>::minimum_balance();
	existential.saturating_mul(10u32.into()).max(1_000u32.into())
}

/// A registered bank, funded for `collateral`.
fn bank<T: Config>(index: u32, collateral: BalanceOf<T>) -> T::AccountId {
	let bank: T::AccountId = account("bank", index, 0);
	fund::<T>(&bank, collateral);
	Banks::<T>::insert(&bank, crate::BankStatus::Active);
	bank
}

/// A registered auditor, funded beyond its bond.
fn auditor<T: Config>() -> Result<T::AccountId, BenchmarkError> {
	let auditor: T::AccountId = account("auditor", 0, 0);
	fund::<T>(&auditor, T::AuditorBond::get());
	Pallet::<T>::do_register_auditor(&auditor, Perbill::from_percent(RHO_PERCENT))?;
	Ok(auditor)
}

/// The latest expiry a batch issued now may have.
fn latest_expiry<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number().saturating_add(T::MaxTokenLifetime::get())
}

/// Fewest purchases a block of `MaxBlockTokens` tokens needs.
fn min_purchases<T: Config>() -> u32 {
	T::MaxBlockTokens::get().div_ceil(T::MaxTokensPerPurchase::get().max(1)).max(1)
}

/// Most purchases in a block that also has at least one token per purchase.
fn max_purchases<T: Config>() -> u32 {
	T::MaxPurchasesPerBlock::get().min(T::MaxBlockTokens::get()).max(min_purchases::<T>())
}

/// Fewest distinct words a block of `MaxBlockTokens` tokens touches.
fn min_words<T: Config>() -> u32 {
	T::MaxBlockTokens::get().div_ceil(TOKENS_PER_WORD).max(1)
}

/// `t` tokens of `buyer` spread evenly over `w` words, each word the first of its own batch
/// of its own bank.
fn spread_tokens<T: Config>(
	buyer: &T::AccountId,
	t: u32,
	w: u32,
) -> Result<Vec<TokenId>, BenchmarkError> {
	let value = token_value::<T>();
	let mut tokens = Vec::new();
	for word in 0..w {
		let count = t / w + u32::from(word < t % w);
		let bank = bank::<T>(word, value.saturating_mul(count.into()));
		let batch = NextBatchId::<T>::get();
		Pallet::<T>::do_issue_tokens(bank, buyer.clone(), count, value, latest_expiry::<T>())?;
		tokens.extend((0..count).map(|index| TokenId::new(batch, index)));
	}
	Ok(tokens)
}

/// `tokens` split into `p` held purchases signed by `buyer` for `auditor`, each to a new
/// merchant.
fn signed_purchases<T: Config>(
	buyer: &T::AccountId,
	auditor: &T::AccountId,
	p: u32,
	tokens: Vec<TokenId>,
) -> Result<BlockPurchases<T>, BenchmarkError> {
	let (per, extra) = ((tokens.len() as u32) / p, (tokens.len() as u32) % p);
	let mut remaining = tokens.into_iter();
	let mut purchases = Vec::new();
	for j in 0..p {
		let take = per + u32::from(j < extra);
		let tokens = remaining.by_ref().take(take as usize).collect::<Vec<_>>();
		let mut purchase = SignedPurchase {
			merchant: account("merchant", j, 0),
			auditor: auditor.clone(),
			item: [j as u8; 32],
			created_at: u64::from(j),
			tokens: tokens.try_into().map_err(|_| BenchmarkError::Stop("purchase too big"))?,
			signature: T::BenchmarkHelper::sign(buyer, &[]),
		};
		let (payload, _) = Pallet::<T>::purchase_payload(buyer, &purchase);
		purchase.signature = T::BenchmarkHelper::sign(buyer, &payload);
		purchases.push(BlockPurchase { purchase, prepaid: false });
	}
	purchases.try_into().map_err(|_| BenchmarkError::Stop("too many purchases"))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_bank() {
		let bank: T::AccountId = account("bank", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Root, bank.clone());
		assert!(Banks::<T>::contains_key(&bank));
	}

	#[benchmark]
	fn deregister_bank() {
		let bank = bank::<T>(0, Zero::zero());
		#[extrinsic_call]
		_(RawOrigin::Root, bank.clone());
		assert_eq!(Banks::<T>::get(&bank), Some(crate::BankStatus::Deregistered));
	}

	#[benchmark]
	fn register_auditor() {
		let auditor: T::AccountId = account("auditor", 0, 0);
		fund::<T>(&auditor, T::AuditorBond::get());
		#[extrinsic_call]
		_(RawOrigin::Root, auditor.clone(), Perbill::from_percent(RHO_PERCENT));
		assert!(Auditors::<T>::contains_key(&auditor));
	}

	#[benchmark]
	fn deregister_auditor() -> Result<(), BenchmarkError> {
		let auditor = auditor::<T>()?;
		#[extrinsic_call]
		_(RawOrigin::Root, auditor.clone());
		let status = Auditors::<T>::get(&auditor).map(|info| info.status);
		assert!(matches!(status, Some(AuditorStatus::Retiring { .. })));
		Ok(())
	}

	#[benchmark]
	fn withdraw_auditor_bond() -> Result<(), BenchmarkError> {
		let auditor = auditor::<T>()?;
		Pallet::<T>::do_deregister_auditor(auditor.clone())?;
		let now = frame_system::Pallet::<T>::block_number();
		frame_system::Pallet::<T>::set_block_number(
			now.saturating_add(T::AuditorRetirementPeriod::get()).saturating_add(One::one()),
		);
		#[extrinsic_call]
		_(RawOrigin::Signed(auditor.clone()), auditor.clone());
		assert!(!Auditors::<T>::contains_key(&auditor));
		Ok(())
	}

	#[benchmark]
	fn issue_tokens() {
		let count = T::MaxBatchTokens::get();
		let value = token_value::<T>();
		let bank = bank::<T>(0, value.saturating_mul(count.into()));
		let owner: T::AccountId = account("buyer", 0, 0);
		let batch = NextBatchId::<T>::get();
		#[extrinsic_call]
		_(RawOrigin::Signed(bank), owner, count, value, latest_expiry::<T>());
		assert!(Batches::<T>::contains_key(batch));
	}

	/// `t` tokens in the batch; every word of its spent bitmap is stored (one token spent per
	/// word), so reclaiming removes `⌈t / 128⌉` words.
	#[benchmark]
	fn reclaim_expired(t: Linear<1, { T::MaxBatchTokens::get() }>) -> Result<(), BenchmarkError> {
		let value = token_value::<T>();
		let bank = bank::<T>(0, value.saturating_mul(t.into()));
		let owner: T::AccountId = account("buyer", 0, 0);
		let batch = NextBatchId::<T>::get();
		let expires_at = latest_expiry::<T>();
		Pallet::<T>::do_issue_tokens(bank.clone(), owner, t, value, expires_at)?;
		let words = words_for(t);
		for word in 0..words {
			SpentWords::<T>::insert(batch, word, 1u128);
		}
		Batches::<T>::mutate(batch, |maybe| {
			if let Some(batch) = maybe {
				batch.spent = words;
			}
		});
		frame_system::Pallet::<T>::set_block_number(expires_at);
		#[extrinsic_call]
		_(RawOrigin::Signed(bank), batch);
		assert!(Batches::<T>::get(batch).is_some_and(|batch| batch.reclaimed));
		assert!(SpentWords::<T>::iter_prefix(batch).next().is_none());
		Ok(())
	}

	/// `p` held purchases, `t` tokens in `w` words of `w` batches and banks, every token valid.
	#[benchmark]
	fn submit_block(
		p: Linear<{ min_purchases::<T>() }, { max_purchases::<T>() }>,
		t: Linear<{ max_purchases::<T>() }, { T::MaxBlockTokens::get() }>,
		w: Linear<{ min_words::<T>() }, { max_purchases::<T>() }>,
	) -> Result<(), BenchmarkError> {
		let auditor = auditor::<T>()?;
		let buyer = T::BenchmarkHelper::buyer(0);
		let tokens = spread_tokens::<T>(&buyer, t, w)?;
		let purchases = signed_purchases::<T>(&buyer, &auditor, p, tokens)?;
		let shape = Pallet::<T>::block_shape(&purchases);
		assert_eq!((shape.purchases, shape.tokens, shape.words), (p, t, w));
		#[extrinsic_call]
		_(RawOrigin::Signed(auditor.clone()), buyer.clone(), 0, purchases);
		let summary: Option<TokenBlockSummary<BalanceOf<T>>> =
			LastTokenBlock::<T>::get(&auditor, &buyer);
		assert_eq!(summary.map(|summary| (summary.valid, summary.rejected)), Some((t, 0)));
		Ok(())
	}

	#[benchmark]
	fn set_trust_profile() -> Result<(), BenchmarkError> {
		let auditor = auditor::<T>()?;
		let buyer: T::AccountId = account("buyer", 0, 0);
		let size = T::MaxBlockTokens::get();
		Pallet::<T>::do_set_trust_profile(
			auditor.clone(),
			buyer.clone(),
			TrustProfile::Neutral,
			1,
		)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(auditor.clone()), buyer.clone(), TrustProfile::Pessimistic, size);
		let record = Trust::<T>::get(&auditor, &buyer);
		assert_eq!(record.map(|record| record.state.block_size), Some(size));
		Ok(())
	}

	/// A claim paid from the bond, to a merchant account that does not exist yet (the
	/// costlier transfer), with the signature check of the receipt.
	#[benchmark]
	fn claim_receipt() -> Result<(), BenchmarkError> {
		let auditor = T::BenchmarkHelper::buyer(1);
		// The bond and some free balance: the claim (amount + penalty) takes both.
		fund::<T>(&auditor, T::AuditorBond::get().saturating_add(token_value::<T>()));
		Pallet::<T>::do_register_auditor(&auditor, Perbill::from_percent(RHO_PERCENT))?;
		let merchant: T::AccountId = account("merchant", 0, 0);
		let now = frame_system::Pallet::<T>::block_number();
		let receipt = ReceiptOf::<T> {
			purchase: [7; 32],
			merchant: merchant.clone(),
			auditor: auditor.clone(),
			amount: token_value::<T>(),
			deadline: now,
		};
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let signature = T::BenchmarkHelper::sign(&auditor, &receipt.signing_payload(&genesis));
		frame_system::Pallet::<T>::set_block_number(now.saturating_add(One::one()));
		#[extrinsic_call]
		_(RawOrigin::Signed(merchant), receipt, signature);
		assert!(SettledPurchases::<T>::contains_key([7; 32]));
		Ok(())
	}

	#[benchmark]
	fn withdraw_credit() -> Result<(), BenchmarkError> {
		let auditor = auditor::<T>()?;
		fund::<T>(&auditor, T::AuditorBond::get().saturating_add(token_value::<T>()));
		let merchant: T::AccountId = account("merchant", 0, 0);
		Pallet::<T>::credit_merchant(&auditor, &merchant, token_value::<T>())?;
		#[extrinsic_call]
		_(RawOrigin::Signed(merchant.clone()), auditor.clone());
		assert!(MerchantCredits::<T>::get(&merchant, &auditor).is_zero());
		Ok(())
	}

	#[benchmark]
	fn forget_buyer() -> Result<(), BenchmarkError> {
		let auditor = auditor::<T>()?;
		let buyer: T::AccountId = account("buyer", 0, 0);
		fund::<T>(&auditor, T::BuyerRecordDeposit::get().saturating_add(T::AuditorBond::get()));
		Pallet::<T>::do_set_trust_profile(
			auditor.clone(),
			buyer.clone(),
			TrustProfile::Neutral,
			1,
		)?;
		NextBlockSeq::<T>::insert(&auditor, &buyer, 7);
		LastTokenBlock::<T>::insert(&auditor, &buyer, TokenBlockSummary::<BalanceOf<T>>::default());
		#[extrinsic_call]
		_(RawOrigin::Signed(auditor.clone()), buyer.clone());
		assert!(!Trust::<T>::contains_key(&auditor, &buyer));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
