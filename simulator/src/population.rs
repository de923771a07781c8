//! The talk's scenario: many buyers of one trust profile, each over a run of token blocks,
//! with one auditor; the mean block size and the auditor's average risk per block.
//!
//! A buyer's block holds `W` tokens (its current block size) in purchases of
//! `tokens_per_purchase` tokens, all prepaid but the last, which reaches `W` and is held
//! ([`full_block`]). Every token is a double-spend with probability `rate`, drawn from the
//! buyer's own seeded stream ([`buyer_rng`]), so the three profiles face the same buyers
//! (common random numbers) and differences between their curves come from the profiles alone.

use crate::{
	engine::{full_block, UserBook},
	model::{buyer_rng, in_tokens, Model},
};
use micropay_primitives::trust::TrustProfile;
use rand::Rng;

/// One population run. Every field is documented with its default (see `Default`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PopulationConfig {
	/// Buyers simulated (default 200).
	pub buyers: u32,
	/// Token blocks per buyer (default 50).
	pub blocks: u32,
	/// Initial block size `W_0` (default 20).
	pub initial_size: u32,
	/// Probability that a token a buyer spends is a double-spend (default 0.05).
	pub rate: f64,
	/// Tokens per purchase (default 5).
	pub tokens_per_purchase: u32,
	/// Seed of the buyers' random streams (default 42).
	pub seed: u64,
	/// The auditor's trust rule and withholding `rho` (default: the talk's rule, `rho` = 5%).
	pub model: Model,
}

impl Default for PopulationConfig {
	fn default() -> Self {
		Self {
			buyers: 200,
			blocks: 50,
			initial_size: 20,
			rate: 0.05,
			tokens_per_purchase: 5,
			seed: 42,
			model: Model::default(),
		}
	}
}

/// Averages over every block of every buyer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PopulationStats {
	/// Mean block size `W` of the blocks submitted.
	pub mean_block_size: f64,
	/// Mean risk per block, in tokens (negative: the auditor gains its withholding).
	pub mean_risk: f64,
	/// Blocks simulated.
	pub blocks: u64,
}

/// Runs `config` for buyers of `profile`.
pub fn run(profile: TrustProfile, config: &PopulationConfig) -> PopulationStats {
	let economics = config.model.economics();
	let rate = config.rate.clamp(0.0, 1.0);
	let (mut size_sum, mut risk_sum, mut blocks) = (0u64, 0i128, 0u64);
	for buyer in 0..config.buyers {
		let mut rng = buyer_rng(config.seed, buyer);
		let mut user = UserBook::new(profile, config.initial_size, config.model.rule);
		for _ in 0..config.blocks {
			let size = user.block_size();
			let invalid: Vec<bool> = (0..size).map(|_| rng.gen_bool(rate)).collect();
			let block = full_block(config.tokens_per_purchase, &invalid);
			let outcome = user.settle(&block, economics);
			size_sum += u64::from(size);
			risk_sum = risk_sum.saturating_add(outcome.risk);
			blocks += 1;
		}
	}
	let blocks_f = blocks.max(1) as f64;
	PopulationStats {
		mean_block_size: size_sum as f64 / blocks_f,
		mean_risk: in_tokens(risk_sum) / blocks_f,
		blocks,
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use TrustProfile::*;

	fn small(rate: f64) -> PopulationConfig {
		PopulationConfig { buyers: 40, blocks: 30, rate, ..Default::default() }
	}

	#[test]
	fn honest_buyers_keep_their_initial_size_and_earn_the_auditor_its_withholding() {
		let stats = run(Neutral, &small(0.0));
		assert_eq!(stats.mean_block_size, 20.0);
		// −W · rho tokens per block.
		assert!((stats.mean_risk + 20.0 * 0.05).abs() < 1e-9, "{}", stats.mean_risk);
	}

	#[test]
	fn block_size_falls_with_the_double_spend_rate_and_orders_the_profiles() {
		let rates = [0.01, 0.05, 0.2];
		for profile in [Neutral, Optimistic, Pessimistic] {
			let sizes: Vec<f64> =
				rates.iter().map(|&r| run(profile, &small(r)).mean_block_size).collect();
			assert!(sizes.windows(2).all(|pair| pair[0] > pair[1]), "{profile:?}: {sizes:?}");
		}
		for rate in rates {
			let size = |profile| run(profile, &small(rate)).mean_block_size;
			let (p, n, o) = (size(Pessimistic), size(Neutral), size(Optimistic));
			assert!(p <= n && n <= o, "rate {rate}: {p} {n} {o}");
		}
	}

	#[test]
	fn risk_rises_with_the_rate_and_falls_with_the_withholding() {
		let risk = |rate, rho| {
			let model = Model { rho, ..Model::default() };
			run(Neutral, &PopulationConfig { model, ..small(rate) }).mean_risk
		};
		assert!(risk(0.0, 0.05) < risk(0.05, 0.05));
		assert!(risk(0.05, 0.05) < risk(0.2, 0.05));
		assert!(risk(0.1, 0.0) > risk(0.1, 0.05));
		assert!(risk(0.1, 0.05) > risk(0.1, 0.15));
	}

	#[test]
	fn a_run_is_reproducible_from_its_seed() {
		assert_eq!(run(Optimistic, &small(0.1)), run(Optimistic, &small(0.1)));
		let other = PopulationConfig { seed: 7, ..small(0.1) };
		assert_ne!(run(Optimistic, &small(0.1)), run(Optimistic, &other));
	}
}
