//! FRAME benchmarks (v2) of every call, each at its worst case.
//!
//! An extrinsic of token blocks is measured one component at a time, **every other component
//! at its minimum** (`features::weighing` composes the weight): token blocks `b` (with the
//! exp/ln profiles, or with new buyers whose record deposit tops up from the bond), purchases
//! `p`, tokens `t`, words `w` (each in its own batch), banks `k` (each word of its own bank),
//! merchants `m` (each a new account, each payout topping up from the bond) and invalid tokens
//! `i` (the invalid path and its event). The smallest case of each is one token block of one
//! purchase of one valid token. A slope measured with the other components at their maximum
//! would be lost in the noise of a full token block; here each is measured where it is the
//! only thing that grows.

use crate::{
	benchmark_helper::BenchmarkHelper, pallet::*, AuditorStatus, BlockPurchase, SignedPurchase,
	TokenBlock, TokenBlockSummary, TokenId, TrustProfile,
};
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Mutate, MutateHold},
	Get,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use micropay_primitives::token::words_for;
use micropay_primitives::token::BatchId;
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

/// A new batch of `count` tokens of `buyer` from `bank` (funded for it beforehand).
fn batch_of<T: Config>(
	bank: &T::AccountId,
	buyer: &T::AccountId,
	count: u32,
) -> Result<BatchId, BenchmarkError> {
	let batch = NextBatchId::<T>::get();
	Pallet::<T>::do_issue_tokens(
		bank.clone(),
		buyer.clone(),
		count,
		token_value::<T>(),
		latest_expiry::<T>(),
	)?;
	Ok(batch)
}

/// A purchase of `tokens` signed by `buyer` for `auditor`, to `merchant`.
fn signed<T: Config>(
	buyer: &T::AccountId,
	auditor: &T::AccountId,
	merchant: T::AccountId,
	item: u32,
	tokens: Vec<TokenId>,
	prepaid: bool,
) -> Result<BlockPurchaseOf<T>, BenchmarkError> {
	let mut item_hash = [0u8; 32];
	item_hash[..4].copy_from_slice(&item.to_le_bytes());
	let mut purchase = SignedPurchase {
		merchant,
		auditor: auditor.clone(),
		item: item_hash,
		created_at: u64::from(item),
		tokens: tokens.try_into().map_err(|_| BenchmarkError::Stop("purchase too big"))?,
		signature: T::BenchmarkHelper::sign(buyer, &[]),
	};
	let (payload, _) = Pallet::<T>::purchase_payload(buyer, &purchase);
	purchase.signature = T::BenchmarkHelper::sign(buyer, &payload);
	Ok(BlockPurchase { purchase, prepaid })
}

/// One token block of `buyer` (its first), as `submit_blocks` takes it (tokens as runs).
fn token_block<T: Config>(
	buyer: T::AccountId,
	purchases: Vec<BlockPurchaseOf<T>>,
) -> Result<TokenBlockOf<T>, BenchmarkError> {
	Ok(TokenBlock { buyer, seq: 0, purchases: submitted::<T>(purchases)? })
}

/// `purchases` as a token block carries them (tokens as runs).
fn submitted<T: Config>(
	purchases: Vec<BlockPurchaseOf<T>>,
) -> Result<SubmittedPurchases<T>, BenchmarkError> {
	purchases
		.into_iter()
		.map(BlockPurchase::with_runs)
		.collect::<Vec<_>>()
		.try_into()
		.map_err(|_| BenchmarkError::Stop("too many purchases"))
}

/// `blocks` as `submit_blocks` takes them.
fn call_of<T: Config>(blocks: Vec<TokenBlockOf<T>>) -> Result<TokenBlocksOf<T>, BenchmarkError> {
	blocks.try_into().map_err(|_| BenchmarkError::Stop("too many token blocks"))
}

/// Most token blocks one extrinsic may carry (one purchase each).
fn max_blocks<T: Config>() -> u32 {
	T::MaxBlocksPerCall::get().min(T::MaxPurchasesPerCall::get()).max(1)
}

/// Most one-token purchases one token block may hold.
fn max_purchases<T: Config>() -> u32 {
	T::MaxPurchasesPerBlock::get().min(T::MaxBlockTokens::get()).max(1)
}

