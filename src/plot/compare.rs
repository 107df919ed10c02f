//! Charts for comparing policy settings.

use super::{Chart, Frame, Mark, PlotError, font, frame, legend_row, palette};
use crate::number::axis_tick;
use crate::stats::summary::Stats;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One outcome's distribution under every setting, as horizontal box plots.
#[derive(Clone, Debug)]
pub struct Boxes {
    pub id: String,
    pub name: String,
    pub unit: String,
    /// Setting labels, baseline first.
    pub labels: Vec<String>,
    pub stats: Vec<Stats>,
    pub frame: Frame,
}

/// Draws row labels to the left of a plotting area, right-aligned, one per row `0..n`.
pub(crate) fn row_labels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    to_pixel: impl Fn(f64) -> i32,
    x_right: i32,
    labels: &[String],
    size: f64,
) -> Result<(), PlotError> {
    for (i, l) in labels.iter().enumerate() {
        let style = font(size).pos(Pos::new(HPos::Right, VPos::Center));
        area.draw(&Text::new(l.clone(), (x_right, to_pixel(i as f64)), style))?;
    }
    Ok(())
}

impl Chart for Boxes {
    fn name(&self) -> String {
        format!("compare_{}", self.id)
    }

    fn title(&self) -> String {
        self.frame.title.clone()
    }

    /// One function of about a hundred lines on purpose: a chart reads top to bottom as it is
    /// drawn (frame, legend, axes, series, labels), and its pieces share the axes' coordinates.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.frame)?;
        let base = palette::ORANGE.mix(0.75);
        let other = palette::BLUE.mix(0.55);
        let area = legend_row(
            &area,
            &[
                (Mark::Box(base), "Baseline".into()),
                (
                    Mark::Box(other),
                    "Setting: box 25th to 75th percentile, line median".into(),
                ),
                (
                    Mark::Rule(palette::INK.to_rgba()),
                    "whiskers 5th and 95th percentile".into(),
                ),
                (Mark::Line(palette::VERMILLION.to_rgba(), 3), "mean".into()),
            ],
        )?;
        let n = self.stats.len();
        let lo = self
            .stats
            .iter()
            .map(|s| s.p5.min(s.mean))
            .fold(f64::INFINITY, f64::min);
        let hi = self
            .stats
            .iter()
            .map(|s| s.p95.max(s.mean))
            .fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo - 1.0, hi + 1.0)
        };
        let pad = 0.05 * (hi - lo);
        let label_width = (self
            .labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(8) as u32
            * 10)
            .clamp(120, 420);
        let (labels_area, plot_area) = area.split_horizontally(label_width);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin_right(30)
            .x_label_area_size(64)
            .y_label_area_size(6)
            .build_cartesian_2d((lo - pad)..(hi + pad), (n as f64 - 0.5)..-0.5)?;
        let unit = if self.unit.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.unit)
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .light_line_style(TRANSPARENT)
            .bold_line_style(palette::LIGHT)
            .x_desc(format!("{}{unit}, final value", self.name))
            .axis_desc_style(font(20.0))
            .label_style(font(17.0))
            .x_label_formatter(&|v| axis_tick(*v, hi - lo + 2.0 * pad))
            .draw()?;
        let base_median = self.stats[0].p50;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(base_median, -0.5), (base_median, n as f64 - 0.5)],
            palette::ORANGE.stroke_width(2),
        )))?;
        for (i, s) in self.stats.iter().enumerate() {
            let y = i as f64;
            let fill = if i == 0 { base } else { other };
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(s.p5, y), (s.p95, y)],
                palette::INK.stroke_width(2),
            )))?;
            for w in [s.p5, s.p95] {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(w, y - 0.18), (w, y + 0.18)],
                    palette::INK.stroke_width(2),
                )))?;
            }
            chart.draw_series(std::iter::once(Rectangle::new(
                [(s.p25, y - 0.32), (s.p75, y + 0.32)],
                fill.filled(),
            )))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(s.p50, y - 0.32), (s.p50, y + 0.32)],
                palette::INK.stroke_width(3),
            )))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(s.mean, y - 0.2), (s.mean, y + 0.2)],
                palette::VERMILLION.stroke_width(3),
            )))?;
        }
        let to_pixel = |y: f64| chart.backend_coord(&(lo, y)).1;
        let (x_offset, _) = plot_area.get_base_pixel();
        let (labels_x, _) = labels_area.get_base_pixel();
        let size = if n > 18 { 14.0 } else { 17.0 };
        row_labels(
            &labels_area,
            |y| to_pixel(y) - labels_area.get_base_pixel().1,
            x_offset - labels_x - 8,
            &self.labels,
            size,
        )?;
        Ok(())
    }
}

