//! The scenario's header and sizes, checked before anything is compiled.

use super::{Ctx, limits};
use crate::scenario::error;

impl Ctx<'_> {
    /// Checks the scenario's name, description, time, runs, and that it declares something.
    pub(super) fn check_header(&mut self) {
        let sc = self.sc;
        self.name("name", &sc.name);
        if sc
            .description
            .chars()
            .any(|c| (c.is_control() && c != '\n') || error::is_direction_control(c))
        {
            self.problem(
                "description",
                "the description contains a control or text-direction character; use plain text",
            );
        }
        if sc.time.steps == 0 {
            self.problem("time.steps", "must be at least 1");
        } else if sc.time.steps > limits::MAX_STEPS {
            self.problem(
                "time.steps",
                format!(
                    "is {}; the limit is {} steps",
                    sc.time.steps,
                    limits::MAX_STEPS
                ),
            );
        }
        self.name("time.unit", &sc.time.unit);
        if let Some(p) = &sc.time.plural {
            self.name("time.plural", p);
        }
        if sc.runs == 0 {
            self.problem("runs", "must be at least 1");
        } else if sc.runs > limits::MAX_RUNS {
            self.problem(
                "runs",
                format!("is {}; the limit is {}", sc.runs, limits::MAX_RUNS),
            );
        }
        if sc.goods.is_empty() {
            self.problem(
                "goods",
                "the scenario declares no goods; declare at least one Good(...)",
            );
        }
        if sc.actors.is_empty() {
            self.problem(
                "actors",
                "the scenario declares no actors; declare at least one Actor(...)",
            );
        }
        if sc.outcomes.is_empty() {
            self.problem("outcomes", "the scenario declares no outcomes, so a run would report nothing; declare at least one Outcome(...)");
        }
        self.check_sizes();
    }

    /// Checks the scenario's sizes against [`limits`]; over a limit that would make dense tables
    /// too large, marks the scenario `too_large`.
    fn check_sizes(&mut self) {
        let sc = self.sc;
        if sc.goods.len() > limits::MAX_GOODS {
            self.problem(
                "goods",
                format!(
                    "{} goods; the limit is {}",
                    sc.goods.len(),
                    limits::MAX_GOODS
                ),
            );
        }
        if sc.actors.len() > limits::MAX_ACTORS {
            self.problem(
                "actors",
                format!(
                    "{} actors; the limit is {}",
                    sc.actors.len(),
                    limits::MAX_ACTORS
                ),
            );
        }
        if sc.actors.len() * sc.goods.len() > limits::MAX_CELLS {
            self.problem(
                "actors",
                format!(
                    "{} actors times {} goods is more than {} combinations",
                    sc.actors.len(),
                    sc.goods.len(),
                    limits::MAX_CELLS
                ),
            );
        }
        if sc.outcomes.len() > limits::MAX_OUTCOMES {
            self.problem(
                "outcomes",
                format!(
                    "{} outcomes; the limit is {}",
                    sc.outcomes.len(),
                    limits::MAX_OUTCOMES
                ),
            );
        }
        let cells = (sc.actors.len() * sc.goods.len()) as u64;
        if cells <= limits::MAX_CELLS as u64
            && sc.time.steps <= limits::MAX_STEPS
            && cells * sc.time.steps > limits::MAX_CELL_STEPS
        {
            self.problem(
                "time.steps",
                format!(
                    "{} actors times {} goods times {} steps is more than {} (the work of one run); use fewer steps, actors or goods",
                    sc.actors.len(),
                    sc.goods.len(),
                    sc.time.steps,
                    limits::MAX_CELL_STEPS
                ),
            );
        }
        if sc.runs > 0
            && sc.runs <= limits::MAX_RUNS
            && sc.runs.saturating_mul(sc.time.steps) > limits::MAX_RUN_STEPS
        {
            self.problem(
                "runs",
                format!(
                    "{} runs times {} steps is more than {} run-steps",
                    sc.runs,
                    sc.time.steps,
                    limits::MAX_RUN_STEPS
                ),
            );
        }
        self.too_large = sc.time.steps > limits::MAX_STEPS
            || sc.goods.len() > limits::MAX_GOODS
            || sc.actors.len() > limits::MAX_ACTORS
            || sc.actors.len() * sc.goods.len() > limits::MAX_CELLS
            || sc.outcomes.len() > limits::MAX_OUTCOMES;
        let outcome_steps = sc.outcomes.len() as u64 * (sc.time.steps.min(limits::MAX_STEPS) + 1);
        if outcome_steps > limits::MAX_OUTCOME_STEPS {
            self.problem(
                "outcomes",
                format!("{} outcomes over {} steps need {} per-step percentile bands; the limit is {} (fewer outcomes or coarser steps)", sc.outcomes.len(), sc.time.steps, outcome_steps, limits::MAX_OUTCOME_STEPS),
            );
        }
    }
}