/// Most one-token prepaid purchases one token block may hold (the last must stay under `W`).
fn max_prepaid<T: Config>() -> u32 {
	max_purchases::<T>().min(T::MaxBlockTokens::get().saturating_sub(1)).max(1)
}

/// `b` new buyers' first token blocks, one held purchase of one token each (each its own
/// batch of one bank), all to one merchant.
fn one_token_blocks<T: Config>(
	auditor: &T::AccountId,
	b: u32,
	profile: impl Fn(u32) -> Option<TrustProfile>,
) -> Result<Vec<TokenBlockOf<T>>, BenchmarkError> {
	let bank = bank::<T>(0, token_value::<T>().saturating_mul(b.into()));
	let merchant: T::AccountId = account("merchant", 0, 0);
	let mut blocks = Vec::new();
	for j in 0..b {
		let buyer = T::BenchmarkHelper::buyer(j);
		let batch = batch_of::<T>(&bank, &buyer, 1)?;
		if let Some(profile) = profile(j) {
			Pallet::<T>::do_set_trust_profile(
				auditor.clone(),
				buyer.clone(),
				profile,
				T::DefaultBlockTokens::get(),
			)?;
		}
		let purchase = signed::<T>(
			&buyer,
			auditor,
			merchant.clone(),
			j,
			alloc::vec![TokenId::new(batch, 0)],
			false,
		)?;
		blocks.push(token_block::<T>(buyer, alloc::vec![purchase])?);
	}
	Ok(blocks)
}

/// One token block of one held purchase of `tokens` by buyer 0, to merchant 0.
fn one_purchase<T: Config>(
	auditor: &T::AccountId,
	tokens: Vec<TokenId>,
) -> Result<TokenBlocksOf<T>, BenchmarkError> {
	let buyer = T::BenchmarkHelper::buyer(0);
	let purchase = signed::<T>(&buyer, auditor, account("merchant", 0, 0), 0, tokens, false)?;
	call_of::<T>(alloc::vec![token_block::<T>(buyer, alloc::vec![purchase])?])
}

