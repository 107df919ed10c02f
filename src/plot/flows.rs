//! Who gave what to whom, channel by channel: for each good, what each lane delivered and what
//! was seized on it, with the spread of deliveries across runs.

use super::{Chart, Frame, Mark, PlotError, bold, font, frame, legend_row, palette};
use crate::number::tick;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One lane: what one channel carried of one good over a run, across runs.
#[derive(Clone, Debug)]
pub struct FlowBar {
    /// "sea_rajin_dunai: shells (North Korea → Russia)".
    pub label: String,
    /// Means across runs of the quantities delivered and seized over the run.
    pub delivered: f64,
    pub seized: f64,
    /// Percentiles across runs of the quantity delivered.
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// One good's panel: its lanes, in the order given.
#[derive(Clone, Debug)]
pub struct FlowPanel {
    pub good: String,
    pub unit: String,
    pub bars: Vec<FlowBar>,
}

/// Small multiples of deliveries and seizures by lane, one panel per good (each in its own
/// unit), one horizontal bar per lane: delivered and seized stacked (their sum is what was sent),
/// a whisker over the 5th to 95th percentile of deliveries with a dot at the median.
#[derive(Clone, Debug)]
pub struct Flows {
    pub panels: Vec<FlowPanel>,
    pub frame: Frame,
}

/// Colours of the delivered and seized parts of a bar.
const DELIVERED: RGBColor = palette::BLUE;
const SEIZED: RGBColor = palette::VERMILLION;

/// Tallest row a lane takes, in pixels.
const ROW_MAX: f64 = 56.0;
/// Height of a lane's label line above its bar, in pixels.
const LABEL: f64 = 21.0;
/// Pixels of a panel's heading, of its axis (tick labels and margin) and of the gap below it.
const HEAD: u32 = 28;
const AXIS: u32 = 28;
const GAP: u32 = 14;

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
        let grid = legend_row(
            &area,
            &[
                (Mark::Box(DELIVERED.to_rgba()), "delivered (mean)".into()),
                (Mark::Box(SEIZED.to_rgba()), "seized (mean)".into()),
                (
                    Mark::Rule(palette::INK.to_rgba()),
                    "delivered in 90% of runs (whisker), median (dot)".into(),
                ),
            ],
        )?;
        let cols = self.panels.len().clamp(1, 3);
        let weights: Vec<u32> = self
            .panels
            .iter()
            .map(|p| panel_height(p, ROW_MAX))
            .collect();
        let runs = balance(&weights, cols);
        let (_, h) = grid.dim_in_pixel();
        let h = f64::from(h);
        // One row height for every lane of the chart, the largest that fits every column.
        let mut row = ROW_MAX;
        let mut next = 0;
        for &len in &runs {
            let panels = &self.panels[next..next + len];
            let lanes: usize = panels.iter().map(lanes).sum();
            let fixed = f64::from(panel_height_fixed()) * len as f64;
            row = row.min(((h - fixed) / lanes as f64).max(1.0));
            next += len;
        }
        let columns = grid.split_evenly((1, runs.len()));
        let mut next = 0;
        for (&len, column) in runs.iter().zip(&columns) {
            let panels = &self.panels[next..next + len];
            next += len;
            let mut y = 0;
            let breaks: Vec<i32> = panels
                .iter()
                .map(|p| {
                    y += panel_height(p, row) as i32;
                    y
                })
                .collect();
            let cells = column.split_by_breakpoints(Vec::<i32>::new(), breaks);
            for (panel, cell) in panels.iter().zip(&cells) {
                draw_panel(panel, cell, row)?;
            }
        }
        Ok(())
    }
}

/// A panel's lanes, at least one (an empty panel keeps the room of one).
fn lanes(panel: &FlowPanel) -> usize {
    panel.bars.len().max(1)
}

/// Pixels of a panel besides its lanes' rows: heading, axis and the gap below.
const fn panel_height_fixed() -> u32 {
    HEAD + AXIS + GAP
}

/// Height in pixels of `panel` with rows of `row` pixels.
fn panel_height(panel: &FlowPanel, row: f64) -> u32 {
    panel_height_fixed() + (lanes(panel) as f64 * row).round() as u32
}

