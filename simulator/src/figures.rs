//! The talk's four figures as sweeps of [`population::run`]: each point is one population
//! run per profile. Also their CSV form.

use crate::{
	population::{self, PopulationConfig},
	progress::Progress,
};
use micropay_primitives::trust::TrustProfile;
use std::{fmt::Write as _, thread};

/// The three profiles, in the order of every figure's columns.
pub const PROFILES: [TrustProfile; 3] =
	[TrustProfile::Neutral, TrustProfile::Optimistic, TrustProfile::Pessimistic];

/// What a figure plots against what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FigureKind {
	/// Mean block size vs the double-spend generation rate.
	SizeVsRate,
	/// Mean block size vs the initial block size `W_0`.
	SizeVsInitialSize,
	/// Average risk per block vs the double-spend generation rate.
	RiskVsRate,
	/// Average risk per block vs the auditor's withholding `rho`.
	RiskVsWithholding,
}

impl FigureKind {
	/// All four, in the talk's order.
	pub const ALL: [FigureKind; 4] =
		[Self::SizeVsRate, Self::SizeVsInitialSize, Self::RiskVsRate, Self::RiskVsWithholding];

	/// File stem of the figure's PNG and CSV.
	pub fn file_stem(self) -> &'static str {
		match self {
			Self::SizeVsRate => "fig1_block_size_vs_rate",
			Self::SizeVsInitialSize => "fig2_block_size_vs_initial_w",
			Self::RiskVsRate => "fig3_risk_vs_rate",
			Self::RiskVsWithholding => "fig4_risk_vs_withholding",
		}
	}

	/// Title, x-axis label and y-axis label.
	pub fn labels(self) -> (&'static str, &'static str, &'static str) {
		match self {
			Self::SizeVsRate => (
				"Mean token block size vs double-spend rate",
				"generation rate of double-spending tokens",
				"mean block size W (tokens)",
			),
			Self::SizeVsInitialSize => (
				"Mean token block size vs initial W",
				"initial block size W0 (tokens)",
				"mean block size W (tokens)",
			),
			Self::RiskVsRate => (
				"Average risk vs double-spend rate",
				"generation rate of double-spending tokens",
				"average risk per block (tokens)",
			),
			Self::RiskVsWithholding => (
				"Average risk vs auditor's withholding",
				"withholding rho",
				"average risk per block (tokens)",
			),
		}
	}

	/// The x values swept.
	pub fn xs(self) -> Vec<f64> {
		match self {
			Self::SizeVsRate | Self::RiskVsRate => (0..=25).map(|i| f64::from(i) * 0.02).collect(),
			Self::SizeVsInitialSize => (1..=20).map(|i| f64::from(i) * 5.0).collect(),
			Self::RiskVsWithholding => (0..=20).map(|i| f64::from(i) * 0.01).collect(),
		}
	}

	/// `base` with the swept parameter set to `x`.
	pub fn config_at(self, base: &PopulationConfig, x: f64) -> PopulationConfig {
		match self {
			Self::SizeVsRate | Self::RiskVsRate => PopulationConfig { rate: x, ..*base },
			Self::SizeVsInitialSize => PopulationConfig { initial_size: x as u32, ..*base },
			Self::RiskVsWithholding => PopulationConfig { rho: x, ..*base },
		}
	}

	/// The plotted statistic of a run.
	pub fn y(self, stats: &population::PopulationStats) -> f64 {
		match self {
			Self::SizeVsRate | Self::SizeVsInitialSize => stats.mean_block_size,
			Self::RiskVsRate | Self::RiskVsWithholding => stats.mean_risk,
		}
	}
}

/// One figure's data: for each x, one y per profile (in [`PROFILES`] order).
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
	/// Which figure.
	pub kind: FigureKind,
	/// `(x, [neutral, optimistic, pessimistic])` per point.
	pub points: Vec<(f64, [f64; 3])>,
}

impl Figure {
	/// The column of `profile`.
	pub fn series(&self, profile: TrustProfile) -> Vec<(f64, f64)> {
		let column = PROFILES.iter().position(|p| *p == profile).unwrap_or(0);
		self.points.iter().map(|(x, ys)| (*x, ys[column])).collect()
	}

	/// The figure as CSV: `x,neutral,optimistic,pessimistic`.
	pub fn to_csv(&self) -> String {
		let (_, x_label, _) = self.kind.labels();
		let mut csv = format!("{x_label},neutral,optimistic,pessimistic\n");
		for (x, [n, o, p]) in &self.points {
			let _ = writeln!(csv, "{x},{n:.6},{o:.6},{p:.6}");
		}
		csv
	}
}

/// Computes `kind` from `base`, the profiles on separate threads.
pub fn compute(kind: FigureKind, base: &PopulationConfig, show_progress: bool) -> Figure {
	let xs = kind.xs();
	let columns: Vec<Vec<f64>> = thread::scope(|scope| {
		let handles: Vec<_> = PROFILES
			.iter()
			.enumerate()
			.map(|(i, &profile)| {
				let xs = &xs;
				scope.spawn(move || {
					let label = format!("{} ({profile:?})", kind.file_stem());
					// Only the first thread draws, so lines do not interleave.
					let mut progress =
						Progress::new(&label, xs.len() as u64, show_progress && i == 0);
					xs.iter()
						.map(|&x| {
							let y = kind.y(&population::run(profile, &kind.config_at(base, x)));
							progress.step();
							y
						})
						.collect()
				})
			})
			.collect();
		handles.into_iter().map(|handle| handle.join().unwrap_or_default()).collect()
	});
	let points = xs
		.iter()
		.enumerate()
		.map(|(i, &x)| (x, [columns[0][i], columns[1][i], columns[2][i]]))
		.collect();
	Figure { kind, points }
}
