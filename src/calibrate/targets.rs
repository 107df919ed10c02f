//! Targets: what has been observed, to fit a scenario to.
//!
//! A targets file (RON, beside the scenario) lists observed values of the scenario's outcomes,
//! each with its uncertainty and its public source, and may name the uncertainties to calibrate
//! (default: every named uncertainty drawn from one distribution). See
//! `docs/scenario-format.md` for the format. Every problem in a file is reported together, with
//! the field's path, as for scenarios.

use crate::model::Model;
use crate::scenario::error::{self, Location, Problem, ScenarioError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A targets file as written: `Targets(calibrate: [...], targets: [...])`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "Targets", deny_unknown_fields)]
pub struct TargetsFile {
    /// The scenario file these targets are for (documentation; checked only to exist as text).
    #[serde(default)]
    pub scenario: Option<String>,
    /// Uncertainties to calibrate, by id. Default: every named uncertainty.
    #[serde(default)]
    pub calibrate: Vec<String>,
    pub targets: Vec<TargetEntry>,
}

/// `Target(id:, name:, outcome:, observed:, sd:, source:, note:)`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "Target", deny_unknown_fields)]
pub struct TargetEntry {
    pub id: String,
    pub name: String,
    /// The outcome observed, by id: its value at the end of a run.
    pub outcome: String,
    /// The observed value, or a range holding it with 90% confidence.
    pub observed: Observed,
    /// One standard deviation of the observation's uncertainty, with a point value.
    #[serde(default)]
    pub sd: Option<f64>,
    pub source: Source,
    /// What the figure is and how it was turned into the outcome's unit.
    #[serde(default)]
    pub note: String,
}

/// An observed value: a point (with `sd`), or `Between(min:, max:)`, a 90% range.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Observed {
    Value(f64),
    Range(RangeOf),
}

/// `Between(min:, max:)`: a range holding the true value with 90% confidence.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RangeOf {
    Between { min: f64, max: f64 },
}

/// Where a figure comes from.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub publisher: String,
    pub title: String,
    /// When it was published (`2024-03-27`, or a month or year where that is all there is).
    pub date: String,
    #[serde(default)]
    pub url: Option<String>,
}

/// One checked target.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    pub id: String,
    pub name: String,
    /// Outcome index and id.
    #[serde(skip)]
    pub outcome: usize,
    #[serde(rename = "outcome")]
    pub outcome_id: String,
    pub unit: String,
    /// The observed value and one standard deviation of its uncertainty (for a range: its
    /// midpoint, and its width over 3.29, the width of a normal's 90% interval in sds).
    pub observed: f64,
    pub sd: f64,
    pub source: Source,
    pub note: String,
}

/// One uncertainty being calibrated: a named uncertainty drawn from one distribution.
#[derive(Clone, Debug, Serialize)]
pub struct Calibrated {
    pub id: String,
    pub name: String,
    pub unit: String,
    /// Which of the run's uniforms feeds it.
    #[serde(skip)]
    pub draw: usize,
    /// Its prior, as written.
    pub prior: String,
}

/// A checked targets file.
#[derive(Clone, Debug)]
pub struct Targets {
    pub targets: Vec<Target>,
    pub calibrated: Vec<Calibrated>,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
}

/// Reads and checks the targets file at `path` against `model`.
pub fn load(path: &Path, model: &Model) -> Result<Targets, ScenarioError> {
    let bytes = crate::scenario::read_bounded(path)
        .map_err(|why| ScenarioError::single(path, Location::File, why.to_string()))?;
    let sha256 = crate::scenario::sha256_hex(&bytes);
    let text = String::from_utf8(bytes).map_err(|_| {
        ScenarioError::single(
            path,
            Location::File,
            "the file is not valid UTF-8 text; save it as UTF-8",
        )
    })?;
    let options = ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .with_recursion_limit(64);
    let file: TargetsFile = options.from_str(&text).map_err(|e| {
        ScenarioError::single(
            path,
            Location::Text {
                line: e.span.start.line,
                column: e.span.start.col,
            },
            e.code.to_string(),
        )
    })?;
    check(path, &file, model, sha256)
}

