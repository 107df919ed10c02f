//! Results of `stratex compare`: files and terminal tables (the briefing is
//! `brief::compare`).

use super::csv_file::{self, CsvProvenance};
use super::sheet::{Cell, Sheet};
use super::summary::ScenarioInfo;
use super::table::{clip, columns, columns_left};
use super::{Fitted, VERSION};
use crate::model::Better;
use crate::model::Model;
use crate::model::grid::Labeled;
use crate::montecarlo::compare::{Comparison, Difference};
use crate::number::{sig3, signed_phrase, signed_range};
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
        }
    }

    /// Writes `comparison.csv`: the rows of [`ComparisonFile::rows`], its provenance placed as
    /// `place` says.
    pub fn write_csv(&self, path: &Path, place: CsvProvenance) -> io::Result<()> {
        let provenance = format!(
            "# {}; scenario \"{}\" ({}, sha256 {}); seed {}; {} paired runs per setting; reproduce: {}",
            self.generator,
            self.scenario.name.replace('"', "'"),
            self.scenario.file,
            self.scenario.sha256,
            self.seed,
            self.runs,
            self.reproduce
        );
        csv_file::write_sheet(path, &provenance, place, &self.rows())
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

    /// The best setting for an outcome: rank 1 and strictly better than the baseline's mean
    /// (the baseline itself, index 0, when no setting beats it).
    pub fn best(&self, o: &OutcomeComparison) -> usize {
        let base = o.results[0].stats.mean;
        o.results
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, r)| r.rank == 1)
            .find(|(_, r)| match o.better {
                Better::Higher => r.stats.mean > base,
                Better::Lower => r.stats.mean < base,
            })
            .map_or(0, |(i, _)| i)
    }

    /// The terminal report: best setting per outcome, then every setting's change in every
    /// outcome in blocks of columns.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let rows: Vec<Vec<String>> = self
            .outcomes
            .iter()
            .map(|o| {
                let b = self.best(o);
                let r = &o.results[b];
                if b == 0 {
                    return vec![
                        clip(&o.name, 40),
                        "baseline: no setting does better".into(),
                        String::new(),
                        String::new(),
                    ];
                }
                let d = &r.difference;
                vec![
                    clip(&o.name, 40),
                    clip(&r.setting, 36),
                    format!(
                        "{} ({})",
                        signed_phrase(d.mean, &o.unit),
                        signed_range(d.ci95[0], d.ci95[1], &o.unit)
                    ),
                    format!("{:.2}", d.p_better),
                ]
            })
            .collect();
        out.push_str("Best setting per outcome: change in the mean from the baseline (95% CI), and the share of runs it does better in\n\n");
        out.push_str(&columns_left(
            &["outcome", "best setting", "change (95% CI)", "P(better)"],
            &rows,
            2,
        ));

        out.push_str("\nChange in each outcome's mean from the baseline, in % of the baseline mean (* : the paired 95% interval excludes 0; Δ : absolute change where the baseline mean is 0)\n");
        let labels: Vec<String> = self.settings.iter().map(|s| clip(&s.label, 30)).collect();
        for block in self.outcomes.chunks(7) {
            let mut header = vec!["setting".to_string()];
            header.extend(block.iter().map(|o| clip(&o.id, 14)));
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

/// A matrix cell: relative change of the mean, or the absolute change if the baseline is 0.
fn cell(o: &OutcomeComparison, s: usize) -> String {
    let d = &o.results[s].difference;
    let base = o.results[0].stats.mean;
    let star = if excludes_zero(d) { "*" } else { " " };
    if base != 0.0 {
        format!("{:+.1}%{star}", 100.0 * d.mean / base.abs())
    } else if d.mean == 0.0 {
        "0 ".into()
    } else {
        format!("Δ{}{star}", sig3(d.mean))
    }
}
