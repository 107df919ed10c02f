//! Results of `stratex compare`: files and terminal tables (the briefing is
//! `brief::compare`).

use super::csv_file::{self, CsvProvenance};
use super::sheet::{Cell, Sheet};
use super::summary::ScenarioInfo;
use super::table::{clip, columns, columns_left};
use super::tradeoff::{DISPLAY_POINTS, DISPLAY_SHARE, TradeOff, improves, notable};
use super::{Fitted, VERSION};
use crate::model::Better;
use crate::model::Model;
use crate::model::grid::Labeled;
use crate::montecarlo::compare::{Comparison, Difference};
use crate::number::{change_cell, change_phrase, change_range, compact, in_points, sig3};
use crate::stats::summary::Stats;
use serde::Serialize;
use std::io;
use std::path::Path;

/// How the comparison is computed, recorded with it.
pub const METHOD: &str = "common random numbers: run r of every setting uses the random streams of \
run r (the same uncertain parameters, events and detections), so each setting is compared with the \
baseline run by run; ci95 is the paired 95% interval of the mean difference, ci95_unpaired the \
interval if the runs were independent; p_better is the share of runs in which the setting did \
better than the baseline in the outcome's better direction (ties count half); rank 1 is the best \
mean in that direction";

/// A setting as recorded in `comparison.json`.
#[derive(Clone, Debug, Serialize)]
pub struct SettingInfo {
    pub label: String,
    pub levers: Vec<(String, f64)>,
}

/// A lever the comparison varies, as the scenario describes it.
#[derive(Clone, Debug, Serialize)]
pub struct LeverInfo {
    pub id: String,
    pub name: String,
    pub unit: String,
    /// The deciding actor's id, if the lever declares one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub description: String,
    pub baseline: f64,
}

impl LeverInfo {
    /// The levers whose value differs between any setting and the first.
    fn changed(model: &Model, settings: &[Labeled]) -> Vec<LeverInfo> {
        model
            .levers
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                settings
                    .iter()
                    .any(|s| s.setting.levers[*i] != settings[0].setting.levers[*i])
            })
            .map(|(i, l)| LeverInfo {
                id: l.id.clone(),
                name: l.name.clone(),
                unit: l.unit.clone(),
                owner: l.owner.map(|a| model.actors[a].id.clone()),
                description: l.description.clone(),
                baseline: settings[0].setting.levers[i],
            })
            .collect()
    }
}

/// One setting's results in one outcome.
#[derive(Clone, Debug, Serialize)]
pub struct SettingResult {
    pub setting: String,
    #[serde(flatten)]
    pub stats: Stats,
    pub difference: Difference,
    pub rank: usize,
}

/// One outcome across settings.
#[derive(Clone, Debug, Serialize)]
pub struct OutcomeComparison {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub better: Better,
    pub results: Vec<SettingResult>,
}

/// Contents of `comparison.json`: deterministic, like `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct ComparisonFile {
    pub generator: String,
    pub scenario: ScenarioInfo,
    pub seed: u64,
    /// Paired runs per setting.
    pub runs: u64,
    pub reproduce: String,
    pub method: String,
    pub settings: Vec<SettingInfo>,
    pub outcomes: Vec<OutcomeComparison>,
    /// The posterior the calibrated uncertainties were drawn from, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fitted: Option<Fitted>,
    /// Outcomes the options are meant to move (`--target`), and those they may harm
    /// (`--cost`), by id.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// The actor whose options are compared (`--for`), if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub for_actor: Option<String>,
    /// What each lever the settings change means.
    pub levers: Vec<LeverInfo>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub costs: Vec<String>,
    /// The comparison repeated across values of uncertainties (`--across`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub robustness: Vec<super::across::Sweep>,
}

