//! `search.json`, `pareto.csv` and `convergence.csv`: what a search found, the robustness of
//! every policy in its Pareto set, how the search converged and how to reproduce it.

use super::sheet::{Cell, Sheet};
use super::summary::ScenarioInfo;
use super::{CsvProvenance, Fitted, csv_file};
use crate::model::Better;
use crate::search::robustness::Robustness;
use serde::{Deserialize, Serialize};
use std::io;
use std::path::Path;

/// Everything a finished search reports (`search.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SearchFile {
    pub generator: String,
    pub scenario: ScenarioInfo,
    /// The decision maker (actor id and name) and its question.
    pub actor: String,
    pub actor_name: String,
    pub question: String,
    pub settings: SearchSettings,
    pub levers: Vec<SearchLever>,
    pub objectives: Vec<SearchObjective>,
    pub constraints: Vec<SearchConstraint>,
    /// Today's policy (every lever at its baseline), for reference.
    pub baseline: Policy,
    /// The Pareto set: every policy no other found beats on all objectives, in a fixed order
    /// (by the first objective's score, best first).
    pub pareto: Vec<Policy>,
    /// Hypervolume per island and generation.
    pub convergence: Vec<ConvergencePoint>,
    /// The few policies worth considering and why (see `brief::search`).
    pub highlights: Vec<Highlight>,
    /// Per highlighted policy and objective with a threshold: the futures in which it fails.
    pub vulnerabilities: Vec<Vulnerability>,
    /// Feasible policies found (meeting every constraint); 0 means the Pareto set holds the
    /// least-infeasible ones.
    pub feasible: bool,
    pub reproduce: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitted: Option<Fitted>,
}

/// The algorithm's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchSettings {
    pub algorithm: String,
    pub seed: u64,
    /// Futures every policy is run on (the ensemble).
    pub runs: u64,
    pub population: usize,
    pub generations: u64,
    pub islands: u64,
    /// Each objective's epsilon, as a share of its spread in the first generation.
    pub epsilon: f64,
    /// The epsilons in each objective's unit.
    pub epsilons: Vec<f64>,
    /// The bad tail for the worst-case statistics (0.05: the worst 5%).
    pub tail: f64,
    /// What the search optimises per objective: "mean" or "worst".
    pub score: String,
    /// Policies evaluated (distinct) and runs simulated.
    pub evaluations: u64,
}

/// A searched lever.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchLever {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub description: String,
    pub baseline: f64,
    /// "continuous", "integer" or "listed".
    pub kind: String,
    pub min: f64,
    pub max: f64,
    /// The listed values of a listed lever.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<f64>,
}

/// An objective.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchObjective {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub better: Better,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meets: Option<f64>,
}

/// A constraint on an outcome's mean.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchConstraint {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub at_least: bool,
    pub bound: f64,
}

/// A policy: its lever values, and its robustness on every objective and constrained outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// "P1", "P2", ... in the Pareto set's order; "baseline" for today's policy.
    pub label: String,
    /// One value per searched lever, in [`SearchFile::levers`] order.
    pub levers: Vec<f64>,
    /// One per objective.
    pub robustness: Vec<Robustness>,
    /// Mean of each constrained outcome, and whether every constraint holds.
    pub constrained: Vec<f64>,
    pub feasible: bool,
}

/// The hypervolume of an island's archive after a generation, in objectives scaled by the
/// first generation's range (0: the first generation's worst corner; see docs/search.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConvergencePoint {
    pub island: u64,
    pub generation: u64,
    /// Policies evaluated by the island up to and including this generation.
    pub evaluations: u64,
    pub hypervolume: f64,
}

/// A policy worth considering, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Highlight {
    /// Index into [`SearchFile::pareto`].
    pub policy: usize,
    /// The objectives on which it is the most robust of the Pareto set (indices), empty for the
    /// compromise.
    pub most_robust_on: Vec<usize>,
    /// What it is: "most robust on ..." or "best compromise".
    pub role: String,
}

