//! The command line of `micropay-sim`: every parameter of the model is an option with its
//! default (see `micropay-sim <command> --help`), checked before anything runs, so a value out
//! of range is a clear error rather than a panic or a silent clamp.

use crate::{
	error::Error,
	figures,
	model::{talk_rule, Model, DEFAULT_MAX_SIZE},
	population::PopulationConfig,
	progress::Progress,
	scale::{Report, ScaleConfig},
};
use clap::{Args, Parser, Subcommand};
use micropay_primitives::{
	recent_invalid::RECENT_BLOCKS,
	trust_state::{GammaMode, Recovery},
};
use std::{path::PathBuf, time::Instant};

/// Largest `--max-size` accepted: a simulated block is a vector of `W` tokens.
pub const MAX_SIZE_LIMIT: u32 = 65_536;
/// Largest `--purchases-per-tick` accepted (a Poisson mean; the sampler suits small means).
pub const PURCHASES_PER_TICK_LIMIT: f64 = 100.0;

/// The Micropay simulator: the talk's four figures and a market at scale, on the chain's own
/// trust, block-size and risk code (`micropay-primitives`).
#[derive(Parser, Debug)]
#[command(name = "micropay-sim", version, about)]
pub struct Cli {
	/// What to run.
	#[command(subcommand)]
	pub command: Command,
	/// Print no progress bar.
	#[arg(long, global = true)]
	pub quiet: bool,
}

/// The simulator's commands.
#[derive(Subcommand, Debug)]
pub enum Command {
	/// The talk's four figures, three trust profiles each, as PNG and CSV: mean block size vs
	/// double-spend rate and vs initial W, average risk vs double-spend rate and vs
	/// withholding. Each point is one population run per profile (`--buyers` × `--blocks`).
	Figures(FiguresArgs),
	/// Beyond the talk: many buyers, merchants and auditors over time; prints blocks
	/// submitted, tokens per on-chain transaction, held purchases (merchant waiting), and each
	/// auditor's losses.
	Scale(ScaleArgs),
}

/// The auditors' trust rule and withholding, shared by both commands.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct ModelArgs {
	/// Auditor's withholding rho: the share of each payment kept back, in [0, 1]. The figures
	/// use it everywhere but in the one that sweeps it.
	#[arg(long, default_value_t = Model::default().rho)]
	pub rho: f64,
	/// Largest block size W, in tokens (the smallest is 1); the runtime's MaxBlockTokens.
	#[arg(long, default_value_t = DEFAULT_MAX_SIZE, value_name = "TOKENS")]
	pub max_size: u32,
	/// Count in gamma only the invalid tokens of the last BLOCKS blocks (1 to 16), so the size
	/// keeps following recent behaviour. Default: all of them, the talk's cumulative gamma.
	#[arg(long, value_name = "BLOCKS")]
	pub gamma_window: Option<u8>,
	/// Let an honest user's block size grow back halfway toward W0 after CLEAN_BLOCKS
	/// consecutive clean blocks. Default: never, as in the talk.
	#[arg(long, value_name = "CLEAN_BLOCKS")]
	pub recovery_after: Option<u32>,
}

/// Options of `micropay-sim figures`.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct FiguresArgs {
	/// Directory the PNGs and CSVs are written to (created if missing).
	#[arg(long, default_value = "docs/figures")]
	pub out: PathBuf,
	/// Buyers per point and profile.
	#[arg(long, default_value_t = PopulationConfig::default().buyers)]
	pub buyers: u32,
	/// Token blocks per buyer.
	#[arg(long, default_value_t = PopulationConfig::default().blocks)]
	pub blocks: u32,
	/// Initial block size W0, in tokens (every figure but the one that sweeps it).
	#[arg(long, default_value_t = PopulationConfig::default().initial_size, value_name = "TOKENS")]
	pub initial_size: u32,
	/// Probability that a token a buyer spends is a double-spend, in [0, 1] (the figures
	/// that do not sweep it).
	#[arg(long, default_value_t = PopulationConfig::default().rate)]
	pub rate: f64,
	/// Tokens per purchase; a block of W tokens is W / this many purchases.
	#[arg(long, default_value_t = PopulationConfig::default().tokens_per_purchase)]
	pub tokens_per_purchase: u32,
	/// Seed of the buyers' random streams: the same seed gives the same figures.
	#[arg(long, default_value_t = PopulationConfig::default().seed)]
	pub seed: u64,
	/// Trust rule and withholding.
	#[command(flatten)]
	pub model: ModelArgs,
}

