//! The charts of a search: the Pareto set's trade-off between two objectives with each policy's
//! worst tail ([`SearchTradeOff`]), every Pareto policy across the levers and the objectives
//! ([`SearchParallel`]), and how the search converged ([`SearchConvergence`]).
//! [`write_charts`] draws all three from a `search.json`.

use super::flows::wrap;
use super::{Chart, Frame, PlotError, Saved, bold, font, frame, palette, save, source_lines};
use crate::model::Better;
use crate::number::{axis_tick, exact_count, percent, tick_with_unit};
use crate::report::search::{Policy, SearchFile, SearchObjective};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Grey of the Pareto policies that are not highlighted: darker than the grid, lighter than ink.
const OTHER: RGBColor = RGBColor(175, 175, 175);

/// Draws the search charts into `dir` as PNG and SVG and returns them (`<name>.png` and
/// `<name>.svg` each), in order:
/// `search-tradeoff.png` (the first two objectives; skipped when the search had only one
/// objective, as there is no trade-off to show), `search-parallel.png` and
/// `search-convergence.png`.
pub fn write_charts(dir: &Path, file: &SearchFile) -> Result<Vec<Saved>, PlotError> {
    let mut saved = Vec::new();
    if file.objectives.len() >= 2 {
        saved.push(save(&SearchTradeOff::new(file, 0, 1), dir)?);
    }
    saved.push(save(&SearchParallel::new(file), dir)?);
    saved.push(save(&SearchConvergence::new(file), dir)?);
    Ok(saved)
}

/// Every search chart's source line: program, scenario and short SHA-256, futures, seed. The
/// same text as a briefing's source line (`brief::source_lines`), which `plot` may not use.
fn source(file: &SearchFile) -> Vec<String> {
    let sha = &file.scenario.sha256;
    let short = sha.get(..12).unwrap_or(sha);
    let path = &file.scenario.file;
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    source_lines(
        &format!(
            "Source: {} · {} ({name}, sha256 {short}) · {} futures per policy, {} policies evaluated · seed {}",
            file.generator,
            file.scenario.name,
            exact_count(file.settings.runs),
            exact_count(file.settings.evaluations),
            file.settings.seed
        ),
        165,
    )
}

/// "the worst 5%".
fn tail(file: &SearchFile) -> String {
    format!("the worst {}", percent(file.settings.tail))
}

/// An objective's axis title: its name, unit and better direction.
fn objective_desc(o: &SearchObjective) -> String {
    let dir = match o.better {
        Better::Higher => "higher is better",
        Better::Lower => "lower is better",
    };
    if o.unit.is_empty() {
        format!("{} ({dir})", o.name)
    } else {
        format!("{} ({}, {dir})", o.name, o.unit)
    }
}

/// The highlighted Pareto policies, each once in the order first highlighted, with the roles
/// it was highlighted for joined ("P3: best compromise").
fn highlighted(file: &SearchFile) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for h in file
        .highlights
        .iter()
        .filter(|h| h.policy < file.pareto.len())
    {
        match out.iter_mut().find(|(p, _)| *p == h.policy) {
            Some((_, text)) => {
                text.push_str("; ");
                text.push_str(&h.role);
            }
            None => out.push((
                h.policy,
                format!("{}: {}", file.pareto[h.policy].label, h.role),
            )),
        }
    }
    out
}

/// The series colours with a `'static` address, for text styles (which borrow their colour).
static SERIES: [RGBColor; 7] = palette::SERIES;

/// The colour of the `i`th highlighted policy.
fn colour(i: usize) -> &'static RGBColor {
    &SERIES[i % SERIES.len()]
}

/// How a legend entry is drawn (the shared [`super::Mark`] has no dots, diamonds or dashes).
#[derive(Clone, Copy, Debug)]
enum Key {
    Dot(RGBColor),
    /// Today's policy: a black diamond.
    Today,
    Line(RGBColor, u32),
    Dashed(RGBColor),
    /// A whisker with a cap at its end.
    Whisker,
}

/// A diamond of half-width `r` pixels centred on its anchor: today's policy.
fn diamond(r: i32) -> Polygon<(i32, i32)> {
    Polygon::new(
        vec![(0, -r), (r, 0), (0, r), (-r, 0)],
        palette::INK.filled(),
    )
}

/// Draws a legend across the top of `area`, wrapping onto as many rows as it needs (the roles
/// of highlighted policies are long); returns the area below it.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Key, String)],
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    const ROW: i32 = 34;
    let (w, _) = area.dim_in_pixel();
    let mut placed = Vec::new();
    let (mut x, mut y) = (100, 0);
    for (key, label) in items {
        let (tw, _) = area.estimate_text_size(label, &font(18.0))?;
        let width = 32 + tw as i32;
        if x > 100 && x + width > w as i32 - 40 {
            (x, y) = (100, y + ROW);
        }
        placed.push((x, y, *key, label));
        x += width + 36;
    }
    let height = if items.is_empty() { 0 } else { y + ROW + 6 };
    let (row, rest) = area.split_vertically(height as u32);
    for (x, y, key, label) in placed {
        let mid = y + 17;
        match key {
            Key::Dot(c) => row.draw(&Circle::new((x + 12, mid), 8, c.filled()))?,
            Key::Today => row.draw(&(EmptyElement::at((x + 12, mid)) + diamond(10)))?,
            Key::Line(c, width) => row.draw(&PathElement::new(
                vec![(x, mid), (x + 24, mid)],
                c.stroke_width(width),
            ))?,
            Key::Dashed(c) => row.draw(&DashedPathElement::new(
                vec![(x, mid), (x + 26, mid)],
                6,
                4,
                c.stroke_width(3),
            ))?,
            Key::Whisker => {
                row.draw(&PathElement::new(
                    vec![(x, mid), (x + 24, mid)],
                    palette::GREY.stroke_width(2),
                ))?;
                row.draw(&PathElement::new(
                    vec![(x + 24, mid - 6), (x + 24, mid + 6)],
                    palette::GREY.stroke_width(2),
                ))?;
            }
        }
        row.draw(&Text::new(label.clone(), (x + 32, y + 6), font(18.0)))?;
    }
    Ok(rest)
}

