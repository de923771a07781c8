//! Cross-check: the simulator's engine and the real pallet (on its mock runtime) settle the
//! same token blocks identically. Per block: the same `W`, `beta`, rejected purchases, `gamma`,
//! trust, next block size and risk, for two buyers under each of the three profiles, with the
//! talk's rule and with a windowed `gamma` plus recovery.
//!
//! Each block holds `W` tokens in purchases of 4 to 16 tokens: sometimes a held purchase first
//! (one that arrived while the previous block was being validated), then prepaid ones, and
//! the held one that reaches `W` last. Each token is invalid with a seeded probability, as one
//! of four kinds the chain tells apart:
//! - forged: an id the bank never issued (no face value on chain);
//! - double-spent on chain: one of the buyer's tokens redeemed in an earlier block;
//! - double-spent in the block: one of the buyer's tokens used earlier in the same block;
//! - not owned: a token of another buyer's batch.
//!
//! Run: `SKIP_WASM_BUILD=1 cargo test -p micropay-simulator --test crosscheck`.

use frame_support::assert_ok;
use micropay_primitives::{
	block_size::BlockSizeBounds,
	trust_state::{GammaMode, Recovery, TrustParams},
};
use micropay_simulator::{
	engine::{Economics, SimBlock, SimPurchase, UserBook},
	model::{buyer_rng, PROFILES},
};
use pallet_micropay::{mock::*, BatchId, Event, TokenId, TrustProfile};
use rand::{seq::SliceRandom, Rng};
use rand_chacha::ChaCha8Rng;
use sp_arithmetic::Perbill;

/// Face value of the mock's tokens.
const VALUE: u128 = 100;
/// Initial block size of every buyer.
const W0: u32 = 20;
/// Buyers per profile.
const BUYERS: u32 = 2;

/// How an invalid token of the scenario is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Invalid {
	Forged,
	SpentOnChain,
	SpentInBlock,
	NotOwned,
}

/// What the chain reported for one block, in the simulator's terms.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
	size: u32,
	beta: u32,
	rejected: u32,
	gamma: u32,
	trust: pallet_micropay::TrustValue,
	next_size: u32,
	risk: i128,
}

impl Outcome {
	fn of(sim: &SimBlock) -> Self {
		Self {
			size: sim.size,
			beta: sim.beta,
			rejected: sim.rejected,
			gamma: sim.gamma,
			trust: sim.trust,
			next_size: sim.next_size,
			risk: sim.risk,
		}
	}
}

/// Invalid tokens per kind over a whole run, to check the scenario exercised each.
#[derive(Debug, Default)]
struct Coverage {
	forged: u32,
	spent_on_chain: u32,
	spent_in_block: u32,
	not_owned: u32,
	rejected: u32,
	recovered: u32,
	moved: u32,
}

/// One buyer, on chain and in the simulator.
struct Buyer {
	profile: TrustProfile,
	signer: sp_core::sr25519::Pair,
	user: AccountId,
	own: BatchId,
	issued: u32,
	next_own: u32,
	spent: Vec<TokenId>,
	next_forged: u32,
	foreign: BatchId,
	rng: ChaCha8Rng,
	sim: UserBook,
	seq: u32,
}

impl Buyer {
	fn new(profile: TrustProfile, index: u32, blocks: u32, params: TrustParams) -> Self {
		let signer = pair(&format!("//CrossCheck{profile:?}{index}"));
		let user = account_of(&signer);
		assert_ok!(Micropay::set_trust_profile(
			RuntimeOrigin::signed(auditor()),
			user.clone(),
			profile,
			W0
		));
		let issued = MaxBlockTokens::get() * blocks;
		Buyer {
			profile,
			own: issue(&user, issued, VALUE, 900),
			foreign: issue(&account_of(&other_buyer_pair()), MaxBlockTokens::get(), VALUE, 900),
			signer,
			user,
			issued,
			next_own: 0,
			spent: Vec::new(),
			next_forged: 0,
			rng: buyer_rng(0xC0FFEE, index * 3 + profile as u32),
			sim: UserBook::new(profile, W0, params),
			seq: 0,
		}
	}

