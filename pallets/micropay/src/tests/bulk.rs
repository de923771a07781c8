//! `submit_blocks`: many buyers' token blocks in one extrinsic, each settled as it would be
//! alone, what they owe paid once, and one buyer's fault never blocking another.

use crate::{
	mock::*, Error, Event, InvalidReason, SettledByExpiry, SettledPurchases, TokenBlockOf,
	TokenStatus,
};
use frame_support::{
	assert_noop, assert_ok, dispatch::DispatchResultWithPostInfo, pallet_prelude::Pays,
};

/// Face value of the tests' tokens.
const V: Balance = 10;

fn free(who: &AccountId) -> Balance {
	use frame_support::traits::fungible::Inspect;
	Balances::balance(who)
}

/// Submits `blocks` in one `submit_blocks`; their tokens are all of the genesis bank.
fn submit_many(blocks: Vec<TokenBlockOf<Test>>) -> DispatchResultWithPostInfo {
	submit_many_of(blocks, 1)
}

fn submit_many_of(blocks: Vec<TokenBlockOf<Test>>, banks: u32) -> DispatchResultWithPostInfo {
	Micropay::submit_blocks(
		RuntimeOrigin::signed(auditor()),
		blocks.try_into().expect("tests stay within MaxBlocksPerCall"),
		banks,
	)
}

/// Transfers from the auditor to `to` in the events so far.
fn transfers_to(to: &AccountId) -> usize {
	System::events()
		.into_iter()
		.filter(|record| {
			matches!(
				&record.event,
				RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, to: dest, .. })
					if *from == auditor() && dest == to
			)
		})
		.count()
}

#[test]
fn many_buyers_token_blocks_settle_in_one_extrinsic_and_each_merchant_is_paid_once() {
	build_and_execute(|| {
		let buyers = [buyer_pair(), other_buyer_pair(), pair("//ThirdBuyer")];
		let blocks = buyers
			.iter()
			.enumerate()
			.map(|(i, signer)| {
				let user = account_of(signer);
				let batch = issue(&user, 20, V, 100);
				token_block(
					&user,
					0,
					vec![
						purchase_at(signer, &merchant(), tokens(batch, 0, 10), true, i as u64),
						purchase_at(signer, &other_merchant(), tokens(batch, 10, 10), false, 9),
					],
				)
			})
			.collect::<Vec<_>>();
		let (before, other_before) = (free(&merchant()), free(&other_merchant()));
		let post = submit_many(blocks).expect("the extrinsic settles");
		assert_eq!(post.pays_fee, Pays::No, "clean token blocks ride free");

		// 3 purchases of 10 tokens of V each per merchant, 10% withheld.
		assert_eq!(free(&merchant()) - before, 3 * 9 * V);
		assert_eq!(free(&other_merchant()) - other_before, 3 * 9 * V);
		assert_eq!(transfers_to(&merchant()), 1, "one payout per merchant per extrinsic");
		assert_eq!(transfers_to(&other_merchant()), 1);
		for signer in &buyers {
			let user = account_of(signer);
			assert_eq!(next_seq_of(&auditor(), &user), 1);
			let last = last_token_block(&auditor(), &user).expect("settled");
			assert_eq!((last.valid, last.rejected), (20, 0));
		}
		let settled = micropay_events()
			.iter()
			.filter(|event| matches!(event, Event::PurchaseSettled { .. }))
			.count();
		assert_eq!(settled, 6);
		// Six settled ids, one page of the expiry index.
		assert_eq!(SettledPurchases::<Test>::iter().count(), 6);
		let pages = SettledByExpiry::<Test>::iter().collect::<Vec<_>>();
		assert_eq!(pages.len(), 1);
		assert_eq!(pages[0].2.len(), 6);
	});
}

#[test]
fn a_refused_token_block_leaves_no_trace_and_does_not_stop_the_others() {
	build_and_execute(|| {
		let mine = issue(&buyer(), 4, V, 100);
		let other = account_of(&other_buyer_pair());
		let theirs = issue(&other, 4, V, 100);
		let before = free(&merchant());
		let post = submit_many(vec![
			// A stale sequence number: refused whole.
			token_block(
				&buyer(),
				5,
				vec![purchase(&buyer_pair(), &merchant(), tokens(mine, 0, 2), true)],
			),
			token_block(
				&other,
				0,
				vec![purchase(&other_buyer_pair(), &merchant(), tokens(theirs, 0, 2), false)],
			),
		])
		.expect("the other token block settles");
		assert_eq!(post.pays_fee, Pays::Yes, "a refused token block is paid for");
		assert!(micropay_events().contains(&Event::TokenBlockRefused {
			buyer: buyer(),
			seq: 5,
			error: Error::<Test>::WrongBlockSequence.into(),
		}));
		assert_eq!(next_seq_of(&auditor(), &buyer()), 0);
		assert!(last_token_block(&auditor(), &buyer()).is_none());
		assert!(matches!(
			Micropay::token_status(crate::TokenId::new(mine, 0)),
			TokenStatus::Unspent { .. }
		));
		assert_eq!(next_seq_of(&auditor(), &other), 1);
		assert_eq!(free(&merchant()) - before, 2 * V - 2, "only the other buyer's purchase");
	});
}