/// Splits `weights`, in order, into at most `cols` runs of consecutive items so that the largest
/// run's total is as small as it can be; returns each run's length.
fn balance(weights: &[u32], cols: usize) -> Vec<usize> {
    let fill = |cap: u32| {
        let mut runs = vec![0];
        let mut total = 0;
        for &w in weights {
            let len = runs.last_mut().expect("one run");
            if *len > 0 && total + w > cap {
                runs.push(1);
                total = w;
            } else {
                *len += 1;
                total += w;
            }
        }
        runs
    };
    let mut caps: Vec<u32> = (0..weights.len())
        .flat_map(|i| (i + 1..=weights.len()).map(move |j| weights[i..j].iter().sum()))
        .collect();
    caps.sort_unstable();
    let widest = weights.iter().copied().max().unwrap_or(0);
    caps.into_iter()
        .filter(|&cap| cap >= widest)
        .map(fill)
        .find(|runs| runs.len() <= cols)
        .unwrap_or_else(|| vec![weights.len()])
}

/// One good's panel in `cell`: a heading, then one row per lane, top to bottom, each a label
/// over a bar.
fn draw_panel<DB: DrawingBackend>(
    panel: &FlowPanel,
    cell: &DrawingArea<DB, Shift>,
    row: f64,
) -> Result<(), PlotError> {
    let (head, body) = cell.split_vertically(HEAD);
    let heading = if panel.unit.is_empty() {
        panel.good.clone()
    } else {
        format!("{} ({})", panel.good, panel.unit)
    };
    let (w, _) = cell.dim_in_pixel();
    // About 9 pixels a character of bold 17-pixel text.
    let chars = (w as usize / 9).max(12);
    head.draw(&Text::new(
        wrap(&heading, chars, 1).remove(0),
        (6, 4),
        bold(17.0),
    ))?;
    let top = panel
        .bars
        .iter()
        .map(|b| b.p95.max(b.delivered + b.seized))
        .fold(0.0, f64::max);
    let top = if top > 0.0 { top * 1.08 } else { 1.0 };
    let k = lanes(panel) as f64;
    let mut chart = ChartBuilder::on(&body)
        .margin_left(6)
        .margin_right(18)
        .margin_bottom(AXIS - 24 + GAP)
        .x_label_area_size(24)
        .build_cartesian_2d(0.0..top, 0.0..k)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(4)
        .light_line_style(TRANSPARENT)
        .bold_line_style(palette::LIGHT)
        .label_style(font(14.0))
        .x_label_formatter(&|v| tick(*v))
        .draw()?;
    let bar = (row - LABEL - 4.0).clamp(8.0, 20.0);
    let offset = ((row - LABEL - bar) / 2.0).max(0.0);
    for (i, b) in panel.bars.iter().enumerate() {
        // Lane `i`'s row spans `k - i - 1` to `k - i`, one unit being `row` pixels.
        let at = |px: f64| k - i as f64 - px / row;
        // One text, so that a browser drawing the SVG in its own font keeps it together.
        let area = chart.plotting_area();
        let label = fit(area, &b.label, &font(17.0), area.dim_in_pixel().0)?;
        area.draw(&Text::new(label, (0.0, at(offset)), font(17.0)))?;
        let (hi, lo) = (at(offset + LABEL), at(offset + LABEL + bar));
        chart.draw_series([
            Rectangle::new([(0.0, lo), (b.delivered, hi)], DELIVERED.filled()),
            Rectangle::new(
                [(b.delivered, lo), (b.delivered + b.seized, hi)],
                SEIZED.filled(),
            ),
        ])?;
        chart.draw_series(std::iter::once(ErrorBar::new_horizontal(
            (hi + lo) / 2.0,
            b.p5,
            b.p50,
            b.p95,
            palette::INK.filled().stroke_width(2),
            (bar * 0.6) as u32,
        )))?;
    }
    Ok(())
}

/// `text`, cut short with an ellipsis if it is wider than `width` pixels in `style`.
fn fit<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    text: &str,
    style: &TextStyle,
    width: u32,
) -> Result<String, PlotError> {
    if area.estimate_text_size(text, style)?.0 <= width {
        return Ok(text.to_string());
    }
    let mut cut: String = text.to_string();
    while cut.pop().is_some() {
        let short = format!("{}…", cut.trim_end());
        if area.estimate_text_size(&short, style)?.0 <= width {
            return Ok(short);
        }
    }
    Ok(String::new())
}

#[cfg(test)]
mod tests {
    use super::balance;

    #[test]
    fn columns_take_consecutive_panels_and_the_tallest_is_as_short_as_can_be() {
        assert_eq!(balance(&[3, 3, 3], 3), [1, 1, 1]);
        assert_eq!(balance(&[5, 1, 1, 1, 1, 1], 2), [1, 5]);
        assert_eq!(balance(&[2, 2, 2, 2, 2], 3), [2, 2, 1]);
        assert_eq!(balance(&[4], 3), [1]);
        assert_eq!(balance(&[], 3), [0]);
    }
}
