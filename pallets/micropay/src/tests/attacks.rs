//! Protocol v2: the promises the chain keeps against a second auditor, a replaying auditor,
//! a merchant that cannot be paid, junk, and records created for free. The first six tests
//! failed on protocol v1 (their failure lines are in the note on issue 12).

use crate::{mock::*, Error, Event, SettledPurchases};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::Pays,
	traits::fungible::{Inspect, Mutate},
	traits::tokens::Preservation,
};

const V: Balance = 10;

fn free(who: &AccountId) -> Balance {
	Balances::balance(who)
}

fn second_auditor() -> AccountId {
	account("//SecondAuditor")
}

#[test]
fn a_settled_purchase_is_never_paid_again_even_when_marked_prepaid() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 4, V, 100);
		let bought = purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 4), true);
		assert_ok!(submit(0, vec![bought.clone()]));
		let paid_once = free(&merchant());
		assert_eq!(paid_once, PARTY_FUNDS + 36);

		// The auditor replays it as prepaid in its next block: a double-sell, never paid.
		assert_ok!(submit(1, vec![bought]));
		assert_eq!(free(&merchant()), paid_once, "a settled purchase was paid twice");
	});
}

#[test]
fn a_replayed_purchase_keeps_its_settled_record_until_its_tokens_expire() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 2, V, 100);
		let bought = purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), true);
		assert_ok!(submit(0, vec![bought.clone()]));
		let id = purchase_id_of(&bought);
		// Kept until the end of the epoch holding its tokens' expiry.
		let kept_until = Micropay::settled_epoch(100);
		assert_eq!(SettledPurchases::<Test>::get(id), Some(kept_until));
		assert_ok!(submit(1, vec![bought]));
		assert_eq!(
			SettledPurchases::<Test>::get(id),
			Some(kept_until),
			"the replay moved its expiry"
		);
	});
}

#[test]
fn a_second_auditor_cannot_settle_a_purchase_signed_for_the_first() {
	build_and_execute(|| {
		register_funded_auditor(&second_auditor());
		let batch = issue(&buyer(), 4, V, 100);
		let bought = purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 4), true);
		// Copied out of the first auditor's pending block and sent first by the second.
		let stolen = Micropay::submit_block(
			RuntimeOrigin::signed(second_auditor()),
			buyer(),
			0,
			submitted(vec![bought.clone()]),
		);
		assert_eq!(stolen.map_err(|e| e.error), Err(Error::<Test>::WrongAuditor.into()));
		assert_eq!(free(&merchant()), PARTY_FUNDS);
		// The auditor it was signed for settles it once.
		assert_ok!(submit(0, vec![bought.clone()]));
		assert_eq!(free(&merchant()), PARTY_FUNDS + 36);
		// And the second auditor cannot re-pay it either.
		let again = Micropay::submit_block(
			RuntimeOrigin::signed(second_auditor()),
			buyer(),
			0,
			submitted(vec![bought]),
		);
		assert_eq!(again.map_err(|e| e.error), Err(Error::<Test>::WrongAuditor.into()));
		assert_eq!(free(&merchant()), PARTY_FUNDS + 36);
	});
}

#[test]
fn a_payout_the_merchant_cannot_receive_is_credited_and_the_block_settles() {
	build_and_execute(|| {
		// A fresh merchant account and an existential deposit above the payout.
		ExistentialDeposit::set(50);
		let fresh = account("//FreshMerchant");
		let batch = issue(&buyer(), 4, V, 100);
		let block = vec![
			purchase(&buyer_pair(), &fresh, tokens(batch, 0, 2), true),
			purchase(&buyer_pair(), &merchant(), tokens(batch, 2, 2), true),
		];
		assert_ok!(submit(0, block));
		// The other merchant was paid; the fresh one is owed 18, not lost and not blocking.
		assert_eq!(free(&merchant()), PARTY_FUNDS + 18);
		assert_eq!(free(&fresh), 0);
		assert_eq!(Micropay::merchant_credit(&fresh), 18);
		assert!(micropay_events().iter().any(
			|e| matches!(e, Event::PayoutCredited { merchant, amount: 18, .. } if *merchant == fresh)
		));
		// Once the account exists, the merchant withdraws its credit.
		assert_ok!(<Balances as Mutate<_>>::transfer(&bank(), &fresh, 100, Preservation::Preserve));
		assert_ok!(Micropay::withdraw_credit(RuntimeOrigin::signed(fresh.clone()), auditor()));
		assert_eq!(free(&fresh), 118);
		assert_eq!(Micropay::merchant_credit(&fresh), 0);
		ExistentialDeposit::set(1);
	});
}

