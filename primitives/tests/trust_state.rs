//! The per-user state the pallet stores, its update after each block, and its options.

use codec::{Decode, Encode, MaxEncodedLen};
use micropay_primitives::{
	block_size::BlockSizeBounds,
	recent_invalid::RECENT_BLOCKS,
	reference,
	trust::{initial_trust, trust, TrustProfile},
	trust_state::{GammaMode, Recovery, TrustParams, TrustState, UserTrust},
};
use proptest::prelude::*;

const PROFILES: [TrustProfile; 3] =
	[TrustProfile::Neutral, TrustProfile::Optimistic, TrustProfile::Pessimistic];

fn talk() -> TrustParams {
	TrustParams::talk(BlockSizeBounds::new(1, 10_000))
}

fn with_recovery(clean_blocks: u32) -> TrustParams {
	TrustParams { recovery: Recovery::TowardInitial { clean_blocks }, ..talk() }
}

fn windowed(blocks: u8) -> TrustParams {
	TrustParams { gamma: GammaMode::Windowed { blocks }, ..talk() }
}

/// Sizes after each of `betas`, starting from `w0`.
fn sizes(profile: TrustProfile, w0: u32, betas: &[u32], params: &TrustParams) -> Vec<u32> {
	let mut state = TrustState::new(profile, w0, params);
	betas.iter().map(|beta| state.apply_block(*beta, params).next_size).collect()
}

fn any_profile() -> impl Strategy<Value = TrustProfile> {
	prop::sample::select(PROFILES.to_vec())
}

fn any_params() -> impl Strategy<Value = TrustParams> {
	let gamma = prop_oneof![
		Just(GammaMode::Cumulative),
		any::<u8>().prop_map(|blocks| GammaMode::Windowed { blocks })
	];
	let recovery = prop_oneof![
		Just(Recovery::Off),
		prop_oneof![0u32..=5, any::<u32>()]
			.prop_map(|clean_blocks| Recovery::TowardInitial { clean_blocks }),
	];
	(any::<u32>(), any::<u32>(), gamma, recovery).prop_map(|(min, max, gamma, recovery)| {
		TrustParams { bounds: BlockSizeBounds::new(min % 100, max), gamma, recovery }
	})
}

#[test]
fn a_new_user_starts_at_w0_with_t_of_zero() {
	let state = TrustState::new(TrustProfile::Optimistic, 20, &talk());
	assert_eq!(state.block_size, 20);
	assert_eq!(state.initial_size, 20);
	assert_eq!(state.trust, initial_trust(TrustProfile::Optimistic, 20));
	assert_eq!(state.trust, trust(TrustProfile::Neutral, 20, 0));
	// W_0 outside the bounds is brought within them.
	assert_eq!(TrustState::new(TrustProfile::Neutral, 50_000, &talk()).block_size, 10_000);
}

#[test]
fn the_outcome_reports_trust_with_the_previous_size() {
	let params = talk();
	let mut state = TrustState::new(TrustProfile::Pessimistic, 20, &params);
	let first = state.apply_block(5, &params);
	assert_eq!((first.next_size, first.gamma, first.recovered), (9, 5, false));
	assert_eq!(first.trust, trust(TrustProfile::Pessimistic, 20, 5));
	let second = state.apply_block(1, &params);
	assert_eq!(second.gamma, 6);
	assert_eq!(second.trust, trust(TrustProfile::Pessimistic, 9, 6));
	assert_eq!(
		(state.block_size, state.gamma, state.blocks, state.trust),
		(second.next_size, 6, 2, second.trust)
	);
}

#[test]
fn the_state_follows_the_talk_rule_in_f64() {
	// A user who cheats now and then: the chain's sizes equal the f64 rule rounded each block.
	let betas = [0, 2, 0, 1, 3, 0, 0, 1, 0, 4, 2, 0, 1];
	for profile in PROFILES {
		let params = talk();
		let mut state = TrustState::new(profile, 40, &params);
		let (mut w, mut gamma) = (40u32, 0u32);
		for beta in betas {
			let expected = reference::next_block_size_unrounded(profile, w, gamma, gamma + beta)
				.round() as u32;
			let outcome = state.apply_block(beta, &params);
			assert_eq!(
				outcome.next_size,
				expected.max(1),
				"{profile:?} after gamma = {}",
				gamma + beta
			);
			(w, gamma) = (outcome.next_size, gamma + beta);
		}
	}
}

#[test]
fn cumulative_gamma_freezes_the_size() {
	for profile in PROFILES {
		let params = talk();
		let mut state = TrustState::new(profile, 10, &params);
		state.apply_block(10, &params);
		let frozen = state.block_size;
		assert_eq!(frozen, 1, "{profile:?}");
		for beta in [0, 1, 5, u32::MAX, 0, 0] {
			assert_eq!(state.apply_block(beta, &params).next_size, frozen, "{profile:?}");
		}
		// Frozen above the minimum too: gamma passes W while W is still large.
		let sizes = sizes(profile, 20, &[2; 40], &params);
		let last = sizes[sizes.len() - 1];
		assert!(
			sizes[sizes.len() - 10..].iter().all(|size| *size == last),
			"{profile:?}: {sizes:?}"
		);
	}
}

