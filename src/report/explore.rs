//! Results of `stratex explore`: files and terminal tables (the briefing is `brief::explore`).

use super::VERSION;
use super::csv_file::{CsvProvenance, CsvWriter};
use super::summary::ScenarioInfo;
use super::table::{clip, columns};
use crate::model::Model;
use crate::number::{exact_count, phrase, sig3};
use crate::sensitivity::explore::{Condition, Exploration, Plan};
use serde::Serialize;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// Inputs shown in tables and charts.
pub const TOP: usize = 12;

/// Everything needed to describe an exploration.
pub struct Report<'a> {
    pub model: &'a Model,
    pub scenario: ScenarioInfo,
    pub plan: &'a Plan,
    pub levers: Vec<(String, f64)>,
    pub reproduce: String,
    pub found: &'a Exploration,
    /// Outcomes to print and chart.
    pub focus: Vec<usize>,
    /// The posterior whose marginals the calibrated inputs spanned, if any.
    pub fitted: Option<super::Fitted>,
}

/// Contents of `explore.json`.
#[derive(Serialize)]
struct ExploreFile<'a> {
    generator: String,
    scenario: &'a ScenarioInfo,
    seed: u64,
    design: &'static str,
    samples: usize,
    tornado_runs: u64,
    runs: u64,
    levers: &'a [(String, f64)],
    inputs: &'a [String],
    reproduce: &'a str,
    method: &'static str,
    files: [&'static str; 3],
    #[serde(skip_serializing_if = "Option::is_none")]
    fitted: Option<&'a super::Fitted>,
}

pub const METHOD: &str = "tornado: each input at its 10th and 90th percentile with the others at their \
medians, each point the mean of tornado_runs runs sharing event and shipping streams; sobol: \
Saltelli's scheme on `samples` base rows (samples x (inputs + 2) runs), first order by Saltelli \
2010, total order by Jansen, 95% intervals by bootstrap over rows; prim: peeling with alpha 0.05 \
down to 5% support on the 2 x samples independent rows, chosen box the densest with coverage of \
at least 50%";

#[derive(Serialize)]
struct PrimFile {
    condition: String,
    samples: usize,
    base_rate: f64,
    chosen: usize,
    trajectory: Vec<PrimStep>,
    restricted: Vec<Range>,
}

#[derive(Serialize)]
struct PrimStep {
    coverage: f64,
    density: f64,
    support: f64,
}

#[derive(Serialize)]
struct Range {
    input: String,
    low: f64,
    high: f64,
    sampled_low: f64,
    sampled_high: f64,
}