/// A policy's point on the trade-off chart: its mean and worst-tail value on both objectives.
#[derive(Clone, Debug, PartialEq)]
pub struct TradePoint {
    pub label: String,
    /// (x, y) means.
    pub mean: (f64, f64),
    /// (x, y) values in the worst tail.
    pub worst: (f64, f64),
}

impl TradePoint {
    fn of(p: &Policy, x: usize, y: usize) -> TradePoint {
        let (rx, ry) = (&p.robustness[x], &p.robustness[y]);
        TradePoint {
            label: p.label.clone(),
            mean: (rx.mean, ry.mean),
            worst: (rx.worst, ry.worst),
        }
    }
}

/// Two objectives' means for every Pareto policy, with whiskers to each one's worst tail, and
/// today's policy for reference (`search-tradeoff`).
#[derive(Clone, Debug)]
pub struct SearchTradeOff {
    /// Axis titles with unit and better direction.
    pub x_desc: String,
    pub y_desc: String,
    pub pareto: Vec<TradePoint>,
    pub baseline: TradePoint,
    /// Index into `pareto` and legend text of each highlighted policy.
    pub highlights: Vec<(usize, String)>,
    /// Legend text of the whiskers ("worst 5% of futures").
    pub whisker: String,
    pub frame: Frame,
}

impl SearchTradeOff {
    /// Objective `x` across, objective `y` up (indices into `file.objectives`).
    ///
    /// # Panics
    /// If `x` or `y` is not an objective of `file`.
    pub fn new(file: &SearchFile, x: usize, y: usize) -> SearchTradeOff {
        let (ox, oy) = (&file.objectives[x], &file.objectives[y]);
        let across = match ox.better {
            Better::Higher => "right",
            Better::Lower => "left",
        };
        let up = match oy.better {
            Better::Higher => "top",
            Better::Lower => "bottom",
        };
        SearchTradeOff {
            x_desc: objective_desc(ox),
            y_desc: objective_desc(oy),
            pareto: file
                .pareto
                .iter()
                .map(|p| TradePoint::of(p, x, y))
                .collect(),
            baseline: TradePoint::of(&file.baseline, x, y),
            highlights: highlighted(file),
            whisker: format!("{} of futures (highlighted and today)", tail(file)),
            frame: Frame {
                title: title(&ox.name, &oy.name),
                subtitle: format!(
                    "Each dot is a policy no other found beats on every objective (mean); whiskers \
                     reach {} of {} futures. Better is toward the {up} {across}.",
                    tail(file),
                    exact_count(file.settings.runs)
                ),
                source: source(file),
            },
        }
    }

    fn keys(&self) -> Vec<(Key, String)> {
        let mut keys: Vec<(Key, String)> = self
            .highlights
            .iter()
            .enumerate()
            .map(|(i, (_, text))| (Key::Dot(*colour(i)), text.clone()))
            .collect();
        if self.pareto.len() > self.highlights.len() {
            keys.push((Key::Dot(OTHER), "other policies in the Pareto set".into()));
        }
        keys.push((Key::Today, "today's policy".into()));
        keys.push((Key::Whisker, self.whisker.clone()));
        keys
    }
}

/// The trade-off chart's title, naming both objectives while that fits on the line (the axis
/// titles name them anyway).
fn title(x: &str, y: &str) -> String {
    let full = format!("What the best policies trade off: {x} against {y}");
    if full.chars().count() <= 90 {
        full
    } else {
        "What the best policies trade off".into()
    }
}

/// The range `lo..hi` widened by `share` of its span on each side (by 1 around a single value).
fn padded(lo: f64, hi: f64, share: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    if span <= 0.0 {
        let d = if lo == 0.0 { 1.0 } else { 0.1 * lo.abs() };
        return (lo - d, hi + d);
    }
    (lo - share * span, hi + share * span)
}

impl Chart for SearchTradeOff {
    fn name(&self) -> String {
        "search-tradeoff".into()
    }

