//! The auditor's offchain worker on the mock: it forms blocks from the desk's records,
//! submits each exactly once (again only after `DeskResubmitAfter`), and resolves them.

use crate::{
	features::worker::{DeskOf, DeskSignedOf},
	mock::*,
	Call, InvalidReason, TokenId,
};
use codec::{Decode, Encode};
use frame_support::{assert_ok, traits::Hooks};
use micropay_primitives::desk::{
	listed_key, resolved_key, user_key, Decision, DeskPurchase, Promise, PurchaseStatus,
	Resolution, ResolvedLog, USERS_KEY,
};
use sp_core::offchain::StorageKind;
use sp_runtime::traits::Dispatchable;

/// Puts `purchases` at the desk for the main buyer, as the node's RPC would.
fn at_desk(purchases: &[TestPurchase]) -> DeskOf<Test> {
	at_desk_after(DeskOf::<Test>::default(), purchases)
}

/// Admits `purchases` into the main buyer's record `desk` and stores it.
fn at_desk_after(mut desk: DeskOf<Test>, purchases: &[TestPurchase]) -> DeskOf<Test> {
	let w = Micropay::buyer_trust(&auditor(), &buyer()).state.block_size;
	let now = System::block_number() as u32;
	for purchase in purchases {
		let entry = DeskPurchase {
			id: purchase_id_of(purchase),
			purchase: desk_form(purchase),
			prepaid: false,
			promise: None,
		};
		let promise = Promise {
			amount: 1,
			claim_cost: 1,
			deadline: 100,
			signature: purchase.purchase.signature.clone(),
		};
		let decision = desk.admit(entry, w, now, &Micropay::desk_limits(), Some(promise));
		assert!(matches!(decision, Decision::Deliver | Decision::Wait), "{decision:?}");
	}
	sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, USERS_KEY, &vec![buyer()].encode());
	sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, &listed_key(&buyer()), &[1]);
	sp_io::offchain::local_storage_set(
		StorageKind::PERSISTENT,
		&user_key(&buyer()),
		&desk.encode(),
	);
	desk
}

fn desk() -> DeskOf<Test> {
	let bytes = sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &user_key(&buyer()))
		.expect("the desk record exists");
	codec::Decode::decode(&mut &bytes[..]).unwrap()
}

fn desk_or_default() -> DeskOf<Test> {
	sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &user_key(&buyer()))
		.map(|bytes| codec::Decode::decode(&mut &bytes[..]).unwrap())
		.unwrap_or_default()
}

/// Where the main buyer's purchase `id` stands at the desk: its record, then its log.
fn status_of(id: &crate::PurchaseId) -> Option<PurchaseStatus> {
	let log: ResolvedLog =
		sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &resolved_key(&buyer()))
			.map(|bytes| codec::Decode::decode(&mut &bytes[..]).unwrap())
			.unwrap_or_default();
	desk().status_with(&log, id)
}

fn run_worker_at(block: u64) {
	System::set_block_number(block);
	Micropay::offchain_worker(block);
}

/// The token blocks a transaction of the worker carries.
fn token_blocks(tx: &MockExtrinsic) -> Vec<crate::TokenBlockOf<Test>> {
	let RuntimeCall::Micropay(Call::submit_blocks { blocks, banks }) = tx.function.clone() else {
		panic!("the worker submits token blocks with submit_blocks")
	};
	// The tests' tokens are all of the genesis bank: the witness counts it once.
	assert_eq!(banks, 1, "the worker declares the banks its tokens redeem");
	blocks.into_inner()
}

/// Dispatches a transaction the worker sent, as the chain would.
fn include(tx: &MockExtrinsic) {
	let signer = match &tx.preamble {
		sp_runtime::generic::Preamble::Signed(signer, _, _) => signer.clone(),
		_ => panic!("the worker signs its transactions"),
	};
	assert_ok!(tx.function.clone().dispatch(RuntimeOrigin::signed(signer)));
}

