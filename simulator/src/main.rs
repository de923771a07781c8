//! `micropay-sim`: regenerates the talk's four figures, or runs the scale scenario.
//!
//! ```text
//! cargo run --release -p micropay-simulator -- figures            # docs/figures/*.png, *.csv
//! cargo run --release -p micropay-simulator -- scale              # 10,000 buyers, 3 auditors
//! ```

use clap::{Parser, Subcommand};
use micropay_simulator::{
	figures::{self, FigureKind},
	plot,
	population::PopulationConfig,
	scale::{self, ScaleConfig},
};
use std::{path::PathBuf, process::ExitCode, time::Instant};

/// The Micropay simulator, on the chain's own trust, block-size and risk code.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
	#[command(subcommand)]
	command: Command,
	/// No progress bar.
	#[arg(long, global = true)]
	quiet: bool,
}

#[derive(Subcommand)]
enum Command {
	/// The talk's four figures, three trust profiles each, as PNG and CSV.
	Figures {
		/// Output directory.
		#[arg(long, default_value = "docs/figures")]
		out: PathBuf,
		/// Buyers per point and profile.
		#[arg(long, default_value_t = PopulationConfig::default().buyers)]
		buyers: u32,
		/// Token blocks per buyer.
		#[arg(long, default_value_t = PopulationConfig::default().blocks)]
		blocks: u32,
		/// Initial block size W0 (all figures but the one that sweeps it).
		#[arg(long, default_value_t = PopulationConfig::default().initial_size)]
		initial_size: u32,
		/// Double-spend probability per token (figures that do not sweep it).
		#[arg(long, default_value_t = PopulationConfig::default().rate)]
		rate: f64,
		/// Auditor's withholding rho (figures that do not sweep it).
		#[arg(long, default_value_t = PopulationConfig::default().rho)]
		rho: f64,
		/// Tokens per purchase.
		#[arg(long, default_value_t = PopulationConfig::default().tokens_per_purchase)]
		tokens_per_purchase: u32,
		/// RNG seed.
		#[arg(long, default_value_t = PopulationConfig::default().seed)]
		seed: u64,
	},
	/// Many buyers, merchants and auditors over time (see the `scale` module docs).
	Scale {
		/// Buyers.
		#[arg(long, default_value_t = ScaleConfig::default().buyers)]
		buyers: u32,
		/// Merchants.
		#[arg(long, default_value_t = ScaleConfig::default().merchants)]
		merchants: u32,
		/// Auditors (auditor a uses profile a mod 3: neutral, optimistic, pessimistic).
		#[arg(long, default_value_t = ScaleConfig::default().auditors)]
		auditors: u32,
		/// Ticks (chain blocks) simulated.
		#[arg(long, default_value_t = ScaleConfig::default().ticks)]
		ticks: u32,
		/// Share of buyers who cheat.
		#[arg(long, default_value_t = ScaleConfig::default().cheater_share)]
		cheater_share: f64,
		/// Double-spend probability per token of a cheater.
		#[arg(long, default_value_t = ScaleConfig::default().cheater_rate)]
		cheater_rate: f64,
		/// RNG seed.
		#[arg(long, default_value_t = ScaleConfig::default().seed)]
		seed: u64,
	},
}

/// Rejects parameters outside their meaningful range with a clear message.
fn check(name: &str, value: f64, range: std::ops::RangeInclusive<f64>) -> Result<(), String> {
	if range.contains(&value) {
		Ok(())
	} else {
		Err(format!("--{name} must be within [{}, {}], got {value}", range.start(), range.end()))
	}
}

fn run(cli: Cli) -> Result<(), String> {
	let started = Instant::now();
	match cli.command {
		Command::Figures {
			out,
			buyers,
			blocks,
			initial_size,
			rate,
			rho,
			tokens_per_purchase,
			seed,
		} => {
			check("rate", rate, 0.0..=1.0)?;
			check("rho", rho, 0.0..=1.0)?;
			if buyers == 0 || blocks == 0 || initial_size == 0 {
				return Err("--buyers, --blocks and --initial-size must be at least 1".into());
			}
			let base = PopulationConfig {
				buyers,
				blocks,
				initial_size,
				rate,
				rho,
				tokens_per_purchase,
				seed,
				..Default::default()
			};
			std::fs::create_dir_all(&out)
				.map_err(|e| format!("cannot create {}: {e}", out.display()))?;
			for kind in FigureKind::ALL {
				let figure = figures::compute(kind, &base, !cli.quiet);
				let csv = out.join(format!("{}.csv", kind.file_stem()));
				std::fs::write(&csv, figure.to_csv())
					.map_err(|e| format!("cannot write {}: {e}", csv.display()))?;
				let png = out.join(format!("{}.png", kind.file_stem()));
				plot::draw(&figure, &png)
					.map_err(|e| format!("cannot draw {}: {e}", png.display()))?;
				println!("wrote {} and {}", png.display(), csv.display());
			}
		},
		Command::Scale {
			buyers,
			merchants,
			auditors,
			ticks,
			cheater_share,
			cheater_rate,
			seed,
		} => {
			check("cheater-share", cheater_share, 0.0..=1.0)?;
			check("cheater-rate", cheater_rate, 0.0..=1.0)?;
			if auditors == 0 || merchants == 0 {
				return Err("--auditors and --merchants must be at least 1".into());
			}
			let config = ScaleConfig {
				buyers,
				merchants,
				auditors,
				ticks,
				cheater_share,
				cheater_rate,
				seed,
				..Default::default()
			};
			let totals = scale::run(&config, !cli.quiet);
			println!(
				"{buyers} buyers, {merchants} merchants, {auditors} auditors, {ticks} ticks, {:.0}% cheaters at rate {cheater_rate}",
				cheater_share * 100.0
			);
			println!("auditor  profile      blocks   tokens/tx  held share  rejected  invalid  losses(tok)  net risk(tok)");
			for (a, t) in totals.iter().enumerate() {
				let profile = figures::PROFILES[a % figures::PROFILES.len()];
				println!(
					"{a:>7}  {:<11}  {:>7}  {:>9.2}  {:>9.2}%  {:>8}  {:>7}  {:>11.1}  {:>13.1}",
					format!("{profile:?}"),
					t.blocks,
					t.tokens_per_transaction(),
					t.held_share() * 100.0,
					t.rejected,
					t.invalid,
					t.losses,
					t.net_risk
				);
			}
			let blocks: u64 = totals.iter().map(|t| t.blocks).sum();
			let tokens: u64 = totals.iter().map(|t| t.tokens).sum();
			println!("total: {blocks} token blocks on chain for {tokens} tokens ({:.2} tokens per transaction)", tokens as f64 / blocks.max(1) as f64);
		},
	}
	eprintln!("done in {:.2} s", started.elapsed().as_secs_f64());
	Ok(())
}

fn main() -> ExitCode {
	match run(Cli::parse()) {
		Ok(()) => ExitCode::SUCCESS,
		Err(message) => {
			eprintln!("error: {message}");
			ExitCode::FAILURE
		},
	}
}
