//! Token blocks: every rejection reason, every settlement path, sequence and bounds.

use crate::{
	mock::*, Error, Event, HoldReason, InvalidCounts, InvalidReason, SettledPurchases,
	TokenBlockSummary, TokenId,
};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	dispatch::Pays,
	traits::fungible::{Inspect, InspectHold, Mutate, MutateHold},
	traits::tokens::{Fortitude, Precision, Preservation, Restriction},
};
use micropay_primitives::desk::settle_horizon;
use sp_runtime::DispatchError;

const V: Balance = 10;

fn collateral() -> Balance {
	Balances::balance_on_hold(&HoldReason::BankCollateral.into(), &bank())
}

fn free(who: &AccountId) -> Balance {
	Balances::balance(who)
}

fn summary() -> TokenBlockSummary<Balance> {
	last_token_block(&auditor(), &buyer()).expect("a block was settled")
}

/// The reasons reported for the invalid tokens of all purchases, in order.
fn reported_invalid() -> Vec<(TokenId, InvalidReason)> {
	micropay_events()
		.into_iter()
		.filter_map(|event| match event {
			Event::InvalidTokens { tokens, .. } => Some(tokens.into_inner()),
			_ => None,
		})
		.flatten()
		.collect()
}

/// Submits one held purchase of `tokens` and returns the reported invalid tokens.
fn reasons_for_held(tokens: Vec<TokenId>) -> Vec<(TokenId, InvalidReason)> {
	assert_ok!(submit(0, vec![purchase(&buyer_pair(), &merchant(), tokens, false)]));
	reported_invalid()
}

#[test]
fn an_all_valid_block_redeems_every_token_and_pays_every_merchant() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 20, V, 100);
		let auditor_before = free(&auditor());
		let block = vec![
			purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 5), true),
			purchase(&buyer_pair(), &other_merchant(), tokens(batch, 5, 5), true),
			purchase(&buyer_pair(), &merchant(), tokens(batch, 10, 10), false),
		];
		let info = submit(0, block).unwrap();
		assert_eq!(info.pays_fee, Pays::No);

		// 20 tokens of 10 redeemed; merchants get 90% of 50, 50 and 100.
		assert_eq!(collateral(), 0);
		assert_eq!(free(&merchant()), PARTY_FUNDS + 45 + 90);
		assert_eq!(free(&other_merchant()), PARTY_FUNDS + 45);
		assert_eq!(free(&auditor()), auditor_before + 200 - 180);
		let s = summary();
		assert_eq!((s.purchases, s.tokens, s.valid, s.rejected), (3, 20, 20, 0));
		assert_eq!((s.paid_out, s.redeemed), (180, 200));
		// The talk's valid-block risk: -W·v·rho = -20·10·0.1.
		assert_eq!(s.risk, -20);
		assert_eq!(next_seq_of(&auditor(), &buyer()), 1);
		assert_eq!(Micropay::spent_tokens(batch, 20), 20);
		assert!(reported_invalid().is_empty());
	});
}

#[test]
fn a_forged_token_is_unknown() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 2, V, 100);
		let forged = vec![TokenId::new(batch, 2), TokenId::new(77, 0)];
		assert_eq!(
			reasons_for_held(forged.clone()),
			vec![(forged[0], InvalidReason::Unknown), (forged[1], InvalidReason::Unknown)]
		);
		assert_eq!(summary().invalid.unknown, 2);
		assert_eq!(collateral(), 2 * V);
	});
}

#[test]
fn a_token_of_another_buyer_is_not_owned() {
	build_and_execute(|| {
		let theirs = issue(&account_of(&other_buyer_pair()), 1, V, 100);
		let token = TokenId::new(theirs, 0);
		assert_eq!(reasons_for_held(vec![token]), vec![(token, InvalidReason::NotOwned)]);
		assert_eq!(summary().invalid.not_owned, 1);
		assert_eq!(Micropay::spent_tokens(theirs, 1), 0);
	});
}

#[test]
fn a_bad_signature_invalidates_every_token_of_the_purchase() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 3, V, 100);
		// Signed by someone else than the block's user.
		let forged = purchase(&other_buyer_pair(), &merchant(), tokens(batch, 0, 3), false);
		assert_ok!(submit(0, vec![forged]));
		assert_eq!(
			reported_invalid().iter().map(|(_, r)| *r).collect::<Vec<_>>(),
			vec![InvalidReason::BadSignature; 3]
		);
		assert_eq!(summary().invalid.bad_signature, 3);
		assert_eq!(free(&merchant()), PARTY_FUNDS);
		assert_eq!(collateral(), 3 * V);
	});
}

