//! Targets: what has been observed, to fit a scenario to.
//!
//! A targets file (RON, beside the scenario) lists observed values of the scenario's outcomes,
//! each with its uncertainty and its public source, and may name the uncertainties to calibrate
//! (default: every named uncertainty drawn from one distribution). See
//! `docs/scenario-format.md` for the format. Every problem in a file is reported together, with
//! the field's path, as for scenarios.

use crate::model::Model;
use crate::scenario::error::{self, Location, Problem, ScenarioError};
use crate::scenario::format::Measure;
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

/// `Target(id:, name:, outcome:, observed:, sd:, source:, note:)`, or with `measure:` (and
/// `unit:`, `scale:`) in place of `outcome:`; `at:` and `since:` choose the period.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "Target", deny_unknown_fields)]
pub struct TargetEntry {
    pub id: String,
    pub name: String,
    /// The outcome observed, by id.
    #[serde(default)]
    pub outcome: Option<String>,
    /// Or any measure expression of the scenario, in `unit` after multiplying by `scale`.
    #[serde(default)]
    pub measure: Option<Measure>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub scale: Option<f64>,
    /// Read the value at the end of this step (default: the last).
    #[serde(default)]
    pub at: Option<u32>,
    /// Take the change since the start of this step (the value at `at` less the value at the
    /// end of step `since - 1`): a flow over steps `since..=at`.
    #[serde(default)]
    pub since: Option<u32>,
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

/// `Between(min:, max:)`: a range holding the true value with 90% confidence; `AtMost(max:)`:
/// an upper bound only (a source that says "no more than").
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RangeOf {
    Between { min: f64, max: f64 },
    AtMost { max: f64 },
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
    /// midpoint, and its width over 3.29, the width of a normal's 90% interval in sds; for an
    /// upper bound: the bound, and the bound over 3.29).
    pub observed: f64,
    pub sd: f64,
    /// Whether `observed` is only an upper bound: a run at or under it fits exactly.
    pub at_most: bool,
    /// Whether it was given as a point value with `sd` (not a range or a bound).
    pub point: bool,
    /// The values the outcome can take, if the scenario states them.
    pub range: Option<(f64, f64)>,
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

/// Reads and checks the targets file at `path` against the scenario `source` compiled as
/// `model`. Targets on a measure expression or a period become outcomes of an extended model,
/// returned with them; calibrate that one.
pub fn load(
    path: &Path,
    source: &crate::scenario::Source,
    model: &Model,
) -> Result<(Targets, Option<Model>), ScenarioError> {
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
    let (extended, problems) = extend(&file, source, model);
    let targets = check(
        path,
        &file,
        extended.as_ref().unwrap_or(model),
        sha256,
        problems,
    )?;
    Ok((targets, extended))
}

/// What the ids of the extended model's outcomes start with (ids allow letters, digits, `_`
/// and `-`; no scenario is expected to start one with this).
const DERIVED: &str = "__target__";

/// The outcome id a target on a measure or a period gets in the extended model.
fn derived_id(target: &str) -> String {
    format!("{DERIVED}{target}")
}

/// Whether a target needs an outcome of its own: a measure, or a period other than the run.
fn derived(t: &TargetEntry) -> bool {
    t.measure.is_some() || t.at.is_some() || t.since.is_some()
}

/// `model` with an outcome for each target on a measure or a period, compiled from `source`'s
/// scenario: `None` if there are none, or with the problems found in them, each reported at
/// its target.
fn extend(
    file: &TargetsFile,
    source: &crate::scenario::Source,
    model: &Model,
) -> (Option<Model>, Vec<Problem>) {
    if !file.targets.iter().any(derived) {
        return (None, vec![]);
    }
    let mut problems = Vec::new();
    let mut sc = source.scenario.clone();
    for (i, t) in file.targets.iter().enumerate().filter(|(_, t)| derived(t)) {
        let at = target_path(t, i);
        if let Some(outcome) = derived_outcome(t, &sc, model.steps, &at, &mut problems) {
            sc.outcomes.push(outcome);
        }
    }
    // Compiled even when some targets were left out, so that every problem is found at once.
    match crate::model::compile(&source.path, &sc) {
        Ok(m) if problems.is_empty() => (Some(m), problems),
        Ok(_) => (None, problems),
        Err(e) => {
            problems.extend(e.problems.into_iter().map(at_target));
            (None, problems)
        }
    }
}

/// `targets[id]` (or the index, for a target without an id).
fn target_path(t: &TargetEntry, i: usize) -> String {
    format!(
        "targets[{}]",
        if t.id.is_empty() {
            i.to_string()
        } else {
            t.id.clone()
        }
    )
}

/// A compile problem in a derived outcome, moved to the target it came from.
fn at_target(p: Problem) -> Problem {
    match &p.at {
        Location::Field(f) if f.starts_with(&format!("outcomes[{DERIVED}")) => {
            let rest = &f["outcomes[".len() + DERIVED.len()..];
            Problem::field(format!("targets[{rest}"), p.message)
        }
        _ => p,
    }
}

/// The outcome that reads target `t`'s measure over its period, or `None` with the problems
/// recorded.
fn derived_outcome(
    t: &TargetEntry,
    sc: &crate::scenario::format::Scenario,
    steps: usize,
    at: &str,
    problems: &mut Vec<Problem>,
) -> Option<crate::scenario::format::Outcome> {
    let (measure, scale, unit) = match (&t.outcome, &t.measure) {
        (None, Some(m)) => {
            let Some(unit) = t.unit.clone().filter(|u| !u.trim().is_empty()) else {
                problems.push(Problem::field(
                    format!("{at}.unit"),
                    "a target on a measure names its unit (after `scale`)",
                ));
                return None;
            };
            (m.clone(), t.scale, unit)
        }
        (Some(id), None) => {
            let o = sc.outcomes.iter().find(|o| &o.id == id)?;
            (o.measure.clone(), o.scale, o.unit.clone())
        }
        _ => return None,
    };
    let last = steps as u32;
    let end = t.at.unwrap_or(last);
    if end == 0 || end > last {
        problems.push(Problem::field(
            format!("{at}.at"),
            format!("a step from 1 to {last} (the run's steps), got {end}"),
        ));
        return None;
    }
    if let Some(since) = t.since.filter(|&s| s == 0 || s > end) {
        problems.push(Problem::field(
            format!("{at}.since"),
            format!("a step from 1 to `at` ({end}), got {since}"),
        ));
        return None;
    }
    let lag = |m: Measure, k: u32| {
        if k == 0 {
            m
        } else {
            Measure::Lag(Box::new(m), k)
        }
    };
    let read = lag(measure.clone(), last - end);
    let measure = match t.since {
        Some(since) => Measure::Sub(Box::new(read), Box::new(lag(measure, last - since + 1))),
        None => read,
    };
    Some(crate::scenario::format::Outcome {
        id: derived_id(&t.id),
        name: t.name.clone(),
        unit,
        better: crate::scenario::format::Better::Higher,
        measure,
        scale,
        range: None,
    })
}

/// Checks a parsed targets file against `model`; every problem is reported together.
/// `problems` are those found before (in targets on a measure or a period).
pub fn check(
    path: &Path,
    file: &TargetsFile,
    model: &Model,
    sha256: String,
    mut problems: Vec<Problem>,
) -> Result<Targets, ScenarioError> {
    let calibrated = calibrated(file, model, &mut problems);
    let outcome_ids: Vec<&str> = model.outcomes.iter().map(|o| o.id.as_str()).collect();
    let mut targets = Vec::new();
    if file.targets.is_empty() {
        problems.push(Problem::field("targets", "no targets: list at least one"));
    }
    for (i, t) in file.targets.iter().enumerate() {
        let at = target_path(t, i);
        if file.targets[..i].iter().any(|o| o.id == t.id) {
            problems.push(Problem::field(&at, "this id is used by an earlier target"));
        }
        let wanted = match (&t.outcome, &t.measure) {
            (Some(_), Some(_)) | (None, None) => {
                problems.push(Problem::field(
                    &at,
                    "give the outcome observed (`outcome:`) or a measure expression (`measure:`), one of the two",
                ));
                continue;
            }
            (Some(id), None) if !outcome_ids.contains(&id.as_str()) => {
                problems.push(Problem::field(
                    format!("{at}.outcome"),
                    error::unknown("outcome", id, &outcome_ids),
                ));
                continue;
            }
            (Some(_), None) if t.unit.is_some() || t.scale.is_some() => {
                problems.push(Problem::field(
                    &at,
                    "unit and scale belong to a target on a measure; an outcome has its own",
                ));
                continue;
            }
            _ if derived(t) => derived_id(&t.id),
            (Some(id), None) => id.clone(),
            (None, Some(_)) => unreachable!("a measure is derived"),
        };
        let Some(o) = model.outcomes.iter().position(|o| o.id == wanted) else {
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
            outcome_id: wanted,
            unit: model.outcomes[o].unit.clone(),
            observed,
            sd,
            at_most: matches!(t.observed, Observed::Range(RangeOf::AtMost { .. })),
            point: matches!(t.observed, Observed::Value(_)),
            range: model.outcomes[o].range,
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
        // An upper bound's softness: sd if given, else as if the range were 0 to the bound.
        (Observed::Range(RangeOf::AtMost { max }), sd)
            if finite(*max) && *max > 0.0 && sd.is_none_or(|sd| finite(sd) && sd > 0.0) =>
        {
            Some((*max, sd.unwrap_or(max / 3.29)))
        }
        (Observed::Range(RangeOf::Between { .. }), Some(_)) => {
            problems.push(Problem::field(
                format!("{at}.sd"),
                "give either Between(min:, max:) or a value with sd, not both",
            ));
            None
        }
        (Observed::Range(_), _) => {
            problems.push(Problem::field(
                format!("{at}.observed"),
                "Between(min:, max:) needs finite numbers with max above min; AtMost(max:) a finite number above 0",
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