#[test]
fn repeated_double_spending_shrinks_pessimistic_fastest() {
	// Every block has `beta` invalid tokens. The first cut and the number of blocks until the
	// size has halved are ordered pessimistic ≤ neutral ≤ optimistic. (The sizes the users end
	// frozen at are not: see `cumulative_gamma_freezes_the_size`.)
	// `usize::MAX` when the size never halves (it froze first).
	let blocks_to_halve =
		|sizes: &[u32], w0: u32| sizes.iter().position(|size| 2 * size <= w0).unwrap_or(usize::MAX);
	for (w0, beta) in [(20, 1), (20, 2), (20, 5), (100, 3), (1_000, 10), (10_000, 50)] {
		let run = |profile| sizes(profile, w0, &vec![beta; 200], &talk());
		let (pessimistic, neutral, optimistic) = (
			run(TrustProfile::Pessimistic),
			run(TrustProfile::Neutral),
			run(TrustProfile::Optimistic),
		);
		assert!(
			pessimistic[0] < neutral[0] && neutral[0] <= optimistic[0],
			"W0 = {w0} beta = {beta}"
		);
		let halves = [&pessimistic, &neutral, &optimistic].map(|sizes| blocks_to_halve(sizes, w0));
		assert!(
			halves[0] < halves[1] && halves[1] < halves[2],
			"W0 = {w0} beta = {beta}: {halves:?}"
		);
	}
}

#[test]
fn without_recovery_clean_blocks_win_nothing_back() {
	for profile in PROFILES {
		let params = talk();
		let mut betas = vec![8, 4];
		betas.extend([0; 50]);
		let sizes = sizes(profile, 30, &betas, &params);
		assert!(sizes[1] < 30);
		assert!(sizes[2..].iter().all(|size| *size == sizes[1]), "{profile:?}: {sizes:?}");
	}
}

#[test]
fn with_recovery_clean_blocks_return_to_w0() {
	for profile in PROFILES {
		let params = with_recovery(3);
		let mut state = TrustState::new(profile, 30, &params);
		state.apply_block(8, &params);
		let cut = state.block_size;
		assert!(cut < 30, "{profile:?}");
		// Two clean blocks: not yet.
		for _ in 0..2 {
			assert!(!state.apply_block(0, &params).recovered);
		}
		assert_eq!(state.block_size, cut);
		// The third: halfway back, rounded up.
		let step = state.apply_block(0, &params);
		assert!(step.recovered);
		assert_eq!(step.next_size, cut + (30 - cut).div_ceil(2), "{profile:?}");
		// An invalid token restarts the count.
		state.apply_block(1, &params);
		let after_cheat = state.block_size;
		for _ in 0..2 {
			state.apply_block(0, &params);
		}
		assert_eq!(state.block_size, after_cheat);
		// Enough clean blocks bring W back to W_0 exactly, never beyond.
		for _ in 0..60 {
			state.apply_block(0, &params);
			assert!(state.block_size <= 30);
		}
		assert_eq!(state.block_size, 30, "{profile:?}");
	}
}

#[test]
fn recovery_unfreezes_a_frozen_size() {
	let params = with_recovery(1);
	let mut state = TrustState::new(TrustProfile::Neutral, 10, &params);
	state.apply_block(10, &params);
	assert_eq!(state.block_size, 1);
	state.apply_block(0, &params);
	assert_eq!(state.block_size, 6);
}

#[test]
fn windowed_gamma_shrinks_w_on_every_invalid_token_and_forgetting_alone_never_grows_it() {
	for profile in PROFILES {
		let params = windowed(3);
		let mut state = TrustState::new(profile, 20, &params);
		let cut = state.apply_block(5, &params).next_size;
		assert!(cut < 20, "{profile:?}");
		// Clean blocks, the bad one in the window and then out of it: W stays (without
		// recovery, only recovery grows it).
		for _ in 0..5 {
			assert_eq!(state.apply_block(0, &params).next_size, cut, "{profile:?}");
		}
		// A second bad block shrinks it again (the lenient optimistic profile may round a
		// single token's cut away, but never grows).
		let again = state.apply_block(1, &params).next_size;
		assert!(again <= cut, "{profile:?}: {again} after {cut}");
		if profile != TrustProfile::Optimistic {
			assert!(again < cut, "{profile:?}: {again} after {cut}");
		}
		assert_eq!(state.gamma, 6, "the cumulative count is still kept");
	}
}