    fn title(&self) -> String {
        self.frame.title.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.frame)?;
        let area = legend(&area, &self.keys())?;
        let points = || self.pareto.iter().chain(std::iter::once(&self.baseline));
        let range = |f: fn(&TradePoint) -> [f64; 2]| {
            let v = points().flat_map(f);
            let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
            padded(lo, hi, 0.06)
        };
        let (x0, x1) = range(|p| [p.mean.0, p.worst.0]);
        let (y0, y1) = range(|p| [p.mean.1, p.worst.1]);
        let mut chart = ChartBuilder::on(&area)
            .margin_right(50)
            .margin_top(10)
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
        // Whiskers in their policy's colour, so each can be told apart where they cross.
        let whisker_colour = |i: Option<usize>| match i {
            None => palette::INK,
            Some(i) => match self.highlights.iter().position(|(p, _)| *p == i) {
                Some(k) => *colour(k),
                None => OTHER,
            },
        };
        // Whiskers only for the highlighted policies and today's: on every policy of a large
        // set they would hide the dots.
        let all = self.pareto.iter().enumerate().map(|(i, p)| (Some(i), p));
        let shown =
            all.filter(|(i, _)| i.is_some_and(|i| self.highlights.iter().any(|(p, _)| *p == i)));
        for (i, p) in shown.chain(std::iter::once((None, &self.baseline))) {
            let (m, w) = (p.mean, p.worst);
            let style = whisker_colour(i).stroke_width(2);
            chart.draw_series([
                PathElement::new(vec![m, (w.0, m.1)], style),
                PathElement::new(vec![m, (m.0, w.1)], style),
            ])?;
            chart.draw_series([
                EmptyElement::at((w.0, m.1)) + PathElement::new(vec![(0, -6), (0, 6)], style),
                EmptyElement::at((m.0, w.1)) + PathElement::new(vec![(-6, 0), (6, 0)], style),
            ])?;
        }
        let is_highlighted = |i: usize| self.highlights.iter().any(|(p, _)| *p == i);
        chart.draw_series(
            self.pareto
                .iter()
                .enumerate()
                .filter(|(i, _)| !is_highlighted(*i))
                .map(|(_, p)| Circle::new(p.mean, 9, OTHER.filled())),
        )?;
        // Labels sit up and right of their marker, or up and left in the right fifth of the
        // plot, so they stay inside it; labels of markers close together are stacked upward
        // so one never covers another.
        let highlighted = self.highlights.iter().map(|(p, _)| self.pareto[*p].mean);
        let marked: Vec<(f64, f64)> = highlighted.chain([self.baseline.mean]).collect();
        let pixels: Vec<(i32, i32)> = marked.iter().map(|m| chart.backend_coord(m)).collect();
        let lifts = stack_lifts(&pixels, LABEL_NEAR, LABEL_GAP);
        let label = |k: usize, text: &str, style: TextStyle<'static>| {
            let at = marked[k];
            let (dx, anchor) = if at.0 - x0 > 0.8 * (x1 - x0) {
                (-14, HPos::Right)
            } else {
                (14, HPos::Left)
            };
            EmptyElement::at(at)
                + Text::new(
                    text.to_string(),
                    (dx, -8 - lifts[k]),
                    style.pos(Pos::new(anchor, VPos::Bottom)),
                )
        };
        for (i, (p, _)) in self.highlights.iter().enumerate() {
            let p = &self.pareto[*p];
            let c = colour(i);
            chart.draw_series([EmptyElement::at(p.mean)
                + Circle::new((0, 0), 12, c.filled())
                + Circle::new((0, 0), 12, palette::INK.stroke_width(1))])?;
            chart.draw_series([label(i, &p.label, bold(22.0).color(c))])?;
        }
        chart.draw_series([EmptyElement::at(self.baseline.mean) + diamond(13)])?;
        chart.draw_series([label(self.highlights.len(), "today", bold(20.0))])?;
        Ok(())
    }
}

/// One vertical axis of the parallel-axes chart, scaled to its own range.
#[derive(Clone, Debug, PartialEq)]
pub struct ParallelAxis {
    pub name: String,
    pub unit: String,
    /// The values at the axis's bottom and top end (`top < bottom` for an objective where lower
    /// is better, so that better is up).
    pub bottom: f64,
    pub top: f64,
    /// Values marked with a short tick: a listed lever's values.
    pub marks: Vec<f64>,
}

impl ParallelAxis {
    /// How far up the axis `v` lies: 0 at the bottom, 1 at the top (0.5 on an axis of one value).
    pub fn height(&self, v: f64) -> f64 {
        if self.top == self.bottom {
            0.5
        } else {
            (v - self.bottom) / (self.top - self.bottom)
        }
    }
}

/// A policy's polyline: its value on every axis, levers first, then objectives' means.
#[derive(Clone, Debug, PartialEq)]
pub struct ParallelLine {
    pub label: String,
    pub values: Vec<f64>,
}

impl ParallelLine {
    fn of(p: &Policy) -> ParallelLine {
        ParallelLine {
            label: p.label.clone(),
            values: p
                .levers
                .iter()
                .copied()
                .chain(p.robustness.iter().map(|r| r.mean))
                .collect(),
        }
    }
}

/// Every Pareto policy as a line across one axis per searched lever and one per objective
/// (`search-parallel`): which lever settings go with which results.
#[derive(Clone, Debug)]
pub struct SearchParallel {
    pub levers: Vec<ParallelAxis>,
    pub objectives: Vec<ParallelAxis>,
    pub pareto: Vec<ParallelLine>,
    pub baseline: ParallelLine,
    /// Index into `pareto` and legend text of each highlighted policy.
    pub highlights: Vec<(usize, String)>,
    pub frame: Frame,
}