impl ComparisonFile {
    /// Assembles the results of a comparison.
    pub fn new(
        model: &Model,
        scenario: ScenarioInfo,
        seed: u64,
        reproduce: String,
        settings: &[Labeled],
        cmp: &Comparison,
    ) -> Self {
        let outcomes = model
            .outcomes
            .iter()
            .enumerate()
            .map(|(o, out)| {
                let stats: Vec<Stats> = (0..settings.len()).map(|s| cmp.stats(s, o)).collect();
                let ranks = ranks(&stats, out.better);
                OutcomeComparison {
                    id: out.id.clone(),
                    name: out.name.clone(),
                    unit: out.unit.clone(),
                    better: out.better,
                    results: settings
                        .iter()
                        .enumerate()
                        .map(|(s, l)| SettingResult {
                            setting: l.label.clone(),
                            stats: stats[s].clone(),
                            difference: cmp.difference(s, o),
                            rank: ranks[s],
                        })
                        .collect(),
                }
            })
            .collect();
        ComparisonFile {
            generator: format!("stratex {VERSION}"),
            scenario,
            seed,
            runs: cmp.runs(),
            reproduce,
            method: METHOD.to_string(),
            settings: settings
                .iter()
                .map(|l| SettingInfo {
                    label: l.label.clone(),
                    levers: l.levers.clone(),
                })
                .collect(),
            outcomes,
            fitted: None,
            targets: vec![],
            for_actor: None,
            levers: LeverInfo::changed(model, settings),
            costs: vec![],
            robustness: vec![],
        }
    }

    /// The `#` line of the comparison's CSV files.
    pub fn provenance(&self) -> String {
        format!(
            "# {}; scenario \"{}\" ({}, sha256 {}); seed {}; {} paired runs per setting; reproduce: {}",
            self.generator,
            self.scenario.name.replace('"', "'"),
            self.scenario.file,
            self.scenario.sha256,
            self.seed,
            self.runs,
            self.reproduce
        )
    }

    /// Writes `comparison.csv`: the rows of [`ComparisonFile::rows`], its provenance placed as
    /// `place` says.
    pub fn write_csv(&self, path: &Path, place: CsvProvenance) -> io::Result<()> {
        csv_file::write_sheet(path, &self.provenance(), place, &self.rows())
    }

    /// The table of `comparison.csv` (and of a workbook's `comparison` sheet): one row per
    /// outcome and setting, outcome by outcome; the setting's label, then each lever's value in
    /// it (one column per lever, named by its id, in the model's order), then the outcome's id,
    /// name and unit, its statistics, its difference from the baseline and its rank.
    pub fn rows(&self) -> Sheet {
        let levers = self.settings.first().map_or(&[][..], |s| &s.levers[..]);
        let mut columns = vec!["setting".to_string()];
        columns.extend(levers.iter().map(|(id, _)| id.clone()));
        columns.extend(
            [
                "outcome",
                "outcome_name",
                "unit",
                "mean",
                "p5",
                "p50",
                "p95",
                "diff_mean",
                "diff_ci_low",
                "diff_ci_high",
                "unpaired_ci_low",
                "unpaired_ci_high",
                "p_better",
                "rank",
            ]
            .map(String::from),
        );
        let mut sheet = Sheet::new("comparison", columns);
        for o in &self.outcomes {
            for (r, setting) in o.results.iter().zip(&self.settings) {
                let d = &r.difference;
                let mut row = vec![Cell::text(r.setting.as_str())];
                row.extend(setting.levers.iter().map(|&(_, v)| Cell::Number(v)));
                row.extend([&o.id, &o.name, &o.unit].map(|t| Cell::text(t.as_str())));
                row.extend(
                    [r.stats.mean, r.stats.p5, r.stats.p50, r.stats.p95, d.mean]
                        .into_iter()
                        .chain(d.ci95)
                        .chain(d.ci95_unpaired)
                        .chain([d.p_better])
                        .map(Cell::Number),
                );
                row.push(Cell::Whole(r.rank as u64));
                sheet.rows.push(row);
            }
        }
        sheet
    }

