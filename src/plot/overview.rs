//! All outcomes on one page: a small fan chart for each.

use super::fan::{band_polygon, y_range};
use super::flows::wrap;
use super::{Chart, Frame, PlotError, bold, font, frame, palette};
use crate::number::tick;
use crate::stats::band::Band;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One outcome's small fan chart.
#[derive(Clone, Debug)]
pub struct OverviewPanel {
    pub name: String,
    pub unit: String,
    pub bands: Vec<Band>,
}

/// Small multiples of every outcome.
#[derive(Clone, Debug)]
pub struct Overview {
    pub panels: Vec<OverviewPanel>,
    pub frame: Frame,
}

impl Chart for Overview {
    fn name(&self) -> String {
        "overview".into()
    }

    fn title(&self) -> String {
        self.frame.title.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.frame)?;
        let n = self.panels.len().max(1);
        let cols = if n <= 4 {
            n
        } else if n <= 9 {
            3
        } else if n <= 16 {
            4
        } else if n <= 25 {
            5
        } else {
            6
        };
        let rows = n.div_ceil(cols);
        let cells = area.split_evenly((rows, cols));
        for (p, cell) in self.panels.iter().zip(cells.iter()) {
            let (head, body) = cell.split_vertically(40);
            let title = if p.unit.is_empty() {
                p.name.clone()
            } else {
                format!("{} ({})", p.name, p.unit)
            };
            for (i, line) in wrap(&title, 40, 2).into_iter().enumerate() {
                head.draw(&Text::new(line, (8, 2 + 18 * i as i32), bold(14.0)))?;
            }
            let steps = p.bands.len().saturating_sub(1).max(1) as f64;
            let (y0, y1) = y_range(&p.bands);
            let mut chart = ChartBuilder::on(&body)
                .margin(6)
                .x_label_area_size(20)
                .y_label_area_size(54)
                .build_cartesian_2d(0.0..steps, y0..y1)?;
            chart
                .configure_mesh()
                .x_labels(3)
                .y_labels(3)
                .light_line_style(TRANSPARENT)
                .bold_line_style(palette::LIGHT)
                .label_style(font(12.0))
                .x_label_formatter(&|v| format!("{v:.0}"))
                .y_label_formatter(&|v| tick(*v))
                .draw()?;
            chart.draw_series(std::iter::once(Polygon::new(
                band_polygon(&p.bands, |b| b.p5, |b| b.p95),
                palette::BLUE.mix(0.22).filled(),
            )))?;
            chart.draw_series(LineSeries::new(
                p.bands.iter().enumerate().map(|(t, b)| (t as f64, b.p50)),
                palette::BLUE.stroke_width(2),
            ))?;
        }
        Ok(())
    }
}