/// Asserts the last token block of `buyer` settled `valid` valid tokens.
fn assert_settled<T: Config>(auditor: &T::AccountId, buyer: &T::AccountId, valid: u32) {
	let summary: Option<TokenBlockSummary<BalanceOf<T>>> =
		BuyerRecords::<T>::get(auditor, buyer).and_then(|record| record.last);
	assert_eq!(summary.map(|summary| summary.valid), Some(valid));
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
		frame_system::Pallet::<T>::set_block_number(expires_at);
		#[extrinsic_call]
		_(RawOrigin::Signed(bank), batch);
		assert!(Batches::<T>::get(batch).is_some_and(|batch| batch.reclaimed));
		assert!(SpentWords::<T>::iter_prefix(batch).next().is_none());
		Ok(())
	}

	/// `b` token blocks of buyers with the pessimistic and optimistic profiles (exp and ln
	/// in their trust update), one held one-token purchase each.
	#[benchmark]
	fn submit_blocks_profiled(b: Linear<1, { max_blocks::<T>() }>) -> Result<(), BenchmarkError> {
		let auditor = auditor::<T>()?;
		fund::<T>(
			&auditor,
			T::AuditorBond::get()
				.saturating_add(T::BuyerRecordDeposit::get().saturating_mul(b.into())),
		);
		let blocks = one_token_blocks::<T>(&auditor, b, |j| {
			Some(if j % 2 == 0 { TrustProfile::Pessimistic } else { TrustProfile::Optimistic })
		})?;
		let last = blocks.last().map(|block| block.buyer.clone());
		let blocks = call_of::<T>(blocks)?;
		#[extrinsic_call]
		submit_blocks(RawOrigin::Signed(auditor.clone()), blocks, 1);
		assert_settled::<T>(&auditor, &last.ok_or(BenchmarkError::Stop("no block"))?, 1);
		Ok(())
	}

	/// `b` token blocks of new buyers: each holds a record deposit, topped up from the bond
	/// (the auditor's free balance is near the existential deposit).
	#[benchmark]
	fn submit_blocks_new_buyers(b: Linear<1, { max_blocks::<T>() }>) -> Result<(), BenchmarkError> {
		let auditor = auditor::<T>()?;
		let blocks = one_token_blocks::<T>(&auditor, b, |_| None)?;
		let last = blocks.last().map(|block| block.buyer.clone());
		let blocks = call_of::<T>(blocks)?;
		#[extrinsic_call]
		submit_blocks(RawOrigin::Signed(auditor.clone()), blocks, 1);
		assert_settled::<T>(&auditor, &last.ok_or(BenchmarkError::Stop("no block"))?, 1);
		Ok(())
	}

	/// One token block of `p` held one-token purchases (one batch, one merchant).
	#[benchmark]
	fn submit_block_purchases(
		p: Linear<1, { max_purchases::<T>() }>,
	) -> Result<(), BenchmarkError> {
		let auditor = auditor::<T>()?;
		let buyer = T::BenchmarkHelper::buyer(0);
		let bank = bank::<T>(0, token_value::<T>().saturating_mul(p.into()));
		let batch = batch_of::<T>(&bank, &buyer, p)?;
		let purchases = (0..p)
			.map(|j| {
				signed::<T>(
					&buyer,
					&auditor,
					account("merchant", 0, 0),
					j,
					alloc::vec![TokenId::new(batch, j)],
					false,
				)
			})
			.collect::<Result<Vec<_>, _>>()?;
		let blocks = call_of::<T>(alloc::vec![token_block::<T>(buyer.clone(), purchases)?])?;
		#[extrinsic_call]
		submit_blocks(RawOrigin::Signed(auditor.clone()), blocks, 1);
		assert_settled::<T>(&auditor, &buyer, p);
		Ok(())
	}

	/// One token block of `m` prepaid one-token purchases, each to a new merchant account;
	/// every token was spent before, so nothing is redeemed and every payout draws on the
	/// bond (the bond top-up path).
	#[benchmark]
	fn submit_block_merchants(m: Linear<1, { max_prepaid::<T>() }>) -> Result<(), BenchmarkError> {
		let auditor = auditor::<T>()?;
		// A bond that covers every payout, on top of the registration's; the free balance
		// near the existential deposit, so each payout tops up from the bond.
		let extra = token_value::<T>().saturating_mul(m.into());
		fund::<T>(&auditor, extra);
		T::Currency::hold(&HoldReason::AuditorBond.into(), &auditor, extra)?;
		Auditors::<T>::mutate(&auditor, |info| {
			if let Some(info) = info {
				info.bond = info.bond.saturating_add(extra);
			}
		});
		let buyer = T::BenchmarkHelper::buyer(0);
		Pallet::<T>::do_set_trust_profile(
			auditor.clone(),
			buyer.clone(),
			TrustProfile::Neutral,
			T::MaxBlockTokens::get(),
		)?;
		let bank = bank::<T>(0, token_value::<T>().saturating_mul(m.into()));
		let batch = batch_of::<T>(&bank, &buyer, m)?;
		for word in 0..words_for(m) {
			SpentWords::<T>::insert(batch, word, u128::MAX);
		}
		let purchases = (0..m)
			.map(|j| {
				signed::<T>(
					&buyer,
					&auditor,
					account("merchant", j, 0),
					j,
					alloc::vec![TokenId::new(batch, j)],
					true,
				)
			})
			.collect::<Result<Vec<_>, _>>()?;
		let blocks = call_of::<T>(alloc::vec![token_block::<T>(buyer.clone(), purchases)?])?;
		let bond = Auditors::<T>::get(&auditor).map(|info| info.bond);
		#[extrinsic_call]
		submit_blocks(RawOrigin::Signed(auditor.clone()), blocks, 1);
		assert_settled::<T>(&auditor, &buyer, 0);
		assert!(Auditors::<T>::get(&auditor).map(|info| info.bond) < bond, "the bond paid");
		Ok(())
	}

	/// One token block of one purchase of `t` tokens in one word.
	#[benchmark]
	fn submit_block_tokens(
		t: Linear<1, { T::MaxTokensPerPurchase::get() }>,
	) -> Result<(), BenchmarkError> {
		let auditor = auditor::<T>()?;
		let buyer = T::BenchmarkHelper::buyer(0);
		let bank = bank::<T>(0, token_value::<T>().saturating_mul(t.into()));
		let batch = batch_of::<T>(&bank, &buyer, t)?;
		let blocks =
			one_purchase::<T>(&auditor, (0..t).map(|index| TokenId::new(batch, index)).collect())?;
		#[extrinsic_call]
		submit_blocks(RawOrigin::Signed(auditor.clone()), blocks, 1);
		assert_settled::<T>(&auditor, &buyer, t);
		Ok(())
	}

	/// One token block of one purchase of `w` tokens, each in its own batch (and word) of one
	/// bank.
	#[benchmark]
	fn submit_block_words(
		w: Linear<1, { T::MaxTokensPerPurchase::get() }>,
	) -> Result<(), BenchmarkError> {
		let auditor = auditor::<T>()?;
		let buyer = T::BenchmarkHelper::buyer(0);
		let bank = bank::<T>(0, token_value::<T>().saturating_mul(w.into()));
		let tokens = (0..w)
			.map(|_| batch_of::<T>(&bank, &buyer, 1).map(|batch| TokenId::new(batch, 0)))
			.collect::<Result<Vec<_>, _>>()?;
		let blocks = one_purchase::<T>(&auditor, tokens)?;
		#[extrinsic_call]
		submit_blocks(RawOrigin::Signed(auditor.clone()), blocks, 1);
		assert_settled::<T>(&auditor, &buyer, w);
		Ok(())
	}

	/// One token block of one purchase of `k` tokens, each in its own batch of its own bank.
	#[benchmark]
	fn submit_block_banks(
		k: Linear<1, { T::MaxTokensPerPurchase::get() }>,
	) -> Result<(), BenchmarkError> {
		let auditor = auditor::<T>()?;
		let buyer = T::BenchmarkHelper::buyer(0);
		let tokens = (0..k)
			.map(|j| {
				let bank = bank::<T>(j, token_value::<T>());
				batch_of::<T>(&bank, &buyer, 1).map(|batch| TokenId::new(batch, 0))
			})
			.collect::<Result<Vec<_>, _>>()?;
		let blocks = one_purchase::<T>(&auditor, tokens)?;
		#[extrinsic_call]
		submit_blocks(RawOrigin::Signed(auditor.clone()), blocks, k);
		assert_settled::<T>(&auditor, &buyer, k);
		Ok(())
	}

	/// One token block of one held purchase of `i` tokens, every one spent before
	/// (`DoubleSpentOnChain`, after all the other checks): the purchase is rejected and the
	/// `InvalidTokens` event lists them all.
	#[benchmark]
	fn submit_block_invalid(
		i: Linear<1, { T::MaxTokensPerPurchase::get() }>,
	) -> Result<(), BenchmarkError> {
		let auditor = auditor::<T>()?;
		let buyer = T::BenchmarkHelper::buyer(0);
		let bank = bank::<T>(0, token_value::<T>().saturating_mul(i.into()));
		let batch = batch_of::<T>(&bank, &buyer, i)?;
		SpentWords::<T>::insert(batch, 0, u128::MAX);
		let blocks =
			one_purchase::<T>(&auditor, (0..i).map(|index| TokenId::new(batch, index)).collect())?;
		#[extrinsic_call]
		submit_blocks(RawOrigin::Signed(auditor.clone()), blocks, 1);
		let summary = BuyerRecords::<T>::get(&auditor, &buyer).and_then(|record| record.last);
		assert_eq!(summary.map(|summary| (summary.valid, summary.invalid.total())), Some((0, i)));
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
		let record = BuyerRecords::<T>::get(&auditor, &buyer).map(|record| record.trust);
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
		BuyerRecords::<T>::mutate(&auditor, &buyer, |record| {
			if let Some(record) = record {
				record.next_seq = 8;
				record.last = Some(TokenBlockSummary { seq: 7, ..Default::default() });
			}
		});
		#[extrinsic_call]
		_(RawOrigin::Signed(auditor.clone()), buyer.clone());
		assert!(!BuyerRecords::<T>::contains_key(&auditor, &buyer));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