#[test]
fn a_steady_cheater_keeps_shrinking_with_a_one_block_window_where_cumulative_freezes() {
	let betas = [1; 30];
	let cumulative = sizes(TrustProfile::Neutral, 20, &betas, &talk());
	let windowed = sizes(TrustProfile::Neutral, 20, &betas, &windowed(1));
	// The talk's rule: once gamma ≥ W the size stops moving, well above the floor.
	assert!(cumulative[29] > 1 && cumulative[29] == cumulative[19], "{cumulative:?}");
	// Judged block by block, every invalid token shrinks W down to the floor.
	assert!(windowed.windows(2).all(|pair| pair[1] < pair[0] || pair[1] == 1), "{windowed:?}");
	assert_eq!(windowed[29], 1, "{windowed:?}");
}

#[test]
fn a_window_longer_than_the_ring_counts_the_whole_ring() {
	let long = windowed(u8::MAX);
	let ring = windowed(RECENT_BLOCKS as u8);
	let betas: Vec<u32> = (0..40).map(|block| u32::from(block % 7 == 0)).collect();
	assert_eq!(
		sizes(TrustProfile::Optimistic, 500, &betas, &long),
		sizes(TrustProfile::Optimistic, 500, &betas, &ring)
	);
}

#[test]
fn the_stored_state_round_trips_within_its_bound() {
	let params = windowed(4);
	let mut state = TrustState::new(TrustProfile::Pessimistic, 64, &params);
	for beta in [1, 0, 3, 0, 0, 2] {
		state.apply_block(beta, &params);
	}
	let bytes = state.encode();
	assert!(bytes.len() <= TrustState::max_encoded_len());
	assert_eq!(TrustState::decode(&mut &bytes[..]), Ok(state));
	assert!(TrustParams::max_encoded_len() >= params.encode().len());
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

	/// An honest user keeps W_0 forever under any profile, bounds, gamma mode and recovery.
	#[test]
	fn honest_users_keep_their_size(profile in any_profile(), w0 in 1u32..=100_000, params in any_params()) {
		let mut state = TrustState::new(profile, w0, &params);
		let start = state.block_size;
		for _ in 0..30 {
			let outcome = state.apply_block(0, &params);
			prop_assert_eq!(outcome.next_size, start);
			prop_assert_eq!(outcome.trust, initial_trust(profile, start));
		}
	}

	/// Any sequence of blocks under any settings: no panic, sizes within bounds, and with
	/// recovery off and cumulative gamma the size never grows.
	#[test]
	fn any_history_stays_within_bounds(
		profile in any_profile(),
		w0 in any::<u32>(),
		params in any_params(),
		betas in prop::collection::vec(prop_oneof![0u32..=3, any::<u32>()], 1..40),
	) {
		let mut state = TrustState::new(profile, w0, &params);
		let talk_rule = params.gamma == GammaMode::Cumulative && params.recovery == Recovery::Off;
		for beta in betas {
			let before = state.block_size;
			let outcome = state.apply_block(beta, &params);
			prop_assert!(params.bounds.lower() <= outcome.next_size && outcome.next_size <= params.bounds.upper());
			prop_assert!(!talk_rule || outcome.next_size <= before);
		}
	}

	/// A stored state decoded from arbitrary bytes (a corrupt ring cursor included) can still
	/// be updated without panicking.
	#[test]
	fn decoded_garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..120), beta in any::<u32>(), params in any_params()) {
		if let Ok(mut state) = TrustState::decode(&mut &bytes[..]) {
			let outcome = state.apply_block(beta, &params);
			prop_assert!(outcome.next_size >= 1);
		}
	}
}

#[test]
fn the_prepaid_limit_survives_a_lowered_profile_until_the_next_block() {
	let params = talk();
	let mut record = UserTrust::new(TrustState::new(TrustProfile::Neutral, 20, &params));
	assert_eq!((record.prepaid_limit, record.risk), (20, 0));

	// The auditor lowers W to 5: purchases it promised under W = 20 must still settle.
	record.restart(TrustState::new(TrustProfile::Pessimistic, 5, &params));
	assert_eq!((record.state.block_size, record.prepaid_limit), (5, 20));
	// Raised above the old limit, the limit follows (the desk promises against the new W).
	record.restart(TrustState::new(TrustProfile::Optimistic, 30, &params));
	assert_eq!((record.state.block_size, record.prepaid_limit), (30, 30));
	record.restart(TrustState::new(TrustProfile::Neutral, 8, &params));
	assert_eq!(record.prepaid_limit, 30);

	// The next block brings the limit back to the new W, and adds its risk.
	let outcome = record.apply_block(1, -7, &params);
	assert_eq!(record.state.block_size, outcome.next_size);
	assert_eq!(record.prepaid_limit, outcome.next_size);
	assert!(outcome.next_size < 8);
	assert_eq!(record.risk, -7);
}
