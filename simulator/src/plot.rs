//! Draws a [`Figure`] as a PNG: one line per profile, legend, axis labels. The font is
//! embedded (DejaVu Sans, see `assets/DejaVuSans.LICENSE`), so no system font is needed.

use crate::{figures::Figure, model::PROFILES};
use micropay_primitives::trust::TrustProfile;
use plotters::prelude::*;
use std::{path::Path, sync::Once};

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
static REGISTER_FONT: Once = Once::new();

/// Colour of a profile's line.
fn colour(profile: TrustProfile) -> RGBColor {
	match profile {
		TrustProfile::Neutral => RGBColor(31, 119, 180),
		TrustProfile::Optimistic => RGBColor(44, 160, 44),
		TrustProfile::Pessimistic => RGBColor(214, 39, 40),
	}
}

/// Writes `figure` to `path` as a 960×640 PNG; the error is the plotting library's message.
pub fn draw(figure: &Figure, path: &Path) -> Result<(), String> {
	render(figure, path).map_err(|error| error.to_string())
}

/// [`draw`], with the plotting library's error types.
fn render(figure: &Figure, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
	REGISTER_FONT.call_once(|| {
		// Registering can only fail on a malformed font, and the font is compiled in.
		let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
	});
	let (title, x_label, y_label) = figure.kind.labels();
	let xs = figure.points.iter().map(|(x, _)| *x);
	let ys = figure.points.iter().flat_map(|(_, ys)| ys.iter().copied());
	let (x_min, x_max) = bounds(xs);
	let (y_min, y_max) = bounds(ys);
	let pad = ((y_max - y_min) * 0.05).max(1e-6);

	let root = BitMapBackend::new(path, (960, 640)).into_drawing_area();
	root.fill(&WHITE)?;
	let mut chart = ChartBuilder::on(&root)
		.caption(title, ("sans-serif", 26))
		.margin(20)
		.x_label_area_size(50)
		.y_label_area_size(70)
		.build_cartesian_2d(x_min..x_max, (y_min - pad)..(y_max + pad))?;
	chart
		.configure_mesh()
		.x_desc(x_label)
		.y_desc(y_label)
		.label_style(("sans-serif", 16))
		.draw()?;
	for profile in PROFILES {
		let style = colour(profile).stroke_width(3);
		chart
			.draw_series(LineSeries::new(figure.series(profile), style))?
			.label(format!("{profile:?}"))
			.legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
		chart.draw_series(
			figure
				.series(profile)
				.into_iter()
				.map(|point| Circle::new(point, 3, colour(profile).filled())),
		)?;
	}
	chart
		.configure_series_labels()
		.background_style(WHITE.mix(0.85))
		.border_style(BLACK)
		.label_font(("sans-serif", 18))
		.position(SeriesLabelPosition::UpperRight)
		.draw()?;
	root.present()?;
	Ok(())
}

/// Smallest and largest of `values` (a unit range if there are none or all are equal).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
	let (min, max) =
		values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
	if !min.is_finite() || !max.is_finite() {
		(0.0, 1.0)
	} else if min == max {
		(min - 0.5, max + 0.5)
	} else {
		(min, max)
	}
}
