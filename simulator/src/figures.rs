//! The talk's four figures as sweeps of [`population::run`]: each point is one population run
//! per profile. Computing them ([`compute_all`]), and writing each as CSV and PNG ([`write`]).

use crate::{
	error::Error,
	model::PROFILES,
	plot,
	population::{self, PopulationConfig, PopulationStats},
	progress::Progress,
};
use micropay_primitives::trust::TrustProfile;
use std::{
	fmt::Write as _,
	path::{Path, PathBuf},
	sync::atomic::{AtomicUsize, Ordering},
	thread,
};

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

	/// The x values swept: rates 0 to 0.5 by 0.02, `W_0` 5 to 100 by 5, `rho` 0 to 0.2 by
	/// 0.01.
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
			Self::RiskVsWithholding => {
				PopulationConfig { model: crate::model::Model { rho: x, ..base.model }, ..*base }
			},
		}
	}

	/// The plotted statistic of a run.
	pub fn y(self, stats: &PopulationStats) -> f64 {
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

/// The distinct population runs of some sweeps, and for each (figure, point, profile) the
/// index of the run it reads.
struct Plan {
	runs: Vec<(TrustProfile, PopulationConfig)>,
	cells: Vec<(usize, usize, usize, usize)>,
}

impl Plan {
	/// Figures that sweep the same parameter share their runs (figures 1 and 3 are the same
	/// runs, read for block size and for risk).
	fn new(sweeps: &[(FigureKind, Vec<f64>)], base: &PopulationConfig) -> Self {
		let mut plan = Plan { runs: Vec::new(), cells: Vec::new() };
		for (figure, (kind, xs)) in sweeps.iter().enumerate() {
			for (point, &x) in xs.iter().enumerate() {
				for (column, &profile) in PROFILES.iter().enumerate() {
					let run = (profile, kind.config_at(base, x));
					let index =
						plan.runs.iter().position(|known| *known == run).unwrap_or_else(|| {
							plan.runs.push(run);
							plan.runs.len() - 1
						});
					plan.cells.push((figure, point, column, index));
				}
			}
		}
		plan
	}
}

/// Distinct population runs needed for `sweeps` (what [`compute_all`]'s progress counts).
pub fn runs(sweeps: &[(FigureKind, Vec<f64>)], base: &PopulationConfig) -> u64 {
	Plan::new(sweeps, base).runs.len() as u64
}

/// Computes each of `sweeps` (a figure and its x values) from `base`, one population run per
/// distinct point and profile. The runs are shared out among the machine's cores; each
/// depends only on its configuration, so the result does not depend on the number of
/// threads. `progress` counts finished runs (see [`runs`]).
pub fn compute_all(
	sweeps: &[(FigureKind, Vec<f64>)],
	base: &PopulationConfig,
	progress: &Progress,
) -> Vec<Figure> {
	let Plan { runs, cells } = Plan::new(sweeps, base);
	// The most expensive runs (largest blocks) first, so no core idles at the end.
	let mut order: Vec<usize> = (0..runs.len()).collect();
	order.sort_by_key(|&index| std::cmp::Reverse(runs[index].1.initial_size));

	let next = AtomicUsize::new(0);
	let threads = thread::available_parallelism().map_or(1, |n| n.get()).min(runs.len().max(1));
	let mut stats = vec![PopulationStats::default(); runs.len()];
	let finished: Vec<(usize, PopulationStats)> = thread::scope(|scope| {
		let workers: Vec<_> = (0..threads)
			.map(|_| {
				scope.spawn(|| {
					let mut done = Vec::new();
					while let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
						let (profile, config) = &runs[index];
						done.push((index, population::run(*profile, config)));
						progress.step();
					}
					done
				})
			})
			.collect();
		workers
			.into_iter()
			.flat_map(|worker| {
				worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
			})
			.collect()
	});
	for (index, result) in finished {
		stats[index] = result;
	}

	let mut figures: Vec<Figure> = sweeps
		.iter()
		.map(|(kind, xs)| Figure {
			kind: *kind,
			points: xs.iter().map(|&x| (x, [0.0; 3])).collect(),
		})
		.collect();
	for (figure, point, column, index) in cells {
		let kind = figures[figure].kind;
		figures[figure].points[point].1[column] = kind.y(&stats[index]);
	}
	figures
}

/// The four figures at their default x values ([`FigureKind::xs`]).
pub fn sweeps() -> Vec<(FigureKind, Vec<f64>)> {
	FigureKind::ALL.iter().map(|kind| (*kind, kind.xs())).collect()
}

/// Writes `figure` to `out` as `<stem>.csv` and `<stem>.png`; returns both paths.
pub fn write(figure: &Figure, out: &Path) -> Result<(PathBuf, PathBuf), Error> {
	let stem = figure.kind.file_stem();
	let csv = out.join(format!("{stem}.csv"));
	std::fs::write(&csv, figure.to_csv()).map_err(|source| Error::io(&csv, source))?;
	let png = out.join(format!("{stem}.png"));
	plot::draw(figure, &png).map_err(|message| Error::Plot { path: png.clone(), message })?;
	Ok((png, csv))
}