#[test]
fn a_buyers_consecutive_token_blocks_in_one_extrinsic_see_each_other() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 4, V, 100);
		let first = purchase_at(&buyer_pair(), &merchant(), tokens(batch, 0, 2), false, 1);
		// Token 1 again, settled by the token block before: spent on chain.
		let reuse = purchase_at(&buyer_pair(), &merchant(), tokens(batch, 1, 2), false, 2);
		let before = free(&merchant());
		assert_ok!(submit_many(vec![
			token_block(&buyer(), 0, vec![first.clone()]),
			token_block(&buyer(), 1, vec![reuse, first]),
		]));
		let last = last_token_block(&auditor(), &buyer()).expect("settled");
		assert_eq!(last.seq, 1);
		assert_eq!(last.invalid.double_spent_on_chain, 1);
		assert_eq!(last.invalid.double_sold, 2, "the first purchase again is a double-sell");
		assert_eq!((last.valid, last.rejected), (1, 2));
		assert_eq!(free(&merchant()) - before, 2 * V - 2, "paid once (10% withheld)");
		assert!(micropay_events().contains(&Event::PurchaseRejected {
			purchase: purchase_id_of(&purchase_at(
				&buyer_pair(),
				&merchant(),
				tokens(batch, 1, 2),
				false,
				2
			)),
			merchant: merchant(),
			reason: InvalidReason::DoubleSpentOnChain,
		}));
	});
}

#[test]
fn an_extrinsic_the_auditor_cannot_pay_changes_nothing() {
	build_and_execute(|| {
		let mine = issue(&buyer(), 2, V, 100);
		let other = account_of(&other_buyer_pair());
		let theirs = issue(&other, 16, 10_000, 100);
		// A valid token block, then forged prepaid purchases the auditor's free balance and
		// bond cannot cover (see `payouts_fall_back_on_the_bond_and_fail_whole_beyond_it`).
		let forged = (0..12)
			.map(|i| purchase(&buyer_pair(), &merchant(), tokens(theirs, i, 1), true))
			.collect::<Vec<_>>();
		assert_noop!(
			submit_many(vec![
				token_block(
					&other,
					0,
					vec![purchase(&other_buyer_pair(), &merchant(), tokens(theirs, 12, 1), false)],
				),
				token_block(
					&buyer(),
					0,
					vec![purchase(&buyer_pair(), &merchant(), tokens(mine, 0, 2), false)]
				),
				token_block(&buyer(), 1, forged),
			]),
			Error::<Test>::AuditorCannotPay
		);
	});
}

#[test]
fn a_call_with_no_token_block_or_too_many_purchases_is_refused() {
	build_and_execute(|| {
		assert_noop!(submit_many(vec![]), Error::<Test>::NoTokenBlocks);
		let batch = issue(&buyer(), 64, V, 100);
		// The mock allows 32 purchases per extrinsic: 3 blocks of 11.
		let blocks = (0..3u32)
			.map(|seq| {
				let purchases = (0..11u32)
					.map(|j| one_token_purchase(batch, seq * 11 + j, u64::from(seq * 11 + j)))
					.collect();
				token_block(&buyer(), seq, purchases)
			})
			.collect();
		assert_noop!(submit_many(blocks), Error::<Test>::TooManyPurchases);
	});
}

#[test]
fn the_refund_never_exceeds_the_charge_and_a_clean_call_is_charged_its_banks() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 40, V, 100);
		let purchases: Vec<TestPurchase> = (0..4u32)
			.map(|j| {
				purchase_at(
					&buyer_pair(),
					&merchant(),
					tokens(batch, j * 10, 10),
					false,
					u64::from(j),
				)
			})
			.collect();
		let block = submitted(purchases.clone());
		let shape = Micropay::call_shape([&block]);
		let charged = Micropay::token_blocks_weight(&shape);
		let used = Micropay::weigh(&shape, 1, 0, 1);
		assert!(used.all_lte(charged));
		assert!(Micropay::weigh(&shape, 1, shape.tokens, 1).all_lte(charged));
		// A buyer the auditor knew already costs no more than a new one.
		assert!(Micropay::weigh(&shape, 1, 0, 0).all_lte(used));
		// More of any component never weighs less.
		let mut bigger = shape;
		bigger.purchases += 1;
		bigger.tokens += 1;
		assert!(Micropay::token_blocks_weight(&bigger).all_gte(charged));
		let post = submit(0, purchases).expect("settles");
		assert_eq!(post.actual_weight, Some(used));
	});
}

#[test]
fn a_call_redeeming_more_banks_than_its_witness_changes_nothing() {
	build_and_execute(|| {
		let mine = issue(&buyer(), 2, V, 100);
		let (_, other) = second_bank_issuing(&buyer(), 2, V, 100);
		let block = || {
			vec![token_block(
				&buyer(),
				0,
				vec![
					purchase_at(&buyer_pair(), &merchant(), tokens(mine, 0, 2), false, 1),
					purchase_at(&buyer_pair(), &merchant(), tokens(other, 0, 2), false, 2),
				],
			)]
		};
		assert_noop!(submit_many_of(block(), 1), Error::<Test>::TooManyBanks);
		let post = submit_many_of(block(), 2).expect("two banks declared");
		let shape = Micropay::call_shape(block().iter().map(|block| &block.purchases));
		assert_eq!(post.actual_weight, Some(Micropay::weigh(&shape, 2, 0, 1)));
		assert_eq!(next_seq_of(&auditor(), &buyer()), 1);
	});
}