#[test]
fn a_full_block_is_submitted_once_then_resolved() {
	let (mut ext, sent) = new_offchain_test_ext();
	ext.execute_with(|| {
		set_block_size(4);
		let batch = issue(&buyer(), 8, 10, 500);
		let not_ours = issue(&account_of(&other_buyer_pair()), 1, 10, 500);
		let good = purchase_at(&buyer_pair(), &merchant(), tokens(batch, 0, 2), false, 1);
		let held_bad = purchase_at(
			&buyer_pair(),
			&merchant(),
			vec![TokenId::new(batch, 2), TokenId::new(not_ours, 0)],
			false,
			2,
		);
		let admitted = at_desk(&[good.clone(), held_bad.clone()]);
		// 2 tokens (< W = 4): prepaid; 2 more reach W: held.
		assert_eq!(admitted.open.iter().map(|p| p.prepaid).collect::<Vec<_>>(), vec![true, false]);

		run_worker_at(2);
		let txs = sent();
		assert_eq!(txs.len(), 1);
		let blocks = token_blocks(&txs[0]);
		assert_eq!(blocks.len(), 1);
		let crate::TokenBlock { buyer: user, seq, purchases } = blocks[0].clone();
		assert_eq!((user, seq, purchases.len()), (buyer(), 0, 2));
		assert!(purchases[0].prepaid && !purchases[1].prepaid);
		// The fewest runs: consecutive tokens of a batch travel as one.
		let runs = |i: usize| purchases[i].purchase.tokens.to_vec();
		assert_eq!(runs(0), vec![crate::TokenRun { batch, first: 0, count: 2 }]);
		assert_eq!(
			runs(1),
			vec![
				crate::TokenRun { batch, first: 2, count: 1 },
				crate::TokenRun { batch: not_ours, first: 0, count: 1 },
			]
		);

		// Not settled yet, and not due for a resubmission: nothing is sent again.
		run_worker_at(3);
		assert_eq!(sent().len(), 1);
		let id = admitted.open[1].id;
		assert_eq!(status_of(&id), Some(PurchaseStatus::Submitted { seq: 0, prepaid: false }));

		include(&txs[0]);
		assert_eq!(next_seq_of(&auditor(), &buyer()), 1);
		run_worker_at(4);
		assert_eq!(sent().len(), 1, "a settled block is never sent again");
		let desk = desk();
		assert_eq!(
			status_of(&admitted.open[0].id),
			Some(PurchaseStatus::Resolved(Resolution::Settled))
		);
		// The held purchase spent another buyer's token: rejected, with the reason read from
		// the block's events.
		assert_eq!(
			status_of(&id),
			Some(PurchaseStatus::Resolved(Resolution::Rejected(InvalidReason::NotOwned)))
		);
		assert!(desk.in_flight.is_none() && desk.open.is_empty());
	});
}

#[test]
fn an_unsettled_block_is_sent_again_with_the_same_sequence_and_settles_once() {
	let (mut ext, sent) = new_offchain_test_ext();
	ext.execute_with(|| {
		let batch = issue(&buyer(), 4, 10, 500);
		at_desk(&[purchase_at(&buyer_pair(), &merchant(), tokens(batch, 0, 1), false, 1)]);
		// One token never reaches W = 64: the block goes when it is DESK_MAX_AGE old.
		run_worker_at(1 + u64::from(DESK_MAX_AGE) - 1);
		assert!(sent().is_empty());
		let first = 1 + u64::from(DESK_MAX_AGE);
		run_worker_at(first);
		assert_eq!(sent().len(), 1);
		run_worker_at(first + u64::from(DESK_RESUBMIT_AFTER) - 1);
		assert_eq!(sent().len(), 1);
		run_worker_at(first + u64::from(DESK_RESUBMIT_AFTER));
		let txs = sent();
		assert_eq!(txs.len(), 2);
		assert_eq!(txs[0].function, txs[1].function, "the same block, the same sequence");
		include(&txs[0]);
		let paid = Balances::free_balance(merchant());
		// The second copy settles nothing: the sequence number moved on.
		include(&txs[1]);
		assert!(micropay_events().contains(&crate::Event::TokenBlockRefused {
			buyer: buyer(),
			seq: 0,
			error: crate::Error::<Test>::WrongBlockSequence.into(),
		}));
		assert_eq!(Balances::free_balance(merchant()), paid, "paid once");
		assert_eq!(next_seq_of(&auditor(), &buyer()), 1);
	});
}

/// The desk form of a block purchase.
fn desk_form(purchase: &TestPurchase) -> DeskSignedOf<Test> {
	purchase.purchase.clone().map_tokens(|tokens| Some(tokens.into_inner())).unwrap()
}