#[cfg(test)]
mod tests {
	use super::*;
	use TrustProfile::*;

	/// A small, fast base: 300 buyers × 30 blocks per point and profile.
	fn base() -> PopulationConfig {
		PopulationConfig { buyers: 300, blocks: 30, ..Default::default() }
	}

	fn figure(kind: FigureKind, xs: &[f64]) -> Figure {
		compute_all(&[(kind, xs.to_vec())], &base(), &Progress::hidden()).remove(0)
	}

	/// `ys` strictly decreasing.
	fn falls(ys: &[(f64, f64)]) -> bool {
		ys.windows(2).all(|pair| pair[1].1 < pair[0].1)
	}

	/// `ys` strictly increasing.
	fn rises(ys: &[(f64, f64)]) -> bool {
		ys.windows(2).all(|pair| pair[1].1 > pair[0].1)
	}

	/// At every point, pessimistic ≤ neutral ≤ optimistic.
	fn ordered(figure: &Figure) -> bool {
		figure.points.iter().all(|(_, [n, o, p])| p <= n && n <= o)
	}

	#[test]
	fn mean_block_size_falls_with_the_rate_pessimistic_below_neutral_below_optimistic() {
		let fig = figure(FigureKind::SizeVsRate, &[0.0, 0.02, 0.06, 0.12, 0.2, 0.3]);
		for profile in PROFILES {
			assert!(falls(&fig.series(profile)), "{profile:?}: {:?}", fig.series(profile));
		}
		assert!(ordered(&fig), "{:?}", fig.points);
		// At rate 0 nobody shrinks; at 0.3 the profiles are well apart.
		assert_eq!(fig.points[0].1, [20.0; 3]);
		let [n, o, p] = fig.points[5].1;
		assert!(p < n && n < o, "{:?}", fig.points[5]);
	}

	#[test]
	fn mean_block_size_rises_with_the_initial_size() {
		let fig = figure(FigureKind::SizeVsInitialSize, &[5.0, 20.0, 50.0, 100.0]);
		for profile in PROFILES {
			assert!(rises(&fig.series(profile)), "{profile:?}: {:?}", fig.series(profile));
		}
		assert!(ordered(&fig), "{:?}", fig.points);
	}

	#[test]
	fn risk_rises_with_the_rate_most_for_the_optimistic_auditor() {
		let fig = figure(FigureKind::RiskVsRate, &[0.0, 0.04, 0.1, 0.2, 0.3]);
		for profile in PROFILES {
			assert!(rises(&fig.series(profile)), "{profile:?}: {:?}", fig.series(profile));
		}
		// Honest buyers: the auditor earns W · rho = 20 · 5% = 1 token per block.
		assert_eq!(fig.points[0].1, [-1.0; 3]);
		// Bigger blocks, bigger losses once buyers cheat more often than rho.
		for (rate, [n, o, p]) in &fig.points[2..] {
			assert!(p < n && n < o, "rate {rate}: {n} {o} {p}");
		}
	}

	#[test]
	fn risk_falls_as_the_withholding_rises() {
		let fig = figure(FigureKind::RiskVsWithholding, &[0.0, 0.03, 0.05, 0.1, 0.2]);
		for profile in PROFILES {
			let series = fig.series(profile);
			assert!(falls(&series), "{profile:?}: {series:?}");
			// A loss without withholding, a gain once rho is well above the rate (0.05).
			assert!(series[0].1 > 0.0 && series[4].1 < 0.0, "{profile:?}: {series:?}");
		}
		let [n, o, p] = fig.points[0].1;
		assert!(p < n && n < o, "rho 0: {n} {o} {p}");
	}

	#[test]
	fn the_result_does_not_depend_on_the_threads() {
		let xs = vec![0.05, 0.2];
		let together = compute_all(
			&[(FigureKind::SizeVsRate, xs.clone()), (FigureKind::RiskVsRate, xs.clone())],
			&base(),
			&Progress::hidden(),
		);
		let alone = figure(FigureKind::RiskVsRate, &xs);
		assert_eq!(together[1], alone);
		// Both figures come from the same runs: fig 1 and fig 3 share their buyers.
		let direct = population::run(Neutral, &PopulationConfig { rate: 0.2, ..base() });
		assert_eq!(together[0].points[1].1[0], direct.mean_block_size);
		assert_eq!(together[1].points[1].1[0], direct.mean_risk);
	}

	#[test]
	fn csv_has_a_header_and_a_row_per_point() {
		let fig = Figure { kind: FigureKind::SizeVsRate, points: vec![(0.5, [3.0, 4.0, 2.5])] };
		assert_eq!(
			fig.to_csv(),
			"generation rate of double-spending tokens,neutral,optimistic,pessimistic\n\
			 0.5,3.000000,4.000000,2.500000\n"
		);
	}
}