/// `purchase` re-signed by `signer` as a browser wallet signs raw bytes: over
/// `<Bytes>` + the signing payload of `payload_of` + `</Bytes>`.
fn wallet_signed(
	signer: &sp_core::sr25519::Pair,
	mut purchase: TestPurchase,
	payload_of: &TestPurchase,
) -> TestPurchase {
	use sp_core::Pair;
	let genesis = System::block_hash(0);
	let payload = payload_of.purchase.signing_payload(&genesis, &account_of(signer));
	let wrapped = micropay_primitives::purchase::wrapped_payload(&payload);
	purchase.purchase.signature = sp_runtime::MultiSignature::Sr25519(signer.sign(&wrapped));
	purchase
}

#[test]
fn a_purchase_signed_in_the_browser_wallet_form_is_valid() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 2, V, 100);
		let plain = purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), false);
		let wallet = wallet_signed(&buyer_pair(), plain.clone(), &plain);
		assert_ne!(wallet.purchase.signature, plain.purchase.signature);
		assert_ok!(submit(0, vec![wallet]));
		assert!(reported_invalid().is_empty());
		assert_eq!(summary().valid, 2);
		// rho = 10%: 2 tokens of 10 pay 18.
		assert_eq!(free(&merchant()), PARTY_FUNDS + 18);
	});
}

#[test]
fn a_wallet_form_signature_over_another_purchase_is_a_bad_signature() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 2, V, 100);
		let paid = purchase_at(&buyer_pair(), &merchant(), tokens(batch, 0, 2), false, 1);
		let other = purchase_at(&buyer_pair(), &merchant(), tokens(batch, 0, 2), false, 2);
		assert_ok!(submit(0, vec![wallet_signed(&buyer_pair(), paid, &other)]));
		assert_eq!(
			reported_invalid().iter().map(|(_, r)| *r).collect::<Vec<_>>(),
			vec![InvalidReason::BadSignature; 2]
		);
		assert_eq!(free(&merchant()), PARTY_FUNDS);
	});
}

#[test]
fn a_purchase_signed_for_another_chain_has_a_bad_signature() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 1, V, 100);
		let elsewhere = sign_purchase(
			&buyer_pair(),
			&merchant(),
			&auditor(),
			tokens(batch, 0, 1),
			false,
			5,
			&[1u8; 32],
		);
		assert_ok!(submit(0, vec![elsewhere]));
		assert_eq!(reported_invalid()[0].1, InvalidReason::BadSignature);
		assert_eq!(collateral(), V);
	});
}

#[test]
fn a_token_spent_in_an_earlier_block_is_double_spent_on_chain() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 2, V, 100);
		assert_ok!(submit(
			0,
			vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 1), false)]
		));
		let merchant_after_first = free(&merchant());
		let again = purchase_at(&buyer_pair(), &other_merchant(), tokens(batch, 0, 1), false, 99);
		assert_ok!(submit(1, vec![again]));
		assert_eq!(
			reported_invalid(),
			vec![(TokenId::new(batch, 0), InvalidReason::DoubleSpentOnChain)]
		);
		assert_eq!(summary().invalid.double_spent_on_chain, 1);
		assert_eq!(summary().rejected, 1);
		assert_eq!(free(&other_merchant()), PARTY_FUNDS);
		assert_eq!(free(&merchant()), merchant_after_first);
	});
}

#[test]
fn a_token_used_twice_in_one_block_is_double_spent_in_block() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 3, V, 100);
		let block = vec![
			purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), true),
			purchase(&buyer_pair(), &other_merchant(), tokens(batch, 1, 2), false),
		];
		assert_ok!(submit(0, block));
		assert_eq!(
			reported_invalid(),
			vec![(TokenId::new(batch, 1), InvalidReason::DoubleSpentInBlock)]
		);
		// The prepaid purchase settles; the held one is rejected and its token 2 stays unspent.
		assert_eq!(free(&merchant()), PARTY_FUNDS + 18);
		assert_eq!(free(&other_merchant()), PARTY_FUNDS);
		assert_eq!(collateral(), V);
		assert_eq!(crate::SpentWords::<Test>::get(batch, 0), 0b011);
	});
}