#[test]
fn the_desk_check_applies_the_chain_rules_to_one_purchase() {
	use micropay_primitives::desk::Refusal;
	build_and_execute(|| {
		let batch = issue(&buyer(), 4, 10, 500);
		let not_ours = issue(&account_of(&other_buyer_pair()), 1, 10, 500);
		let good = purchase_at(&buyer_pair(), &merchant(), tokens(batch, 0, 2), true, 1);
		let id = purchase_id_of(&good);
		assert_eq!(Micropay::check_purchase(&buyer(), desk_form(&good)), Ok((id, 20)));

		let foreign =
			purchase_at(&buyer_pair(), &merchant(), vec![TokenId::new(not_ours, 0)], true, 2);
		assert_eq!(
			Micropay::check_purchase(&buyer(), desk_form(&foreign)),
			Err(Refusal::Invalid(TokenId::new(not_ours, 0), InvalidReason::NotOwned))
		);
		let mut forged_signature = desk_form(&good);
		forged_signature.created_at = 99;
		assert_eq!(
			Micropay::check_purchase(&buyer(), forged_signature),
			Err(Refusal::Invalid(TokenId::new(batch, 0), InvalidReason::BadSignature))
		);
		let empty = DeskSignedOf::<Test> { tokens: vec![], ..desk_form(&good) };
		assert_eq!(Micropay::check_purchase(&buyer(), empty), Err(Refusal::BadSize));

		// Once settled on chain, the same purchase is a double-sell.
		assert_ok!(submit(0, vec![good.clone()]));
		assert_eq!(
			Micropay::check_purchase(&buyer(), desk_form(&good)),
			Err(Refusal::Invalid(TokenId::new(batch, 0), InvalidReason::DoubleSold))
		);
	});
}

#[test]
fn the_desk_check_reports_the_verdict_the_block_size_and_the_limits_in_one_call() {
	use micropay_primitives::desk::Refusal;
	build_and_execute(|| {
		let batch = issue(&buyer(), 20, 10, 500);
		let good = purchase_at(&buyer_pair(), &merchant(), tokens(batch, 0, 2), true, 1);
		let id = purchase_id_of(&good);
		let check = Micropay::desk_check(&auditor(), &buyer(), desk_form(&good));
		assert_eq!(check.verdict, Ok(id));
		// Two tokens of 10, less the auditor's 10%; a claim would cost 10% more; only the
		// bond backs promises.
		assert_eq!(check.amount_due, 18);
		assert_eq!(check.claim_cost, 20); // 18 + 10% (1.8, rounded as the claim rounds it)
		assert_eq!(check.cover, BOND);
		assert_eq!(check.block_size, MaxBlockTokens::get()); // the mock's default W_0
		assert_eq!(check.limits, Micropay::desk_limits());
		let too_big = DeskSignedOf::<Test> { tokens: tokens(batch, 0, 17), ..desk_form(&good) };
		assert_eq!(
			Micropay::desk_check(&auditor(), &buyer(), too_big).verdict,
			Err(Refusal::BadSize)
		);
	});
}

#[test]
fn the_desk_refuses_tokens_that_expire_before_their_token_block_can_settle() {
	build_and_execute(|| {
		// Valid now, expired by the time the worker may have submitted (and resent) its block.
		let soon = issue(&buyer(), 2, 10, System::block_number() + 2);
		let bought = purchase_at(&buyer_pair(), &merchant(), tokens(soon, 0, 2), true, 1);
		let check = Micropay::desk_check(&auditor(), &buyer(), desk_form(&bought));
		assert_eq!(
			check.verdict,
			Err(micropay_primitives::desk::Refusal::ExpiresTooSoon(TokenId::new(soon, 0)))
		);
		// Tokens that outlive the desk's horizon are accepted.
		let horizon = micropay_primitives::desk::settle_horizon(&Micropay::desk_limits());
		let later = issue(&buyer(), 2, 10, System::block_number() + u64::from(horizon) + 1);
		let bought = purchase_at(&buyer_pair(), &merchant(), tokens(later, 0, 2), true, 2);
		assert!(Micropay::desk_check(&auditor(), &buyer(), desk_form(&bought)).verdict.is_ok());
	});
}