/// Whether a change is good, bad or not clearly either, in the outcome's better direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Better,
    Worse,
    Unclear,
}

/// One outcome's change from the baseline under one setting.
#[derive(Clone, Debug)]
pub struct DiffRow {
    pub name: String,
    /// Relative change of the mean and its 95% interval, in percent of the baseline mean; `None`
    /// when the baseline mean is zero.
    pub relative: Option<(f64, f64, f64)>,
    /// Shown instead when there is no relative change.
    pub note: String,
    pub verdict: Verdict,
}

/// Every outcome's change from the baseline under one setting: dot and 95% interval.
#[derive(Clone, Debug)]
pub struct Differences {
    pub slug: String,
    pub rows: Vec<DiffRow>,
    pub frame: Frame,
}

impl Chart for Differences {
    fn name(&self) -> String {
        format!("difference_{}", self.slug)
    }

    fn title(&self) -> String {
        self.frame.title.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.frame)?;
        let area = legend_row(
            &area,
            &[
                (
                    Mark::Box(palette::BLUE.to_rgba()),
                    "better than baseline".into(),
                ),
                (Mark::Box(palette::VERMILLION.to_rgba()), "worse".into()),
                (
                    Mark::Box(palette::GREY.to_rgba()),
                    "no clear difference (interval includes 0)".into(),
                ),
                (
                    Mark::Rule(palette::INK.to_rgba()),
                    "95% interval of the paired difference".into(),
                ),
            ],
        )?;
        let n = self.rows.len();
        let extent = self
            .rows
            .iter()
            .filter_map(|r| r.relative)
            .map(|(_, lo, hi)| lo.abs().max(hi.abs()))
            .fold(1.0, f64::max)
            .min(1000.0);
        let x = extent * 1.1;
        let (labels_area, plot_area) = area.split_horizontally(420);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin_right(40)
            .x_label_area_size(64)
            .y_label_area_size(6)
            .build_cartesian_2d(-x..x, (n as f64 - 0.5)..-0.5)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .light_line_style(TRANSPARENT)
            .bold_line_style(palette::LIGHT)
            .x_desc("Change in the mean from the baseline (% of the baseline mean)")
            .axis_desc_style(font(20.0))
            .label_style(font(17.0))
            .x_label_formatter(&|v| format!("{}%", axis_tick(*v, 2.0 * x)))
            .draw()?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
            palette::INK.stroke_width(1),
        )))?;
        for (i, r) in self.rows.iter().enumerate() {
            let y = i as f64;
            let colour = match r.verdict {
                Verdict::Better => palette::BLUE,
                Verdict::Worse => palette::VERMILLION,
                Verdict::Unclear => palette::GREY,
            };
            match r.relative {
                Some((m, lo, hi)) => {
                    let (lo, hi, m) = (lo.clamp(-x, x), hi.clamp(-x, x), m.clamp(-x, x));
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(lo, y), (hi, y)],
                        palette::INK.stroke_width(2),
                    )))?;
                    chart.draw_series(std::iter::once(Circle::new((m, y), 7, colour.filled())))?;
                }
                None => {
                    // Just right of the zero line, so the line does not run through the words.
                    let style = font(15.0)
                        .color(&palette::GREY)
                        .pos(Pos::new(HPos::Left, VPos::Center));
                    chart.plotting_area().draw(
                        &(EmptyElement::at((0.0, y)) + Text::new(r.note.clone(), (10, 0), style)),
                    )?;
                }
            }
        }
        let to_pixel = |y: f64| chart.backend_coord(&(0.0, y)).1;
        let (x_offset, _) = plot_area.get_base_pixel();
        let (labels_x, labels_y) = labels_area.get_base_pixel();
        let names: Vec<String> = self.rows.iter().map(|r| r.name.clone()).collect();
        let size = if n > 18 { 14.0 } else { 16.0 };
        row_labels(
            &labels_area,
            |y| to_pixel(y) - labels_y,
            x_offset - labels_x - 8,
            &names,
            size,
        )?;
        Ok(())
    }
}