/// Options of `micropay-sim scale`.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct ScaleArgs {
	/// Buyers.
	#[arg(long, default_value_t = ScaleConfig::default().buyers)]
	pub buyers: u32,
	/// Merchants; each purchase goes to one drawn uniformly.
	#[arg(long, default_value_t = ScaleConfig::default().merchants)]
	pub merchants: u32,
	/// Auditors; auditor a profiles its buyers with profile a mod 3 (neutral, optimistic,
	/// pessimistic), buyer b is a customer of auditor b mod auditors.
	#[arg(long, default_value_t = ScaleConfig::default().auditors)]
	pub auditors: u32,
	/// Ticks (chain blocks) simulated.
	#[arg(long, default_value_t = ScaleConfig::default().ticks)]
	pub ticks: u32,
	/// Mean purchases per buyer per tick (Poisson).
	#[arg(long, default_value_t = ScaleConfig::default().purchases_per_tick)]
	pub purchases_per_tick: f64,
	/// Largest purchase, in tokens (sizes are uniform from 1).
	#[arg(long, default_value_t = ScaleConfig::default().max_tokens_per_purchase)]
	pub max_tokens_per_purchase: u32,
	/// Share of buyers who cheat, in [0, 1].
	#[arg(long, default_value_t = ScaleConfig::default().cheater_share)]
	pub cheater_share: f64,
	/// Probability that a token a cheater spends is a double-spend, in [0, 1].
	#[arg(long, default_value_t = ScaleConfig::default().cheater_rate)]
	pub cheater_rate: f64,
	/// Initial block size W0 of every buyer, in tokens.
	#[arg(long, default_value_t = ScaleConfig::default().initial_size, value_name = "TOKENS")]
	pub initial_size: u32,
	/// Ticks after which an open block is submitted even if it has not reached W.
	#[arg(long, default_value_t = ScaleConfig::default().max_block_age, value_name = "TICKS")]
	pub max_block_age: u32,
	/// Seed of the buyers' random streams.
	#[arg(long, default_value_t = ScaleConfig::default().seed)]
	pub seed: u64,
	/// Trust rule and withholding.
	#[command(flatten)]
	pub model: ModelArgs,
}

/// `value` if it is a share in `[0, 1]` (NaN is not).
fn share(name: &str, value: f64) -> Result<f64, Error> {
	if (0.0..=1.0).contains(&value) {
		Ok(value)
	} else {
		Err(Error::Argument(format!("--{name} must be within [0, 1], got {value}")))
	}
}

/// `value` if it lies in `range`.
fn within(name: &str, value: u32, range: std::ops::RangeInclusive<u32>) -> Result<u32, Error> {
	if range.contains(&value) {
		Ok(value)
	} else {
		let (low, high) = (range.start(), range.end());
		Err(Error::Argument(format!("--{name} must be within [{low}, {high}], got {value}")))
	}
}

impl ModelArgs {
	/// The model these options describe.
	pub fn model(&self) -> Result<Model, Error> {
		let mut rule = talk_rule(within("max-size", self.max_size, 1..=MAX_SIZE_LIMIT)?);
		if let Some(blocks) = self.gamma_window {
			let blocks = within("gamma-window", blocks.into(), 1..=RECENT_BLOCKS as u32)?;
			rule.gamma = GammaMode::Windowed { blocks: blocks as u8 };
		}
		if let Some(clean_blocks) = self.recovery_after {
			let clean_blocks = within("recovery-after", clean_blocks, 1..=u32::MAX)?;
			rule.recovery = Recovery::TowardInitial { clean_blocks };
		}
		Ok(Model { rule, rho: share("rho", self.rho)? })
	}
}

impl FiguresArgs {
	/// The base configuration of every figure's runs.
	pub fn config(&self) -> Result<PopulationConfig, Error> {
		let model = self.model.model()?;
		Ok(PopulationConfig {
			buyers: within("buyers", self.buyers, 1..=u32::MAX)?,
			blocks: within("blocks", self.blocks, 1..=u32::MAX)?,
			initial_size: within("initial-size", self.initial_size, 1..=self.model.max_size)?,
			rate: share("rate", self.rate)?,
			tokens_per_purchase: within(
				"tokens-per-purchase",
				self.tokens_per_purchase,
				1..=u32::MAX,
			)?,
			seed: self.seed,
			model,
		})
	}
}

