//! The robustness chart of a comparison: each option's change in the target outcome across the
//! values of a swept uncertainty, with where the best option flips.

use super::{Chart, Frame, Mark, PlotError, font, frame, legend_row, palette};
use crate::number::{axis_tick, sig3};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One option's line: its change from the baseline (mean, 95% interval) at each swept value.
#[derive(Clone, Debug)]
pub struct SweepLine {
    pub label: String,
    /// (value, mean, low, high).
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// Each option's change in an outcome against an uncertainty's value.
#[derive(Clone, Debug)]
pub struct SweepChart {
    pub uncertainty: String,
    /// Axis titles: the uncertainty's name and unit; the outcome's change and unit.
    pub x_desc: String,
    pub y_desc: String,
    pub lines: Vec<SweepLine>,
    /// Flip thresholds with their labels ("interdiction=0.25 | us_publicity=3").
    pub flips: Vec<(f64, String)>,
    pub frame: Frame,
}

impl Chart for SweepChart {
    fn name(&self) -> String {
        format!("across_{}", self.uncertainty)
    }

    fn title(&self) -> String {
        self.frame.title.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.frame)?;
        let mut items: Vec<(Mark, String)> = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (Mark::Line(colour(i).to_rgba(), 4), l.label.clone()))
            .collect();
        if !self.flips.is_empty() {
            items.push((
                Mark::Rule(palette::GREY.to_rgba()),
                "best option flips".into(),
            ));
        }
        let area = legend_row(&area, &items)?;
        let all = self.lines.iter().flat_map(|l| &l.points);
        let (mut x0, mut x1) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut y0, mut y1) = (0.0f64, 0.0f64);
        for &(x, _, lo, hi) in all {
            (x0, x1) = (x0.min(x), x1.max(x));
            (y0, y1) = (y0.min(lo), y1.max(hi));
        }
        let pad = 0.06 * (y1 - y0).max(f64::MIN_POSITIVE);
        let (y0, y1) = (y0 - pad, y1 + pad);
        let mut chart = ChartBuilder::on(&area)
            .margin_right(40)
            .x_label_area_size(64)
            .y_label_area_size(110)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(palette::LIGHT)
            .x_desc(self.x_desc.clone())
            .y_desc(self.y_desc.clone())
            .axis_desc_style(font(20.0))
            .label_style(font(17.0))
            .x_label_formatter(&|v| axis_tick(*v, x1 - x0))
            .y_label_formatter(&|v| axis_tick(*v, y1 - y0))
            .draw()?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x0, 0.0), (x1, 0.0)],
            palette::INK.stroke_width(1),
        )))?;
        for (i, l) in self.lines.iter().enumerate() {
            let c = colour(i);
            chart.draw_series(std::iter::once(Polygon::new(
                l.points
                    .iter()
                    .map(|p| (p.0, p.2))
                    .chain(l.points.iter().rev().map(|p| (p.0, p.3)))
                    .collect::<Vec<_>>(),
                c.mix(0.15).filled(),
            )))?;
            chart.draw_series(LineSeries::new(
                l.points.iter().map(|p| (p.0, p.1)),
                c.stroke_width(4),
            ))?;
            chart.draw_series(
                l.points
                    .iter()
                    .map(|p| Circle::new((p.0, p.1), 6, c.filled())),
            )?;
        }
        for (x, label) in &self.flips {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(*x, y0), (*x, y1)],
                palette::GREY.stroke_width(2),
            )))?;
            let at = chart.backend_coord(&(*x, y1));
            let (bx, by) = area.get_base_pixel();
            // Right of the line in the left half of the plot, left of it in the right half,
            // so the label stays inside.
            let (dx, anchor) = if *x - x0 > 0.5 * (x1 - x0) {
                (-8, HPos::Right)
            } else {
                (8, HPos::Left)
            };
            area.draw(&Text::new(
                format!("{} = {}: {label}", self.uncertainty, sig3(*x)),
                (at.0 - bx + dx, at.1 - by + 6),
                font(18.0).pos(Pos::new(anchor, VPos::Top)),
            ))?;
        }
        Ok(())
    }
}

/// The colour of option `i`.
fn colour(i: usize) -> RGBColor {
    palette::SERIES[i % palette::SERIES.len()]
}
