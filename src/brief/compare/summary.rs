//! The one-page summary a comparison's briefing opens with (bottom line up front): the
//! question, the answer in one sentence, the trade-off table, the one chart that matters and
//! the main caveat from the robustness sweep.

use super::super::{InlineChart, source_lines};
use crate::number::{change_cell, exact_count, sig3};
use crate::plot::across::{SweepChart, SweepLine};
use crate::plot::tradeoff::{Panel, TradeOffChart};
use crate::plot::{self, Frame, PlotError, Saved};
use crate::report::compare::ComparisonFile;
use crate::report::tradeoff::{improves, notable};
use askama::Template;
use std::path::Path;

/// `file` as the summary reads it: ranked by its first `--target`, or by its first outcome
/// when it names none.
pub fn ranked(file: &ComparisonFile) -> ComparisonFile {
    let mut f = file.clone();
    if f.targets.is_empty() {
        f.targets = vec![f.outcomes[0].id.clone()];
    }
    f
}

/// The chart that matters: the first sweep if the comparison was repeated across an
/// uncertainty, otherwise the trade-off.
pub fn chart(f: &ComparisonFile, dir: &Path) -> Result<Saved, PlotError> {
    let source = source_lines(
        &f.generator,
        &f.scenario.name,
        &f.scenario.file,
        &f.scenario.sha256,
        &format!("{} paired runs per setting", exact_count(f.runs)),
        f.seed,
        "",
    );
    let t = f.tradeoff().expect("ranked() names a target");
    let target = t.outcomes[0];
    if let Some(s) = f.robustness.first() {
        let lines = s
            .options
            .iter()
            .enumerate()
            .map(|(i, label)| SweepLine {
                label: label.clone(),
                points: s
                    .points
                    .iter()
                    .map(|p| {
                        let d = &p.changes[i];
                        (p.value, d.mean, d.ci95[0], d.ci95[1])
                    })
                    .collect(),
            })
            .collect();
        let chart = SweepChart {
            uncertainty: s.uncertainty.clone(),
            x_desc: format!("{} ({})", s.name, s.unit),
            y_desc: format!("Change in {} ({})", target.name, target.unit),
            lines,
            flips: s
                .flips
                .iter()
                .map(|fl| (fl.threshold, format!("{} above", fl.above)))
                .collect(),
            frame: Frame {
                title: format!(
                    "Which option does most for {}, as {} varies",
                    target.name, s.name
                ),
                subtitle: format!(
                    "Each option's change from the baseline with its paired 95% band, at each value of {} (common random numbers).",
                    s.uncertainty
                ),
                source,
            },
        };
        return plot::save(&chart, dir);
    }
    let labels = t
        .order
        .iter()
        .map(|&s| f.settings[s].label.clone())
        .collect();
    let panels = t
        .outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| Panel {
            title: format!(
                "{} ({}, {})",
                o.name,
                if i < t.targets { "target" } else { "cost" },
                if o.unit.starts_with('%') {
                    "points"
                } else {
                    &o.unit
                }
            ),
            changes: t
                .order
                .iter()
                .map(|&s| {
                    let d = &o.results[s].difference;
                    (d.mean, d.ci95[0], d.ci95[1])
                })
                .collect(),
            verdicts: t
                .order
                .iter()
                .map(|&s| {
                    let d = &o.results[s].difference;
                    notable(o, d).then(|| improves(o, d.mean))
                })
                .collect(),
        })
        .collect();
    let chart = TradeOffChart {
        labels,
        panels,
        frame: Frame {
            title: format!("The trade-off: {}", target.name),
            subtitle: "Each option's change from the baseline with its paired 95% interval; green: clearly better, red: clearly worse, grey: no flagged change.".into(),
            source,
        },
    };
    plot::save(&chart, dir)
}

/// What the summary shows.
pub struct Summary<'a> {
    pub question: String,
    pub answer: String,
    pub caveats: Vec<String>,
    /// The outcome ranking the options when no `--target` was given.
    pub implicit_target: Option<String>,
    /// Column heads of the trade-off table, after "Option".
    pub header: Vec<String>,
    /// Per option, best first: label, changes (95% CI), share of runs better in the target.
    pub rows: Vec<(String, Vec<String>, String)>,
    pub chart: InlineChart<'a>,
    pub chart_note: String,
    /// Runs, seed and model the figures rest on.
    pub basis: String,
    pub reproduce: String,
}

impl<'a> Summary<'a> {
    /// The summary of `f` (from [`ranked`]) with its chart; `implicit` when no `--target` was
    /// given and `f` is ranked by its first outcome.
    pub fn new(f: &ComparisonFile, chart: &'a Saved, implicit: bool) -> Summary<'a> {
        let t = f.tradeoff().expect("ranked() names a target");
        let header = t
            .outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let role = if i < t.targets { "target" } else { "cost" };
                let unit = if o.unit.starts_with('%') {
                    "points"
                } else {
                    &o.unit
                };
                format!("{} ({role}; {unit}; 95% CI)", o.name)
            })
            .collect();
        let rows = t
            .order
            .iter()
            .map(|&s| {
                let cells = t
                    .outcomes
                    .iter()
                    .map(|o| {
                        let d = &o.results[s].difference;
                        format!(
                            "{} ({} to {}){}",
                            change_cell(d.mean, &o.unit),
                            change_cell(d.ci95[0], &o.unit),
                            change_cell(d.ci95[1], &o.unit),
                            if notable(o, d) { "" } else { " ~" }
                        )
                    })
                    .collect();
                let p = t.outcomes[0].results[s].difference.p_better;
                (
                    f.settings[s].label.clone(),
                    cells,
                    format!("{}% of runs", sig3(100.0 * p)),
                )
            })
            .collect();
        let mut caveats = f.caveats();
        if caveats.is_empty() {
            caveats.push("Not tested for robustness: repeat the comparison with --across UNCERTAINTY=V1,V2,... to see whether the ranking holds across what is not known.".into());
        }
        let model = f.fitted.as_ref().map_or(
            "uncertainties drawn from the scenario's priors".to_string(),
            |fit| fit.line(),
        );
        Summary {
            question: f.question().unwrap_or_default(),
            answer: f.answer().unwrap_or_default(),
            caveats,
            implicit_target: implicit.then(|| f.outcomes[0].name.clone()),
            header,
            rows,
            chart: chart.into(),
            chart_note:
                "Dots: change in the mean from the baseline; bands and lines: paired 95% interval."
                    .into(),
            basis: format!(
                "{} paired runs per option with common random numbers, seed {}; {model}. ~ marks a change whose interval holds 0 or that is below the display threshold.",
                exact_count(f.runs),
                f.seed
            ),
            reproduce: f.reproduce.clone(),
        }
    }
}

/// The summary as a page of its own (`--brief one-page`).
#[derive(Template)]
#[template(path = "summary.html")]
pub struct Page<'a> {
    pub title: String,
    pub s: Summary<'a>,
}
