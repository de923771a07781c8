//! Banks and auditors.

use crate::{mock::*, AuditorStatus, Auditors, BankStatus, Banks, Error, Event, HoldReason};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{Inspect, InspectHold, Mutate},
		tokens::Preservation,
	},
};
use sp_runtime::{DispatchError, Perbill};

fn held_bond(who: &AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::AuditorBond.into(), who)
}

#[test]
fn genesis_registers_the_bank_and_the_auditor_with_its_bond() {
	build_and_execute(|| {
		assert_eq!(Banks::<Test>::get(bank()), Some(BankStatus::Active));
		let info = Auditors::<Test>::get(auditor()).unwrap();
		assert_eq!(info.rho, Perbill::from_percent(10));
		assert_eq!(info.bond, BOND);
		assert_eq!(held_bond(&auditor()), BOND);
		assert_eq!(Balances::balance(&auditor()), AUDITOR_FUNDS - BOND);
	});
}

#[test]
fn only_root_registers_banks_and_auditors() {
	build_and_execute(|| {
		let someone = account("//Someone");
		assert_noop!(
			Micropay::register_bank(RuntimeOrigin::signed(bank()), someone.clone()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Micropay::register_auditor(
				RuntimeOrigin::signed(auditor()),
				someone.clone(),
				Perbill::zero()
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Micropay::deregister_auditor(RuntimeOrigin::signed(auditor()), auditor()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Micropay::deregister_bank(RuntimeOrigin::signed(bank()), bank()),
			DispatchError::BadOrigin
		);
		assert!(Banks::<Test>::get(&someone).is_none());
	});
}

#[test]
fn a_bank_cannot_be_registered_twice() {
	build_and_execute(|| {
		let new_bank = account("//NewBank");
		assert_ok!(Micropay::register_bank(RuntimeOrigin::root(), new_bank.clone()));
		assert_eq!(Banks::<Test>::get(&new_bank), Some(BankStatus::Active));
		assert_noop!(
			Micropay::register_bank(RuntimeOrigin::root(), new_bank),
			Error::<Test>::AlreadyBank
		);
	});
}

#[test]
fn deregistering_an_unknown_or_deregistered_bank_fails() {
	build_and_execute(|| {
		assert_noop!(
			Micropay::deregister_bank(RuntimeOrigin::root(), merchant()),
			Error::<Test>::NotBank
		);
		assert_ok!(Micropay::deregister_bank(RuntimeOrigin::root(), bank()));
		assert_eq!(Banks::<Test>::get(bank()), Some(BankStatus::Deregistered));
		assert_noop!(
			Micropay::deregister_bank(RuntimeOrigin::root(), bank()),
			Error::<Test>::BankDeregistered
		);
	});
}

#[test]
fn registering_an_auditor_holds_its_bond() {
	build_and_execute(|| {
		let second = merchant();
		// The merchant holds PARTY_FUNDS = 1000 = BOND: it cannot keep its account alive.
		assert_noop!(
			Micropay::register_auditor(RuntimeOrigin::root(), second.clone(), Perbill::zero()),
			Error::<Test>::InsufficientBalance
		);
		assert!(Auditors::<Test>::get(&second).is_none());
		let rich = account("//Rich");
		assert_ok!(<Balances as Mutate<_>>::transfer(
			&bank(),
			&rich,
			5_000,
			Preservation::Preserve
		));
		let issuance = Balances::total_issuance();
		assert_ok!(Micropay::register_auditor(
			RuntimeOrigin::root(),
			rich.clone(),
			Perbill::from_percent(3)
		));
		assert_eq!(held_bond(&rich), BOND);
		assert_eq!(Balances::balance(&rich), 5_000 - BOND);
		assert_eq!(Balances::total_issuance(), issuance);
		assert!(micropay_events().contains(&Event::AuditorRegistered {
			auditor: rich.clone(),
			rho: Perbill::from_percent(3),
			bond: BOND
		}));
		assert_noop!(
			Micropay::register_auditor(RuntimeOrigin::root(), rich, Perbill::zero()),
			Error::<Test>::AlreadyAuditor
		);
	});
}

#[test]
fn a_retired_auditor_gets_its_bond_back_only_after_the_period() {
	build_and_execute(|| {
		assert_noop!(
			Micropay::withdraw_auditor_bond(RuntimeOrigin::signed(auditor()), auditor()),
			Error::<Test>::AuditorNotRetiring
		);
		assert_ok!(Micropay::deregister_auditor(RuntimeOrigin::root(), auditor()));
		assert_eq!(
			Auditors::<Test>::get(auditor()).unwrap().status,
			AuditorStatus::Retiring { since: 1 }
		);
		assert_noop!(
			Micropay::deregister_auditor(RuntimeOrigin::root(), auditor()),
			Error::<Test>::AuditorAlreadyRetiring
		);
		run_to_block(1 + RETIREMENT - 1);
		assert_noop!(
			Micropay::withdraw_auditor_bond(RuntimeOrigin::signed(auditor()), auditor()),
			Error::<Test>::RetirementPeriodNotOver
		);
		run_to_block(1 + RETIREMENT);
		assert_ok!(Micropay::withdraw_auditor_bond(RuntimeOrigin::signed(auditor()), auditor()));
		assert!(Auditors::<Test>::get(auditor()).is_none());
		assert_eq!(held_bond(&auditor()), 0);
		assert_eq!(Balances::balance(&auditor()), AUDITOR_FUNDS);
		assert_noop!(
			Micropay::withdraw_auditor_bond(RuntimeOrigin::root(), auditor()),
			Error::<Test>::NotAuditor
		);
	});
}