#[test]
fn purchases_missing_from_the_settled_token_block_go_back_to_the_open_block() {
	let (mut ext, sent) = new_offchain_test_ext();
	ext.execute_with(|| {
		set_block_size(4);
		let batch = issue(&buyer(), 8, 10, 500);
		let first = purchase_at(&buyer_pair(), &merchant(), tokens(batch, 0, 2), true, 1);
		let second = purchase_at(&buyer_pair(), &merchant(), tokens(batch, 2, 2), false, 2);
		let admitted = at_desk(&[first.clone(), second]);
		run_worker_at(2);
		assert_eq!(sent().len(), 1);
		// A second node on the same key (or the operator by hand) settles a different block
		// with the same sequence number: only the first purchase.
		assert_ok!(submit(0, vec![first]));
		run_worker_at(3);
		let desk = desk();
		assert_eq!(
			status_of(&admitted.open[0].id),
			Some(PurchaseStatus::Resolved(Resolution::Settled))
		);
		assert!(
			!matches!(status_of(&admitted.open[1].id), Some(PurchaseStatus::Resolved(_))),
			"a purchase that was never on chain was resolved: {:?}",
			status_of(&admitted.open[1].id)
		);
		assert_eq!(desk.open.len(), 1, "it waits in the open block for the next token block");
	});
}

#[test]
fn the_desk_promises_nothing_for_a_retiring_auditor_nor_for_another_auditor() {
	use micropay_primitives::desk::Refusal;
	build_and_execute(|| {
		let batch = issue(&buyer(), 4, 10, 500);
		let elsewhere = sign_purchase(
			&buyer_pair(),
			&merchant(),
			&merchant(),
			tokens(batch, 0, 2),
			true,
			1,
			System::block_hash(0).as_ref(),
		);
		assert_eq!(
			Micropay::desk_check(&auditor(), &buyer(), desk_form(&elsewhere)).verdict,
			Err(Refusal::WrongAuditor)
		);
		let good = purchase_at(&buyer_pair(), &merchant(), tokens(batch, 2, 2), true, 2);
		assert_ok!(Micropay::deregister_auditor(RuntimeOrigin::root(), auditor()));
		assert_eq!(
			Micropay::desk_check(&auditor(), &buyer(), desk_form(&good)).verdict,
			Err(Refusal::AuditorInactive)
		);
		// The worker still serves it: a retiring auditor settles what it promised.
		assert_eq!(Micropay::desk_auditor(&[merchant(), auditor()]), Some(auditor()));
	});
}

#[test]
fn a_buyer_with_nothing_pending_leaves_the_worker_list_and_forgotten_ids_their_index() {
	let (mut ext, sent) = new_offchain_test_ext();
	ext.execute_with(|| {
		let batch = issue(&buyer(), 4, 10, 500);
		let admitted =
			at_desk(&[purchase_at(&buyer_pair(), &merchant(), tokens(batch, 0, 1), false, 1)]);
		let id = admitted.open[0].id;
		sp_io::offchain::local_storage_set(
			StorageKind::PERSISTENT,
			&micropay_primitives::desk::purchase_key(&id),
			&buyer().encode(),
		);
		let due = 1 + u64::from(DESK_MAX_AGE);
		run_worker_at(due);
		include(&sent()[0]);
		run_worker_at(due + 1);
		assert_eq!(status_of(&id), Some(PurchaseStatus::Resolved(Resolution::Settled)));
		let users = sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, USERS_KEY)
			.map(|bytes| Vec::<AccountId>::decode(&mut &bytes[..]).unwrap())
			.unwrap_or_default();
		assert!(users.is_empty(), "an idle buyer stays on the worker's list: {users:?}");
		assert!(
			sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &listed_key(&buyer()))
				.is_none(),
			"an idle buyer taken off the list keeps its mark"
		);
		// Its log (with the resolved purchase, for the status RPC) stays; the index key is
		// collected when the log forgets the purchase (after MAX_RESOLVED newer ones).
		assert!(sp_io::offchain::local_storage_get(
			StorageKind::PERSISTENT,
			&micropay_primitives::desk::purchase_key(&id)
		)
		.is_some());
	});
}

/// What an admission reads and rewrites is the buyer's record: it must hold what is pending,
/// not the buyer's history, or every purchase of a long-lived buyer pays for all its past ones.
#[test]
fn a_buyers_record_does_not_grow_with_its_history() {
	let (mut ext, sent) = new_offchain_test_ext();
	ext.execute_with(|| {
		let batch = issue(&buyer(), 8, 10, 500);
		let idle = DeskOf::<Test>::default().encode().len();
		let mut block = 1;
		let mut ids = Vec::new();
		for round in 0..4u32 {
			let purchase = purchase_at(
				&buyer_pair(),
				&merchant(),
				tokens(batch, round, 1),
				false,
				round.into(),
			);
			let admitted = at_desk_after(desk_or_default(), &[purchase]);
			ids.push(admitted.open[0].id);
			block += u64::from(DESK_MAX_AGE);
			run_worker_at(block);
			include(sent().last().expect("the worker submitted the token block"));
			block += 1;
			run_worker_at(block);
			assert!(desk().is_idle());
			assert_eq!(
				desk().encode().len(),
				idle,
				"after {} resolved purchases the record holds {} bytes more than an idle one",
				round + 1,
				desk().encode().len() - idle
			);
		}
		// Their outcomes are still known, from the buyer's resolution log.
		for id in ids {
			assert_eq!(
				status_of(&id),
				Some(PurchaseStatus::Resolved(Resolution::Settled)),
				"purchase {id:?}"
			);
		}
	});
}