#[test]
fn a_token_repeated_inside_one_purchase_is_double_spent_in_block() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 1, V, 100);
		let token = TokenId::new(batch, 0);
		assert_eq!(
			reasons_for_held(vec![token, token]),
			vec![(token, InvalidReason::DoubleSpentInBlock)]
		);
		assert_eq!(collateral(), V);
	});
}

/// A purchase's tokens hopping between two words of one batch and a batch of another bank:
/// each token is checked against its own word, marked in it and redeemed from its own bank,
/// and a token seen earlier in the block is caught even after other words came between.
#[test]
fn tokens_alternating_between_words_batches_and_banks_are_each_checked_once() {
	build_and_execute(|| {
		let wide = issue(&buyer(), 140, V, 100);
		let (second_bank, other) = second_bank_issuing(&buyer(), 4, V, 100);
		let held_by =
			|who: &AccountId| Balances::balance_on_hold(&HoldReason::BankCollateral.into(), who);
		let (first_before, second_before) = (collateral(), held_by(&second_bank));
		let t = TokenId::new;
		let hopping =
			vec![t(wide, 0), t(wide, 130), t(other, 0), t(wide, 1), t(other, 1), t(wide, 131)];
		// Token wide:2 again after a token of another batch and bank came between.
		let repeated = vec![t(wide, 2), t(other, 2), t(wide, 2)];
		assert_ok!(submit(
			0,
			vec![
				purchase_at(&buyer_pair(), &merchant(), hopping.clone(), false, 1),
				purchase_at(&buyer_pair(), &merchant(), repeated, false, 2),
			]
		));
		assert_eq!(reported_invalid(), vec![(t(wide, 2), InvalidReason::DoubleSpentInBlock)]);
		for token in &hopping {
			assert_eq!(Micropay::token_status(*token), crate::TokenStatus::Spent, "{token:?}");
		}
		// The rejected purchase's tokens stay unspent.
		assert!(matches!(Micropay::token_status(t(wide, 2)), crate::TokenStatus::Unspent { .. }));
		assert!(matches!(Micropay::token_status(t(other, 2)), crate::TokenStatus::Unspent { .. }));
		assert_eq!(crate::SpentWords::<Test>::get(wide, 0), 0b11);
		assert_eq!(crate::SpentWords::<Test>::get(wide, 1), 0b1100);
		assert_eq!(crate::SpentWords::<Test>::get(other, 0), 0b11);
		assert_eq!(first_before - collateral(), 4 * V, "four tokens of the first bank");
		assert_eq!(second_before - held_by(&second_bank), 2 * V, "two of the second");
		let s = summary();
		// Valid counts the rejected purchase's two good tokens too; only the accepted redeem.
		assert_eq!((s.valid, s.rejected, s.redeemed), (8, 1, 6 * V));

		// Spent on chain now, in its word past the first.
		assert_ok!(submit(
			1,
			vec![purchase_at(&buyer_pair(), &merchant(), vec![t(wide, 130)], false, 3)]
		));
		assert_eq!(summary().invalid.double_spent_on_chain, 1);
	});
}

#[test]
fn a_replayed_purchase_is_double_sold() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 2, V, 100);
		let original = purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), false);
		assert_ok!(submit(0, vec![original.clone()]));
		let id = purchase_id_of(&original);
		assert_eq!(SettledPurchases::<Test>::get(id), Some(Micropay::settled_epoch(100)));
		let paid = free(&merchant());
		assert_ok!(submit(1, vec![original]));
		assert_eq!(
			reported_invalid().iter().map(|(_, r)| *r).collect::<Vec<_>>(),
			vec![InvalidReason::DoubleSold; 2]
		);
		assert_eq!(free(&merchant()), paid);
		assert_eq!(summary().invalid.double_sold, 2);
	});
}

#[test]
fn the_same_purchase_twice_in_one_block_is_double_sold() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 1, V, 100);
		let p = purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 1), true);
		let held = purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 1), false);
		assert_ok!(submit(0, vec![p, held]));
		assert_eq!(reported_invalid(), vec![(TokenId::new(batch, 0), InvalidReason::DoubleSold)]);
		assert_eq!(free(&merchant()), PARTY_FUNDS + 9);
	});
}

#[test]
fn an_expired_token_is_expired() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 1, V, 5);
		run_to_block(5);
		let token = TokenId::new(batch, 0);
		assert_eq!(reasons_for_held(vec![token]), vec![(token, InvalidReason::Expired)]);
		assert_eq!(summary().invalid.expired, 1);
	});
}