impl SearchParallel {
    /// Lever axes span each lever's searched range (and today's value); objective axes span
    /// the means of the Pareto set and today's policy, better up.
    pub fn new(file: &SearchFile) -> SearchParallel {
        let baseline = ParallelLine::of(&file.baseline);
        let levers = file
            .levers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let today = baseline.values.get(i).copied().unwrap_or(l.min);
                ParallelAxis {
                    name: l.name.clone(),
                    unit: l.unit.clone(),
                    bottom: l.min.min(today),
                    top: l.max.max(today),
                    marks: if l.kind == "listed" {
                        l.values.clone()
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect();
        let objectives = file
            .objectives
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let means = file
                    .pareto
                    .iter()
                    .chain(std::iter::once(&file.baseline))
                    .map(|p| p.robustness[i].mean);
                let (lo, hi) = means.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                });
                let (bottom, top) = match o.better {
                    Better::Higher => (lo, hi),
                    Better::Lower => (hi, lo),
                };
                ParallelAxis {
                    name: o.name.clone(),
                    unit: o.unit.clone(),
                    bottom,
                    top,
                    marks: Vec::new(),
                }
            })
            .collect();
        SearchParallel {
            levers,
            objectives,
            pareto: file.pareto.iter().map(ParallelLine::of).collect(),
            baseline,
            highlights: highlighted(file),
            frame: Frame {
                title: format!(
                    "{}: the policies found, lever by lever and result by result",
                    file.actor_name
                ),
                subtitle: format!(
                    "One line per policy no other beats on every objective; each axis spans its \
                     own range. Objectives are means over {} futures, oriented so better is up.",
                    exact_count(file.settings.runs)
                ),
                source: source(file),
            },
        }
    }

    fn keys(&self) -> Vec<(Key, String)> {
        let mut keys: Vec<(Key, String)> = self
            .highlights
            .iter()
            .enumerate()
            .map(|(i, (_, text))| (Key::Line(*colour(i), 4), text.clone()))
            .collect();
        if self.pareto.len() > self.highlights.len() {
            keys.push((
                Key::Line(OTHER, 2),
                "other policies in the Pareto set".into(),
            ));
        }
        keys.push((Key::Dashed(palette::INK), "today's policy".into()));
        keys
    }
}

/// Markers closer than this (pixels, in both directions) share a stack of labels.
const LABEL_NEAR: i32 = 70;
/// The height of one label line in a stack (pixels).
const LABEL_GAP: i32 = 24;

/// How far (pixels, 0 or more) to lift each marker's label so that labels of markers within
/// `near` of each other in both directions stand at least `gap` apart, stacked upward from
/// the lowest marker on screen, so labels keep their markers' order; a marker with no close
/// neighbour keeps its label where it is (lift 0).
fn stack_lifts(markers: &[(i32, i32)], near: i32, gap: i32) -> Vec<i32> {
    let close = |a: (i32, i32), b: (i32, i32)| (a.0 - b.0).abs() < near && (a.1 - b.1).abs() < near;
    // Pixel y grows downward: the lowest marker is placed first.
    let mut order: Vec<usize> = (0..markers.len()).collect();
    order.sort_by_key(|&k| (std::cmp::Reverse(markers[k].1), k));
    let mut lifts = vec![0; markers.len()];
    for (n, &k) in order.iter().enumerate() {
        let taken: Vec<i32> = order[..n]
            .iter()
            .copied()
            .filter(|&j| close(markers[j], markers[k]))
            .map(|j| markers[j].1 - lifts[j])
            .collect();
        let mut y = markers[k].1;
        while let Some(t) = taken.iter().find(|t| (y - **t).abs() < gap) {
            y = t - gap;
        }
        lifts[k] = markers[k].1 - y;
    }
    lifts
}

/// Moves the label positions `ys` (pixels, any order) into `lo..=hi` and apart to at least
/// `gap`, each as little as it can (labels pushed down by those above, then up from `hi`);
/// returns them in the given order.
fn spread(ys: &[i32], gap: i32, lo: i32, hi: i32) -> Vec<i32> {
    let mut order: Vec<usize> = (0..ys.len()).collect();
    order.sort_by_key(|&i| ys[i]);
    let mut out: Vec<i32> = ys.iter().map(|y| (*y).clamp(lo, hi)).collect();
    for k in 1..order.len() {
        let (prev, this) = (order[k - 1], order[k]);
        out[this] = out[this].max(out[prev] + gap);
    }
    for k in (0..order.len()).rev() {
        let limit = match order.get(k + 1) {
            Some(&next) => out[next] - gap,
            None => hi,
        };
        out[order[k]] = out[order[k]].min(limit);
    }
    out
}

impl Chart for SearchParallel {
    fn name(&self) -> String {
        "search-parallel".into()
    }

    fn title(&self) -> String {
        self.frame.title.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.frame)?;
        let area = legend(&area, &self.keys())?;
        let (w, h) = area.dim_in_pixel();
        let axes: Vec<&ParallelAxis> = self.levers.iter().chain(&self.objectives).collect();
        let n = axes.len();
        let (left, right) = (120, w as i32 - 130);
        let gap = if n > 1 {
            (right - left) / (n as i32 - 1)
        } else {
            right - left
        };
        let x_of = |i: usize| {
            if n > 1 {
                left + gap * i as i32
            } else {
                (left + right) / 2
            }
        };
        // Names wrap to the room between axes, in at most three lines. Where one would need
        // more, names take two rows, every other axis's in the upper one, each with twice the
        // room (a guide line joins an upper name to its axis).
        let full: Vec<String> = axes
            .iter()
            .map(|a| {
                if a.unit.is_empty() {
                    a.name.clone()
                } else {
                    format!("{} ({})", a.name, a.unit)
                }
            })
            .collect();
        let chars = |room: f64| ((room - 14.0) / 8.6).clamp(8.0, 30.0) as usize;
        let narrow = chars(gap as f64);
        let staggered = n > 2 && full.iter().any(|t| wrap(t, narrow, 4).len() > 3);
        let width = if staggered {
            chars(1.8 * gap as f64)
        } else {
            narrow
        };
        let names: Vec<Vec<String>> = full.iter().map(|t| wrap(t, width, 3)).collect();
        let lines = names.iter().map(Vec::len).max().unwrap_or(1) as i32;
        let heads = 36;
        let rows = if staggered { 2 } else { 1 };
        // Where axis `i`'s name starts.
        let name_y = |i: usize| {
            if staggered && i % 2 == 1 {
                heads + 19 * lines + 8
            } else {
                heads
            }
        };
        let top = heads + (19 * lines + 8) * rows + 32;
        let bottom = h as i32 - 40;
        let y_of = |t: f64| bottom - (t * (bottom - top) as f64).round() as i32;

