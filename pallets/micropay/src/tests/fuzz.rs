//! Fuzzing `submit_block` (and every other call): arbitrary bytes decoded as a call of the
//! pallet and dispatched on the mock runtime from an auditor, a buyer or Root. After every
//! input the pallet's invariants (`do_try_state`) and the total issuance are checked, then
//! the input's changes are rolled back, so each input meets the same funded state: banks with
//! collateral, a buyer with tokens, a second auditor, settled purchases.
//!
//! Inputs are a mix of pure random bytes and mutations (bit flips, overwritten, inserted or
//! removed bytes, truncation, spliced tails) of valid encoded `submit_block` calls, so most
//! inputs decode and reach validation and settlement rather than dying in the decoder.
//!
//! The test command runs a short smoke; `scripts/fuzz.sh` runs the long one
//! (`MICROPAY_FUZZ_INPUTS`, default 10 million, in release) and prints its counts.

use crate::{mock::*, Call};
use codec::{Decode, Encode};
use frame_support::{
	assert_ok,
	dispatch::GetDispatchInfo,
	storage::{with_transaction, TransactionOutcome},
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sp_runtime::{traits::Dispatchable, DispatchError};

/// What a fuzz run saw.
#[derive(Debug, Default)]
struct FuzzStats {
	inputs: u64,
	decoded: u64,
	dispatched_ok: u64,
	token_blocks_settled: u64,
	panics: u64,
}

fn second_auditor() -> AccountId {
	account("//FuzzAuditor")
}

/// The state every input meets, and the valid calls the mutations start from.
fn setup() -> Vec<Vec<u8>> {
	register_funded_auditor(&second_auditor());
	let batch = issue(&buyer(), 64, 10, 200);
	let other = issue(&account_of(&other_buyer_pair()), 8, 10, 200);
	let short = issue(&buyer(), 8, 10, 3);
	let settled = purchase_at(&buyer_pair(), &merchant(), tokens(batch, 60, 4), true, 99);
	assert_ok!(submit(0, vec![settled.clone()]));
	let blocks: Vec<Vec<TestPurchase>> = vec![
		vec![
			purchase_at(&buyer_pair(), &merchant(), tokens(batch, 0, 4), true, 1),
			purchase_at(&buyer_pair(), &other_merchant(), tokens(batch, 4, 4), false, 2),
		],
		vec![purchase_at(&buyer_pair(), &merchant(), tokens(other, 0, 2), true, 3), settled],
		vec![
			purchase_at(&buyer_pair(), &merchant(), tokens(short, 0, 8), false, 4),
			purchase_at(&buyer_pair(), &merchant(), tokens(batch, 8, 16), false, 5),
		],
		vec![purchase_at(&buyer_pair(), &merchant(), vec![crate::TokenId::new(77, 3)], true, 6)],
	];
	let mut seeds: Vec<Vec<u8>> = blocks
		.iter()
		.map(|purchases| {
			Call::<Test>::submit_block {
				buyer: buyer(),
				seq: 1,
				purchases: submitted(purchases.clone()),
			}
			.encode()
		})
		.collect();
	// Several token blocks in one extrinsic: consecutive ones of the buyer, and another
	// buyer's after them.
	let other_buyer_block =
		vec![purchase_at(&other_buyer_pair(), &merchant(), tokens(other, 2, 2), false, 7)];
	for pair in blocks.windows(2) {
		let token_block = |buyer: AccountId, seq: u32, purchases: &Vec<TestPurchase>| {
			crate::TokenBlock { buyer, seq, purchases: submitted(purchases.clone()) }
		};
		let call = Call::<Test>::submit_blocks {
			blocks: vec![
				token_block(buyer(), 1, &pair[0]),
				token_block(buyer(), 2, &pair[1]),
				token_block(account_of(&other_buyer_pair()), 0, &other_buyer_block),
			]
			.try_into()
			.expect("within the mock's bounds"),
			banks: 1,
		};
		seeds.push(call.encode());
	}
	seeds
}

/// One input: random bytes, or a mutated seed.
fn input(rng: &mut ChaCha8Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
	if rng.gen_ratio(1, 8) {
		let len = rng.gen_range(0..512);
		return (0..len).map(|_| rng.gen()).collect();
	}
	let mut bytes = seeds[rng.gen_range(0..seeds.len())].clone();
	// Mostly in-place changes, which keep the call decodable and reach validation; some that
	// shift or cut the bytes, which exercise the decoder's bounds.
	for _ in 0..rng.gen_range(1..=3) {
		if bytes.is_empty() {
			break;
		}
		let at = rng.gen_range(0..bytes.len());
		match rng.gen_range(0..20) {
			0..=7 => bytes[at] ^= 1 << rng.gen_range(0..8),
			8..=12 => bytes[at] = rng.gen(),
			13..=14 => bytes.insert(at, rng.gen()),
			15..=16 => {
				bytes.remove(at);
			},
			17..=18 => bytes.truncate(at),
			_ => {
				let other = &seeds[rng.gen_range(0..seeds.len())];
				let from = rng.gen_range(0..other.len());
				bytes.truncate(at);
				bytes.extend_from_slice(&other[from..]);
			},
		}
	}
	bytes
}

/// Dispatches `bytes` (if they decode as a call) from `origin`, checks the books, rolls back.
fn run_one(bytes: &[u8], origin: RuntimeOrigin, issuance: Balance, stats: &mut FuzzStats) {
	stats.inputs += 1;
	let Ok(call) = Call::<Test>::decode(&mut &bytes[..]) else {
		return;
	};
	stats.decoded += 1;
	let settles = matches!(call, Call::submit_block { .. } | Call::submit_blocks { .. });
	let call = RuntimeCall::Micropay(call);
	let charged = call.get_dispatch_info().total_weight();
	with_transaction(|| -> TransactionOutcome<Result<(), DispatchError>> {
		let result = call.dispatch(origin);
		let used = match &result {
			Ok(post) => post.actual_weight,
			Err(error) => error.post_info.actual_weight,
		};
		assert!(
			used.is_none_or(|used| used.all_lte(charged)),
			"an input used {used:?}, more than the {charged:?} charged before dispatch"
		);
		if result.is_ok() {
			stats.dispatched_ok += 1;
			stats.token_blocks_settled += u64::from(settles);
		}
		Micropay::do_try_state().expect("the books hold after any input");
		assert_eq!(Balances::total_issuance(), issuance, "an input minted or burnt");
		TransactionOutcome::Rollback(Ok(()))
	})
	.expect("rolled back");
}

/// Runs `inputs` fuzz inputs from `seed`; panics inside dispatch are counted, not fatal.
fn fuzz(inputs: u64, seed: u64) -> FuzzStats {
	let mut stats = FuzzStats::default();
	new_test_ext().execute_with(|| {
		let seeds = setup();
		let issuance = Balances::total_issuance();
		let origins = [auditor(), auditor(), auditor(), second_auditor(), buyer()];
		let mut rng = ChaCha8Rng::seed_from_u64(seed);
		for _ in 0..inputs {
			let bytes = input(&mut rng, &seeds);
			let origin = if rng.gen_ratio(1, 16) {
				RuntimeOrigin::root()
			} else {
				RuntimeOrigin::signed(origins[rng.gen_range(0..origins.len())].clone())
			};
			let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
				run_one(&bytes, origin, issuance, &mut stats)
			}));
			if caught.is_err() {
				stats.panics += 1;
				eprintln!("panic on input 0x{}", hex(&bytes));
			}
		}
	});
	stats
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn arbitrary_calls_never_panic_nor_break_the_books() {
	let stats = fuzz(1_500, 7);
	println!("fuzz smoke: {stats:?}");
	assert_eq!(stats.panics, 0);
	// The mutations reach the pallet: most inputs decode, some settle token blocks.
	assert!(stats.decoded > stats.inputs / 4, "{stats:?}");
	assert!(stats.token_blocks_settled > 0, "{stats:?}");
}

/// The long run (`scripts/fuzz.sh`): `MICROPAY_FUZZ_INPUTS` inputs (default 10 million) from
/// seed `MICROPAY_FUZZ_SEED` (default 1).
#[test]
#[ignore = "long: run by scripts/fuzz.sh"]
fn fuzz_submit_block_long() {
	let env = |name: &str, default: u64| {
		std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
	};
	let started = std::time::Instant::now();
	let stats = fuzz(env("MICROPAY_FUZZ_INPUTS", 10_000_000), env("MICROPAY_FUZZ_SEED", 1));
	println!("fuzz: {stats:?} in {:.1} s", started.elapsed().as_secs_f64());
	assert_eq!(stats.panics, 0);
}
