//! Charts for sensitivity analysis and scenario discovery.

use super::compare::row_labels;
use super::{Chart, Frame, Mark, PlotError, font, frame, legend_row, palette};
use crate::number::tick;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One input's tornado bar.
#[derive(Clone, Debug)]
pub struct TornadoBar {
    pub label: String,
    pub low: f64,
    pub high: f64,
}

/// Outcome swing when each input moves from its 10th to its 90th percentile.
#[derive(Clone, Debug)]
pub struct Tornado {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub centre: f64,
    /// Largest swing first.
    pub bars: Vec<TornadoBar>,
    pub frame: Frame,
}

impl Chart for Tornado {
    fn name(&self) -> String {
        format!("tornado_{}", self.id)
    }

    fn title(&self) -> String {
        self.frame.title.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.frame)?;
        let low_c = palette::BLUE.mix(0.8);
        let high_c = palette::ORANGE.mix(0.85);
        let area = legend_row(
            &area,
            &[
                (Mark::Box(low_c), "input at its 10th percentile".into()),
                (Mark::Box(high_c), "input at its 90th percentile".into()),
                (
                    Mark::Line(palette::INK.to_rgba(), 2),
                    "all inputs at their medians".into(),
                ),
            ],
        )?;
        let n = self.bars.len().max(1);
        let lo = self
            .bars
            .iter()
            .map(|b| b.low.min(b.high))
            .fold(self.centre, f64::min);
        let hi = self
            .bars
            .iter()
            .map(|b| b.low.max(b.high))
            .fold(self.centre, f64::max);
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo - 1.0, hi + 1.0)
        };
        let pad = 0.08 * (hi - lo);
        let (labels_area, plot_area) = area.split_horizontally(440);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin_right(40)
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
            .x_desc(format!("{}{unit}, mean final value", self.name))
            .axis_desc_style(font(20.0))
            .label_style(font(17.0))
            .x_label_formatter(&|v| tick(*v))
            .draw()?;
        for (i, b) in self.bars.iter().enumerate() {
            let y = i as f64;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(self.centre, y - 0.35), (b.low, y + 0.35)],
                low_c.filled(),
            )))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(self.centre, y - 0.35), (b.high, y + 0.35)],
                high_c.filled(),
            )))?;
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(self.centre, -0.5), (self.centre, n as f64 - 0.5)],
            palette::INK.stroke_width(2),
        )))?;
        let to_pixel = |y: f64| chart.backend_coord(&(lo, y)).1;
        let (x_offset, _) = plot_area.get_base_pixel();
        let (lx, ly) = labels_area.get_base_pixel();
        let labels: Vec<String> = self.bars.iter().map(|b| b.label.clone()).collect();
        row_labels(
            &labels_area,
            |y| to_pixel(y) - ly,
            x_offset - lx - 8,
            &labels,
            16.0,
        )?;
        Ok(())
    }
}

/// One input's Sobol indices.
#[derive(Clone, Debug)]
pub struct SobolRow {
    pub label: String,
    pub first: (f64, f64, f64),
    pub total: (f64, f64, f64),
}

/// First- and total-order Sobol indices of the inputs for one outcome.
#[derive(Clone, Debug)]
pub struct SobolChart {
    pub id: String,
    /// Largest total index first.
    pub rows: Vec<SobolRow>,
    pub frame: Frame,
}

impl Chart for SobolChart {
    fn name(&self) -> String {
        format!("sobol_{}", self.id)
    }

    fn title(&self) -> String {
        self.frame.title.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.frame)?;
        let first_c = palette::BLUE.mix(0.85);
        let total_c = palette::SKY.mix(0.85);
        let area = legend_row(
            &area,
            &[
                (
                    Mark::Box(first_c),
                    "first order: share of variance the input explains alone".into(),
                ),
                (
                    Mark::Box(total_c),
                    "total order: with its interactions".into(),
                ),
                (
                    Mark::Rule(palette::INK.to_rgba()),
                    "95% bootstrap interval".into(),
                ),
            ],
        )?;
        let n = self.rows.len().max(1);
        let top = self
            .rows
            .iter()
            .map(|r| r.total.2.max(r.first.2))
            .fold(0.1, f64::max)
            .min(1.5)
            * 1.08;
        let (labels_area, plot_area) = area.split_horizontally(440);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin_right(40)
            .x_label_area_size(64)
            .y_label_area_size(6)
            .build_cartesian_2d(0.0..top, (n as f64 - 0.5)..-0.5)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .light_line_style(TRANSPARENT)
            .bold_line_style(palette::LIGHT)
            .x_desc("Sobol index (share of the outcome's variance)")
            .axis_desc_style(font(20.0))
            .label_style(font(17.0))
            .x_label_formatter(&|v| format!("{v:.2}"))
            .draw()?;
        for (i, r) in self.rows.iter().enumerate() {
            let y = i as f64;
            for ((v, lo, hi), off, c) in [(r.first, -0.19, first_c), (r.total, 0.19, total_c)] {
                let v = v.clamp(0.0, top);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y + off - 0.17), (v, y + off + 0.17)],
                    c.filled(),
                )))?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(lo.clamp(0.0, top), y + off), (hi.clamp(0.0, top), y + off)],
                    palette::INK.stroke_width(2),
                )))?;
            }
        }
        let to_pixel = |y: f64| chart.backend_coord(&(0.0, y)).1;
        let (x_offset, _) = plot_area.get_base_pixel();
        let (lx, ly) = labels_area.get_base_pixel();
        let labels: Vec<String> = self.rows.iter().map(|r| r.label.clone()).collect();
        row_labels(
            &labels_area,
            |y| to_pixel(y) - ly,
            x_offset - lx - 8,
            &labels,
            16.0,
        )?;
        Ok(())
    }
}

