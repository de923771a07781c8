//! What every scenario shares: the auditors' trust rule and withholding, the three trust
//! profiles, the value of a token and the buyers' random streams.
//!
//! The trust rule is the primitives' [`TrustParams`], so a simulated auditor updates a user's
//! block size with exactly the code and settings a chain would use.

use crate::engine::Economics;
use micropay_primitives::{
	block_size::BlockSizeBounds,
	trust::TrustProfile,
	trust_state::{GammaMode, Recovery, TrustParams},
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sp_arithmetic::Perbill;

/// The three profiles, in the order of every figure's columns and of the scale scenario's
/// auditors (auditor `a` uses `PROFILES[a % 3]`).
pub const PROFILES: [TrustProfile; 3] =
	[TrustProfile::Neutral, TrustProfile::Optimistic, TrustProfile::Pessimistic];

/// Face value of a token in the simulation, in the smallest unit. Risks are reported in
/// tokens (risk / value), so the value only sets the precision of `rho · value`.
pub const TOKEN_VALUE: u128 = 1_000_000;

/// Largest block size by default: the Micropay runtime's `MaxBlockTokens`.
pub const DEFAULT_MAX_SIZE: u32 = 1_024;

/// The auditors' side of the model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Model {
	/// Block-size bounds, `gamma` mode and recovery. Default: the talk's rule (cumulative
	/// `gamma`, no recovery) with `W` in `[1, 1024]`.
	pub rule: TrustParams,
	/// Share of each payment the auditor withholds, `rho` in `[0, 1]`. Default 5%.
	pub rho: f64,
}

impl Default for Model {
	fn default() -> Self {
		Self { rule: talk_rule(DEFAULT_MAX_SIZE), rho: 0.05 }
	}
}

impl Model {
	/// The auditor's economics: [`TOKEN_VALUE`] per token and `rho` as the chain stores it.
	pub fn economics(&self) -> Economics {
		Economics { value: TOKEN_VALUE, rho: Perbill::from_float(self.rho.clamp(0.0, 1.0)) }
	}

	/// A short description of the rule, for reports: `cumulative gamma, no recovery, W in
	/// [1, 1024]`.
	pub fn describe_rule(&self) -> String {
		let gamma = match self.rule.gamma {
			GammaMode::Cumulative => "cumulative gamma".to_owned(),
			GammaMode::Windowed { blocks } => format!("gamma over the last {blocks} blocks"),
		};
		let recovery = match self.rule.recovery {
			Recovery::Off => "no recovery".to_owned(),
			Recovery::TowardInitial { clean_blocks } => {
				format!("recovery toward W0 after {clean_blocks} clean blocks")
			},
		};
		let bounds = self.rule.bounds;
		format!("{gamma}, {recovery}, W in [{}, {}]", bounds.lower(), bounds.upper())
	}
}

/// The talk's rule (cumulative `gamma`, no recovery) with `W` in `[1, max_size]`.
pub fn talk_rule(max_size: u32) -> TrustParams {
	TrustParams::talk(BlockSizeBounds::new(1, max_size))
}

/// Converts a risk in the smallest unit to tokens.
pub fn in_tokens(risk: i128) -> f64 {
	risk as f64 / TOKEN_VALUE as f64
}

/// The random stream of buyer `buyer` of a run seeded with `seed`: one ChaCha8 stream per
/// buyer, so a buyer's draws depend only on the seed and its index, never on the order in
/// which buyers are simulated or on what other buyers drew.
pub fn buyer_rng(seed: u64, buyer: u32) -> ChaCha8Rng {
	let mut rng = ChaCha8Rng::seed_from_u64(seed);
	rng.set_stream(u64::from(buyer));
	rng
}

#[cfg(test)]
mod tests {
	use super::*;
	use rand::Rng;

	#[test]
	fn the_default_model_is_the_talks_rule_in_the_runtimes_bounds() {
		let model = Model::default();
		assert_eq!(model.rule.gamma, GammaMode::Cumulative);
		assert_eq!(model.rule.recovery, Recovery::Off);
		assert_eq!((model.rule.bounds.lower(), model.rule.bounds.upper()), (1, 1_024));
		assert_eq!(model.economics().rho, Perbill::from_percent(5));
		assert_eq!(model.describe_rule(), "cumulative gamma, no recovery, W in [1, 1024]");
	}

	#[test]
	fn buyers_draw_from_separate_reproducible_streams() {
		let draw = |seed, buyer| buyer_rng(seed, buyer).gen::<u64>();
		assert_eq!(draw(42, 3), draw(42, 3));
		assert_ne!(draw(42, 3), draw(42, 4));
		assert_ne!(draw(42, 3), draw(43, 3));
	}
}