impl ScaleArgs {
	/// The scenario these options describe.
	pub fn config(&self) -> Result<ScaleConfig, Error> {
		let model = self.model.model()?;
		let purchases_per_tick = self.purchases_per_tick;
		if !(0.0..=PURCHASES_PER_TICK_LIMIT).contains(&purchases_per_tick) {
			return Err(Error::Argument(format!(
				"--purchases-per-tick must be within [0, {PURCHASES_PER_TICK_LIMIT}], got {purchases_per_tick}"
			)));
		}
		Ok(ScaleConfig {
			buyers: within("buyers", self.buyers, 1..=u32::MAX)?,
			merchants: within("merchants", self.merchants, 1..=u32::MAX)?,
			auditors: within("auditors", self.auditors, 1..=u32::MAX)?,
			ticks: within("ticks", self.ticks, 1..=u32::MAX)?,
			purchases_per_tick,
			max_tokens_per_purchase: within(
				"max-tokens-per-purchase",
				self.max_tokens_per_purchase,
				1..=u32::MAX,
			)?,
			cheater_share: share("cheater-share", self.cheater_share)?,
			cheater_rate: share("cheater-rate", self.cheater_rate)?,
			initial_size: within("initial-size", self.initial_size, 1..=self.model.max_size)?,
			max_block_age: self.max_block_age,
			seed: self.seed,
			model,
		})
	}
}

/// Runs a parsed command line: writes the figures or prints the scale report, and the time
/// it took (on standard error).
pub fn run(cli: &Cli) -> Result<(), Error> {
	let started = Instant::now();
	match &cli.command {
		Command::Figures(args) => {
			let base = args.config()?;
			std::fs::create_dir_all(&args.out).map_err(|source| Error::io(&args.out, source))?;
			let sweeps = figures::sweeps();
			let progress = Progress::new("figures", figures::runs(&sweeps, &base), !cli.quiet);
			for figure in figures::compute_all(&sweeps, &base, &progress) {
				let (png, csv) = figures::write(&figure, &args.out)?;
				println!("wrote {} and {}", png.display(), csv.display());
			}
		},
		Command::Scale(args) => {
			let config = args.config()?;
			let progress = Progress::new("scale", config.buyers.into(), !cli.quiet);
			print!("{}", Report::new(config, &progress));
		},
	}
	eprintln!("done in {:.2} s", started.elapsed().as_secs_f64());
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	fn parse(args: &[&str]) -> Cli {
		Cli::try_parse_from(std::iter::once("micropay-sim").chain(args.iter().copied()))
			.expect("valid command line")
	}

	fn figures_args(args: &[&str]) -> FiguresArgs {
		match parse(&[&["figures"], args].concat()).command {
			Command::Figures(args) => args,
			other => panic!("not figures: {other:?}"),
		}
	}

	fn scale_args(args: &[&str]) -> ScaleArgs {
		match parse(&[&["scale"], args].concat()).command {
			Command::Scale(args) => args,
			other => panic!("not scale: {other:?}"),
		}
	}

	#[test]
	fn defaults_are_the_documented_ones() {
		assert_eq!(figures_args(&[]).config().unwrap(), PopulationConfig::default());
		assert_eq!(scale_args(&[]).config().unwrap(), ScaleConfig::default());
	}

	#[test]
	fn trust_rule_options_reach_the_model() {
		let config =
			figures_args(&["--gamma-window", "4", "--recovery-after", "3", "--max-size", "64"])
				.config()
				.unwrap();
		assert_eq!(config.model.rule.gamma, GammaMode::Windowed { blocks: 4 });
		assert_eq!(config.model.rule.recovery, Recovery::TowardInitial { clean_blocks: 3 });
		assert_eq!(config.model.rule.bounds.upper(), 64);
	}

	#[test]
	fn values_out_of_range_are_errors_that_name_the_option() {
		let error = |args: ScaleArgs| args.config().unwrap_err().to_string();
		assert!(error(scale_args(&["--cheater-rate", "1.5"])).contains("--cheater-rate"));
		assert!(error(scale_args(&["--rho", "NaN"])).contains("--rho"));
		assert!(error(scale_args(&["--merchants", "0"])).contains("--merchants"));
		assert!(
			error(scale_args(&["--purchases-per-tick", "1e9"])).contains("--purchases-per-tick")
		);
		let error = |args: FiguresArgs| args.config().unwrap_err().to_string();
		assert!(error(figures_args(&["--gamma-window", "17"])).contains("--gamma-window"));
		assert!(error(figures_args(&["--initial-size", "2000"])).contains("--initial-size"));
		assert!(error(figures_args(&["--buyers", "0"])).contains("--buyers"));
		// Not even a number: clap's own error, not a panic.
		assert!(Cli::try_parse_from(["micropay-sim", "figures", "--rate", "lots"]).is_err());
	}
}
