//! Calibration charts: what the targets taught about each uncertainty, and how well the
//! calibrated model reproduces each target.

use super::compare::row_labels;
use super::{Chart, Frame, Mark, PlotError, font, frame, legend_row, palette};
use crate::number::tick;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One uncertainty's prior and posterior, as positions in the prior's 99% range (0 to 100).
#[derive(Clone, Debug)]
pub struct NarrowRow {
    pub name: String,
    /// 5th, 50th, 95th percentiles, as positions.
    pub prior: [f64; 3],
    pub posterior: [f64; 3],
    /// The values at the two ends of the scale, in words.
    pub ends: (String, String),
}

/// Prior against posterior for every calibrated uncertainty.
#[derive(Clone, Debug)]
pub struct Narrowing {
    pub rows: Vec<NarrowRow>,
    pub frame: Frame,
}

/// One target: the observation's and the model's 90% ranges, in percent of the observed value.
#[derive(Clone, Debug)]
pub struct FitRow {
    pub name: String,
    /// Observed value's 90% range (observed at 100).
    pub observed: (f64, f64),
    /// The model's 5th, 50th and 95th percentiles.
    pub model: [f64; 3],
    pub inside: bool,
    /// The observed value in its unit, in words.
    pub label: String,
}

/// The posterior-predictive check of every target.
#[derive(Clone, Debug)]
pub struct FitCheck {
    pub rows: Vec<FitRow>,
    pub frame: Frame,
}

impl Chart for Narrowing {
    fn name(&self) -> String {
        "calibration_posterior".into()
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
                    Mark::Box(palette::GREY.mix(0.35)),
                    "prior: 90% range".into(),
                ),
                (
                    Mark::Box(palette::BLUE.to_rgba()),
                    "posterior: 90% range".into(),
                ),
                (Mark::Rule(palette::INK.to_rgba()), "median".into()),
            ],
        )?;
        let n = self.rows.len();
        // Room left of the bars for the prior's low end ("79,300 rounds/week") clear of the
        // names, and right of them for its high end.
        let (labels_area, plot_area) = area.split_horizontally(360);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin_right(190)
            .margin_left(185)
            .x_label_area_size(64)
            .build_cartesian_2d(0.0..100.0, (n as f64 - 0.5)..-0.5)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .light_line_style(TRANSPARENT)
            .bold_line_style(palette::LIGHT)
            .x_desc("Position within the prior's 99% range (%)")
            .axis_desc_style(font(20.0))
            .label_style(font(17.0))
            .x_label_formatter(&|v| tick(*v))
            .draw()?;
        for (i, r) in self.rows.iter().enumerate() {
            let y = i as f64;
            let bar = |q: [f64; 3], half: f64, style: ShapeStyle| {
                Rectangle::new([(q[0], y - half), (q[2], y + half)], style)
            };
            chart.draw_series([
                bar(r.prior, 0.32, palette::GREY.mix(0.35).filled()),
                bar(r.posterior, 0.18, palette::BLUE.filled()),
            ])?;
            for (m, h) in [(r.prior[1], 0.32), (r.posterior[1], 0.18)] {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(m, y - h), (m, y + h)],
                    palette::INK.stroke_width(3),
                )))?;
            }
            let left = font(15.0).pos(Pos::new(HPos::Right, VPos::Center));
            let right = font(15.0).pos(Pos::new(HPos::Left, VPos::Center));
            chart
                .plotting_area()
                .draw(&(EmptyElement::at((0.0, y)) + Text::new(r.ends.0.clone(), (-8, 0), left)))?;
            chart.plotting_area().draw(
                &(EmptyElement::at((100.0, y)) + Text::new(r.ends.1.clone(), (8, 0), right)),
            )?;
        }
        let to_pixel = |y: f64| chart.backend_coord(&(0.0, y)).1;
        let (x_offset, _) = plot_area.get_base_pixel();
        let (labels_x, labels_y) = labels_area.get_base_pixel();
        let names: Vec<String> = self.rows.iter().map(|r| r.name.clone()).collect();
        row_labels(
            &labels_area,
            |y| to_pixel(y) - labels_y,
            x_offset - labels_x - 8,
            &names,
            16.0,
        )?;
        Ok(())
    }
}

impl Chart for FitCheck {
    fn name(&self) -> String {
        "calibration_fit".into()
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
                    Mark::Box(palette::BLUE.mix(0.55)),
                    "calibrated model: 90% of runs".into(),
                ),
                (Mark::Rule(palette::INK.to_rgba()), "model median".into()),
                (
                    Mark::Line(palette::VERMILLION.to_rgba(), 3),
                    "observed, with its 90% range".into(),
                ),
            ],
        )?;
        let n = self.rows.len();
        let hi = self
            .rows
            .iter()
            .flat_map(|r| [r.observed.1, r.model[2]])
            .fold(150.0, f64::max)
            .min(400.0);
        let lo = self
            .rows
            .iter()
            .flat_map(|r| [r.observed.0, r.model[0]])
            .fold(50.0, f64::min)
            .max(0.0);
        let (labels_area, plot_area) = area.split_horizontally(420);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin_right(200)
            .x_label_area_size(64)
            .build_cartesian_2d(lo..hi, (n as f64 - 0.5)..-0.5)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .light_line_style(TRANSPARENT)
            .bold_line_style(palette::LIGHT)
            .x_desc("Percent of the observed value")
            .axis_desc_style(font(20.0))
            .label_style(font(17.0))
            .x_label_formatter(&|v| format!("{}%", tick(*v)))
            .draw()?;
        for (i, r) in self.rows.iter().enumerate() {
            let y = i as f64;
            let c = |v: f64| v.clamp(lo, hi);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(c(r.model[0]), y - 0.25), (c(r.model[2]), y + 0.25)],
                palette::BLUE.mix(0.55).filled(),
            )))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(c(r.model[1]), y - 0.25), (c(r.model[1]), y + 0.25)],
                palette::INK.stroke_width(3),
            )))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(c(r.observed.0), y), (c(r.observed.1), y)],
                palette::VERMILLION.stroke_width(3),
            )))?;
            chart.draw_series(std::iter::once(Circle::new(
                (c(100.0), y),
                7,
                palette::VERMILLION.filled(),
            )))?;
            let note = if r.inside {
                r.label.clone()
            } else {
                format!("{} (outside)", r.label)
            };
            let style = font(15.0).pos(Pos::new(HPos::Left, VPos::Center));
            chart
                .plotting_area()
                .draw(&(EmptyElement::at((hi, y)) + Text::new(note, (10, 0), style)))?;
        }
        let to_pixel = |y: f64| chart.backend_coord(&(0.0, y)).1;
        let (x_offset, _) = plot_area.get_base_pixel();
        let (labels_x, labels_y) = labels_area.get_base_pixel();
        let names: Vec<String> = self.rows.iter().map(|r| r.name.clone()).collect();
        row_labels(
            &labels_area,
            |y| to_pixel(y) - labels_y,
            x_offset - labels_x - 8,
            &names,
            16.0,
        )?;
        Ok(())
    }
}