	/// Purchase sizes (4 to 16 tokens) adding up to `size`, and which are prepaid: all but
	/// the last (it reaches `W`) and, now and then, a held first one.
	fn shape(&mut self, size: u32) -> Vec<(u32, bool)> {
		let mut sizes = Vec::new();
		let mut left = size;
		while left > 0 {
			let take = self.rng.gen_range(4..=MaxTokensPerPurchase::get()).min(left);
			sizes.push(take);
			left -= take;
		}
		let held_first = sizes.len() > 1 && self.rng.gen_bool(0.3);
		let last = sizes.len() - 1;
		sizes
			.into_iter()
			.enumerate()
			.map(|(i, tokens)| (tokens, i != last && !(held_first && i == 0)))
			.collect()
	}

	/// A fresh token of the buyer's own batch.
	fn fresh(&mut self) -> TokenId {
		assert!(self.next_own < self.issued, "the scenario issued too few tokens");
		self.next_own += 1;
		TokenId::new(self.own, self.next_own - 1)
	}

	/// An invalid token of a kind available at this point of the block; `used` holds the
	/// block's tokens so far, each with whether it is valid (a fresh token's first use).
	fn invalid(&mut self, used: &[(TokenId, bool)], coverage: &mut Coverage) -> (TokenId, Invalid) {
		let mut kinds = vec![Invalid::Forged, Invalid::NotOwned];
		if !self.spent.is_empty() {
			kinds.push(Invalid::SpentOnChain);
		}
		let own_in_block: Vec<TokenId> =
			used.iter().filter(|(_, valid)| *valid).map(|(token, _)| *token).collect();
		if !own_in_block.is_empty() {
			kinds.push(Invalid::SpentInBlock);
		}
		let kind = *kinds.choose(&mut self.rng).expect("two kinds at least");
		let token = match kind {
			Invalid::Forged => {
				self.next_forged += 1;
				coverage.forged += 1;
				// Past the end of the batch: never issued.
				TokenId::new(self.own, self.issued + self.next_forged)
			},
			Invalid::NotOwned => {
				coverage.not_owned += 1;
				let index = used.iter().filter(|(token, _)| token.batch == self.foreign).count();
				TokenId::new(self.foreign, index as u32)
			},
			Invalid::SpentOnChain => {
				coverage.spent_on_chain += 1;
				*self.spent.choose(&mut self.rng).expect("checked")
			},
			Invalid::SpentInBlock => {
				coverage.spent_in_block += 1;
				*own_in_block.choose(&mut self.rng).expect("checked")
			},
		};
		(token, kind)
	}

	/// Builds, submits and simulates the buyer's next block; checks both agree.
	fn step(&mut self, rate: f64, economics: Economics, coverage: &mut Coverage) {
		let size = self.sim.block_size();
		let on_chain = stored_trust(&auditor(), &self.user).expect("profile set");
		assert_eq!(on_chain.state.block_size, size, "{:?} block {}: W", self.profile, self.seq);

		let mut used = Vec::new();
		let mut block = Vec::new();
		let mut shapes = Vec::new();
		for (tokens, prepaid) in self.shape(size) {
			let first = used.len();
			let (mut invalid, mut forged) = (0, 0);
			for _ in 0..tokens {
				if self.rng.gen_bool(rate) {
					let (token, kind) = self.invalid(&used, coverage);
					invalid += 1;
					forged += u32::from(kind == Invalid::Forged);
					used.push((token, false));
				} else {
					let token = self.fresh();
					used.push((token, true));
				}
			}
			let tokens_of_purchase = used[first..].iter().map(|(token, _)| *token).collect();
			let created_at = u64::from(self.seq) * 100 + block.len() as u64;
			block.push(purchase_at(
				&self.signer,
				&merchant(),
				tokens_of_purchase,
				prepaid,
				created_at,
			));
			shapes.push((SimPurchase { tokens, invalid, forged, prepaid }, first));
		}
		assert_ok!(submit_for(&self.user, self.seq, block));

		let purchases: Vec<SimPurchase> = shapes.iter().map(|(purchase, _)| *purchase).collect();
		let expected = self.sim.settle(&purchases, economics);
		assert_eq!(
			chain_outcome(size),
			Outcome::of(&expected),
			"{:?} buyer {} block {}",
			self.profile,
			account_of(&self.signer),
			self.seq
		);

		// The valid own tokens of accepted purchases are now spent on chain.
		for (i, (purchase, first)) in shapes.iter().enumerate() {
			let end = shapes.get(i + 1).map_or(used.len(), |(_, next)| *next);
			if purchase.accepted() {
				let valid = used[*first..end].iter().filter(|(_, valid)| *valid);
				self.spent.extend(valid.map(|(token, _)| *token));
			}
		}
		coverage.rejected += expected.rejected;
		coverage.recovered += u32::from(expected.recovered);
		coverage.moved += u32::from(expected.next_size != expected.size);
		self.seq += 1;
	}
}

