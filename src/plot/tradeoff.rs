//! The trade-off chart of a comparison: each option's change in the target outcomes and in the
//! costs, side by side, one row per option.

use super::compare::row_labels;
use super::{Chart, Frame, PlotError, bold, font, frame, palette};
use crate::number::axis_tick;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One outcome's panel: each option's change (mean, low, high), in the options' order.
#[derive(Clone, Debug)]
pub struct Panel {
    /// "Rounds delivered to Russia (target, rounds)".
    pub title: String,
    pub changes: Vec<(f64, f64, f64)>,
    /// Whether each change is an improvement in the outcome's better direction (`None`: not
    /// clearly a change).
    pub verdicts: Vec<Option<bool>>,
}

/// Options down the side, one panel per target and cost.
#[derive(Clone, Debug)]
pub struct TradeOffChart {
    pub labels: Vec<String>,
    pub panels: Vec<Panel>,
    pub frame: Frame,
}

impl Chart for TradeOffChart {
    fn name(&self) -> String {
        "tradeoff".into()
    }

    fn title(&self) -> String {
        self.frame.title.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.frame)?;
        let width = (self
            .labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(8) as u32
            * 16)
            .clamp(160, 600);
        let (labels_area, rest) = area.split_horizontally(width);
        let panels = rest.split_evenly((1, self.panels.len().max(1)));
        let n = self.labels.len();
        for (p, panel_area) in self.panels.iter().zip(&panels) {
            let (head, plot_area) = panel_area.split_vertically(44);
            head.draw(&Text::new(p.title.clone(), (10, 4), bold(24.0)))?;
            let lo = p.changes.iter().map(|c| c.1).fold(0.0, f64::min);
            let hi = p.changes.iter().map(|c| c.2).fold(0.0, f64::max);
            let pad = 0.08 * (hi - lo).max(f64::MIN_POSITIVE);
            let (lo, hi) = (lo - pad, hi + pad);
            let mut chart = ChartBuilder::on(&plot_area)
                .margin_right(30)
                .margin_left(10)
                .x_label_area_size(56)
                .build_cartesian_2d(lo..hi, (n as f64 - 0.5)..-0.5)?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(0)
                .x_labels(5)
                .light_line_style(TRANSPARENT)
                .bold_line_style(palette::LIGHT)
                .label_style(font(20.0))
                .x_label_formatter(&|v| axis_tick(*v, hi - lo))
                .draw()?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
                palette::INK.stroke_width(1),
            )))?;
            for (i, (&(m, l, h), v)) in p.changes.iter().zip(&p.verdicts).enumerate() {
                let c = match v {
                    Some(true) => palette::GREEN,
                    Some(false) => palette::VERMILLION,
                    None => palette::GREY,
                };
                let y = i as f64;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(l, y), (h, y)],
                    c.stroke_width(5),
                )))?;
                chart.draw_series(std::iter::once(Circle::new((m, y), 13, c.filled())))?;
            }
            if std::ptr::eq(p, &self.panels[0]) {
                let to_pixel = |y: f64| chart.backend_coord(&(lo, y)).1;
                let (x_offset, _) = plot_area.get_base_pixel();
                let (labels_x, labels_y) = labels_area.get_base_pixel();
                row_labels(
                    &labels_area,
                    |y| to_pixel(y) - labels_y,
                    x_offset - labels_x - 12,
                    &self.labels,
                    26.0,
                )?;
            }
        }
        Ok(())
    }
}