impl Report<'_> {
    /// A readable name for input `i`: the uncertainty's name and id, or the number's path.
    pub fn input_label(&self, i: usize) -> String {
        let id = &self.found.inputs[i];
        match self.model.uncertainties.iter().find(|u| &u.id == id) {
            Some(u) => format!("{} ({id})", u.name),
            None => id.clone(),
        }
    }

    /// The input's display name alone.
    pub fn input_name(&self, i: usize) -> String {
        let id = &self.found.inputs[i];
        self.model
            .uncertainties
            .iter()
            .find(|u| &u.id == id)
            .map_or_else(|| id.clone(), |u| u.name.clone())
    }

    /// A condition in words: "Shells delivered to Russia > 3.5 million rounds".
    pub fn condition_words(&self, c: &Condition) -> String {
        let o = &self.model.outcomes[c.outcome];
        format!("{} {} {}", o.name, c.op.symbol(), phrase(c.value, &o.unit))
    }

    /// Writes `tornado.csv`: per outcome and input, the outcome at the input's 10th and 90th
    /// percentiles.
    fn write_tornado(&self, path: &Path, provenance: &str, place: CsvProvenance) -> io::Result<()> {
        let f = self.found;
        let columns = [
            "outcome",
            "input",
            "input_at_p10",
            "input_at_p90",
            "outcome_at_p10",
            "outcome_at_p90",
            "centre",
            "swing",
        ];
        let mut out = CsvWriter::create(path, provenance, place, columns)?;
        for (o, bars) in f.tornado.iter().enumerate() {
            for b in bars {
                out.text(&self.model.outcomes[o].id)?;
                out.text(&f.inputs[b.input])?;
                out.maybe_number(b.input_low)?;
                out.maybe_number(b.input_high)?;
                for v in [b.low, b.high, f.centre[o], (b.high - b.low).abs()] {
                    out.number(v)?;
                }
                out.end_row()?;
            }
        }
        out.finish()
    }

    /// Writes `sobol.csv`: per outcome and input, first and total order indices with their
    /// intervals.
    fn write_sobol(&self, path: &Path, provenance: &str, place: CsvProvenance) -> io::Result<()> {
        let f = self.found;
        let columns = [
            "outcome",
            "input",
            "first",
            "first_low",
            "first_high",
            "total",
            "total_low",
            "total_high",
        ];
        let mut out = CsvWriter::create(path, provenance, place, columns)?;
        for (o, idx) in f.sobol.iter().enumerate() {
            for (i, x) in idx.iter().enumerate() {
                out.text(&self.model.outcomes[o].id)?;
                out.text(&f.inputs[i])?;
                let [first_low, first_high] = x.first_ci;
                let [total_low, total_high] = x.total_ci;
                for v in [
                    x.first, first_low, first_high, x.total, total_low, total_high,
                ] {
                    out.number(v)?;
                }
                out.end_row()?;
            }
        }
        out.finish()
    }

    /// Writes `explore.json`, `tornado.csv`, `sobol.csv` and, with a condition, `prim.json`;
    /// the CSVs' provenance placed as `place` says.
    pub fn write_files(&self, dir: &Path, place: CsvProvenance) -> io::Result<()> {
        let f = self.found;
        let meta = ExploreFile {
            generator: format!("stratex {VERSION}"),
            scenario: &self.scenario,
            seed: self.plan.seed,
            design: self.plan.kind.name(),
            samples: self.plan.samples,
            tornado_runs: self.plan.tornado_runs,
            runs: f.runs,
            levers: &self.levers,
            inputs: &f.inputs,
            reproduce: &self.reproduce,
            method: METHOD,
            files: ["tornado.csv", "sobol.csv", "prim.json"],
            fitted: self.fitted.as_ref(),
        };
        super::write_json(&dir.join("explore.json"), &meta)?;
        let header = format!(
            "# stratex {VERSION}; scenario \"{}\" (sha256 {}); reproduce: {}",
            self.scenario.name.replace('"', "'"),
            self.scenario.sha256,
            self.reproduce
        );

        self.write_tornado(&dir.join("tornado.csv"), &header, place)?;
        self.write_sobol(&dir.join("sobol.csv"), &header, place)?;
        if let (Some(p), Some(c)) = (&f.prim, &self.plan.condition) {
            super::write_json(&dir.join("prim.json"), &self.prim_file(c, p))?;
        }
        Ok(())
    }

    /// The contents of `prim.json`.
    fn prim_file(&self, c: &Condition, p: &crate::sensitivity::prim::Prim) -> PrimFile {
        PrimFile {
            condition: c.describe(self.model),
            samples: 2 * self.plan.samples,
            base_rate: p.base_rate,
            chosen: p.chosen,
            trajectory: p
                .trajectory
                .iter()
                .map(|s| PrimStep {
                    coverage: s.coverage,
                    density: s.density,
                    support: s.support,
                })
                .collect(),
            restricted: p
                .restricted()
                .into_iter()
                .map(|(k, lo, hi)| Range {
                    input: self.found.inputs[k].clone(),
                    low: lo,
                    high: hi,
                    sampled_low: p.full[k].0,
                    sampled_high: p.full[k].1,
                })
                .collect(),
        }
    }

    pub fn sorted_sobol(&self, o: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.found.inputs.len()).collect();
        let idx = &self.found.sobol[o];
        order.sort_by(|&a, &b| idx[b].total.total_cmp(&idx[a].total).then(a.cmp(&b)));
        order
    }

    /// The terminal report for the focus outcomes.
    pub fn table(&self) -> String {
        let f = self.found;
        let mut out = String::new();
        for &o in &self.focus {
            let oc = &self.model.outcomes[o];
            let _ = writeln!(
                out,
                "Tornado: {} (mean {} with every input at its median; each input moved to its 10th and 90th percentile)\n",
                oc.name,
                phrase(f.centre[o], &oc.unit)
            );
            let rows: Vec<Vec<String>> = f.tornado[o]
                .iter()
                .take(TOP)
                .map(|b| {
                    let v = |x: Option<f64>| x.map(sig3).unwrap_or_else(|| "-".into());
                    vec![
                        clip(&self.input_label(b.input), 56),
                        format!("{} -> {}", v(b.input_low), sig3(b.low)),
                        format!("{} -> {}", v(b.input_high), sig3(b.high)),
                        sig3((b.high - b.low).abs()),
                    ]
                })
                .collect();
            out.push_str(&columns(
                &["input", "at p10 -> outcome", "at p90 -> outcome", "swing"],
                &rows,
            ));
            let _ = writeln!(
                out,
                "\nSobol indices: {} (share of variance; 95% bootstrap interval)\n",
                oc.name
            );
            let idx = &f.sobol[o];
            let rows: Vec<Vec<String>> = self
                .sorted_sobol(o)
                .into_iter()
                .take(TOP)
                .map(|i| {
                    let x = &idx[i];
                    vec![
                        clip(&self.input_label(i), 56),
                        format!(
                            "{:.3} ({:.3} to {:.3})",
                            x.first, x.first_ci[0], x.first_ci[1]
                        ),
                        format!(
                            "{:.3} ({:.3} to {:.3})",
                            x.total, x.total_ci[0], x.total_ci[1]
                        ),
                    ]
                })
                .collect();
            out.push_str(&columns(&["input", "first order", "total order"], &rows));
            let sum: f64 = idx.iter().map(|x| x.first).sum();
            let _ = writeln!(
                out,
                "first-order indices add up to {sum:.2}; the rest is interactions and the run's own chance events\n"
            );
        }
        if let (Some(c), Some(p)) = (&self.plan.condition, &f.prim) {
            out.push_str(&self.prim_text(c, p));
        } else if let Some(c) = &self.plan.condition {
            let _ = writeln!(
                out,
                "Scenario discovery: {} never holds in the sampled runs",
                c.describe(self.model)
            );
        }
        out
    }

    pub fn prim_text(&self, c: &Condition, p: &crate::sensitivity::prim::Prim) -> String {
        let b = p.chosen_step();
        let mut out = format!(
            "Scenario discovery (PRIM): where {} (holds in {:.0}% of {} sampled runs)\n\nChosen box: {:.0}% of the cases inside it meet the condition (density) and it holds {:.0}% of all cases that do (coverage); {:.0}% of runs fall in it\n\n",
            c.describe(self.model),
            100.0 * p.base_rate,
            exact_count(2 * self.plan.samples as u64),
            100.0 * b.density,
            100.0 * b.coverage,
            100.0 * b.support
        );
        let rows: Vec<Vec<String>> = p
            .restricted()
            .into_iter()
            .map(|(k, lo, hi)| {
                let (flo, fhi) = p.full[k];
                let range = if lo > flo && hi < fhi {
                    format!("{} to {}", sig3(lo), sig3(hi))
                } else if lo > flo {
                    format!("at least {}", sig3(lo))
                } else {
                    format!("at most {}", sig3(hi))
                };
                vec![
                    clip(&self.input_label(k), 56),
                    range,
                    format!("{} to {}", sig3(flo), sig3(fhi)),
                ]
            })
            .collect();
        out.push_str(&columns(
            &["input", "inside the box", "sampled range"],
            &rows,
        ));
        out
    }
}