/// The last block's outcome as the pallet's events report it.
fn chain_outcome(size: u32) -> Outcome {
	let events = micropay_events();
	let summary = events
		.iter()
		.rev()
		.find_map(|event| match event {
			Event::TokenBlockValidated { summary, .. } => Some(*summary),
			_ => None,
		})
		.expect("every settled block is reported");
	events
		.iter()
		.rev()
		.find_map(|event| match event {
			Event::TrustUpdated { gamma, trust, next_block_size, block_risk, .. } => {
				assert_eq!(*block_risk, summary.risk, "both events report one risk");
				Some(Outcome {
					size,
					beta: summary.invalid.total(),
					rejected: summary.rejected,
					gamma: *gamma,
					trust: *trust,
					next_size: *next_block_size,
					risk: *block_risk,
				})
			},
			_ => None,
		})
		.expect("every settled block updates trust")
}

/// Runs `blocks` blocks of two buyers per profile (interleaved, so each user's state must be
/// kept apart) under the mock's trust rule `gamma` and `recovery`; returns what was covered.
fn cross_check(gamma: GammaMode, recovery: Recovery, rate: f64, blocks: u32) -> Coverage {
	TrustGamma::set(gamma);
	TrustRecovery::set(recovery);
	let params =
		TrustParams { bounds: BlockSizeBounds::new(1, MaxBlockTokens::get()), gamma, recovery };
	let economics = Economics { value: VALUE, rho: Perbill::from_percent(RHO_PERCENT) };
	let mut coverage = Coverage::default();
	build_and_execute(|| {
		assert_eq!(Micropay::trust_params(), params, "the simulator runs the mock's rule");
		let mut buyers: Vec<Buyer> = PROFILES
			.iter()
			.flat_map(|&profile| (0..BUYERS).map(move |index| (profile, index)))
			.map(|(profile, index)| Buyer::new(profile, index, blocks, params))
			.collect();
		for _ in 0..blocks {
			for buyer in &mut buyers {
				buyer.step(rate, economics, &mut coverage);
			}
		}
	});
	coverage
}

#[test]
fn the_pallet_and_the_simulator_agree_block_by_block_under_the_talks_rule() {
	let coverage = cross_check(GammaMode::Cumulative, Recovery::Off, 0.1, 10);
	// The scenario exercised every kind of invalid token, rejections and moving sizes.
	assert!(coverage.forged > 0 && coverage.not_owned > 0, "{coverage:?}");
	assert!(coverage.spent_on_chain > 0 && coverage.spent_in_block > 0, "{coverage:?}");
	assert!(coverage.rejected > 0 && coverage.moved > 0, "{coverage:?}");
	assert_eq!(coverage.recovered, 0);
}

#[test]
fn the_pallet_and_the_simulator_agree_with_a_windowed_gamma_and_recovery() {
	let coverage = cross_check(
		GammaMode::Windowed { blocks: 3 },
		Recovery::TowardInitial { clean_blocks: 2 },
		0.04,
		10,
	);
	assert!(coverage.recovered > 0, "{coverage:?}");
	assert!(coverage.moved > 0, "{coverage:?}");
}