/// A record written by a desk or worker of the old layout (resolutions inside the record)
/// is read as before, and the worker's next write moves its resolutions to the log.
#[test]
fn a_record_of_the_old_layout_has_its_resolutions_moved_to_the_log() {
	let (mut ext, _sent) = new_offchain_test_ext();
	ext.execute_with(|| {
		let batch = issue(&buyer(), 4, 10, 500);
		let mut old = DeskOf::<Test>::default();
		old.resolved.push(([7; 32], Resolution::Rejected(InvalidReason::NotOwned)));
		let admitted = at_desk_after(
			old,
			&[purchase_at(&buyer_pair(), &merchant(), tokens(batch, 0, 1), false, 1)],
		);
		assert_eq!(
			status_of(&[7; 32]),
			Some(PurchaseStatus::Resolved(Resolution::Rejected(InvalidReason::NotOwned)))
		);
		run_worker_at(1 + u64::from(DESK_MAX_AGE));
		assert!(desk().resolved.is_empty(), "the record still holds resolutions");
		assert_eq!(
			status_of(&[7; 32]),
			Some(PurchaseStatus::Resolved(Resolution::Rejected(InvalidReason::NotOwned)))
		);
		assert!(matches!(status_of(&admitted.open[0].id), Some(PurchaseStatus::Submitted { .. })));
	});
}

#[test]
fn the_desk_refuses_a_merchant_that_cannot_receive_the_payout() {
	use micropay_primitives::desk::Refusal;
	build_and_execute(|| {
		ExistentialDeposit::set(50);
		let batch = issue(&buyer(), 4, 10, 500);
		let fresh = account("//FreshMerchant");
		let to_fresh = purchase_at(&buyer_pair(), &fresh, tokens(batch, 0, 2), true, 1);
		assert_eq!(
			Micropay::desk_check(&auditor(), &buyer(), desk_form(&to_fresh)).verdict,
			Err(Refusal::MerchantCannotReceive)
		);
		// An existing merchant account receives any payout.
		let to_known = purchase_at(&buyer_pair(), &merchant(), tokens(batch, 0, 2), true, 1);
		assert!(Micropay::desk_check(&auditor(), &buyer(), desk_form(&to_known)).verdict.is_ok());
	});
}

#[test]
fn due_token_blocks_go_out_in_as_few_calls_as_the_bounds_allow_in_order() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 64, 10, 500);
		// Token blocks of 4, 4, 4, … purchases: the mock allows 32 purchases and 8 token blocks
		// per call.
		let blocks: Vec<_> = (0..10u32)
			.map(|seq| {
				let purchases = (0..4u32)
					.map(|j| {
						let index = (seq * 4 + j) % 64;
						one_token_purchase(batch, index, u64::from(index))
					})
					.collect();
				token_block(&buyer(), seq, purchases)
			})
			.collect();
		let calls = Micropay::into_calls(blocks.clone());
		assert_eq!(calls.iter().map(|call| call.len()).collect::<Vec<_>>(), vec![8, 2]);
		let flat: Vec<_> = calls.into_iter().flat_map(|call| call.into_inner()).collect();
		assert_eq!(flat, blocks, "every token block, once, in order");
		// Bigger token blocks: the purchase bound closes a call first (3 × 11 > 32).
		let big: Vec<_> = (0..3u32)
			.map(|seq| {
				let purchases = (0..11u32)
					.map(|j| one_token_purchase(batch, j, u64::from(seq * 11 + j)))
					.collect();
				token_block(&buyer(), seq, purchases)
			})
			.collect();
		let calls = Micropay::into_calls(big);
		assert_eq!(calls.iter().map(|call| call.len()).collect::<Vec<_>>(), vec![2, 1]);
	});
}
