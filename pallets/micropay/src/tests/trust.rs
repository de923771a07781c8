//! Trust profiles, adaptive block size and risk accounting.

use crate::{mock::*, AuditorRisk, Error, Event, Recovery, TokenId, TokenStatus, TrustProfile};
use frame_support::{assert_noop, assert_ok};

/// A user who double-spends one token in each of `blocks` blocks under `profile` with
/// `W_0 = 20`; returns W after each block.
fn cheat(profile: TrustProfile, path: &str, blocks: u32) -> Vec<u32> {
	let cheater = pair(path);
	let user = account_of(&cheater);
	assert_ok!(Micropay::set_trust_profile(
		RuntimeOrigin::signed(auditor()),
		user.clone(),
		profile,
		20
	));
	let batch = issue(&user, blocks + 2, 10, 500);
	let reused = TokenId::new(batch, 0);
	// Block 0 spends token 0 honestly; every later block reuses it next to a fresh token.
	assert_ok!(submit_for(&user, 0, vec![purchase(&cheater, &merchant(), vec![reused], false)]));
	let mut sizes = Vec::new();
	for seq in 1..=blocks {
		let fresh = TokenId::new(batch, seq);
		let block =
			vec![purchase_at(&cheater, &merchant(), vec![fresh, reused], false, seq.into())];
		assert_ok!(submit_for(&user, seq, block));
		sizes.push(stored_trust(&auditor(), &user).unwrap().state.block_size);
	}
	sizes
}

#[test]
fn a_double_spender_shrinks_fastest_under_the_pessimistic_profile() {
	build_and_execute(|| {
		let pessimistic = cheat(TrustProfile::Pessimistic, "//CheaterP", 4);
		let neutral = cheat(TrustProfile::Neutral, "//CheaterN", 4);
		let optimistic = cheat(TrustProfile::Optimistic, "//CheaterO", 4);
		println!("W per block, beta = 1 each: pessimistic {pessimistic:?}, neutral {neutral:?}, optimistic {optimistic:?}");
		// From W_0 = 20, one invalid token: the talk's rule gives 17, 19 and 20.
		assert_eq!((pessimistic[0], neutral[0], optimistic[0]), (17, 19, 20));
		for block in 0..4 {
			assert!(pessimistic[block] <= neutral[block], "block {block}");
			assert!(neutral[block] <= optimistic[block], "block {block}");
		}
		// Sizes never grow for a cheater, and they do shrink block after block.
		for sizes in [&pessimistic, &neutral] {
			assert!(sizes.windows(2).all(|pair| pair[1] <= pair[0]));
			assert!(sizes[3] < sizes[0]);
		}
		assert!(pessimistic[3] < neutral[3]);
	});
}

#[test]
fn an_honest_users_block_size_stays_put_without_recovery() {
	build_and_execute(|| {
		assert_ok!(Micropay::set_trust_profile(
			RuntimeOrigin::signed(auditor()),
			buyer(),
			TrustProfile::Pessimistic,
			20
		));
		let batch = issue(&buyer(), 5, 10, 500);
		for seq in 0..5u32 {
			let block = vec![one_token_purchase(batch, seq, seq.into())];
			assert_ok!(submit(seq, block));
			let record = stored_trust(&auditor(), &buyer()).unwrap();
			assert_eq!(record.state.block_size, 20);
			assert_eq!(record.state.gamma, 0);
		}
		assert_eq!(stored_trust(&auditor(), &buyer()).unwrap().state.blocks, 5);
	});
}

#[test]
fn with_recovery_on_an_honest_streak_brings_the_size_back() {
	build_and_execute(|| {
		TrustRecovery::set(Recovery::TowardInitial { clean_blocks: 2 });
		let sizes_after_cheat = cheat(TrustProfile::Pessimistic, "//Reformed", 1);
		assert_eq!(sizes_after_cheat, vec![17]);
		let reformed = pair("//Reformed");
		let user = account_of(&reformed);
		let batch = issue(&user, 4, 10, 500);
		let mut sizes = Vec::new();
		for (i, seq) in (2..6u32).enumerate() {
			let block = vec![purchase_at(
				&reformed,
				&merchant(),
				vec![TokenId::new(batch, i as u32)],
				false,
				seq.into(),
			)];
			assert_ok!(submit_for(&user, seq, block));
			sizes.push(stored_trust(&auditor(), &user).unwrap().state.block_size);
		}
		println!("W over four clean blocks after one cheat, recovery every 2: {sizes:?}");
		assert!(*sizes.last().unwrap() > 17);
		assert!(sizes.iter().all(|size| *size <= 20));
		TrustRecovery::set(Recovery::Off);
	});
}

#[test]
fn every_block_reports_trust_size_and_risk() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 4, 10, 500);
		assert_ok!(submit(
			0,
			vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 4), true)]
		));
		// Valid block of 4 tokens of 10 at rho = 10%: risk -4.
		assert_eq!(AuditorRisk::<Test>::get(auditor()), -4);
		let record = stored_trust(&auditor(), &buyer()).unwrap();
		assert_eq!(record.risk, -4);
		assert_eq!(record.state.block_size, 64); // the mock's default W_0, unchanged
		assert!(micropay_events().iter().any(|event| matches!(
			event,
			Event::TrustUpdated {
				next_block_size: 64,
				gamma: 0,
				block_risk: -4,
				auditor_risk: -4,
				..
			}
		)));
		// A forged prepaid purchase: a forged token has no face value on chain, so nothing is
		// paid or redeemed (risk 0), but it counts in the user's gamma.
		let forged = vec![TokenId::new(99, 0)];
		assert_ok!(submit(1, vec![purchase_at(&buyer_pair(), &merchant(), forged, true, 2)]));
		assert_eq!(AuditorRisk::<Test>::get(auditor()), -4);
		assert_eq!(stored_trust(&auditor(), &buyer()).unwrap().state.gamma, 1);
	});
}

