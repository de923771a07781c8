//! Beyond the talk: a market of many buyers, merchants and auditors over time.
//!
//! Time runs in ticks (one per chain block). In each tick every buyer makes a number of
//! purchases (Poisson, mean `purchases_per_tick`) of 1 to `max_tokens_per_purchase` tokens at
//! a random merchant, through its auditor. A purchase is prepaid while it leaves the buyer's
//! open token block under its size `W`. As DESIGN says, the purchase that makes the block
//! reach `W` is held and closes it; purchases arriving while it awaits validation (the rest
//! of the tick) are held too and open the next block. At the end of the tick the auditor
//! submits the closed block, or an open one that has waited `max_block_age` ticks: one
//! on-chain transaction each. Auditor `a` profiles all its buyers with profile `a mod 3` (neutral,
//! optimistic, pessimistic), so the run compares the profiles on one market. A share of the
//! buyers cheat: each of their tokens is a double-spend with probability `cheater_rate`.
//!
//! Buyer `b` is a customer of auditor `b mod auditors`, and buyers `b` of every auditor share
//! one random stream (`b / auditors`): each auditor faces the same buyers (same cheaters, same
//! purchases, same double-spent tokens), so differences between auditors come from their
//! profiles alone.

use crate::{
	engine::{SimBlock, SimPurchase, UserBook},
	model::{buyer_rng, in_tokens, Model, PROFILES},
	progress::Progress,
};
use micropay_primitives::purchase::may_prepay;
use rand::Rng;
use std::fmt;

/// The scale scenario's parameters; defaults in `Default`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleConfig {
	/// Buyers (default 10,000).
	pub buyers: u32,
	/// Merchants (default 1,000).
	pub merchants: u32,
	/// Auditors (default 3); buyer `b` uses auditor `b mod auditors`.
	pub auditors: u32,
	/// Ticks simulated, one per chain block (default 600: an hour of 6 s blocks).
	pub ticks: u32,
	/// Mean purchases per buyer per tick (default 0.5).
	pub purchases_per_tick: f64,
	/// Largest purchase, in tokens (default 10).
	pub max_tokens_per_purchase: u32,
	/// Share of buyers who cheat (default 5%).
	pub cheater_share: f64,
	/// Double-spend probability per token of a cheater (default 0.2).
	pub cheater_rate: f64,
	/// Initial block size `W_0` of every buyer with every auditor (default 20).
	pub initial_size: u32,
	/// Ticks after which an open block is submitted even if it has not reached `W` (default
	/// 10).
	pub max_block_age: u32,
	/// Seed of the buyers' random streams (default 42).
	pub seed: u64,
	/// The auditors' trust rule and withholding `rho` (default: the talk's rule with `W` in
	/// `[1, 1024]`, `rho` = 5%); all auditors use the same rule, with different profiles.
	pub model: Model,
}

impl Default for ScaleConfig {
	fn default() -> Self {
		Self {
			buyers: 10_000,
			merchants: 1_000,
			auditors: 3,
			ticks: 600,
			purchases_per_tick: 0.5,
			max_tokens_per_purchase: 10,
			cheater_share: 0.05,
			cheater_rate: 0.2,
			initial_size: 20,
			max_block_age: 10,
			seed: 42,
			model: Model::default(),
		}
	}
}

/// Totals of one auditor.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AuditorTotals {
	/// Token blocks submitted (on-chain transactions).
	pub blocks: u64,
	/// Tokens in them.
	pub tokens: u64,
	/// Purchases in them.
	pub purchases: u64,
	/// Held purchases (merchants waited).
	pub held: u64,
	/// Held purchases rejected.
	pub rejected: u64,
	/// Invalid tokens.
	pub invalid: u64,
	/// Sum of the positive block risks: what cheaters cost the auditor, in tokens.
	pub losses: f64,
	/// Net risk over all blocks, in tokens (negative: the auditor earned).
	pub net_risk: f64,
	/// Distinct merchants paid per block, summed (payout transfers).
	pub merchant_payouts: u64,
	/// Block sizes `W` the blocks were built with, summed.
	pub size_sum: u64,
}

impl AuditorTotals {
	/// Tokens carried per on-chain transaction.
	pub fn tokens_per_transaction(&self) -> f64 {
		self.tokens as f64 / self.blocks.max(1) as f64
	}

	/// Share of purchases whose merchant waited.
	pub fn held_share(&self) -> f64 {
		self.held as f64 / self.purchases.max(1) as f64
	}