#[test]
fn a_token_without_collateral_is_collateral_missing() {
	// The bank's collateral is moved away behind the pallet's back, so the invariant is
	// broken on purpose: this test checks issuance by hand instead of `build_and_execute`.
	new_test_ext().execute_with(|| {
		let issuance = Balances::total_issuance();
		let batch = issue(&buyer(), 2, V, 100);
		assert_ok!(<Balances as MutateHold<_>>::transfer_on_hold(
			&HoldReason::BankCollateral.into(),
			&bank(),
			&merchant(),
			15,
			Precision::Exact,
			Restriction::Free,
			Fortitude::Polite,
		));
		assert_ok!(submit(
			0,
			vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), true)]
		));
		// 5 left: neither token of 10 is covered.
		assert_eq!(summary().invalid.collateral_missing, 2);
		assert_eq!(collateral(), 5);
		assert_eq!(Balances::total_issuance(), issuance);
	});
}

#[test]
fn an_invalid_prepaid_purchase_is_the_auditors_loss() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 4, V, 100);
		let auditor_before = free(&auditor());
		// Token 9 is forged; the merchant was promised 4 tokens' worth.
		let mut cheat = tokens(batch, 0, 3);
		cheat.push(TokenId::new(batch, 9));
		assert_ok!(submit(0, vec![purchase(&buyer_pair(), &merchant(), cheat, true)]));
		// Value of the purchase = 3 known tokens (the forged one has no value on chain).
		assert_eq!(free(&merchant()), PARTY_FUNDS + 27);
		assert_eq!(collateral(), V);
		assert_eq!(free(&auditor()), auditor_before + 30 - 27);
		let s = summary();
		assert_eq!((s.valid, s.invalid.unknown, s.rejected), (3, 1, 0));
		assert_eq!(s.risk, 27 - 30);
	});
}

#[test]
fn an_invalid_prepaid_purchase_costs_the_auditor_when_its_tokens_are_not_redeemable() {
	build_and_execute(|| {
		let theirs = issue(&account_of(&other_buyer_pair()), 3, V, 100);
		let auditor_before = free(&auditor());
		assert_ok!(submit(
			0,
			vec![purchase(&buyer_pair(), &merchant(), tokens(theirs, 0, 3), true)]
		));
		// Talk: Rsk = |tr|·v·(1-rho) - (|tr| - beta)·v = 3·10·0.9 - 0 = 27.
		assert_eq!(summary().risk, 27);
		assert_eq!(free(&merchant()), PARTY_FUNDS + 27);
		assert_eq!(free(&auditor()), auditor_before - 27);
		assert_eq!(collateral(), 3 * V);
	});
}

#[test]
fn an_invalid_held_purchase_is_rejected_and_the_buyer_keeps_its_valid_tokens() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 3, V, 100);
		let mut held = tokens(batch, 0, 2);
		held.push(TokenId::new(batch, 50));
		assert_ok!(submit(0, vec![purchase(&buyer_pair(), &merchant(), held, false)]));
		assert_eq!(free(&merchant()), PARTY_FUNDS);
		assert_eq!(collateral(), 3 * V);
		assert_eq!(summary().rejected, 1);
		assert_eq!(summary().risk, 0);
		assert!(micropay_events()
			.iter()
			.any(|e| matches!(e, Event::PurchaseRejected { reason: InvalidReason::Unknown, .. })));
		// The two valid tokens were not spent: they pay in the next block.
		assert_ok!(submit(
			1,
			vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), false)]
		));
		assert_eq!(free(&merchant()), PARTY_FUNDS + 18);
		assert_eq!(collateral(), V);
	});
}

#[test]
fn the_same_block_cannot_be_submitted_twice() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 2, V, 100);
		let block = vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 1), false)];
		assert_ok!(submit(0, block.clone()));
		assert_noop!(submit(0, block), Error::<Test>::WrongBlockSequence);
		assert_noop!(
			submit(2, vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 1, 1), false)]),
			Error::<Test>::WrongBlockSequence
		);
		assert_eq!(next_seq_of(&auditor(), &buyer()), 1);
		assert_eq!(collateral(), V);
	});
}

#[test]
fn only_a_registered_auditor_submits_blocks() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 1, V, 100);
		let block =
			submitted(vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 1), false)]);
		assert_noop!(
			Micropay::submit_block(RuntimeOrigin::signed(merchant()), buyer(), 0, block.clone()),
			Error::<Test>::NotAuditor
		);
		assert_noop!(
			Micropay::submit_block(RuntimeOrigin::root(), buyer(), 0, block.clone()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Micropay::submit_block(RuntimeOrigin::none(), buyer(), 0, block),
			DispatchError::BadOrigin
		);
		assert_eq!(collateral(), V);
	});
}