#[test]
fn setting_a_profile_is_for_auditors_and_within_bounds() {
	build_and_execute(|| {
		assert_noop!(
			Micropay::set_trust_profile(
				RuntimeOrigin::signed(merchant()),
				buyer(),
				TrustProfile::Optimistic,
				10
			),
			Error::<Test>::NotAuditor
		);
		for size in [0, 65] {
			assert_noop!(
				Micropay::set_trust_profile(
					RuntimeOrigin::signed(auditor()),
					buyer(),
					TrustProfile::Optimistic,
					size
				),
				Error::<Test>::BlockSizeOutOfBounds
			);
		}
		assert_ok!(Micropay::set_trust_profile(
			RuntimeOrigin::signed(auditor()),
			buyer(),
			TrustProfile::Optimistic,
			10
		));
		let record = stored_trust(&auditor(), &buyer()).unwrap();
		assert_eq!(
			(record.state.profile, record.state.block_size, record.state.initial_size),
			(TrustProfile::Optimistic, 10, 10)
		);
	});
}

#[test]
fn a_purchase_that_reaches_the_block_size_cannot_be_prepaid() {
	build_and_execute(|| {
		assert_ok!(Micropay::set_trust_profile(
			RuntimeOrigin::signed(auditor()),
			buyer(),
			TrustProfile::Neutral,
			3
		));
		let batch = issue(&buyer(), 8, 10, 500);
		// A first clean block under W = 3 (all held); from now on W = 3 bounds promises.
		assert_ok!(submit(
			0,
			vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 4, 3), false)]
		));
		assert_eq!(Micropay::buyer_trust(&auditor(), &buyer()).prepaid_limit, 3);
		// 2 tokens, then 1 more reaches W = 3: that one must be held.
		let block = vec![
			purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), true),
			purchase(&buyer_pair(), &merchant(), tokens(batch, 2, 1), true),
		];
		assert_noop!(submit(1, block), Error::<Test>::PrepaidBeyondBlockSize);
		// Held purchases may come first (they waited on the previous block); a prepaid one
		// after them still has to leave the block under W.
		let block = vec![
			purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 2), false),
			purchase(&buyer_pair(), &merchant(), tokens(batch, 2, 1), true),
		];
		assert_noop!(submit(1, block), Error::<Test>::PrepaidBeyondBlockSize);
		let block = vec![
			purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 1), false),
			purchase(&buyer_pair(), &merchant(), tokens(batch, 1, 1), true),
			purchase(&buyer_pair(), &merchant(), tokens(batch, 2, 2), false),
		];
		assert_ok!(submit(1, block));
	});
}

#[test]
fn promises_made_before_the_auditor_lowers_w_still_settle_as_prepaid() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 24, 10, 500);
		let merchant_before = Balances::free_balance(merchant());
		// Under the default W (the mock's 64), the desk promised 12 + 12 tokens...
		let promised = vec![
			purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 12), true),
			purchase(&buyer_pair(), &merchant(), tokens(batch, 12, 12), true),
		];
		// ...then the auditor lowers the buyer's W to 4 before the block went out.
		assert_ok!(Micropay::set_trust_profile(
			RuntimeOrigin::signed(auditor()),
			buyer(),
			TrustProfile::Pessimistic,
			4
		));
		let record = Micropay::buyer_trust(&auditor(), &buyer());
		assert_eq!((record.state.block_size, record.prepaid_limit), (4, 64));
		assert_ok!(submit(0, promised));
		// Both merchants' promises are paid: 24 tokens × 10 × (1 − 10%).
		assert_eq!(Balances::free_balance(merchant()), merchant_before + 216);
		// From the next block on, the new W bounds prepaid purchases again.
		let record = Micropay::buyer_trust(&auditor(), &buyer());
		assert_eq!((record.state.block_size, record.prepaid_limit), (4, 4));
		let batch = issue(&buyer(), 4, 10, 500);
		assert_noop!(
			submit(1, vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 4), true)]),
			Error::<Test>::PrepaidBeyondBlockSize
		);
	});
}

#[test]
fn token_status_follows_the_token() {
	build_and_execute(|| {
		let batch = issue(&buyer(), 2, 10, 30);
		assert_eq!(Micropay::token_status(TokenId::new(batch, 5)), TokenStatus::Unknown);
		assert_eq!(
			Micropay::token_status(TokenId::new(batch, 0)),
			TokenStatus::Unspent { expires_at: 30 }
		);
		assert_ok!(submit(
			0,
			vec![purchase(&buyer_pair(), &merchant(), tokens(batch, 0, 1), false)]
		));
		assert_eq!(Micropay::token_status(TokenId::new(batch, 0)), TokenStatus::Spent);
		run_to_block(30);
		assert_eq!(Micropay::token_status(TokenId::new(batch, 1)), TokenStatus::Expired);
	});
}