#[test]
fn only_the_auditor_or_root_withdraws_its_bond() {
	build_and_execute(|| {
		assert_ok!(Micropay::deregister_auditor(RuntimeOrigin::root(), auditor()));
		run_to_block(1 + RETIREMENT);
		assert_noop!(
			Micropay::withdraw_auditor_bond(RuntimeOrigin::signed(merchant()), auditor()),
			Error::<Test>::NotAuditorOrRoot
		);
		assert_ok!(Micropay::withdraw_auditor_bond(RuntimeOrigin::signed(auditor()), auditor()));
	});
}

#[test]
fn a_token_block_of_junk_is_paid_for_by_its_auditor() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 4, V, 100);
		let junk = purchase(&buyer_pair(), &merchant(), vec![crate::TokenId::new(99, 0)], false);
		let info = submit(0, vec![junk]).unwrap();
		assert_eq!(info.pays_fee, Pays::Yes, "a block of junk rode free");
		let good = purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), false);
		assert_eq!(submit(1, vec![good]).unwrap().pays_fee, Pays::No);
	});
}

#[test]
fn a_forgotten_purchase_whose_tokens_all_expired_is_never_paid_again() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 2, V, 10);
		let bought = purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), true);
		assert_ok!(submit(0, vec![bought.clone()]));
		let paid_once = free(&merchant());
		// Long after its tokens expired and every receipt closed, its id is forgotten...
		run_to_block(200);
		assert!(!SettledPurchases::<Test>::contains_key(purchase_id_of(&bought)));
		// ...and a prepaid replay with no live token pays nothing.
		assert_ok!(submit(1, vec![bought]));
		assert_eq!(free(&merchant()), paid_once, "a forgotten purchase was paid again");
		assert!(micropay_events().iter().any(|e| matches!(
			e,
			Event::PurchaseRejected { reason: crate::InvalidReason::Expired, .. }
		)));
	});
}

#[test]
fn the_records_an_auditor_keeps_of_a_buyer_cost_it_a_deposit_until_it_forgets_them() {
	build_and_execute(|| {
		BuyerRecordDeposit::set(5);
		let batch = issue(&buyer(), 4, V, 100);
		let held = || {
			<Balances as frame_support::traits::fungible::InspectHold<_>>::balance_on_hold(
				&crate::HoldReason::BuyerRecord.into(),
				&auditor(),
			)
		};
		assert_ok!(submit(
			0,
			vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), false)]
		));
		assert_eq!(held(), 5, "the first record of a buyer holds the deposit");
		assert_ok!(submit(
			1,
			vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 2, 2), false)]
		));
		assert_eq!(held(), 5, "once per buyer");
		// Profiling a stranger costs a deposit too: records cannot be created for free.
		let stranger = account("//Stranger");
		assert_ok!(Micropay::set_trust_profile(
			RuntimeOrigin::signed(auditor()),
			stranger.clone(),
			crate::TrustProfile::Pessimistic,
			4
		));
		assert_eq!(held(), 10);
		assert_noop!(
			Micropay::forget_buyer(RuntimeOrigin::signed(auditor()), merchant()),
			Error::<Test>::NoBuyerRecord
		);
		assert_ok!(Micropay::forget_buyer(RuntimeOrigin::signed(auditor()), buyer()));
		assert_eq!(held(), 5);
		assert!(stored_trust(&auditor(), &buyer()).is_none());
		assert_eq!(next_seq_of(&auditor(), &buyer()), 0);
		// The settled purchases stay settled: replaying the first is double-sold.
		let replay = purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), false);
		let paid = free(&merchant());
		assert_ok!(submit(0, vec![replay]));
		assert_eq!(free(&merchant()), paid);
		// (The mock's parameters are per test thread: no reset needed.)
	});
}

#[test]
fn a_new_buyers_record_deposit_falls_back_on_the_bond() {
	build_and_execute(|| {
		BuyerRecordDeposit::set(5);
		// The auditor moved all its free balance away (all but the existential deposit).
		let spare = free(&auditor()) - 1;
		assert_ok!(<Balances as Mutate<_>>::transfer(
			&auditor(),
			&bank(),
			spare,
			Preservation::Preserve
		));
		let batch = issue(&buyer(), 2, V, 100);
		assert_ok!(submit(
			0,
			vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), false)]
		));
		assert_eq!(crate::Auditors::<Test>::get(auditor()).unwrap().bond, BOND - 5);
	});
}