/// The futures in which a highlighted policy fails an objective's threshold, described by
/// scenario discovery (PRIM) on the uncertainties.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    pub policy: usize,
    pub objective: usize,
    /// What failing means: "misses 2 million rounds".
    pub condition: String,
    /// Share of futures in which it fails.
    pub fails: f64,
    /// The box: uncertainties restricted, with the range inside it.
    pub conditions: Vec<BoxLimit>,
    /// Share of the failing futures inside the box, and share of the box's futures failing.
    pub coverage: f64,
    pub density: f64,
}

/// One uncertainty's range in a PRIM box.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoxLimit {
    pub id: String,
    pub name: String,
    pub low: f64,
    pub high: f64,
    /// The range the ensemble drew.
    pub full_low: f64,
    pub full_high: f64,
}

impl SearchFile {
    /// `pareto.csv`: the Pareto set in order, then the baseline; per policy its lever values,
    /// then per objective its mean, worst, satisficing share, mean regret and worst regret,
    /// then the constrained outcomes' means and whether it is feasible.
    pub fn pareto_sheet(&self) -> Sheet {
        let mut columns = vec!["policy".to_string(), "in_pareto_set".to_string()];
        columns.extend(self.levers.iter().map(|l| l.id.clone()));
        for o in &self.objectives {
            for m in [
                "mean",
                "worst",
                "satisficing",
                "regret_mean",
                "regret_worst",
            ] {
                columns.push(format!("{}_{m}", o.id));
            }
        }
        columns.extend(self.constraints.iter().map(|c| format!("{}_mean", c.id)));
        columns.push("feasible".to_string());
        let mut sheet = Sheet::new("pareto", columns);
        let yes = |b: bool| Cell::text(if b { "yes" } else { "no" });
        let in_set = self.pareto.iter().map(|p| (p, true));
        for (p, member) in in_set.chain(std::iter::once((&self.baseline, false))) {
            let mut r = vec![Cell::text(&p.label), yes(member)];
            r.extend(p.levers.iter().map(|v| Cell::Number(*v)));
            for rb in &p.robustness {
                r.push(Cell::Number(rb.mean));
                r.push(Cell::Number(rb.worst));
                r.push(rb.satisficing.map_or(Cell::Empty, Cell::Number));
                r.push(Cell::Number(rb.regret_mean));
                r.push(Cell::Number(rb.regret_worst));
            }
            r.extend(p.constrained.iter().map(|v| Cell::Number(*v)));
            r.push(yes(p.feasible));
            sheet.rows.push(r);
        }
        sheet
    }

    /// `convergence.csv`: the hypervolume per island and generation.
    pub fn convergence_sheet(&self) -> Sheet {
        let mut sheet = Sheet::new(
            "convergence",
            ["island", "generation", "evaluations", "hypervolume"],
        );
        for c in &self.convergence {
            sheet.rows.push(vec![
                Cell::Whole(c.island),
                Cell::Whole(c.generation),
                Cell::Whole(c.evaluations),
                Cell::Number(c.hypervolume),
            ]);
        }
        sheet
    }

    /// The `#` line of the search's CSVs.
    pub fn provenance(&self) -> String {
        format!(
            "{}; scenario \"{}\" ({}, sha256 {}); seed {}; {} futures per policy; reproduce: {}",
            self.generator,
            self.scenario.name,
            self.scenario.file,
            self.scenario.sha256,
            self.settings.seed,
            self.settings.runs,
            self.reproduce
        )
    }
}

/// Writes `search.json`, `pareto.csv` and `convergence.csv` into `dir`.
pub fn write(dir: &Path, file: &SearchFile, place: CsvProvenance) -> io::Result<()> {
    super::write_json(&dir.join("search.json"), file)?;
    let line = file.provenance();
    csv_file::write_sheet(&dir.join("pareto.csv"), &line, place, &file.pareto_sheet())?;
    csv_file::write_sheet(
        &dir.join("convergence.csv"),
        &line,
        place,
        &file.convergence_sheet(),
    )
}