/// PRIM's peeling trajectory (coverage against density) and the chosen box's ranges.
#[derive(Clone, Debug)]
pub struct PrimChart {
    /// (coverage, density) along the trajectory, as shares.
    pub trajectory: Vec<(f64, f64)>,
    pub chosen: usize,
    /// Restricted inputs: label, box range as shares of the full range, and the values as text.
    pub ranges: Vec<(String, f64, f64, String)>,
    pub frame: Frame,
}

impl Chart for PrimChart {
    fn name(&self) -> String {
        "prim".into()
    }

    fn title(&self) -> String {
        self.frame.title.clone()
    }

    /// One function of about a hundred lines on purpose: a chart reads top to bottom as it is
    /// drawn (frame, legend, axes, series, labels), and its pieces share the axes' coordinates.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.frame)?;
        let (left, right) = area.split_horizontally(640);
        let mut chart = ChartBuilder::on(&left)
            .caption("Peeling trajectory", font(22.0))
            .margin(10)
            .x_label_area_size(60)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..100.0, 0.0..105.0)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(palette::LIGHT)
            .x_desc("Coverage: % of cases meeting the condition inside the box")
            .y_desc("Density: % of the box meeting it")
            .axis_desc_style(font(17.0))
            .label_style(font(16.0))
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .draw()?;
        let pts: Vec<(f64, f64)> = self
            .trajectory
            .iter()
            .map(|(c, d)| (100.0 * c, 100.0 * d))
            .collect();
        chart.draw_series(LineSeries::new(pts.clone(), palette::BLUE.stroke_width(2)))?;
        chart.draw_series(
            pts.iter()
                .map(|&p| Circle::new(p, 4, palette::BLUE.filled())),
        )?;
        if let Some(&p) = pts.get(self.chosen) {
            chart.draw_series(std::iter::once(Circle::new(
                p,
                10,
                palette::VERMILLION.stroke_width(3),
            )))?;
            // In the lower left, which a peeling trajectory (density rising as coverage falls)
            // leaves empty, so the words never cross the curve.
            let style = font(17.0).pos(Pos::new(HPos::Left, VPos::Bottom));
            chart.plotting_area().draw(&Text::new(
                format!(
                    "chosen box (ringed): coverage {:.0}%, density {:.0}%",
                    p.0, p.1
                ),
                (3.0, 4.0),
                style,
            ))?;
        }

        let (head, body) = right.split_vertically(44);
        head.draw(&Text::new(
            "Chosen box: ranges of the restricting inputs",
            (20, 8),
            font(22.0),
        ))?;
        let n = self.ranges.len().max(1);
        let (labels_area, plot_area) = body.split_horizontally(330);
        let mut bars = ChartBuilder::on(&plot_area)
            .margin_right(30)
            .x_label_area_size(60)
            .y_label_area_size(6)
            .build_cartesian_2d(0.0..100.0, (n as f64 - 0.5)..-0.5)?;
        bars.configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .light_line_style(TRANSPARENT)
            .bold_line_style(palette::LIGHT)
            .x_desc("Position within the input's sampled range (%)")
            .axis_desc_style(font(17.0))
            .label_style(font(16.0))
            .x_label_formatter(&|v| tick(*v))
            .draw()?;
        for (i, (_, lo, hi, text)) in self.ranges.iter().enumerate() {
            let y = i as f64;
            bars.draw_series(std::iter::once(Rectangle::new(
                [(0.0, y - 0.3), (100.0, y + 0.3)],
                palette::LIGHT.filled(),
            )))?;
            bars.draw_series(std::iter::once(Rectangle::new(
                [(100.0 * lo, y - 0.3), (100.0 * hi, y + 0.3)],
                palette::VERMILLION.mix(0.8).filled(),
            )))?;
            let style = font(15.0).pos(Pos::new(HPos::Center, VPos::Bottom));
            bars.plotting_area().draw(&Text::new(
                text.clone(),
                (50.0 * (lo + hi), y - 0.32),
                style,
            ))?;
        }
        let to_pixel = |y: f64| bars.backend_coord(&(0.0, y)).1;
        let (x_offset, _) = plot_area.get_base_pixel();
        let (lx, ly) = labels_area.get_base_pixel();
        let labels: Vec<String> = self.ranges.iter().map(|r| r.0.clone()).collect();
        row_labels(
            &labels_area,
            |y| to_pixel(y) - ly,
            x_offset - lx - 8,
            &labels,
            16.0,
        )?;
        Ok(())
    }
}
