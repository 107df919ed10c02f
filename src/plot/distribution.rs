//! Distribution of an outcome across runs: histogram, smoothed density, percentile markers.

use super::{Chart, Frame, Mark, PlotError, font, frame, legend_row, palette};
use crate::number::{tick, tick_with_unit};
use crate::stats::histogram::{BINS, FINE, Histogram};
use crate::stats::summary::Stats;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// "a", "a and b", "a, b and c".
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The distribution chart of one outcome.
#[derive(Clone, Debug)]
pub struct Distribution {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub stats: Stats,
    pub hist: Histogram,
    /// For yes/no outcomes (did an event happen): the value that means yes. Such charts show
    /// the share of runs for "no" and "yes" and no percentile lines.
    pub yes: Option<f64>,
    pub frame: Frame,
}

impl Distribution {
    /// Smoothed density (Gaussian kernel on the fine bins, Silverman's bandwidth), as the share
    /// of runs (%) expected in one display bin, at `points` places over `[a, b]`.
    fn density(&self, a: f64, b: f64, points: usize) -> Vec<(f64, f64)> {
        let Histogram::Continuous {
            lo, hi, fine, n, ..
        } = &self.hist
        else {
            return vec![];
        };
        let (lo, hi, n) = (*lo, *hi, *n as f64);
        if hi <= lo || n < 2.0 {
            return vec![];
        }
        let fw = (hi - lo) / FINE as f64;
        let iqr = (self.stats.p75 - self.stats.p25) / 1.34;
        let spread = if iqr > 0.0 {
            self.stats.sd.min(iqr)
        } else {
            self.stats.sd
        };
        let h = (0.9 * spread * n.powf(-0.2)).max(fw);
        let display = (hi - lo) / BINS as f64;
        (0..points)
            .map(|i| {
                let x = a + (b - a) * i as f64 / (points - 1) as f64;
                let mut d = 0.0;
                for (j, &c) in fine.iter().enumerate() {
                    if c == 0 {
                        continue;
                    }
                    let z = (x - (lo + (j as f64 + 0.5) * fw)) / h;
                    if z.abs() < 6.0 {
                        d += c as f64 * (-0.5 * z * z).exp();
                    }
                }
                let density = d / (n * h * (2.0 * std::f64::consts::PI).sqrt());
                (x, density * display * 100.0)
            })
            .collect()
    }
}

impl Distribution {
    /// The histogram's bars as (left, right, share of runs in %), the x range to show, and
    /// whether the values are discrete.
    fn bars(&self) -> (Vec<(f64, f64, f64)>, f64, f64, bool) {
        match &self.hist {
            Histogram::Discrete { values, n } => {
                let gap = values
                    .windows(2)
                    .map(|w| w[1].0 - w[0].0)
                    .fold(f64::INFINITY, f64::min);
                let half = if gap.is_finite() { 0.35 * gap } else { 0.5 };
                let bars: Vec<(f64, f64, f64)> = values
                    .iter()
                    .map(|(v, c)| (v - half, v + half, 100.0 * *c as f64 / *n as f64))
                    .collect();
                let (a, b) = (
                    values[0].0 - 2.0 * half,
                    values[values.len() - 1].0 + 2.0 * half,
                );
                (bars, a, b, true)
            }
            Histogram::Continuous {
                lo, hi, counts, n, ..
            } => {
                let (lo, hi) = if hi > lo {
                    (*lo, *hi)
                } else {
                    (*lo - 0.5, *lo + 0.5)
                };
                let w = (hi - lo) / BINS as f64;
                let bars: Vec<(f64, f64, f64)> = counts
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| {
                        (
                            lo + i as f64 * w,
                            lo + (i + 1) as f64 * w,
                            100.0 * c as f64 / *n as f64,
                        )
                    })
                    .collect();
                let pad = 0.04 * (hi - lo);
                (bars, lo - pad, hi + pad, false)
            }
        }
    }

    /// Lines at the 5th, 50th and 95th percentiles, with their values; percentiles that coincide
    /// share one line and one label.
    fn draw_percentiles<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
        x0: f64,
        x1: f64,
        top: f64,
    ) -> Result<(), PlotError> {
        let s = &self.stats;
        // Percentiles that coincide share one line and one label.
        let mut marks: Vec<(f64, Vec<&str>)> = Vec::new();
        for (v, label) in [
            (s.p5, "5th percentile"),
            (s.p50, "median"),
            (s.p95, "95th percentile"),
        ] {
            match marks.iter_mut().find(|m| m.0 == v) {
                Some(m) => m.1.push(label),
                None => marks.push((v, vec![label])),
            }
        }
        for (i, (v, labels)) in marks.iter().enumerate() {
            let height = 0.95 - 0.08 * i as f64;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(*v, 0.0), (*v, top * (height - 0.02))],
                palette::INK.stroke_width(2),
            )))?;
            let right_side = (v - x0) / (x1 - x0) > 0.7;
            let anchor = if right_side { HPos::Right } else { HPos::Left };
            let style = font(18.0).pos(Pos::new(anchor, VPos::Center));
            let text = format!("{}: {}", join_and(labels), tick_with_unit(*v, &self.unit));
            chart
                .plotting_area()
                .draw(&Text::new(text, (*v, top * height), style))?;
        }
        Ok(())
    }
}