#[test]
fn a_retiring_auditor_still_settles_pending_blocks() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 1, V, 100);
		assert_ok!(Micropay::deregister_auditor(RuntimeOrigin::root(), auditor()));
		assert_ok!(submit(
			0,
			vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 1), false)]
		));
		assert_eq!(free(&merchant()), PARTY_FUNDS + 9);
	});
}

#[test]
fn malformed_blocks_are_rejected_before_any_check() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 80, V, 100);
		assert_noop!(submit(0, vec![]), Error::<Test>::EmptyBlock);
		assert_noop!(
			submit(0, vec![purchase(&buyer_pair(), &merchant(), vec![], false)]),
			Error::<Test>::EmptyPurchase
		);
		// 5 purchases of 13 tokens: 65 > MaxBlockTokens = 64.
		let too_many =
			(0..5).map(|i| purchase(&buyer_pair(), &merchant(), tokens(batch, i * 13, 13), false));
		assert_noop!(submit(0, too_many.collect()), Error::<Test>::TooManyTokens);
		assert_eq!(collateral(), 80 * V);
	});
}

#[test]
fn payouts_fall_back_on_the_bond_and_fail_whole_beyond_it() {
	build_and_execute(|| {
		let theirs = issue(&account_of(&other_buyer_pair()), 16, 10_000, 100);
		// A forged prepaid block: the auditor owes 9000 per purchase and redeems nothing.
		let owed = |n: u32| {
			(0..n)
				.map(|i| purchase(&buyer_pair(), &merchant(), tokens(theirs, i, 1), true))
				.collect::<Vec<_>>()
		};
		// Free 99_000 (1 must stay for the existential deposit) + bond 1_000 cover 11
		// purchases (99_000) but not 12 (108_000).
		assert_noop!(submit(0, owed(12)), Error::<Test>::AuditorCannotPay);
		assert_eq!(free(&merchant()), PARTY_FUNDS);
		assert_ok!(submit(0, owed(11)));
		assert_eq!(free(&merchant()), PARTY_FUNDS + 99_000);
		let info = crate::Auditors::<Test>::get(auditor()).unwrap();
		// 10 payouts from free funds leave 8_999 spendable: the 11th takes 1 from the bond.
		assert_eq!(info.bond, BOND - 1);
		assert_eq!(
			Balances::balance_on_hold(&HoldReason::AuditorBond.into(), &auditor()),
			BOND - 1
		);
		assert_eq!(free(&auditor()), 1);
	});
}

#[test]
fn the_block_outcome_is_reported_in_events_and_storage() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 4, V, 100);
		let block = vec![
			purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), true),
			purchase(
				&buyer_pair(),
				&merchant(),
				vec![TokenId::new(batch, 1), TokenId::new(batch, 2)],
				false,
			),
		];
		assert_ok!(submit(0, block));
		let s = summary();
		let expected_invalid = InvalidCounts { double_spent_in_block: 1, ..Default::default() };
		assert_eq!(s.invalid, expected_invalid);
		assert_eq!(s.risk, s.paid_out as i128 - s.redeemed as i128);
		assert!(micropay_events().contains(&Event::TokenBlockValidated {
			auditor: auditor(),
			buyer: buyer(),
			summary: s
		}));
	});
}

#[test]
fn settled_ids_are_forgotten_once_their_tokens_expired() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 1, V, 6);
		let p = purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 1), false);
		assert_ok!(submit(0, vec![p.clone()]));
		let id = purchase_id_of(&p);
		// Kept while its tokens live, and while a receipt for it could still be claimed, to the
		// end of that epoch.
		let receipts_closed =
			1 + u64::from(settle_horizon(&Micropay::desk_limits())) + CLAIM_WINDOW;
		let kept_until = Micropay::settled_epoch(receipts_closed);
		assert!(kept_until >= receipts_closed);
		assert_eq!(SettledPurchases::<Test>::get(id), Some(kept_until));
		run_to_block(kept_until);
		assert!(SettledPurchases::<Test>::contains_key(id));
		run_to_block(kept_until + 2);
		assert!(!SettledPurchases::<Test>::contains_key(id));
		assert_eq!(crate::SettledByExpiry::<Test>::iter().count(), 0);
		assert_eq!(crate::SettledPages::<Test>::iter().count(), 0);
	});
}

