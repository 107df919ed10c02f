//! Fan chart: an outcome over time, with its 5–95% and 25–75% bands and median.

use super::{Chart, Frame, Mark, PlotError, font, frame, legend_row, palette};
use crate::number::{tick, tick_with_unit};
use crate::stats::band::Band;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The fan chart of one outcome.
#[derive(Clone, Debug)]
pub struct Fan {
    pub id: String,
    pub name: String,
    pub unit: String,
    /// Plural of the time unit ("weeks").
    pub plural: String,
    /// One band per recorded step, step 0 first.
    pub bands: Vec<Band>,
    pub frame: Frame,
}

/// The y range covering a set of bands, with a little room.
pub(crate) fn y_range(bands: &[Band]) -> (f64, f64) {
    let lo = bands
        .iter()
        .map(|b| b.p5.min(b.mean))
        .fold(f64::INFINITY, f64::min);
    let hi = bands
        .iter()
        .map(|b| b.p95.max(b.mean))
        .fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    if hi == lo {
        // A constant: centre it in a sensible range rather than a sliver.
        let m = lo.abs().max(1.0);
        return if lo >= 0.0 {
            (0.0, lo + m)
        } else {
            (lo - m, (hi + m).min(0.0))
        };
    }
    let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
    let lo = if lo >= 0.0 && lo - 0.05 * span < 0.0 {
        0.0
    } else {
        lo - 0.05 * span
    };
    (lo, hi + 0.08 * span)
}

/// Shaded band between two quantiles.
pub(crate) fn band_polygon(
    bands: &[Band],
    low: impl Fn(&Band) -> f64,
    high: impl Fn(&Band) -> f64,
) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = bands
        .iter()
        .enumerate()
        .map(|(t, b)| (t as f64, high(b)))
        .collect();
    pts.extend(
        bands
            .iter()
            .enumerate()
            .rev()
            .map(|(t, b)| (t as f64, low(b))),
    );
    pts
}

impl Chart for Fan {
    fn name(&self) -> String {
        format!("fan_{}", self.id)
    }

    fn title(&self) -> String {
        format!(
            "{} over {} {}",
            self.name,
            self.bands.len().saturating_sub(1),
            self.plural
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.frame)?;
        let steps = self.bands.len().saturating_sub(1).max(1) as f64;
        let (y0, y1) = y_range(&self.bands);
        let unit = if self.unit.is_empty() {
            "value".to_string()
        } else {
            self.unit.clone()
        };
        let outer = palette::BLUE.mix(0.18);
        let inner = palette::BLUE.mix(0.38);
        let area = legend_row(
            &area,
            &[
                (
                    Mark::Box(outer),
                    "90% of runs (5th to 95th percentile)".into(),
                ),
                (Mark::Box(inner), "Middle half (25th to 75th)".into()),
                (Mark::Line(palette::BLUE.to_rgba(), 3), "Median".into()),
                (Mark::Line(palette::VERMILLION.to_rgba(), 2), "Mean".into()),
            ],
        )?;
        let mut chart = ChartBuilder::on(&area)
            .margin_right(30)
            .x_label_area_size(70)
            .y_label_area_size(100)
            .build_cartesian_2d(0.0..steps, y0..y1)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(palette::LIGHT)
            .x_desc(format!("{} since the start", capitalise(&self.plural)))
            .y_desc(format!("{} ({unit})", self.name))
            .axis_desc_style(font(22.0))
            .label_style(font(18.0))
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| tick(*v))
            .draw()?;
        chart.draw_series(std::iter::once(Polygon::new(
            band_polygon(&self.bands, |b| b.p5, |b| b.p95),
            outer.filled(),
        )))?;
        chart.draw_series(std::iter::once(Polygon::new(
            band_polygon(&self.bands, |b| b.p25, |b| b.p75),
            inner.filled(),
        )))?;
        chart.draw_series(LineSeries::new(
            self.bands
                .iter()
                .enumerate()
                .map(|(t, b)| (t as f64, b.p50)),
            palette::BLUE.stroke_width(3),
        ))?;
        chart.draw_series(LineSeries::new(
            self.bands
                .iter()
                .enumerate()
                .map(|(t, b)| (t as f64, b.mean)),
            palette::VERMILLION.stroke_width(2),
        ))?;
        let first = self.bands.first().map_or(0.0, |b| b.p50);
        let constant = self.bands.iter().all(|b| {
            [b.p5, b.p25, b.p50, b.p75, b.p95, b.mean]
                .iter()
                .all(|&v| v == first)
        });
        if constant {
            let style = super::bold(26.0).pos(Pos::new(HPos::Center, VPos::Center));
            let text = format!(
                "The same in every run and every {}: {}",
                self.plural.trim_end_matches('s'),
                tick_with_unit(first, &self.unit)
            );
            chart
                .plotting_area()
                .draw(&Text::new(text, (steps / 2.0, (y0 + y1) / 2.0), style))?;
        }
        Ok(())
    }
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
