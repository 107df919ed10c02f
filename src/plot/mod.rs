//! Briefing charts, drawn once and written as PNG (1600x900) and SVG.
//!
//! Every chart implements [`Chart`]: one drawing function generic over the plotters backend,
//! called with the bitmap backend and the SVG backend by [`save`]. Every chart has a title, a
//! subtitle saying how to read it, axis labels with units, a legend where there is more than one
//! series, and a source line (program version, scenario and short SHA-256, runs, seed, lever
//! values). Colours come from the Okabe–Ito palette, which stays distinguishable with the common
//! forms of colour blindness. Text is drawn with an embedded DejaVu Sans through ab_glyph, so a
//! machine without fonts renders the same PNG.

pub mod across;
pub mod calibrate;
pub mod compare;
mod distribution;
pub mod explore;
mod fan;
pub mod flows;
mod overview;
pub mod search;
pub mod tradeoff;

pub use distribution::Distribution;
pub use fan::{Fan, capitalise};
pub use flows::{FlowBar, FlowPanel, Flows};
pub use overview::{Overview, OverviewPanel};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::fmt;
use std::path::Path;
use std::sync::Once;

/// Chart width in pixels: a 16:9 slide at full width.
pub const WIDTH: u32 = 1600;
/// Chart height in pixels.
pub const HEIGHT: u32 = 900;

/// Okabe–Ito colours.
pub mod palette {
    use plotters::style::RGBColor;
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    pub const SKY: RGBColor = RGBColor(86, 180, 233);
    pub const GREEN: RGBColor = RGBColor(0, 158, 115);
    pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
    pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
    pub const INK: RGBColor = RGBColor(30, 30, 30);
    pub const GREY: RGBColor = RGBColor(110, 110, 110);
    pub const LIGHT: RGBColor = RGBColor(225, 225, 225);
    /// Colours for a sequence of series, in order.
    pub const SERIES: [RGBColor; 7] = [BLUE, VERMILLION, GREEN, ORANGE, PURPLE, SKY, YELLOW];
}

/// Font family name under which the embedded font is registered.
pub const FONT: &str = "sans-serif";

static FONTS: Once = Once::new();

/// Registers the embedded fonts with plotters (once per process).
pub fn register_fonts() {
    FONTS.call_once(|| {
        // The bytes are the fonts shipped in assets/fonts; registration only fails on a
        // corrupt font file, which the build would have to have embedded.
        let _ = plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
        );
        let _ = plotters::style::register_font(
            FONT,
            FontStyle::Bold,
            include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf"),
        );
    });
}

/// A failure to draw or write a chart.
#[derive(Debug)]
pub struct PlotError(pub String);

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlotError {}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError(e.to_string())
    }
}

impl From<std::io::Error> for PlotError {
    fn from(e: std::io::Error) -> Self {
        PlotError(e.to_string())
    }
}

/// A chart that can be drawn on any plotters backend.
pub trait Chart {
    /// File name without extension.
    fn name(&self) -> String;
    /// Title, also used as the figure caption.
    fn title(&self) -> String;
    /// Draws the whole chart on `root` (already filled white).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;
}

/// A chart written to disk.
#[derive(Clone, Debug)]
pub struct Saved {
    pub name: String,
    pub title: String,
    /// The SVG document, for inlining in the briefing.
    pub svg: String,
}

/// Draws `chart` into `dir/<name>.png` and `dir/<name>.svg`.
pub fn save<C: Chart>(chart: &C, dir: &Path) -> Result<Saved, PlotError> {
    register_fonts();
    let name = chart.name();
    let png = dir.join(format!("{name}.png"));
    {
        let root = BitMapBackend::new(&png, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        chart.draw(&root)?;
        root.present()?;
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        chart.draw(&root)?;
        root.present()?;
    }
    std::fs::write(dir.join(format!("{name}.svg")), &svg)?;
    Ok(Saved {
        name,
        title: chart.title(),
        svg,
    })
}

/// Title, subtitle and source line shared by every chart.
#[derive(Clone, Debug)]
pub struct Frame {
    pub title: String,
    pub subtitle: String,
    /// One or two lines at the bottom: version, scenario, runs, seed, levers.
    pub source: Vec<String>,
}

/// Text style helper.
pub fn font(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&palette::INK)
}

/// Bold text style helper.
pub fn bold(size: f64) -> TextStyle<'static> {
    (FONT, size)
        .into_font()
        .style(FontStyle::Bold)
        .color(&palette::INK)
}

/// Draws the frame and returns the area left for the chart itself.
pub fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    f: &Frame,
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    let (w, h) = root.dim_in_pixel();
    root.draw(&Text::new(f.title.clone(), (40, 24), bold(34.0)))?;
    root.draw(&Text::new(
        f.subtitle.clone(),
        (40, 72),
        font(21.0).color(&palette::GREY),
    ))?;
    let source_h = 14 + 22 * f.source.len() as i32;
    for (i, line) in f.source.iter().enumerate() {
        let y = h as i32 - source_h + 8 + 22 * i as i32;
        root.draw(&Text::new(
            line.clone(),
            (40, y),
            font(15.0).color(&palette::GREY),
        ))?;
    }
    root.draw(&PathElement::new(
        vec![
            (40, h as i32 - source_h - 4),
            (w as i32 - 40, h as i32 - source_h - 4),
        ],
        palette::LIGHT,
    ))?;
    Ok(root.margin(110, source_h as u32 + 8, 24, 40))
}

/// How a legend entry is drawn.
#[derive(Clone, Copy, Debug)]
pub enum Mark {
    /// A filled square.
    Box(RGBAColor),
    /// A horizontal line of the given width.
    Line(RGBAColor, u32),
    /// A short vertical line (percentile markers, whiskers).
    Rule(RGBAColor),
}

/// Draws a legend as one row of entries across the top of `area`; returns the area below it.
/// Keeping legends out of the plotting area means they never hide data or labels.
pub fn legend_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Mark, String)],
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    let (row, rest) = area.split_vertically(40);
    let mut x = 100;
    for (mark, label) in items {
        match *mark {
            Mark::Box(c) => row.draw(&Rectangle::new([(x, 10), (x + 24, 30)], c.filled()))?,
            Mark::Line(c, w) => row.draw(&PathElement::new(
                vec![(x, 20), (x + 24, 20)],
                c.stroke_width(w),
            ))?,
            Mark::Rule(c) => row.draw(&PathElement::new(
                vec![(x + 12, 8), (x + 12, 32)],
                c.stroke_width(2),
            ))?,
        }
        row.draw(&Text::new(label.clone(), (x + 32, 9), font(18.0)))?;
        let (w, _) = row.estimate_text_size(label, &font(18.0))?;
        x += 32 + w as i32 + 36;
    }
    Ok(rest)
}

/// Splits a long source text into at most two lines of about `width` characters.
pub fn source_lines(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let last = lines.last_mut().expect("one line");
        if !last.is_empty() && last.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}
