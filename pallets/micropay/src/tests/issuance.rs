//! Token batches: issuance and reclaiming expired collateral.

use crate::{mock::*, Batches, Error, Event, HoldReason, NextBatchId, SpentWords};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
};
use sp_runtime::DispatchError;

fn collateral() -> Balance {
	Balances::balance_on_hold(&HoldReason::BankCollateral.into(), &bank())
}

#[test]
fn issuing_holds_count_times_value_from_the_bank() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 10, 25, 100);
		assert_eq!(batch, 0);
		assert_eq!(collateral(), 250);
		assert_eq!(Balances::balance(&bank()), BANK_FUNDS - 250);
		let stored = Batches::<Test>::get(batch).unwrap();
		assert_eq!((stored.owner, stored.count, stored.value), (buyer(), 10, 25));
		assert_eq!(Micropay::spent_tokens(batch, stored.count), 0);
		assert!(micropay_events().contains(&Event::TokensIssued {
			batch,
			bank: bank(),
			owner: buyer(),
			count: 10,
			value: 25,
			expires_at: 100
		}));
	});
}

#[test]
fn batch_ids_are_unique_and_increasing() {
	build_and_execute(|| {
		let first = issue(&buyer(), 1, 5, 50);
		let second = issue(&buyer(), 1, 5, 50);
		let third = issue(&account_of(&other_buyer_pair()), 3, 5, 50);
		assert_eq!((first, second, third), (0, 1, 2));
		assert_eq!(NextBatchId::<Test>::get(), 3);
		assert_eq!(collateral(), 25);
	});
}

#[test]
fn bad_issuance_is_rejected_and_changes_nothing() {
	build_and_execute(|| {
		let issue_with = |count, value, expires_at| {
			Micropay::issue_tokens(RuntimeOrigin::signed(bank()), buyer(), count, value, expires_at)
		};
		assert_noop!(issue_with(0, 10, 50), Error::<Test>::EmptyBatch);
		assert_noop!(issue_with(1025, 10, 50), Error::<Test>::BatchTooLarge);
		assert_noop!(issue_with(5, 0, 50), Error::<Test>::ZeroValue);
		assert_noop!(issue_with(5, 10, 1), Error::<Test>::ExpiryInPast);
		assert_noop!(issue_with(5, 10, 1_002), Error::<Test>::ExpiryTooFar);
		assert_noop!(issue_with(5, u128::MAX / 2, 50), Error::<Test>::CollateralOverflow);
		assert_noop!(issue_with(1000, 1_000_000, 50), Error::<Test>::InsufficientBalance);
		assert_eq!(NextBatchId::<Test>::get(), 0);
		assert_eq!(collateral(), 0);
	});
}

#[test]
fn only_an_active_bank_issues() {
	build_and_execute(|| {
		assert_noop!(
			Micropay::issue_tokens(RuntimeOrigin::signed(merchant()), buyer(), 1, 10, 50),
			Error::<Test>::NotBank
		);
		assert_noop!(
			Micropay::issue_tokens(RuntimeOrigin::none(), buyer(), 1, 10, 50),
			DispatchError::BadOrigin
		);
		assert_ok!(Micropay::deregister_bank(RuntimeOrigin::root(), bank()));
		assert_noop!(
			Micropay::issue_tokens(RuntimeOrigin::signed(bank()), buyer(), 1, 10, 50),
			Error::<Test>::BankDeregistered
		);
	});
}

#[test]
fn a_deregistered_bank_keeps_its_tokens_valid_and_reclaims_after_expiry() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 4, 10, 20);
		assert_ok!(Micropay::deregister_bank(RuntimeOrigin::root(), bank()));
		// Its tokens still pay.
		let block = vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 1), false)];
		assert_ok!(submit(0, block));
		assert_eq!(collateral(), 30);
		run_to_block(20);
		assert_ok!(Micropay::reclaim_expired(RuntimeOrigin::signed(bank()), batch));
		assert_eq!(collateral(), 0);
	});
}

#[test]
fn reclaim_releases_only_unspent_tokens_after_expiry() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 200, 10, 20);
		let spent = tokens(batch, 126, 4); // spans two bitmap words
		assert_ok!(submit(0, vec![purchase(&buyer_pair(), &merchant(), spent, false)]));
		assert_eq!(collateral(), 196 * 10);
		assert_noop!(
			Micropay::reclaim_expired(RuntimeOrigin::signed(bank()), batch),
			Error::<Test>::BatchNotExpired
		);
		assert_noop!(
			Micropay::reclaim_expired(RuntimeOrigin::signed(merchant()), batch),
			Error::<Test>::NotBatchBank
		);
		assert_noop!(
			Micropay::reclaim_expired(RuntimeOrigin::signed(bank()), 99),
			Error::<Test>::UnknownBatch
		);
		run_to_block(20);
		let before = Balances::balance(&bank());
		assert_ok!(Micropay::reclaim_expired(RuntimeOrigin::signed(bank()), batch));
		assert_eq!(Balances::balance(&bank()), before + 1960);
		assert_eq!(collateral(), 0);
		assert!(Batches::<Test>::get(batch).unwrap().reclaimed);
		assert_eq!(SpentWords::<Test>::iter_prefix(batch).count(), 0);
		assert!(micropay_events().contains(&Event::CollateralReclaimed {
			batch,
			bank: bank(),
			tokens: 196,
			amount: 1960
		}));
		assert_noop!(
			Micropay::reclaim_expired(RuntimeOrigin::signed(bank()), batch),
			Error::<Test>::AlreadyReclaimed
		);
	});
}

#[test]
fn reclaim_is_charged_for_the_largest_batch_and_refunded_to_its_own_size() {
	use crate::weights::WeightInfo;
	build_and_execute(|| {
		let batch = issue(&buyer(), 3, 10, 20);
		run_to_block(20);
		let call = crate::Call::<Test>::reclaim_expired { batch };
		let charged =
			frame_support::dispatch::GetDispatchInfo::get_dispatch_info(&call).call_weight;
		assert_eq!(charged, Micropay::reclaim_weight(1024));
		assert!(charged.all_gte(<() as WeightInfo>::reclaim_expired(1024)));
		let info = Micropay::reclaim_expired(RuntimeOrigin::signed(bank()), batch).unwrap();
		assert_eq!(info.actual_weight, Some(Micropay::reclaim_weight(3)));
	});
}

#[test]
fn reclaim_is_weighed_by_the_bitmap_words_it_deletes() {
	use frame_support::weights::constants::ParityDbWeight;
	use frame_support::weights::Weight;
	build_and_execute(|| {
		// 300 tokens: three spent-bitmap words, each one more database write to delete.
		let batch = issue(&buyer(), 300, 1, 10);
		run_to_block(10);
		let info = Micropay::reclaim_expired(RuntimeOrigin::signed(bank()), batch).unwrap();
		let measured = <() as crate::WeightInfo>::reclaim_expired(300);
		let deletes: Weight = ParityDbWeight::get().writes(3);
		assert_eq!(info.actual_weight, Some(measured.saturating_add(deletes)));
	});
}
