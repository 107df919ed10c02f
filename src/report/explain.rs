//! Results of `stratex explain`: an option's effect on each outcome split by the model's
//! pathways (seizure, diversion, valuation, trust), with the interaction, adding up exactly.

use super::csv_file::CsvWriter;
use super::summary::ScenarioInfo;
use super::table::columns_left;
use super::{Fitted, VERSION};
use crate::model::Pathways;
use crate::number::{change_cell, change_phrase};
use serde::Serialize;
use std::io;
use std::path::Path;

/// How the decomposition is computed, recorded with it.
pub const METHOD: &str = "common random numbers: the option and the baseline are run on the same \
random streams six times: with every pathway in force, with none, and with each one switched off \
in turn. Effect = mean(option) − mean(baseline) under a configuration. direct = the effect with \
every pathway off; pathway p = the effect with all on minus the effect with p off; interaction = \
total − direct − the sum of the pathways. Every figure is a difference of exact sums of the \
runs' final values, so the parts add to the total exactly before each is rounded once";

/// What each pathway is, for readers.
pub const PATHWAYS: [(&str, &str); 4] = [
    (
        "seizure",
        "shipments seen on a channel lose its seizure share (off: nothing is seized)",
    ),
    (
        "diversion",
        "a flow fills its lanes cheapest expected loss first, so interdiction moves cargo between channels (off: lanes ordered by toll and detection only; a flow still stops at a lane expected to lose everything)",
    ),
    (
        "valuation",
        "traders and donors size shipments by the share expected to arrive (off: every lane expected to deliver in full)",
    ),
    (
        "trust",
        "trust reacts to deliveries kept and seized, to exposure and drift, and moves bargains (off: trust stays where it started)",
    ),
];

/// One outcome's effect, split.
#[derive(Clone, Debug, Serialize)]
pub struct Explained {
    pub id: String,
    pub name: String,
    pub unit: String,
    /// The option's effect with every pathway in force.
    pub total: f64,
    /// The effect with every pathway switched off.
    pub direct: f64,
    /// Per pathway, in [`Pathways::NAMES`] order: total minus the effect with it off.
    pub pathways: Vec<f64>,
    /// total − direct − Σ pathways.
    pub interaction: f64,
}

/// Contents of `explain.json`.
#[derive(Clone, Debug, Serialize)]
pub struct ExplainFile {
    pub generator: String,
    pub scenario: ScenarioInfo,
    pub seed: u64,
    pub runs: u64,
    pub reproduce: String,
    pub method: String,
    /// The option explained, as `lever=value ...`, and every lever's value under it.
    pub option: String,
    pub levers: Vec<(String, f64)>,
    pub outcomes: Vec<Explained>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fitted: Option<Fitted>,
}

impl ExplainFile {
    /// A new file.
    pub fn new(scenario: ScenarioInfo, seed: u64, runs: u64, reproduce: String) -> ExplainFile {
        ExplainFile {
            generator: format!("stratex {VERSION}"),
            scenario,
            seed,
            runs,
            reproduce,
            method: METHOD.into(),
            option: String::new(),
            levers: vec![],
            outcomes: vec![],
            fitted: None,
        }
    }

    /// Writes `explain.csv`: one row per outcome and component (total, direct, each pathway,
    /// interaction).
    pub fn write_csv(&self, path: &Path, place: super::CsvProvenance) -> io::Result<()> {
        let provenance = format!(
            "# {}; scenario \"{}\" ({}, sha256 {}); seed {}; {} paired runs per configuration; option {}; reproduce: {}",
            self.generator,
            self.scenario.name.replace('"', "'"),
            self.scenario.file,
            self.scenario.sha256,
            self.seed,
            self.runs,
            self.option,
            self.reproduce
        );
        let columns = ["outcome", "outcome_name", "unit", "component", "effect"];
        let mut out = CsvWriter::create(path, &provenance, place, columns)?;
        for o in &self.outcomes {
            for (component, v) in o.components() {
                out.text(&o.id)?;
                out.text(&o.name)?;
                out.text(&o.unit)?;
                out.text(component)?;
                out.number(v)?;
                out.end_row()?;
            }
        }
        out.finish()
    }

    /// The terminal report for the outcomes `ids` (all when empty).
    pub fn table(&self, ids: &[String]) -> String {
        let mut out = String::new();
        for o in self
            .outcomes
            .iter()
            .filter(|o| ids.is_empty() || ids.contains(&o.id))
        {
            out.push_str(&format!(
                "What {} does to {} ({}), by pathway\n\n",
                self.option, o.name, o.id
            ));
            let rows: Vec<Vec<String>> = o
                .components()
                .into_iter()
                .map(|(c, v)| {
                    let share = match 100.0 * v / o.total {
                        p if !p.is_finite() => String::new(),
                        p if p.abs() < 0.5 => "0%".into(),
                        p => format!("{p:.0}%"),
                    };
                    vec![c.to_string(), change_cell(v, &o.unit), share]
                })
                .collect();
            out.push_str(&columns_left(
                &["component", "effect", "share of total"],
                &rows,
                1,
            ));
            out.push_str(&format!(
                "The parts add up to the total, {}, exactly before rounding.\n\n",
                change_phrase(o.total, &o.unit)
            ));
        }
        out
    }
}

impl Explained {
    /// (component, effect): direct, each pathway, interaction, then total.
    pub fn components(&self) -> Vec<(&'static str, f64)> {
        let mut c = vec![("direct (every pathway off)", self.direct)];
        c.extend(
            Pathways::NAMES
                .iter()
                .copied()
                .zip(self.pathways.iter().copied()),
        );
        c.push(("interaction", self.interaction));
        c.push(("total", self.total));
        c
    }
}