    /// The best setting for an outcome: rank 1 and better than the baseline by a flagged
    /// change (see [`super::tradeoff::notable`]); the baseline itself, index 0, when none is.
    pub fn best(&self, o: &OutcomeComparison) -> usize {
        o.results
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, r)| r.rank == 1)
            .find(|(_, r)| improves(o, r.difference.mean) && notable(o, &r.difference))
            .map_or(0, |(i, _)| i)
    }

    /// Labels that tell every setting apart in a table: the labels themselves when short
    /// enough, otherwise `S1`, `S2`, ... with a legend (empty when not needed).
    pub fn short_labels(&self) -> (Vec<String>, String) {
        if self
            .settings
            .iter()
            .all(|s| s.label.chars().count() <= LABEL)
        {
            return (
                self.settings.iter().map(|s| s.label.clone()).collect(),
                String::new(),
            );
        }
        let mut legend = String::from("Settings:\n");
        let codes = self
            .settings
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let code = if i == 0 {
                    "baseline".to_string()
                } else {
                    format!("S{i}")
                };
                if i > 0 {
                    legend.push_str(&format!("  {code:<4} {}\n", s.label));
                }
                code
            })
            .collect();
        (codes, legend)
    }

    /// What setting `s` costs when it is best for an outcome: its changes in the `--cost`
    /// outcomes, or else its largest flagged worsening relative to the baseline.
    pub fn cost_of(&self, s: usize, skip: &str) -> String {
        let listed: Vec<String> = self
            .costs
            .iter()
            .filter(|c| c.as_str() != skip)
            .filter_map(|c| self.outcome(c))
            .map(|o| {
                let d = &o.results[s].difference;
                format!("{} {}", o.id, change_cell(d.mean, &o.unit))
            })
            .collect();
        if !self.costs.is_empty() {
            return listed.join(", ");
        }
        self.outcomes
            .iter()
            .filter(|o| o.id != skip)
            .filter(|o| {
                let d = &o.results[s].difference;
                notable(o, d) && !improves(o, d.mean)
            })
            .max_by(|a, b| relative(a, s).total_cmp(&relative(b, s)))
            .map_or("none flagged".into(), |o| {
                let d = &o.results[s].difference;
                format!("{} {}", o.id, change_cell(d.mean, &o.unit))
            })
    }

    /// The terminal report: the question and its answer, the trade-off and the robustness
    /// sweep when asked for, the best setting per outcome, then every setting's change in
    /// every outcome in blocks of columns.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let (labels, legend) = self.short_labels();
        out.push_str(&legend);
        if !legend.is_empty() {
            out.push('\n');
        }
        if let (Some(q), Some(a)) = (self.question(), self.answer()) {
            out.push_str(&format!("Question: {q}\nAnswer: {a}\n"));
            for c in self.caveats() {
                out.push_str(&format!("Caveat: {c}\n"));
            }
            out.push('\n');
        }
        if let Some(t) = self.tradeoff() {
            out.push_str(&self.tradeoff_table(&t, &labels));
            out.push('\n');
        }
        for s in &self.robustness {
            out.push_str(&sweep_table(s));
            out.push('\n');
        }
        out.push_str(&self.best_table());
        out.push_str(&self.matrix(&labels));
        out
    }

    /// The trade-off as a terminal table.
    fn tradeoff_table(&self, t: &TradeOff, labels: &[String]) -> String {
        let mut header = vec!["option".to_string()];
        for (i, o) in t.outcomes.iter().enumerate() {
            let role = if i < t.targets { "target" } else { "cost" };
            header.push(format!("{} ({role}, {})", o.id, unit_label(&o.unit)));
        }
        header.push(format!("P(better in {})", t.outcomes[0].id));
        let rows: Vec<Vec<String>> = t
            .order
            .iter()
            .map(|&s| {
                let mut row = vec![labels[s].clone()];
                for o in &t.outcomes {
                    let d = &o.results[s].difference;
                    row.push(format!(
                        "{} ({} to {}){}",
                        change_cell(d.mean, &o.unit),
                        change_cell(d.ci95[0], &o.unit),
                        change_cell(d.ci95[1], &o.unit),
                        if notable(o, d) { "*" } else { " " }
                    ));
                }
                row.push(format!(
                    "{:.2}",
                    t.outcomes[0].results[s].difference.p_better
                ));
                row
            })
            .collect();
        let refs: Vec<&str> = header.iter().map(String::as_str).collect();
        format!(
            "Trade-off: each option's change from the baseline (95% CI), best for {} first\n\n{}",
            t.outcomes[0].id,
            columns(&refs, &rows)
        )
    }

    /// The best setting per outcome, with what it costs.
    fn best_table(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .outcomes
            .iter()
            .map(|o| {
                let b = self.best(o);
                if b == 0 {
                    return vec![
                        clip(&o.name, 40),
                        "baseline: no option clearly does better".into(),
                        String::new(),
                        String::new(),
                        String::new(),
                    ];
                }
                let d = &o.results[b].difference;
                vec![
                    clip(&o.name, 40),
                    self.settings[b].label.clone(),
                    format!(
                        "{} ({})",
                        change_phrase(d.mean, &o.unit),
                        change_range(d.ci95[0], d.ci95[1], &o.unit)
                    ),
                    format!("{:.2}", d.p_better),
                    self.cost_of(b, &o.id),
                ]
            })
            .collect();
        let whose = self
            .for_actor
            .as_ref()
            .map_or(String::new(), |a| format!(" among {a}'s options"));
        format!(
            "Best setting per outcome{whose}: change in the mean from the baseline (95% CI), the share of runs it does better in, and what it costs (its changes in the --cost outcomes, or its largest flagged worsening)\n\n{}",
            columns_left(
                &[
                    "outcome",
                    "best setting",
                    "change (95% CI)",
                    "P(better)",
                    "at a cost of"
                ],
                &rows,
                2,
            )
        )
    }

    /// Every setting's change in every outcome, six outcomes to a block.
    fn matrix(&self, labels: &[String]) -> String {
        let mut out = format!(
            "\nChange in each outcome's mean from the baseline, in the outcome's unit (pt: percentage points). * : the paired 95% interval excludes 0 and the change is at least {}% of the baseline mean ({} points for percentages)\n",
            100.0 * DISPLAY_SHARE,
            DISPLAY_POINTS
        );
        for block in self.outcomes.chunks(6) {
            let mut header = vec!["setting".to_string()];
            header.extend(
                block
                    .iter()
                    .map(|o| format!("{} ({})", clip(&o.id, 18), unit_label(&o.unit))),
            );
            let rows: Vec<Vec<String>> = labels
                .iter()
                .enumerate()
                .skip(1)
                .map(|(s, l)| {
                    let mut row = vec![l.clone()];
                    row.extend(block.iter().map(|o| cell(o, s)));
                    row
                })
                .collect();
            let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
            out.push('\n');
            out.push_str(&columns(&header_refs, &rows));
        }
        out
    }
}