#[test]
fn the_largest_block_validates_and_its_size_is_known() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 64, V, 100);
		let block: Vec<_> = (0..4)
			.map(|i| purchase(&buyer_pair(), &merchant(), tokens(batch, i * 16, 16), i < 3))
			.collect();
		let size = submitted(block.clone()).encode().len();
		println!("largest mock block: 64 tokens in 4 purchases = {size} bytes SCALE-encoded");
		// 4 × (32 merchant + 32 auditor + 32 item + 8 time + 1 len + one run of 16 tokens
		//      (8 batch + 1 first + 1 count) + 65 signature + 1 prepaid) + 1.
		assert_eq!(size, 1 + 4 * (32 + 32 + 32 + 8 + 1 + 10 + 65 + 1));
		assert_ok!(submit(0, block));
		assert_eq!(summary().valid, 64);
		assert_eq!(collateral(), 0);
	});
}

#[test]
fn fees_are_waived_only_for_a_successful_auditor_block() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 1, V, 100);
		let info =
			submit(0, vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 1), false)])
				.unwrap();
		assert_eq!(info.pays_fee, Pays::No);
		let failed =
			submit(0, vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 1), false)]);
		assert_eq!(failed.unwrap_err().post_info.pays_fee, Pays::Yes);
	});
}

#[test]
fn transfers_between_parties_do_not_confuse_the_books() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 2, V, 100);
		// The bank spends part of its free balance: its held collateral is untouched.
		assert_ok!(<Balances as Mutate<_>>::transfer(
			&bank(),
			&merchant(),
			500_000,
			Preservation::Preserve
		));
		assert_ok!(submit(
			0,
			vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), false)]
		));
		assert_eq!(summary().valid, 2);
		assert_eq!(collateral(), 0);
	});
}

/// A balance transfer, as (from, to).
type Transfer = (AccountId, AccountId);

/// Balance transfers since the events were reset: merchant payouts and collateral
/// redemptions.
fn transfers() -> (Vec<Transfer>, Vec<Transfer>) {
	let mut payouts = Vec::new();
	let mut redemptions = Vec::new();
	for record in System::events() {
		match record.event {
			RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, to, .. }) => {
				payouts.push((from, to))
			},
			RuntimeEvent::Balances(pallet_balances::Event::TransferOnHold {
				source, dest, ..
			}) => redemptions.push((source, dest)),
			_ => {},
		}
	}
	(payouts, redemptions)
}

#[test]
fn a_block_pays_each_merchant_once_and_redeems_from_each_bank_once() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 12, V, 100);
		let block = vec![
			purchase_at(&buyer_pair(), &merchant(), tokens(batch, 0, 3), false, 1),
			purchase_at(&buyer_pair(), &other_merchant(), tokens(batch, 3, 3), false, 2),
			purchase_at(&buyer_pair(), &merchant(), tokens(batch, 6, 6), false, 3),
		];
		let merchant_before = Balances::balance(&merchant());
		System::reset_events();
		assert_ok!(submit(0, block));
		let (payouts, redemptions) = transfers();
		assert_eq!(payouts, vec![(auditor(), merchant()), (auditor(), other_merchant())]);
		assert_eq!(redemptions, vec![(bank(), auditor())]);
		// 9 tokens of V at rho = 10%, rounded per purchase: 27 + 54.
		assert_eq!(Balances::balance(&merchant()) - merchant_before, 27 + 54);
		let settled = micropay_events()
			.into_iter()
			.filter(|event| matches!(event, Event::PurchaseSettled { .. }))
			.count();
		assert_eq!(settled, 3);
	});
}

#[test]
fn call_shape_counts_purchases_tokens_distinct_words_batches_and_merchants() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 300, 1, 100);
		let other = issue(&buyer(), 2, 1, 100);
		let mut spread = tokens(batch, 0, 2);
		spread.push(TokenId::new(batch, 128)); // second word of the batch
		spread.push(TokenId::new(batch, 299)); // third word
		let block = submitted(vec![
			purchase(&buyer_pair(), &merchant(), spread, false),
			purchase(&buyer_pair(), &merchant(), tokens(other, 0, 2), false),
		]);
		let shape = Micropay::call_shape([&block, &block]);
		assert_eq!(
			(shape.blocks, shape.purchases, shape.tokens, shape.words, shape.banks),
			(2, 4, 12, 4, 2)
		);
		assert_eq!((shape.merchants, shape.invalid), (1, 12));
	});
}