/// Checks a parsed targets file against `model`; every problem is reported together.
pub fn check(
    path: &Path,
    file: &TargetsFile,
    model: &Model,
    sha256: String,
) -> Result<Targets, ScenarioError> {
    let mut problems = Vec::new();
    let calibrated = calibrated(file, model, &mut problems);
    let outcome_ids: Vec<&str> = model.outcomes.iter().map(|o| o.id.as_str()).collect();
    let mut targets = Vec::new();
    if file.targets.is_empty() {
        problems.push(Problem::field("targets", "no targets: list at least one"));
    }
    for (i, t) in file.targets.iter().enumerate() {
        let at = format!(
            "targets[{}]",
            if t.id.is_empty() {
                i.to_string()
            } else {
                t.id.clone()
            }
        );
        if file.targets[..i].iter().any(|o| o.id == t.id) {
            problems.push(Problem::field(&at, "this id is used by an earlier target"));
        }
        let Some(o) = outcome_ids.iter().position(|id| *id == t.outcome) else {
            problems.push(Problem::field(
                format!("{at}.outcome"),
                error::unknown("outcome", &t.outcome, &outcome_ids),
            ));
            continue;
        };
        let Some((observed, sd)) = observed(t, &at, &mut problems) else {
            continue;
        };
        source_problems(&t.source, &at, &mut problems);
        targets.push(Target {
            id: t.id.clone(),
            name: t.name.clone(),
            outcome: o,
            outcome_id: t.outcome.clone(),
            unit: model.outcomes[o].unit.clone(),
            observed,
            sd,
            source: t.source.clone(),
            note: t.note.clone(),
        });
    }
    if problems.is_empty() {
        Ok(Targets {
            targets,
            calibrated,
            sha256,
        })
    } else {
        Err(ScenarioError {
            file: path.to_path_buf(),
            problems,
        })
    }
}

/// The uncertainties to calibrate: those named, or every named uncertainty fed by one draw.
fn calibrated(file: &TargetsFile, model: &Model, problems: &mut Vec<Problem>) -> Vec<Calibrated> {
    let ids: Vec<&str> = model.uncertainties.iter().map(|u| u.id.as_str()).collect();
    let wanted: Vec<String> = if file.calibrate.is_empty() {
        ids.iter().map(|s| s.to_string()).collect()
    } else {
        file.calibrate.clone()
    };
    let mut out: Vec<Calibrated> = Vec::new();
    for (i, id) in wanted.iter().enumerate() {
        let at = format!("calibrate[{i}]");
        let Some(u) = model.uncertainties.iter().find(|u| &u.id == id) else {
            problems.push(Problem::field(at, error::unknown("uncertainty", id, &ids)));
            continue;
        };
        let draws: Vec<usize> = (0..model.draw_names.len())
            .filter(|&d| model.draw_names[d] == *id)
            .collect();
        match draws.as_slice() {
            [d] if !out.iter().any(|c| c.draw == *d) => out.push(Calibrated {
                id: u.id.clone(),
                name: u.name.clone(),
                unit: u.unit.clone(),
                draw: *d,
                prior: u.describe.clone(),
            }),
            [_] => problems.push(Problem::field(at, "this uncertainty is listed twice")),
            _ if file.calibrate.is_empty() => {}
            _ => problems.push(Problem::field(
                at,
                format!(
                    "{} cannot be calibrated: its value is not one draw from one distribution",
                    error::quoted(id)
                ),
            )),
        }
    }
    if out.is_empty() {
        problems.push(Problem::field(
            "calibrate",
            "nothing to calibrate: the scenario has no uncertainty drawn from one distribution",
        ));
    }
    out
}

/// The observed value and its standard deviation, or `None` with the problem recorded.
fn observed(t: &TargetEntry, at: &str, problems: &mut Vec<Problem>) -> Option<(f64, f64)> {
    let finite = |v: f64| v.is_finite() && v.abs() <= crate::model::params::LIMIT;
    match (&t.observed, t.sd) {
        (Observed::Value(v), Some(sd)) if finite(*v) && finite(sd) && sd > 0.0 => Some((*v, sd)),
        (Observed::Value(_), None) => {
            problems.push(Problem::field(
                format!("{at}.sd"),
                "a point value needs its uncertainty: give sd (one standard deviation), or write observed: Between(min:, max:)",
            ));
            None
        }
        (Observed::Value(_), Some(_)) => {
            problems.push(Problem::field(
                at,
                "observed and sd must be finite numbers, sd more than zero",
            ));
            None
        }
        (Observed::Range(RangeOf::Between { min, max }), None)
            if finite(*min) && finite(*max) && max > min =>
        {
            Some((0.5 * (min + max), (max - min) / 3.29))
        }
        (Observed::Range(_), Some(_)) => {
            problems.push(Problem::field(
                format!("{at}.sd"),
                "give either Between(min:, max:) or a value with sd, not both",
            ));
            None
        }
        (Observed::Range(_), None) => {
            problems.push(Problem::field(
                format!("{at}.observed"),
                "Between(min:, max:) needs finite numbers with max above min",
            ));
            None
        }
    }
}

/// Every target needs a source a reader can find.
fn source_problems(s: &Source, at: &str, problems: &mut Vec<Problem>) {
    for (field, v) in [
        ("publisher", &s.publisher),
        ("title", &s.title),
        ("date", &s.date),
    ] {
        if v.trim().is_empty() {
            problems.push(Problem::field(
                format!("{at}.source.{field}"),
                "every target names its source: publisher, title and date",
            ));
        }
    }
}