/// Longest label a table shows as it is.
const LABEL: usize = 32;

/// A unit as a column header shows it.
fn unit_label(unit: &str) -> &str {
    if in_points(unit) { "pt" } else { unit }
}

/// Setting `s`'s change in `o` relative to the baseline's mean (absolute when the mean is 0).
fn relative(o: &OutcomeComparison, s: usize) -> f64 {
    let base = o.results[0].stats.mean.abs();
    let d = o.results[s].difference.mean.abs();
    if base > 0.0 { d / base } else { d }
}

/// A swept uncertainty as a terminal table: each value, each option's change in the target,
/// the best option; then the flips.
fn sweep_table(s: &super::across::Sweep) -> String {
    let mut header = vec![format!("{} ({})", s.uncertainty, s.unit)];
    header.extend(s.options.iter().map(|o| clip(o, LABEL)));
    header.push("best".into());
    let rows: Vec<Vec<String>> = s
        .points
        .iter()
        .map(|p| {
            let mut row = vec![sig3(p.value)];
            row.extend(p.changes.iter().map(|d| compact(d.mean)));
            row.push(clip(s.best(p), LABEL));
            row
        })
        .collect();
    let refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut out = format!(
        "Across {}: each option's change in {} from the baseline at each value (common random numbers)\n\n{}",
        s.uncertainty,
        s.outcome,
        columns(&refs, &rows)
    );
    if s.flips.is_empty() {
        out.push_str("The best option does not change across these values.\n");
    }
    for f in &s.flips {
        out.push_str(&format!(
            "Flip: {} does better below {} = {}, {} above (bracket {} to {}, bisection to ±{})\n",
            f.below,
            s.uncertainty,
            sig3(f.threshold),
            f.above,
            sig3(f.bracket[0]),
            sig3(f.bracket[1]),
            sig3(0.5 * s.tolerance)
        ));
    }
    out
}

/// Ranks by mean in the better direction: 1 is best, equal means share a rank.
fn ranks(stats: &[Stats], better: Better) -> Vec<usize> {
    stats
        .iter()
        .map(|s| {
            1 + stats
                .iter()
                .filter(|o| match better {
                    Better::Higher => o.mean > s.mean,
                    Better::Lower => o.mean < s.mean,
                })
                .count()
        })
        .collect()
}

pub fn excludes_zero(d: &Difference) -> bool {
    d.ci95[0] > 0.0 || d.ci95[1] < 0.0
}

/// A matrix cell: the change in the outcome's unit, starred when flagged.
fn cell(o: &OutcomeComparison, s: usize) -> String {
    let d = &o.results[s].difference;
    let star = if notable(o, d) { "*" } else { " " };
    format!("{}{star}", change_cell(d.mean, &o.unit))
}
