//! Token runs: a token block carries each purchase's tokens as runs of consecutive tokens,
//! which the runtime expands into the list the buyer signed before it checks anything. Runs
//! change what a token block costs in length, never what it may pay.

use crate::{mock::*, Error, Event, InvalidReason, TokenBlock, TokenId, TokenRun};
use codec::Encode;
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect, BoundedVec};

const V: Balance = 10;

fn free(who: &AccountId) -> Balance {
	Balances::balance(who)
}

fn run(batch: u64, first: u32, count: u32) -> TokenRun {
	TokenRun { batch, first, count }
}

/// `purchase` with its tokens written as `runs` (whatever it signed).
fn spelled_as(purchase: &TestPurchase, runs: Vec<TokenRun>) -> crate::SubmittedPurchaseOf<Test> {
	let mut submitted = purchase.clone().with_runs();
	submitted.purchase.tokens = BoundedVec::truncate_from(runs);
	submitted
}

fn submit_runs(
	seq: u32,
	purchases: Vec<crate::SubmittedPurchaseOf<Test>>,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Micropay::submit_block(
		RuntimeOrigin::signed(auditor()),
		buyer(),
		seq,
		purchases.try_into().expect("within the mock's bounds"),
	)
}

#[test]
fn a_purchase_of_consecutive_tokens_travels_as_one_run_and_settles() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 16, V, 100);
		let bought = purchase(&buyer_pair(), &merchant(), tokens(batch, 3, 10), false);
		let submitted = bought.clone().with_runs();
		assert_eq!(submitted.purchase.tokens.to_vec(), vec![run(batch, 3, 10)]);
		// 10 ids of 12 bytes (and their length) become one run: batch, first, count.
		assert_eq!(
			bought.encode().len() - submitted.encode().len(),
			(1 + 10 * 12) - (1 + 8 + 1 + 1)
		);
		assert_ok!(submit(0, vec![bought]));
		assert_eq!(last_token_block(&auditor(), &buyer()).unwrap().valid, 10);
		assert_eq!(free(&merchant()), PARTY_FUNDS + 90);
	});
}

#[test]
fn runs_split_differently_still_pay_the_signed_purchase() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 16, V, 100);
		let bought = purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 6), false);
		// Not the fewest runs, but the same ids in the signed order.
		let split = spelled_as(&bought, vec![run(batch, 0, 2), run(batch, 2, 1), run(batch, 3, 3)]);
		assert_ok!(submit_runs(0, vec![split]));
		assert_eq!(last_token_block(&auditor(), &buyer()).unwrap().valid, 6);
	});
}

#[test]
fn runs_that_change_the_signed_tokens_pay_nothing() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 16, V, 100);
		let bought = purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 4), false);
		// The auditor reorders the tokens, or swaps one for another of the buyer's: the
		// expanded list is not what the buyer signed.
		for (seq, runs) in [
			vec![run(batch, 2, 2), run(batch, 0, 2)],
			vec![run(batch, 0, 3), run(batch, 9, 1)],
			vec![run(batch, 0, 3)],
		]
		.into_iter()
		.enumerate()
		{
			assert_ok!(submit_runs(seq as u32, vec![spelled_as(&bought, runs)]));
			let summary = last_token_block(&auditor(), &buyer()).unwrap();
			assert_eq!(summary.valid, 0);
			assert!(summary.invalid.bad_signature > 0);
		}
		assert_eq!(free(&merchant()), PARTY_FUNDS);
		for index in 0..16 {
			assert_eq!(
				Micropay::token_status(TokenId::new(batch, index)),
				crate::TokenStatus::Unspent { expires_at: 100 }
			);
		}
	});
}

#[test]
fn malformed_runs_refuse_the_token_block_and_change_nothing() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 16, V, 100);
		let bought = purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), false);
		let cases = [
			(vec![run(batch, 0, 2), run(batch, 2, 0)], Error::<Test>::EmptyTokenRun),
			(vec![run(batch, u32::MAX, 2)], Error::<Test>::TokenRunOverflow),
			// The mock's MaxTokensPerPurchase is 16.
			(vec![run(batch, 0, 17)], Error::<Test>::PurchaseTooLarge),
			(
				vec![run(batch, 0, u32::MAX), run(batch, 0, u32::MAX)],
				Error::<Test>::PurchaseTooLarge,
			),
		];
		for (runs, error) in cases {
			assert_noop!(submit_runs(0, vec![spelled_as(&bought, runs)]), error);
		}
	});
}

#[test]
fn in_submit_blocks_a_malformed_run_refuses_only_its_token_block() {
	build_and_execute(|| {
		let mine = issue(&buyer(), 4, V, 100);
		let other = account_of(&other_buyer_pair());
		let theirs = issue(&other, 4, V, 100);
		let bad = spelled_as(
			&purchase(&buyer_pair(), &merchant(), tokens(mine, 0, 2), false),
			vec![run(mine, 0, u32::MAX)],
		);
		let good = purchase(&other_buyer_pair(), &merchant(), tokens(theirs, 0, 2), false);
		let blocks = vec![
			TokenBlock { buyer: buyer(), seq: 0, purchases: vec![bad].try_into().unwrap() },
			token_block(&other, 0, vec![good]),
		];
		// Weighed for at most MaxTokensPerPurchase tokens, however many the run claims.
		let shape = Micropay::call_shape(blocks.iter().map(|block| &block.purchases));
		assert_eq!(shape.tokens, 16 + 2);
		assert_eq!(shape.words, 2, "one word of each batch, not 2^32 / 128");
		assert_ok!(Micropay::submit_blocks(
			RuntimeOrigin::signed(auditor()),
			blocks.try_into().unwrap(),
			1
		));
		assert!(micropay_events().contains(&Event::TokenBlockRefused {
			buyer: buyer(),
			seq: 0,
			error: Error::<Test>::PurchaseTooLarge.into(),
		}));
		assert_eq!(next_seq_of(&auditor(), &buyer()), 0);
		assert_eq!(last_token_block(&auditor(), &other).unwrap().valid, 2);
		assert_eq!(free(&merchant()), PARTY_FUNDS + 18);
		assert_eq!(
			Micropay::token_status(TokenId::new(mine, 0)),
			crate::TokenStatus::Unspent { expires_at: 100 }
		);
	});
}

#[test]
fn a_token_repeated_across_runs_is_a_double_spend_in_the_block() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 16, V, 100);
		// The buyer signed a list naming token 1 twice; its runs overlap.
		let twice = vec![TokenId::new(batch, 0), TokenId::new(batch, 1), TokenId::new(batch, 1)];
		let bought = purchase(&buyer_pair(), &merchant(), twice, false);
		assert_eq!(
			bought.clone().with_runs().purchase.tokens.to_vec(),
			vec![run(batch, 0, 2), run(batch, 1, 1)]
		);
		assert_ok!(submit(0, vec![bought]));
		assert!(micropay_events().iter().any(|event| matches!(
			event,
			Event::InvalidTokens { tokens, .. }
				if tokens.contains(&(TokenId::new(batch, 1), InvalidReason::DoubleSpentInBlock))
		)));
		assert_eq!(
			free(&merchant()),
			PARTY_FUNDS,
			"a held purchase with an invalid token is not paid"
		);
	});
}