	/// Mean block size `W` of the blocks submitted.
	pub fn mean_block_size(&self) -> f64 {
		self.size_sum as f64 / self.blocks.max(1) as f64
	}
}

/// A finished scale run: its configuration and each auditor's totals; `Display` prints the
/// report table.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
	/// What was run.
	pub config: ScaleConfig,
	/// One entry per auditor.
	pub auditors: Vec<AuditorTotals>,
}

impl Report {
	/// Runs `config` (see [`run`]).
	pub fn new(config: ScaleConfig, progress: &Progress) -> Self {
		Self { auditors: run(&config, progress), config }
	}

	/// All auditors' totals added up.
	pub fn total(&self) -> AuditorTotals {
		self.auditors.iter().fold(AuditorTotals::default(), |sum, t| AuditorTotals {
			blocks: sum.blocks + t.blocks,
			tokens: sum.tokens + t.tokens,
			purchases: sum.purchases + t.purchases,
			held: sum.held + t.held,
			rejected: sum.rejected + t.rejected,
			invalid: sum.invalid + t.invalid,
			losses: sum.losses + t.losses,
			net_risk: sum.net_risk + t.net_risk,
			merchant_payouts: sum.merchant_payouts + t.merchant_payouts,
			size_sum: sum.size_sum + t.size_sum,
		})
	}
}

impl fmt::Display for Report {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		let c = &self.config;
		writeln!(
			f,
			"{} buyers, {} merchants, {} auditors, {} ticks; {:.0}% of buyers cheat at rate {}; \
			 rho {:.0}%, W0 {}, {}",
			c.buyers,
			c.merchants,
			c.auditors,
			c.ticks,
			c.cheater_share * 100.0,
			c.cheater_rate,
			c.model.rho * 100.0,
			c.initial_size,
			c.model.describe_rule(),
		)?;
		writeln!(
			f,
			"auditor  profile       blocks  tokens/tx  mean W  purchases  held share  rejected  \
			 invalid  losses(tok)  net risk(tok)"
		)?;
		let row = |f: &mut fmt::Formatter<'_>, name: &str, profile: &str, t: &AuditorTotals| {
			writeln!(
				f,
				"{name:>7}  {profile:<11}  {:>7}  {:>9.2}  {:>6.2}  {:>9}  {:>9.2}%  {:>8}  {:>7}  \
				 {:>11.1}  {:>13.1}",
				t.blocks,
				t.tokens_per_transaction(),
				t.mean_block_size(),
				t.purchases,
				t.held_share() * 100.0,
				t.rejected,
				t.invalid,
				t.losses,
				t.net_risk
			)
		};
		for (a, totals) in self.auditors.iter().enumerate() {
			let profile = format!("{:?}", PROFILES[a % PROFILES.len()]);
			row(f, &a.to_string(), &profile, totals)?;
		}
		row(f, "all", "", &self.total())
	}
}

/// A buyer's open block.
#[derive(Default)]
struct OpenBlock {
	purchases: Vec<SimPurchase>,
	merchants: Vec<u32>,
	tokens: u32,
	opened_at: u32,
}

/// Runs the scenario; returns one [`AuditorTotals`] per auditor. `progress` counts buyers.
pub fn run(config: &ScaleConfig, progress: &Progress) -> Vec<AuditorTotals> {
	let auditors = config.auditors.max(1);
	let economics = config.model.economics();
	let mut totals = vec![AuditorTotals::default(); auditors as usize];
	// Buyers are independent of each other, so each runs its whole timeline in turn.
	for buyer in 0..config.buyers {
		let auditor = (buyer % auditors) as usize;
		let profile = PROFILES[auditor % PROFILES.len()];
		let mut rng = buyer_rng(config.seed, buyer / auditors);
		let cheater = rng.gen_bool(config.cheater_share.clamp(0.0, 1.0));
		let rate = if cheater { config.cheater_rate.clamp(0.0, 1.0) } else { 0.0 };
		let mut user = UserBook::new(profile, config.initial_size, config.model.rule);
		let mut open = OpenBlock::default();
		// A block that reached `W` this tick, submitted and validated at the tick's end.
		let mut closed: Option<OpenBlock> = None;
		let totals = &mut totals[auditor];
		for tick in 0..config.ticks {
			for _ in 0..poisson(&mut rng, config.purchases_per_tick) {
				let tokens = rng.gen_range(1..=config.max_tokens_per_purchase.max(1));
				let invalid = (0..tokens).filter(|_| rng.gen_bool(rate)).count() as u32;
				if open.purchases.is_empty() {
					open.opened_at = tick;
				}
				// Prepaid only while no block of the buyer awaits validation and this
				// purchase leaves the block under W; the purchase reaching W is held and
				// closes the block.
				let prepaid =
					closed.is_none() && may_prepay(open.tokens + tokens, user.block_size());
				open.purchases.push(SimPurchase::new(tokens, invalid, prepaid));
				open.merchants.push(rng.gen_range(0..config.merchants.max(1)));
				open.tokens += tokens;
				if closed.is_none() && open.tokens >= user.block_size() {
					closed = Some(std::mem::take(&mut open));
				}
			}
			let stale = !open.purchases.is_empty() && tick - open.opened_at >= config.max_block_age;
			let due = closed.take().or_else(|| stale.then(|| std::mem::take(&mut open)));
			if let Some(block) = due {
				let outcome = user.settle(&block.purchases, economics);
				record(totals, &block, &outcome);
			}
		}
		progress.step();
	}
	totals
}

