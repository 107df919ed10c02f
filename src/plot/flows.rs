//! Who gave what to whom: deliveries by good and route, median with a 5–95% whisker.

use super::{Chart, Frame, PlotError, bold, font, frame, palette};
use crate::number::tick;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One route's deliveries of one good.
#[derive(Clone, Debug)]
pub struct FlowBar {
    /// Index into [`Flows::routes`] (its colour and legend entry).
    pub route: usize,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// One good's panel.
#[derive(Clone, Debug)]
pub struct FlowPanel {
    pub good: String,
    pub unit: String,
    pub bars: Vec<FlowBar>,
}

/// Small multiples of deliveries, one panel per good (each in its own unit).
#[derive(Clone, Debug)]
pub struct Flows {
    /// Route labels ("North Korea → Russia"), in colour order.
    pub routes: Vec<String>,
    pub panels: Vec<FlowPanel>,
    pub frame: Frame,
}

/// Splits text into lines of at most `width` characters (at most `max` lines, the last clipped).
pub(crate) fn wrap(text: &str, width: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split_whitespace() {
        let last = lines.last_mut().expect("one line");
        if last.is_empty() || last.chars().count() + 1 + word.chars().count() <= width {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        } else {
            lines.push(word.to_string());
        }
    }
    if lines.len() > max {
        lines.truncate(max);
        let last = lines.last_mut().expect("max >= 1");
        let keep: String = last.chars().take(width.saturating_sub(1)).collect();
        *last = format!("{keep}…");
    }
    lines
}

impl Chart for Flows {
    fn name(&self) -> String {
        "flows".into()
    }

    fn title(&self) -> String {
        self.frame.title.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.frame)?;
        let (legend, grid) = area.split_vertically(44);
        // Legend: one coloured square per route, left to right.
        let mut x = 0;
        for (i, label) in self.routes.iter().enumerate() {
            let c = palette::SERIES[i % palette::SERIES.len()];
            legend.draw(&Rectangle::new([(x, 8), (x + 22, 30)], c.filled()))?;
            legend.draw(&Text::new(label.clone(), (x + 30, 8), font(19.0)))?;
            x += 30 + 12 * label.chars().count() as i32 + 40;
        }
        legend.draw(&PathElement::new(
            vec![(x + 11, 6), (x + 11, 32)],
            palette::INK.stroke_width(2),
        ))?;
        legend.draw(&Text::new(
            "bar: median; whisker: 5th to 95th percentile",
            (x + 30, 8),
            font(19.0),
        ))?;

        let n = self.panels.len().max(1);
        let cols = n.min(6);
        let rows = n.div_ceil(cols);
        let cells = grid.split_evenly((rows, cols));
        for (panel, cell) in self.panels.iter().zip(cells.iter()) {
            let (head, body) = cell.split_vertically(48);
            for (i, line) in wrap(&panel.good, 28, 2).into_iter().enumerate() {
                head.draw(&Text::new(line, (6, 4 + 20 * i as i32), bold(15.0)))?;
            }
            let top = panel
                .bars
                .iter()
                .map(|b| b.p95.max(b.p50))
                .fold(0.0, f64::max);
            let top = if top > 0.0 { top * 1.12 } else { 1.0 };
            let k = panel.bars.len().max(1) as f64;
            let mut chart = ChartBuilder::on(&body)
                .margin(6)
                .x_label_area_size(22)
                .y_label_area_size(58)
                .build_cartesian_2d(-0.6..(k - 0.4), 0.0..top)?;
            let unit = panel.unit.clone();
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .y_labels(4)
                .light_line_style(TRANSPARENT)
                .bold_line_style(palette::LIGHT)
                .label_style(font(13.0))
                .x_desc(unit)
                .axis_desc_style(font(13.0).color(&palette::GREY))
                .y_label_formatter(&|v| tick(*v))
                .draw()?;
            for (i, b) in panel.bars.iter().enumerate() {
                let c = palette::SERIES[b.route % palette::SERIES.len()];
                let x = i as f64;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.32, 0.0), (x + 0.32, b.p50)],
                    c.filled(),
                )))?;
                chart.draw_series(std::iter::once(ErrorBar::new_vertical(
                    x,
                    b.p5,
                    b.p50,
                    b.p95,
                    palette::INK.stroke_width(2),
                    12,
                )))?;
            }
        }
        Ok(())
    }
}