        // Group headings over their axes.
        let groups = [
            (0..self.levers.len(), "Levers"),
            (self.levers.len()..n, "Objectives (mean)"),
        ];
        for (range, text) in groups {
            if range.is_empty() {
                continue;
            }
            let (a, b) = (x_of(range.start), x_of(range.end - 1));
            area.draw(&Text::new(
                text,
                ((a + b) / 2, 2),
                bold(19.0).pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
            area.draw(&PathElement::new(
                vec![(a - 30, 28), (b + 30, 28)],
                palette::GREY.stroke_width(1),
            ))?;
        }
        // Axes, their names and their ends' values.
        for (i, (a, name)) in axes.iter().zip(&names).enumerate() {
            let x = x_of(i);
            if name_y(i) == heads && staggered {
                area.draw(&PathElement::new(
                    vec![(x, heads + 19 * name.len() as i32 + 2), (x, top - 30)],
                    palette::LIGHT.stroke_width(1),
                ))?;
            }
            for (k, line) in name.iter().enumerate() {
                area.draw(&Text::new(
                    line.clone(),
                    (x, name_y(i) + 19 * k as i32),
                    font(16.0).pos(Pos::new(HPos::Center, VPos::Top)),
                ))?;
            }
            area.draw(&PathElement::new(
                vec![(x, top), (x, bottom)],
                palette::INK.stroke_width(2),
            ))?;
            for m in &a.marks {
                let y = y_of(a.height(*m));
                area.draw(&PathElement::new(
                    vec![(x - 9, y), (x + 9, y)],
                    palette::INK.stroke_width(3),
                ))?;
            }
            let ends = [
                (a.top, top - 8, VPos::Bottom),
                (a.bottom, bottom + 8, VPos::Top),
            ];
            for (v, y, vpos) in ends {
                // The unit is in the axis's name too: leave it out where it would run into
                // the next axis's label.
                let mut text = tick_with_unit(v, &a.unit);
                let (tw, _) = area.estimate_text_size(&text, &font(15.0))?;
                if n > 1 && tw as i32 > gap - 12 {
                    text = tick_with_unit(v, "");
                }
                area.draw(&Text::new(
                    text,
                    (x, y),
                    font(15.0).pos(Pos::new(HPos::Center, vpos)),
                ))?;
            }
        }
        // Policies: the others first, then today's, then the highlighted ones on top.
        let path = |l: &ParallelLine| -> Vec<(i32, i32)> {
            axes.iter()
                .zip(&l.values)
                .enumerate()
                .map(|(i, (a, v))| (x_of(i), y_of(a.height(*v))))
                .collect()
        };
        let is_highlighted = |i: usize| self.highlights.iter().any(|(p, _)| *p == i);
        for (_, l) in self
            .pareto
            .iter()
            .enumerate()
            .filter(|(i, _)| !is_highlighted(*i))
        {
            area.draw(&PathElement::new(path(l), OTHER.stroke_width(2)))?;
        }
        area.draw(&DashedPathElement::new(
            path(&self.baseline),
            10,
            6,
            palette::INK.stroke_width(3),
        ))?;
        let mut ends = Vec::new();
        for (i, (p, _)) in self.highlights.iter().enumerate() {
            let l = &self.pareto[*p];
            let points = path(l);
            area.draw(&PathElement::new(points.clone(), colour(i).stroke_width(4)))?;
            for &(x, y) in &points {
                area.draw(&Circle::new((x, y), 5, colour(i).filled()))?;
            }
            if let Some(&(_, y)) = points.last() {
                ends.push((y, l.label.clone(), bold(19.0).color(colour(i))));
            }
        }
        if let Some(&(_, y)) = path(&self.baseline).last() {
            ends.push((y, "today".into(), bold(19.0)));
        }
        // The lines' names right of the last axis, moved apart where they would overlap.
        // Kept off the axis's ends, where its values are.
        let ys = spread(
            &ends.iter().map(|e| e.0).collect::<Vec<_>>(),
            22,
            top + 14,
            bottom - 14,
        );
        for ((_, text, style), y) in ends.into_iter().zip(ys) {
            area.draw(&Text::new(
                text,
                (x_of(n.saturating_sub(1)) + 14, y),
                style.pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        Ok(())
    }
}

/// The hypervolume each island's archive reached against the policies it had evaluated
/// (`search-convergence`).
#[derive(Clone, Debug)]
pub struct SearchConvergence {
    /// Per island, in island order: its number and its (evaluations, hypervolume) points.
    pub islands: Vec<(u64, Vec<(f64, f64)>)>,
    pub frame: Frame,
}

impl SearchConvergence {
    /// One line per island, its points in generation order.
    pub fn new(file: &SearchFile) -> SearchConvergence {
        let mut islands: Vec<(u64, Vec<(f64, f64)>)> = Vec::new();
        let mut points: Vec<_> = file.convergence.iter().collect();
        points.sort_by_key(|c| (c.island, c.generation));
        for c in points {
            let point = (c.evaluations as f64, c.hypervolume);
            match islands.last_mut() {
                Some((island, line)) if *island == c.island => line.push(point),
                _ => islands.push((c.island, vec![point])),
            }
        }
        SearchConvergence {
            islands,
            frame: Frame {
                title: "How the search converged".into(),
                subtitle: "The objective space the best policies so far beat (hypervolume). \
                           Where a curve flattens, the search stopped finding better trade-offs."
                    .into(),
                source: source(file),
            },
        }
    }
}

impl Chart for SearchConvergence {
    fn name(&self) -> String {
        "search-convergence".into()
    }

    fn title(&self) -> String {
        self.frame.title.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.frame)?;
        let area = if self.islands.len() > 1 {
            let keys: Vec<(Key, String)> = self
                .islands
                .iter()
                .enumerate()
                .map(|(i, (island, _))| (Key::Line(*colour(i), 4), format!("island {island}")))
                .collect();
            legend(&area, &keys)?
        } else {
            area
        };
        let all = self.islands.iter().flat_map(|(_, l)| l);
        let x1 = all.clone().map(|p| p.0).fold(0.0, f64::max);
        let y1 = all.map(|p| p.1).fold(0.0, f64::max);
        // A little room right of the last generation's dot.
        let x1 = if x1 > 0.0 { 1.02 * x1 } else { 1.0 };
        let y1 = if y1 > 0.0 { 1.08 * y1 } else { 1.0 };
        let mut chart = ChartBuilder::on(&area)
            .margin_right(50)
            .margin_top(10)
            .x_label_area_size(64)
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..x1, 0.0..y1)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(palette::LIGHT)
            .x_desc("Policies evaluated (by each island)")
            .y_desc("Hypervolume (scaled objectives, higher is better)")
            .axis_desc_style(font(20.0))
            .label_style(font(17.0))
            .x_label_formatter(&|v| axis_tick(*v, x1))
            .y_label_formatter(&|v| axis_tick(*v, y1))
            .draw()?;
        for (i, (_, line)) in self.islands.iter().enumerate() {
            let c = colour(i);
            chart.draw_series(LineSeries::new(line.iter().copied(), c.stroke_width(4)))?;
            chart.draw_series(line.iter().map(|p| Circle::new(*p, 5, c.filled())))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::search::{ConvergencePoint, Highlight, SearchLever, SearchSettings};
    use crate::report::summary::ScenarioInfo;
    use crate::search::robustness::Robustness;
    use std::path::PathBuf;

    fn objective(id: &str, name: &str, unit: &str, better: Better) -> SearchObjective {
        SearchObjective {
            id: id.into(),
            name: name.into(),
            unit: unit.into(),
            better,
            meets: None,
        }
    }

    fn lever(id: &str, name: &str, unit: &str, kind: &str, range: (f64, f64)) -> SearchLever {
        SearchLever {
            id: id.into(),
            name: name.into(),
            unit: unit.into(),
            description: String::new(),
            baseline: range.0,
            kind: kind.into(),
            min: range.0,
            max: range.1,
            values: if kind == "listed" {
                vec![0.0, 5e7, 1.5e8]
            } else {
                Vec::new()
            },
        }
    }

    /// A policy with per objective (mean, worst).
    fn policy(label: &str, levers: [f64; 3], scores: &[(f64, f64)]) -> Policy {
        Policy {
            label: label.into(),
            levers: levers.to_vec(),
            robustness: scores
                .iter()
                .map(|&(mean, worst)| Robustness {
                    mean,
                    worst,
                    satisficing: None,
                    regret_mean: 0.0,
                    regret_worst: 0.0,
                })
                .collect(),
            constrained: Vec::new(),
            feasible: true,
        }
    }

    /// A hand-made search of the flagship's kind: five Pareto policies on three objectives and
    /// three levers (continuous, integer, listed), two islands; `objectives` keeps the first
    /// ones.
    fn search(objectives: usize) -> SearchFile {
        let scores: [[(f64, f64); 3]; 5] = [
            [(2.1e6, 3.0e6), (1.2, 0.0), (0.62, 0.81)],
            [(2.6e6, 3.4e6), (2.4, 1.0), (0.55, 0.74)],
            [(3.0e6, 3.9e6), (2.9, 1.0), (0.41, 0.66)],
            [(3.4e6, 4.1e6), (3.6, 2.0), (0.47, 0.70)],
            [(3.9e6, 4.8e6), (4.1, 2.0), (0.33, 0.52)],
        ];
        let levers = [
            [0.45, 3.0, 1.5e8],
            [0.38, 2.0, 5e7],
            [0.30, 2.0, 1.5e8],
            [0.12, 1.0, 0.0],
            [0.05, 0.0, 5e7],
        ];
        let pareto = (0..5)
            .map(|i| policy(&format!("P{}", i + 1), levers[i], &scores[i][..objectives]))
            .collect();
        let today = [(4.4e6, 5.2e6), (1.0, 0.0), (0.58, 0.77)];
        let convergence = (0..2u64)
            .flat_map(|island| {
                (0..6u64).map(move |g| ConvergencePoint {
                    island,
                    generation: g,
                    evaluations: 40 * (g + 1),
                    hypervolume: (0.9 + 0.1 * island as f64) * (1.0 - (-0.6 * g as f64).exp()),
                })
            })
            .collect();
        SearchFile {
            generator: "stratex 0.1.0".into(),
            scenario: ScenarioInfo {
                name: "North Korea–Russia exchange, one year".into(),
                description: String::new(),
                file: "scenarios/nk_russia.ron".into(),
                sha256: "0123456789abcdef0123".into(),
                steps: 52,
                step_unit: "week".into(),
                step_plural: "weeks".into(),
            },
            actor: "usa".into(),
            actor_name: "United States and allies".into(),
            question: "How to cut deliveries to Russia?".into(),
            settings: SearchSettings {
                algorithm: "epsilon-NSGA-II".into(),
                seed: 20240121,
                runs: 400,
                population: 20,
                generations: 6,
                islands: 2,
                epsilon: 0.02,
                epsilons: vec![1e4; objectives],
                tail: 0.05,
                score: "mean".into(),
                evaluations: 480,
            },
            levers: vec![
                lever(
                    "interdiction",
                    "Interdiction at sea",
                    "share seized",
                    "continuous",
                    (0.0, 0.5),
                ),
                lever(
                    "us_publicity",
                    "US publicity about transfers",
                    "index",
                    "integer",
                    (0.0, 3.0),
                ),
                lever(
                    "veto_cost",
                    "Diplomatic cost of a Russian veto",
                    "USD",
                    "listed",
                    (0.0, 1.5e8),
                ),
            ],
            objectives: [
                objective(
                    "shells_delivered",
                    "Rounds delivered to Russia",
                    "rounds",
                    Better::Lower,
                ),
                objective(
                    "unsc_passed",
                    "Security Council actions adopted",
                    "actions",
                    Better::Higher,
                ),
                objective(
                    "trust_dprk_russia",
                    "North Korean trust in Russia",
                    "0-1",
                    Better::Lower,
                ),
            ][..objectives]
                .to_vec(),
            constraints: Vec::new(),
            baseline: policy("baseline", [0.0, 1.0, 0.0], &today[..objectives]),
            pareto,
            convergence,
            highlights: vec![
                Highlight {
                    policy: 0,
                    most_robust_on: vec![0],
                    role: "most robust on Rounds delivered to Russia".into(),
                },
                Highlight {
                    policy: 4,
                    most_robust_on: vec![1],
                    role: "most robust on Security Council actions adopted".into(),
                },
                Highlight {
                    policy: 2,
                    most_robust_on: Vec::new(),
                    role: "best compromise".into(),
                },
            ],
            vulnerabilities: Vec::new(),
            feasible: true,
            reproduce: "stratex search scenarios/nk_russia.ron --seed 20240121".into(),
            fitted: None,
        }
    }

    /// A fresh folder for a test's charts; `STRATEX_CHART_SAMPLES` names a folder to keep
    /// them in for looking at instead.
    fn folder(tag: &str) -> PathBuf {
        let dir = match std::env::var_os("STRATEX_CHART_SAMPLES") {
            Some(d) => PathBuf::from(d).join(tag),
            None => {
                std::env::temp_dir().join(format!("stratex-search-{tag}-{}", std::process::id()))
            }
        };
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A PNG's size and the number of pixels in its plot area (below the title and legend,
    /// above the source line) that are drawn (not near-white), and of those in `colour`.
    fn ink(path: &Path, colour: RGBColor) -> ((u32, u32), usize, usize) {
        let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        let channels = info.line_size / info.width as usize;
        let (mut inked, mut coloured) = (0, 0);
        for y in 160..760 {
            for x in 120..1540 {
                let i = y * info.line_size + x * channels;
                let px = &buf[i..i + 3];
                if px.iter().any(|&c| c < 200) {
                    inked += 1;
                }
                if px == [colour.0, colour.1, colour.2] {
                    coloured += 1;
                }
            }
        }
        ((info.width, info.height), inked, coloured)
    }

    #[test]
    fn search_charts_are_written_at_slide_size_with_policies_drawn() {
        let dir = folder("three-objectives");
        let names: Vec<String> = write_charts(&dir, &search(3))
            .unwrap()
            .into_iter()
            .map(|c| format!("{}.png", c.name))
            .collect();
        assert_eq!(
            names,
            [
                "search-tradeoff.png",
                "search-parallel.png",
                "search-convergence.png"
            ]
        );
        for name in &names {
            let (size, inked, blue) = ink(&dir.join(name), palette::BLUE);
            assert_eq!(size, (1600, 900), "{name}");
            assert!(
                inked > 5_000,
                "{name}: only {inked} drawn pixels in the plot area"
            );
            // The first highlighted policy (or the first island) is drawn in its colour.
            assert!(
                blue > 200,
                "{name}: only {blue} pixels of the first series' colour"
            );
            assert!(
                dir.join(name).with_extension("svg").is_file(),
                "{name}: no SVG"
            );
        }
    }

    #[test]
    fn search_chart_svgs_say_how_to_read_them() {
        let dir = folder("svg-text");
        write_charts(&dir, &search(3)).unwrap();
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
        let trade = read("search-tradeoff.svg");
        for words in [
            "Rounds delivered to Russia (rounds, lower is better)",
            "Security Council actions adopted (actions, higher is better)",
            "worst 5% of 400 futures",
            "today",
            "P1: most robust on Rounds delivered to Russia",
            "P3: best compromise",
            "Source: stratex 0.1.0",
            "sha256 0123456789ab)",
            "seed 20240121",
        ] {
            assert!(trade.contains(words), "trade-off chart lacks {words:?}");
        }
        let parallel = read("search-parallel.svg");
        for words in ["Levers", "Objectives (mean)", "better is up", "P5"] {
            assert!(parallel.contains(words), "parallel chart lacks {words:?}");
        }
        let convergence = read("search-convergence.svg");
        for words in [
            "island 0",
            "island 1",
            "Policies evaluated",
            "stopped finding better",
        ] {
            assert!(
                convergence.contains(words),
                "convergence chart lacks {words:?}"
            );
        }
    }

    #[test]
    fn one_objective_has_no_trade_off_chart_but_the_others() {
        let dir = folder("one-objective");
        let names: Vec<String> = write_charts(&dir, &search(1))
            .unwrap()
            .into_iter()
            .map(|c| format!("{}.png", c.name))
            .collect();
        assert_eq!(names, ["search-parallel.png", "search-convergence.png"]);
        assert!(!dir.join("search-tradeoff.png").exists());
        for name in &names {
            let (size, inked, _) = ink(&dir.join(name), palette::BLUE);
            assert_eq!(size, (1600, 900), "{name}");
            assert!(
                inked > 5_000,
                "{name}: only {inked} drawn pixels in the plot area"
            );
        }
    }

    #[test]
    fn parallel_axes_put_the_better_end_of_each_objective_up() {
        let chart = SearchParallel::new(&search(3));
        let [delivered, adopted, trust] = &chart.objectives[..] else {
            panic!("three objective axes");
        };
        // Fewer rounds delivered is better: the fewest are at the top.
        assert_eq!((delivered.top, delivered.bottom), (2.1e6, 4.4e6));
        assert_eq!((adopted.top, adopted.bottom), (4.1, 1.0));
        assert_eq!(trust.height(0.33), 1.0);
        // Lever axes span the searched range; only the listed lever has marks.
        assert_eq!((chart.levers[0].bottom, chart.levers[0].top), (0.0, 0.5));
        assert!(chart.levers[0].marks.is_empty() && chart.levers[1].marks.is_empty());
        assert_eq!(chart.levers[2].marks, [0.0, 5e7, 1.5e8]);
        assert_eq!(chart.pareto[0].values, [0.45, 3.0, 1.5e8, 2.1e6, 1.2, 0.62]);
    }

    #[test]
    fn convergence_has_one_line_per_island_in_generation_order() {
        let mut file = search(3);
        file.convergence.reverse();
        let chart = SearchConvergence::new(&file);
        assert_eq!(chart.islands.len(), 2);
        assert_eq!(chart.islands[0].0, 0);
        let xs: Vec<f64> = chart.islands[1].1.iter().map(|p| p.0).collect();
        assert_eq!(xs, [40.0, 80.0, 120.0, 160.0, 200.0, 240.0]);
    }

    #[test]
    fn highlights_of_one_policy_share_a_legend_entry() {
        let mut file = search(3);
        file.highlights[1].policy = 0;
        let h = highlighted(&file);
        assert_eq!(h.len(), 2);
        assert_eq!(
            h[0],
            (
                0,
                "P1: most robust on Rounds delivered to Russia; most robust on Security \
                 Council actions adopted"
                    .to_string()
            )
        );
    }

    #[test]
    fn many_levers_with_long_names_still_fit_the_parallel_chart() {
        let mut file = search(3);
        let long = "Worth to Russia of a round when its depots are empty";
        for i in 0..6 {
            let mut l = file.levers[i % 3].clone();
            l.name = format!("{long} {i}");
            l.unit = "USD/round".into();
            file.levers.push(l);
        }
        for p in file.pareto.iter_mut().chain([&mut file.baseline]) {
            let extra: Vec<f64> = (0..6).map(|i| p.levers[i % 3]).collect();
            p.levers.extend(extra);
        }
        let dir = folder("many-levers");
        save(&SearchParallel::new(&file), &dir).unwrap();
        let (size, inked, _) = ink(&dir.join("search-parallel.png"), palette::BLUE);
        assert_eq!(size, (1600, 900));
        assert!(inked > 5_000, "only {inked} drawn pixels in the plot area");
        let svg = std::fs::read_to_string(dir.join("search-parallel.svg")).unwrap();
        // Too long even for two rows of names: clipped, but what tells them apart is kept.
        assert!(
            svg.contains("are empty 5…"),
            "long axis names are not told apart"
        );
    }

    #[test]
    fn labels_of_close_markers_are_stacked_and_others_stay_put() {
        // Two markers on top of each other and a third far away.
        let lifts = stack_lifts(&[(100, 500), (104, 503), (600, 500)], 70, 24);
        // The lower marker (503) keeps its label; the higher one's goes above it.
        assert_eq!(lifts[1], 0);
        assert_eq!(lifts[2], 0);
        let (upper, lower) = (500 - lifts[0], 503 - lifts[1]);
        assert!(lower - upper >= 24, "{upper} {lower}");
        // A marker already clear of its neighbour's label is not moved.
        assert_eq!(stack_lifts(&[(100, 500), (110, 440)], 70, 24), [0, 0]);
    }

    #[test]
    fn line_labels_are_moved_apart_but_stay_near_their_lines() {
        assert_eq!(spread(&[300, 100], 22, 0, 900), [300, 100]);
        let ys = spread(&[205, 200, 210], 22, 0, 900);
        assert_eq!(ys, [222, 200, 244]);
        // Near the end of the axis, labels are moved back inside and up.
        assert_eq!(spread(&[900, 895], 22, 10, 890), [890, 868]);
    }
}
