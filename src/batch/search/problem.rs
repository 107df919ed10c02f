//! The decision problem a search solves: one decision maker's levers as the decision space, the
//! objectives and constraints as outcome indices, and how a candidate becomes a setting.

use super::SearchRequest;
use crate::batch::BatchError;
use crate::model::{ActorId, Better, ConstraintDef, Model, Setting};
use crate::search::{Gene, Space};

/// An outcome the search optimises.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    pub outcome: usize,
    pub better: Better,
    /// The value at or beyond which a future counts as satisfactory.
    pub meets: Option<f64>,
}

/// The checked problem.
#[derive(Clone, Debug)]
pub struct Problem {
    pub owner: ActorId,
    pub question: String,
    /// The searched levers (indices into the model's), in the model's order.
    pub levers: Vec<usize>,
    pub space: Space,
    pub objectives: Vec<Objective>,
    pub constraints: Vec<ConstraintDef>,
    /// The setting every candidate starts from: every lever at its baseline.
    pub base: Setting,
}

impl Problem {
    /// The problem `req` asks of the model: the `--for` actor's levers, and the objectives and
    /// constraints from the flags or else from the scenario's search for that actor.
    pub fn new(model: &Model, req: &SearchRequest) -> Result<Problem, BatchError> {
        let owner = crate::batch::compare::owner(model, &req.actor)?;
        let declared = model.searches.iter().find(|s| s.owner == owner);
        let objectives: Vec<(usize, Option<f64>)> = if req.objectives.is_empty() {
            match declared {
                Some(s) => s.objectives.clone(),
                None => {
                    return Err(BatchError::input(format!(
                        "the scenario declares no search for {}: give the outcomes to optimise with --objective ID (and a threshold with --objective ID=VALUE), or declare `searches: [Search(for: \"{}\", ...)]`",
                        req.actor, req.actor
                    )));
                }
            }
        } else {
            resolve(model, &req.objectives, "--objective")?
        };
        let constraints = if req.constraints.is_empty() && req.objectives.is_empty() {
            declared.map_or(vec![], |s| s.constraints.clone())
        } else {
            let named: Vec<(String, f64)> = req
                .constraints
                .iter()
                .map(|(n, _, v)| (n.clone(), *v))
                .collect();
            let found = resolve(
                model,
                &named
                    .iter()
                    .map(|(n, v)| (n.clone(), Some(*v)))
                    .collect::<Vec<_>>(),
                "--constraint",
            )?;
            found
                .iter()
                .zip(&req.constraints)
                .map(|((outcome, _), (_, at_least, bound))| ConstraintDef {
                    outcome: *outcome,
                    at_least: *at_least,
                    bound: *bound,
                })
                .collect()
        };
        let levers: Vec<usize> = (0..model.levers.len())
            .filter(|&i| model.levers[i].owner == Some(owner))
            .collect();
        let space = Space {
            genes: levers.iter().map(|&i| gene(model, i)).collect(),
        };
        let base = model.baseline();
        let problem = Problem {
            owner,
            question: declared.map_or_else(
                || default_question(model, &req.actor),
                |s| s.question.clone(),
            ),
            levers,
            space,
            objectives: objectives
                .into_iter()
                .map(|(outcome, meets)| Objective {
                    outcome,
                    better: model.outcomes[outcome].better,
                    meets,
                })
                .collect(),
            constraints,
            base,
        };
        problem.check_domain(model)?;
        Ok(problem)
    }

    /// The setting of candidate `x` (one value per searched lever).
    pub fn setting(&self, x: &[f64]) -> Setting {
        let mut s = self.base.clone();
        for (k, &i) in self.levers.iter().enumerate() {
            s.levers[i] = x[k];
        }
        s
    }

    /// The baseline's values of the searched levers.
    pub fn baseline(&self) -> Vec<f64> {
        self.levers.iter().map(|&i| self.base.levers[i]).collect()
    }

    /// The outcomes a candidate's runs must keep: the objectives', then the constraints'.
    pub fn kept(&self) -> Vec<usize> {
        self.objectives
            .iter()
            .map(|o| o.outcome)
            .chain(self.constraints.iter().map(|c| c.outcome))
            .collect()
    }

    /// Every number of the scenario stays in its allowed range wherever the searched levers
    /// go: the search may try any value in each lever's range.
    fn check_domain(&self, model: &Model) -> Result<(), BatchError> {
        let mut ranges: Vec<(f64, f64)> = self.base.levers.iter().map(|&v| (v, v)).collect();
        for (k, &i) in self.levers.iter().enumerate() {
            ranges[i] = match &self.space.genes[k] {
                Gene::Real { min, max } => (*min, *max),
                Gene::Integer { min, max } => (*min as f64, *max as f64),
                Gene::Listed(v) => v
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                        (lo.min(*x), hi.max(*x))
                    }),
            };
        }
        let problems = model.program.check_sites(&ranges, &[]);
        if problems.is_empty() {
            return Ok(());
        }
        Err(BatchError::Input(
            problems
                .into_iter()
                .map(|(path, msg)| format!("with the searched levers anywhere in their ranges, {path} {msg}; narrow the lever's `range`"))
                .collect(),
        ))
    }
}

/// Lever `i`'s decision space: its range (whole numbers if `integer`), else its baseline and
/// listed values.
fn gene(model: &Model, i: usize) -> Gene {
    let l = &model.levers[i];
    match (l.range, l.integer) {
        (Some((lo, hi)), true) => Gene::Integer {
            min: lo as i64,
            max: hi as i64,
        },
        (Some((lo, hi)), false) => Gene::Real { min: lo, max: hi },
        (None, _) => Gene::Listed(l.listed()),
    }
}

/// The outcome ids named by a flag, resolved, each once.
fn resolve(
    model: &Model,
    named: &[(String, Option<f64>)],
    flag: &str,
) -> Result<Vec<(usize, Option<f64>)>, BatchError> {
    let known: Vec<&str> = model.outcomes.iter().map(|o| o.id.as_str()).collect();
    let mut errors = Vec::new();
    let mut out: Vec<(usize, Option<f64>)> = Vec::new();
    for (id, v) in named {
        match known.iter().position(|k| k == id) {
            None => errors.push(format!(
                "{flag} {id}: {}",
                crate::scenario::error::unknown("outcome", id, &known)
            )),
            Some(i) if flag == "--objective" && out.iter().any(|(o, _)| *o == i) => {
                errors.push(format!("{flag} {id}: the outcome is named twice"))
            }
            Some(i) => out.push((i, *v)),
        }
        if let Some(x) = v.filter(|x| !x.is_finite()) {
            errors.push(format!("{flag} {id}: {x} is not a finite number"));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(BatchError::Input(errors))
    }
}

fn default_question(model: &Model, actor: &str) -> String {
    let name = model
        .actors
        .iter()
        .find(|a| a.id == actor)
        .map_or(actor, |a| a.name.as_str());
    format!(
        "Which combination of {name}'s levers does best on the chosen outcomes, across the ensemble of futures?"
    )
}