/// Adds a settled block to an auditor's totals.
fn record(totals: &mut AuditorTotals, open: &OpenBlock, outcome: &SimBlock) {
	totals.blocks += 1;
	totals.tokens += u64::from(outcome.tokens);
	totals.purchases += u64::from(outcome.purchases);
	totals.held += u64::from(outcome.held);
	totals.rejected += u64::from(outcome.rejected);
	totals.invalid += u64::from(outcome.beta);
	totals.size_sum += u64::from(outcome.size);
	let risk = in_tokens(outcome.risk);
	totals.net_risk += risk;
	if risk > 0.0 {
		totals.losses += risk;
	}
	let mut paid: Vec<u32> = open
		.merchants
		.iter()
		.zip(&open.purchases)
		.filter(|(_, purchase)| purchase.accepted())
		.map(|(merchant, _)| *merchant)
		.collect();
	paid.sort_unstable();
	paid.dedup();
	totals.merchant_payouts += paid.len() as u64;
}

/// A Poisson draw with mean `mean` (Knuth's method; means here are small).
fn poisson(rng: &mut impl Rng, mean: f64) -> u32 {
	if mean <= 0.0 {
		return 0;
	}
	let limit = (-mean).exp();
	let (mut count, mut product) = (0u32, rng.gen::<f64>());
	while product > limit {
		count += 1;
		product *= rng.gen::<f64>();
	}
	count
}

#[cfg(test)]
mod tests {
	use super::*;

	fn small() -> ScaleConfig {
		ScaleConfig { buyers: 300, merchants: 50, ticks: 200, ..Default::default() }
	}

	#[test]
	fn every_purchase_lands_in_one_block_and_blocks_aggregate_many_tokens() {
		let config = small();
		let totals = run(&config, &Progress::hidden());
		assert_eq!(totals.len(), 3);
		for auditor in &totals {
			assert!(auditor.blocks > 0);
			// Blocks aggregate: many tokens per on-chain transaction.
			assert!(auditor.tokens_per_transaction() > 5.0, "{auditor:?}");
			assert!(auditor.held_share() < 0.5);
			assert!(auditor.rejected <= auditor.held);
		}
	}

	#[test]
	fn without_cheaters_no_auditor_loses_and_nothing_is_rejected() {
		let config = ScaleConfig { cheater_share: 0.0, ..small() };
		for auditor in run(&config, &Progress::hidden()) {
			assert_eq!((auditor.invalid, auditor.rejected), (0, 0));
			assert_eq!(auditor.losses, 0.0);
			assert!(auditor.net_risk < 0.0);
		}
	}

	#[test]
	fn the_pessimistic_auditor_loses_least_to_cheaters() {
		let config = ScaleConfig { cheater_share: 0.2, ..small() };
		let totals = run(&config, &Progress::hidden());
		let (neutral, optimistic, pessimistic) =
			(totals[0].losses, totals[1].losses, totals[2].losses);
		assert!(pessimistic < neutral && neutral < optimistic, "{totals:?}");
	}

	#[test]
	fn poisson_draws_have_the_requested_mean() {
		let mut rng = buyer_rng(1, 0);
		let n = 20_000;
		let mean = (0..n).map(|_| poisson(&mut rng, 0.5) as f64).sum::<f64>() / n as f64;
		assert!((mean - 0.5).abs() < 0.02, "{mean}");
	}
}
