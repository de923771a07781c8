//! Cross-check: the simulator's engine and the real pallet (on its mock runtime) settle the
//! same token blocks identically: per block, the same `beta`, `gamma`, trust, next block size
//! and risk, for the three profiles.
//!
//! Invalid tokens are tokens of another buyer's batch (`NotOwned`): issued, so they carry
//! face value on chain exactly as the simulator's double-spent tokens do, and never spent,
//! so they can be reused in every block. Run: `cargo test -p micropay-simulator --test crosscheck`.

use frame_support::assert_ok;
use micropay_primitives::{block_size::BlockSizeBounds, trust_state::TrustParams};
use micropay_simulator::{
	engine::{full_block, Economics, SimBlock, UserBook},
	figures::PROFILES,
	population::buyer_rng,
};
use pallet_micropay::{mock::*, Event, TokenId, Trust, TrustProfile};
use rand::Rng;
use sp_arithmetic::Perbill;

/// Token value in the mock's batches.
const VALUE: u128 = 100;
/// Blocks per profile.
const BLOCKS: u32 = 12;
/// Double-spend probability per token.
const RATE: f64 = 0.08;

/// The simulator's settings matching the mock runtime (W in [1, 64], cumulative gamma, no
/// recovery, rho = 10%).
fn simulator_user(profile: TrustProfile, w0: u32) -> (UserBook, Economics) {
	let params = TrustParams::talk(BlockSizeBounds::new(1, MaxBlockTokens::get()));
	let economics = Economics { value: VALUE, rho: Perbill::from_percent(RHO_PERCENT) };
	(UserBook::new(profile, w0, params), economics)
}

/// The last `TrustUpdated` event as the simulator's fields: (gamma, trust, next size, risk).
fn last_trust_update() -> (u32, pallet_micropay::TrustValue, u32, i128) {
	micropay_events()
		.into_iter()
		.rev()
		.find_map(|event| match event {
			Event::TrustUpdated { gamma, trust, next_block_size, block_risk, .. } => {
				Some((gamma, trust, next_block_size, block_risk))
			},
			_ => None,
		})
		.expect("every settled block updates trust")
}

/// Runs `BLOCKS` blocks of one buyer under `profile` through both; returns the simulator's.
fn cross_check(profile: TrustProfile, path: &str, seed: u64) -> Vec<SimBlock> {
	let buyer = pair(path);
	let user = account_of(&buyer);
	let w0 = 20;
	assert_ok!(Micropay::set_trust_profile(
		RuntimeOrigin::signed(auditor()),
		user.clone(),
		profile,
		w0
	));
	let own = issue(&user, 64 * BLOCKS, VALUE, 900);
	let foreign = issue(&account_of(&other_buyer_pair()), 64, VALUE, 900);
	let (mut sim, economics) = simulator_user(profile, w0);
	let mut rng = buyer_rng(seed, 0);
	let mut next_own = 0u32;
	let mut outcomes = Vec::new();

	for seq in 0..BLOCKS {
		let size = sim.block_size();
		let on_chain = Trust::<Test>::get(auditor(), &user).expect("profile set").state.block_size;
		assert_eq!(size, on_chain, "{profile:?} block {seq}: W");
		let invalid: Vec<bool> = (0..size).map(|_| rng.gen_bool(RATE)).collect();
		let per_purchase = MaxTokensPerPurchase::get();
		let block = full_block(per_purchase, &invalid);

		// Token i of the block: the buyer's next own token, or a foreign one if invalid.
		let mut next_foreign = 0u32;
		let ids: Vec<TokenId> = invalid
			.iter()
			.map(|bad| {
				let (batch, cursor) =
					if *bad { (foreign, &mut next_foreign) } else { (own, &mut next_own) };
				*cursor += 1;
				TokenId::new(batch, *cursor - 1)
			})
			.collect();
		let purchases = block
			.iter()
			.zip(ids.chunks(per_purchase as usize))
			.enumerate()
			.map(|(i, (shape, tokens))| {
				let created_at = u64::from(seq) * 100 + i as u64;
				purchase_at(&buyer, &merchant(), tokens.to_vec(), shape.prepaid, created_at)
			})
			.collect();
		assert_ok!(submit_for(&user, seq, purchases));

		let expected = sim.settle(&block, economics);
		let (gamma, trust, next_size, risk) = last_trust_update();
		assert_eq!(
			(gamma, trust, next_size, risk),
			(expected.gamma, expected.trust, expected.next_size, expected.risk),
			"{profile:?} block {seq} (W = {size}, beta = {})",
			expected.beta
		);
		outcomes.push(expected);
	}
	outcomes
}

#[test]
fn the_pallet_and_the_simulator_agree_block_by_block() {
	build_and_execute(|| {
		for (i, profile) in PROFILES.into_iter().enumerate() {
			let blocks = cross_check(profile, &format!("//CrossCheck{i}"), 7 + i as u64);
			// The scenario must exercise the rules: some blocks with invalid tokens, and
			// block sizes that moved.
			assert!(blocks.iter().any(|block| block.beta > 0), "{profile:?}: no invalid token");
			assert!(
				blocks.iter().any(|block| block.next_size != block.size)
					|| profile == TrustProfile::Optimistic
			);
		}
	});
}