impl Chart for Distribution {
    fn name(&self) -> String {
        format!("distribution_{}", self.id)
    }

    fn title(&self) -> String {
        format!("{}: distribution across runs", self.name)
    }

    /// One function of about a hundred lines on purpose: a chart reads top to bottom as it is
    /// drawn (frame, legend, axes, series, labels), and its pieces share the axes' coordinates.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.frame)?;
        let s = &self.stats;
        let (bars, x0, x1, discrete) = self.bars();
        // The density is drawn only over the values runs actually took.
        let density = match &self.hist {
            Histogram::Continuous { lo, hi, .. } if hi > lo => self.density(*lo, *hi, 240),
            _ => vec![],
        };
        let top = bars
            .iter()
            .map(|b| b.2)
            .chain(density.iter().map(|d| d.1))
            .fold(0.0, f64::max)
            .max(1e-9)
            * 1.32;

        let unit = if self.unit.is_empty() || self.yes.is_some() {
            String::new()
        } else {
            format!(" ({})", self.unit)
        };
        let yes = self.yes;
        let x_tick = move |v: &f64| match yes {
            Some(_) if *v == 0.0 => "no".to_string(),
            Some(y) if *v == y => "yes".to_string(),
            Some(_) => String::new(),
            None => tick(*v),
        };
        let bar_colour = palette::BLUE.mix(0.55);
        let mut legend = vec![(
            Mark::Box(bar_colour),
            if discrete {
                "Share of runs with this value"
            } else {
                "Share of runs in each bin"
            }
            .to_string(),
        )];
        if !density.is_empty() {
            legend.push((
                Mark::Line(palette::VERMILLION.to_rgba(), 3),
                "Smoothed density".into(),
            ));
        }
        if self.yes.is_none() {
            legend.push((
                Mark::Rule(palette::INK.to_rgba()),
                "5th percentile, median and 95th percentile".into(),
            ));
        }
        let area = legend_row(&area, &legend)?;
        let mut chart = ChartBuilder::on(&area)
            .margin_right(30)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d(x0..x1, 0.0..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(palette::LIGHT)
            .x_desc(format!("{}{unit}", self.name))
            .y_desc("Share of runs (%)")
            .axis_desc_style(font(22.0))
            .label_style(font(18.0))
            .x_labels(if discrete {
                bars.len().clamp(2, 12)
            } else {
                10
            })
            .x_label_formatter(&x_tick)
            .y_label_formatter(&|v| tick(*v))
            .draw()?;

        // A bar is never narrower than a few pixels: a value most runs share (often 0) stays
        // visible beside the percentile line drawn over it.
        let narrowest = 0.008 * (x1 - x0);
        chart.draw_series(bars.iter().filter(|b| b.2 > 0.0).map(|&(a, b, h)| {
            Rectangle::new([(a, 0.0), (b.max(a + narrowest), h)], bar_colour.filled())
        }))?;
        if s.min == s.max {
            let style = super::bold(26.0).pos(Pos::new(HPos::Center, VPos::Center));
            let text = format!("Every run ends at {}", tick_with_unit(s.min, &self.unit));
            chart
                .plotting_area()
                .draw(&Text::new(text, ((x0 + x1) / 2.0, top * 0.6), style))?;
        }
        if !density.is_empty() {
            chart.draw_series(LineSeries::new(
                density,
                palette::VERMILLION.stroke_width(3),
            ))?;
        }
        if self.yes.is_none() {
            self.draw_percentiles(&mut chart, x0, x1, top)?;
        }
        Ok(())
    }
}
