//! From a parsed scenario to a [`Model`]: every check, every reference resolved.
//!
//! Compilation never stops at the first problem: it records each one with the path of the field
//! (`actors[dprk].offers[shells].reserve`), carries on with a placeholder, and returns them all
//! together. Only a scenario without problems becomes a model.

mod actors;
mod events;
mod outcomes;

use super::params::{BinOp, Domain, LIMIT, Op, Program, Setting, Site, Slot};
use super::{LeverDef, Model, ParamRef, UncertaintyDef};
use crate::scenario::error::{self, Problem, ScenarioError};
use crate::scenario::format::Scenario;
use crate::scenario::num::{Expr, Num, explain_invalid};
use crate::stats::dist::DistKind;
use std::path::Path;

/// Limits that keep a hostile or mistaken file from exhausting memory or running for ever.
/// `docs/scenario-format.md` ("Limits") lists them with the reason for each.
pub mod limits {
    pub const MAX_STEPS: u64 = 100_000;
    pub const MAX_ACTORS: usize = 10_000;
    pub const MAX_GOODS: usize = 1_000;
    /// Actors times goods: every per-step array of a run has this many entries.
    pub const MAX_CELLS: usize = 1_000_000;
    /// Actors times goods times steps: bounds the work of one run.
    pub const MAX_CELL_STEPS: u64 = 1_000_000_000;
    pub const MAX_OUTCOMES: usize = 500;
    /// Outcomes times (steps + 1): each needs a percentile sketch per step, which holds up to
    /// about 760 KB in the worst case (values spread over every power of two it can represent).
    pub const MAX_OUTCOME_STEPS: u64 = 5_000;
    pub const MAX_RUNS: u64 = 10_000_000_000;
    /// Runs times steps of one batch.
    pub const MAX_RUN_STEPS: u64 = 1_000_000_000_000;
    pub const MAX_ID_LEN: usize = 64;
    pub const MAX_NAME_LEN: usize = 200;

    /// Checks a number of runs for a scenario of `steps` steps; the message names `flag`.
    pub fn check_runs(flag: &str, runs: u64, steps: usize) -> Result<(), String> {
        if runs == 0 || runs > MAX_RUNS {
            return Err(format!(
                "{flag} must be between 1 and {MAX_RUNS}, got {runs}"
            ));
        }
        if runs.saturating_mul(steps as u64) > MAX_RUN_STEPS {
            return Err(format!(
                "{flag} {runs} times {steps} steps is more than {MAX_RUN_STEPS} run-steps; split the batch with --shard, or run fewer"
            ));
        }
        Ok(())
    }
}

/// Compiles a parsed scenario; `path` names the file in errors.
pub fn compile(path: &Path, sc: &Scenario) -> Result<Model, ScenarioError> {
    let mut cx = Ctx::new(sc);
    cx.check_header();
    let model = cx.build();
    if cx.problems.is_empty() {
        Ok(model)
    } else {
        Err(ScenarioError {
            file: path.to_path_buf(),
            problems: cx.problems,
        })
    }
}

/// Turns `--set NAME=VALUE` overrides into a [`Setting`], checking names and ranges.
///
/// A lever takes the value for this run; an uncertainty is fixed at the value instead of drawn.
/// Every number the override reaches is re-checked against its allowed range.
pub fn apply_overrides(model: &Model, sets: &[(String, f64)]) -> Result<Setting, Vec<String>> {
    let mut setting = model.baseline();
    let mut errors = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in sets {
        if seen.contains(&name.as_str()) {
            errors.push(format!("--set {name} is given twice"));
            continue;
        }
        seen.push(name);
        if !value.is_finite() || value.abs() > LIMIT {
            errors.push(format!(
                "--set {name}={value}: the value must be a finite number within ±1e15"
            ));
            continue;
        }
        match model.lookup_param(name) {
            Some(ParamRef::Lever(i)) => setting.levers[i] = *value,
            Some(ParamRef::Uncertainty(i)) => {
                setting.fixed.push((model.uncertainties[i].slot, *value))
            }
            None => {
                let known: Vec<&str> = model
                    .levers
                    .iter()
                    .map(|l| l.id.as_str())
                    .chain(model.uncertainties.iter().map(|u| u.id.as_str()))
                    .collect();
                errors.push(format!(
                    "--set {name}: {}",
                    error::unknown("lever or uncertainty", name, &known)
                ));
            }
        }
    }
    if errors.is_empty() {
        errors.extend(check_setting(model, &setting));
    }
    if errors.is_empty() {
        Ok(setting)
    } else {
        Err(errors)
    }
}

/// Checks that every number stays in range under one setting (lever values as set).
pub fn check_setting(model: &Model, setting: &Setting) -> Vec<String> {
    let ranges: Vec<(f64, f64)> = setting.levers.iter().map(|&v| (v, v)).collect();
    model
        .program
        .check_sites(&ranges, &setting.fixed)
        .into_iter()
        .map(|(path, msg)| format!("with this setting, {path} {msg}"))
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum UncState {
    Pending,
    Busy,
    Done(Slot),
}

/// Compilation state shared by the per-section compilers.
pub(crate) struct Ctx<'s> {
    sc: &'s Scenario,
    problems: Vec<Problem>,
    warnings: Vec<String>,
    prog: Program,
    zero: Slot,
    one: Slot,
    good_ids: Vec<&'s str>,
    actor_ids: Vec<&'s str>,
    channel_ids: Vec<&'s str>,
    event_ids: Vec<&'s str>,
    unc_ids: Vec<&'s str>,
    lever_ids: Vec<&'s str>,
    unc_state: Vec<UncState>,
    lever_slots: Vec<Option<Slot>>,
    unc_used: Vec<bool>,
    /// The uncertainty being compiled, to name its draws.
    in_uncertainty: Option<usize>,
    /// A size limit was exceeded: dense tables are not built.
    too_large: bool,
    /// Some channel's ends could not be resolved, so "no channel carries" would mislead.
    pub(crate) channels_incomplete: bool,
    inline_draws: Vec<(String, Slot)>,
    draw_names: Vec<String>,
}

impl<'s> Ctx<'s> {
    fn new(sc: &'s Scenario) -> Self {
        let mut prog = Program::default();
        let zero = prog.push(Op::Const(0.0));
        let one = prog.push(Op::Const(1.0));
        let mut cx = Ctx {
            sc,
            problems: Vec::new(),
            warnings: Vec::new(),
            prog,
            zero,
            one,
            good_ids: Vec::new(),
            actor_ids: Vec::new(),
            channel_ids: Vec::new(),
            event_ids: Vec::new(),
            unc_ids: Vec::new(),
            lever_ids: Vec::new(),
            unc_state: vec![UncState::Pending; sc.uncertainties.len()],
            lever_slots: vec![None; sc.levers.len()],
            unc_used: vec![false; sc.uncertainties.len()],
            in_uncertainty: None,
            too_large: false,
            channels_incomplete: false,
            inline_draws: Vec::new(),
            draw_names: Vec::new(),
        };
        cx.good_ids = cx.ids("goods", "good", sc.goods.iter().map(|g| g.id.as_str()));
        cx.actor_ids = cx.ids("actors", "actor", sc.actors.iter().map(|a| a.id.as_str()));
        cx.channel_ids = cx.ids(
            "channels",
            "channel",
            sc.channels.iter().map(|c| c.id.as_str()),
        );
        cx.event_ids = cx.ids("events", "event", sc.events.iter().map(|e| e.id.as_str()));
        cx.unc_ids = cx.ids(
            "uncertainties",
            "uncertainty",
            sc.uncertainties.iter().map(|u| u.id.as_str()),
        );
        cx.lever_ids = cx.ids("levers", "lever", sc.levers.iter().map(|l| l.id.as_str()));
        for l in cx.lever_ids.clone() {
            if cx.unc_ids.contains(&l) {
                cx.problem(
                    format!("levers[{l}]"),
                    format!("\"{l}\" names both a lever and an uncertainty; Param(\"{l}\") would be ambiguous, rename one"),
                );
            }
        }
        cx
    }

    pub(crate) fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::field(path, message));
    }

    pub(crate) fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }

    /// Checks a list's ids (syntax, uniqueness) and returns them in order.
    fn ids(&mut self, list: &str, kind: &str, ids: impl Iterator<Item = &'s str>) -> Vec<&'s str> {
        let ids: Vec<&str> = ids.collect();
        for (i, id) in ids.iter().enumerate() {
            let path = format!("{list}[{i}].id");
            if id.is_empty() {
                self.problem(
                    path,
                    format!("the {kind} id is empty; ids use letters, digits, _ and -"),
                );
            } else if id.len() > limits::MAX_ID_LEN {
                self.problem(
                    path,
                    format!(
                        "the {kind} id is {} characters long; the limit is {}",
                        id.len(),
                        limits::MAX_ID_LEN
                    ),
                );
            } else if let Some(c) = id
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
            {
                self.problem(
                    path,
                    format!("the {kind} id \"{}\" contains {c:?}; ids use only letters, digits, _ and - (put spaces and other text in `name`)", id.escape_debug()),
                );
            } else if let Some(first) = ids[..i].iter().position(|o| o == id) {
                self.problem(
                    format!("{list}[{id}]"),
                    format!("the {kind} id \"{id}\" is declared twice (entries {} and {}); ids must be unique", first + 1, i + 1),
                );
            }
        }
        ids
    }

    /// Checks a display name: present, not too long, no control characters.
    pub(crate) fn name(&mut self, path: &str, name: &str) {
        if name.trim().is_empty() {
            self.problem(
                path,
                "the name is empty; give a name to show in tables and charts",
            );
        } else if name.chars().count() > limits::MAX_NAME_LEN {
            self.problem(
                path,
                format!(
                    "the name is {} characters long; the limit is {}",
                    name.chars().count(),
                    limits::MAX_NAME_LEN
                ),
            );
        } else if name.chars().any(char::is_control) {
            self.problem(
                path,
                "the name contains a control character (tab, newline, ...); use plain text",
            );
        } else if let Some(c) = name.chars().find(|&c| error::is_direction_control(c)) {
            self.problem(
                path,
                format!(
                    "the name contains the invisible text-direction character U+{:04X}, which can make tables and briefings show something other than what the file says; remove it",
                    c as u32
                ),
            );
        }
    }

    /// Looks up a reference; records a problem with a suggestion if it is unknown.
    pub(crate) fn find(
        &mut self,
        kind: &str,
        ids: &[&str],
        name: &str,
        path: &str,
    ) -> Option<usize> {
        match ids.iter().position(|i| *i == name) {
            Some(i) => Some(i),
            None => {
                self.problem(path, error::unknown(kind, name, ids));
                None
            }
        }
    }

    pub(crate) fn good(&mut self, name: &str, path: &str) -> Option<usize> {
        let ids = self.good_ids.clone();
        self.find("good", &ids, name, path)
    }

    pub(crate) fn actor(&mut self, name: &str, path: &str) -> Option<usize> {
        let ids = self.actor_ids.clone();
        self.find("actor", &ids, name, path)
    }

    pub(crate) fn channel(&mut self, name: &str, path: &str) -> Option<usize> {
        let ids = self.channel_ids.clone();
        self.find("channel", &ids, name, path)
    }

    pub(crate) fn event(&mut self, name: &str, path: &str) -> Option<usize> {
        let ids = self.event_ids.clone();
        self.find("event", &ids, name, path)
    }

    /// Compiles a number used at `path`, checked against `domain` and clamped into it.
    pub(crate) fn num(&mut self, n: &Num, path: &str, domain: Domain) -> Slot {
        let raw = self.expr(n, path);
        let (lo, hi) = domain.bounds();
        self.prog.sites.push(Site {
            path: path.to_string(),
            raw,
            domain,
        });
        self.prog.push(Op::Clamp { src: raw, lo, hi })
    }

    /// Like [`Ctx::num`] for an optional field with a default.
    pub(crate) fn opt_num(
        &mut self,
        n: Option<&Num>,
        default: f64,
        path: &str,
        domain: Domain,
    ) -> Slot {
        match n {
            Some(n) => self.num(n, path, domain),
            None => self.constant(default),
        }
    }

    pub(crate) fn constant(&mut self, v: f64) -> Slot {
        if v == 0.0 {
            self.zero
        } else if v == 1.0 {
            self.one
        } else {
            self.prog.push(Op::Const(v))
        }
    }

    fn expr(&mut self, n: &Num, path: &str) -> Slot {
        match n {
            Num::Value(v) => {
                if !v.is_finite() || v.abs() > LIMIT {
                    self.problem(
                        path,
                        format!(
                            "{} is not allowed; numbers must be finite and within ±1e15",
                            error::number(*v)
                        ),
                    );
                    return self.zero;
                }
                self.constant(*v)
            }
            Num::Invalid(value) => {
                self.problem(path, explain_invalid(value));
                self.zero
            }
            Num::Expr(e) => self.expr_form(e, path),
        }
    }

    fn expr_form(&mut self, e: &Expr, path: &str) -> Slot {
        let z = self.zero;
        match e {
            Expr::Uniform { min, max } => {
                self.ordered(path, &[("min", min), ("max", max)]);
                let a = [
                    self.expr(min, &sub(path, "min")),
                    self.expr(max, &sub(path, "max")),
                    z,
                    z,
                ];
                self.draw(DistKind::Uniform, a, path)
            }
            Expr::Normal { mean, sd } => {
                let m = self.expr(mean, &sub(path, "mean"));
                let s = self.num(sd, &sub(path, "sd"), Domain::NonNegative);
                self.draw(DistKind::Normal, [m, s, z, z], path)
            }
            Expr::LogNormal { median, sigma } => {
                let m = self.num(median, &sub(path, "median"), Domain::Positive);
                let s = self.num(sigma, &sub(path, "sigma"), Domain::NonNegative);
                self.draw(DistKind::LogNormal, [m, s, z, z], path)
            }
            Expr::Triangular { min, mode, max } | Expr::Pert { min, mode, max } => {
                self.ordered(path, &[("min", min), ("mode", mode), ("max", max)]);
                let a = [
                    self.expr(min, &sub(path, "min")),
                    self.expr(mode, &sub(path, "mode")),
                    self.expr(max, &sub(path, "max")),
                    z,
                ];
                let kind = if matches!(e, Expr::Pert { .. }) {
                    DistKind::Pert
                } else {
                    DistKind::Triangular
                };
                self.draw(kind, a, path)
            }
            Expr::Beta {
                alpha,
                beta,
                min,
                max,
            } => {
                let a = self.num(alpha, &sub(path, "alpha"), Domain::Positive);
                let b = self.num(beta, &sub(path, "beta"), Domain::Positive);
                let lo = match min {
                    Some(m) => self.expr(m, &sub(path, "min")),
                    None => z,
                };
                let hi = match max {
                    Some(m) => self.expr(m, &sub(path, "max")),
                    None => self.one,
                };
                if let (Some(lo), Some(hi)) = (
                    min.as_ref().map(|m| m.literal()),
                    max.as_ref().map(|m| m.literal()),
                ) {
                    self.ordered_values(path, &[("min", lo), ("max", hi)]);
                }
                self.draw(DistKind::Beta, [a, b, lo, hi], path)
            }
            Expr::Param(name) => self.param(name, path),
            Expr::Add(a, b) => self.bin(BinOp::Add, a, b, path),
            Expr::Sub(a, b) => self.bin(BinOp::Sub, a, b, path),
            Expr::Mul(a, b) => self.bin(BinOp::Mul, a, b, path),
            Expr::Div(a, b) => self.bin(BinOp::Div, a, b, path),
            Expr::Min(a, b) => self.bin(BinOp::Min, a, b, path),
            Expr::Max(a, b) => self.bin(BinOp::Max, a, b, path),
        }
    }

    fn bin(&mut self, op: BinOp, a: &Num, b: &Num, path: &str) -> Slot {
        let a = self.expr(a, path);
        let b = self.expr(b, path);
        self.prog.push(Op::Bin { op, a, b })
    }

    /// Literal bounds of a distribution must be in order.
    fn ordered(&mut self, path: &str, parts: &[(&str, &Num)]) {
        let lits: Vec<(&str, Option<f64>)> = parts.iter().map(|(n, v)| (*n, v.literal())).collect();
        self.ordered_values(path, &lits);
    }

    fn ordered_values(&mut self, path: &str, parts: &[(&str, Option<f64>)]) {
        for w in parts.windows(2) {
            if let ((a, Some(x)), (b, Some(y))) = (w[0], w[1]) {
                if x > y {
                    self.problem(
                        path,
                        format!(
                            "{a} ({x}) is greater than {b} ({y}); they must satisfy {}",
                            parts.iter().map(|p| p.0).collect::<Vec<_>>().join(" <= ")
                        ),
                    );
                }
            }
        }
    }

    fn draw(&mut self, kind: DistKind, args: [Slot; 4], path: &str) -> Slot {
        let draw = self.prog.draws;
        self.prog.draws += 1;
        let slot = self.prog.push(Op::Draw { kind, args, draw });
        match self.in_uncertainty {
            Some(u) => {
                let id = self.unc_ids[u].to_string();
                let name = if self.draw_names.contains(&id) {
                    format!("{id}#{}", draw)
                } else {
                    id
                };
                self.draw_names.push(name);
            }
            None => {
                let mut name = path.to_string();
                if self.inline_draws.iter().any(|(p, _)| *p == name) {
                    name = format!("{path}#{draw}");
                }
                self.draw_names.push(name.clone());
                self.inline_draws.push((name, slot));
            }
        }
        slot
    }

    fn param(&mut self, name: &str, path: &str) -> Slot {
        if let Some(i) = self.lever_ids.iter().position(|l| *l == name) {
            if let Some(s) = self.lever_slots[i] {
                return s;
            }
            let s = self.prog.push(Op::Lever(i as u32));
            self.lever_slots[i] = Some(s);
            return s;
        }
        if let Some(i) = self.unc_ids.iter().position(|u| *u == name) {
            self.unc_used[i] = true;
            return self.uncertainty(i);
        }
        let known: Vec<&str> = self
            .lever_ids
            .iter()
            .chain(self.unc_ids.iter())
            .copied()
            .collect();
        self.problem(path, error::unknown("lever or uncertainty", name, &known));
        self.zero
    }

    fn uncertainty(&mut self, i: usize) -> Slot {
        match self.unc_state[i] {
            UncState::Done(s) => s,
            UncState::Busy => {
                let id = self.unc_ids[i];
                self.problem(
                    format!("uncertainties[{id}].dist"),
                    format!("uncertainty \"{id}\" depends on itself through Param references; break the cycle"),
                );
                self.zero
            }
            UncState::Pending => {
                self.unc_state[i] = UncState::Busy;
                let outer = self.in_uncertainty.replace(i);
                let u = &self.sc.uncertainties[i];
                let path = format!("uncertainties[{}].dist", u.id);
                let s = self.expr(&u.dist, &path);
                self.in_uncertainty = outer;
                self.unc_state[i] = UncState::Done(s);
                s
            }
        }
    }

    fn check_header(&mut self) {
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

    /// Compiles everything into a model (meaningful only if no problems were recorded).
    fn build(&mut self) -> Model {
        let sc = self.sc;
        // Named uncertainties first, so their draws take the first uniforms in file order.
        for i in 0..sc.uncertainties.len() {
            let u = &sc.uncertainties[i];
            self.name(&format!("uncertainties[{}].name", u.id), &u.name);
            self.uncertainty(i);
        }
        let mut levers = Vec::new();
        for l in &sc.levers {
            self.name(&format!("levers[{}].name", l.id), &l.name);
            for (what, v) in std::iter::once(("baseline", l.baseline))
                .chain(l.values.iter().map(|v| ("values", *v)))
            {
                if !v.is_finite() || v.abs() > LIMIT {
                    self.problem(
                        format!("levers[{}].{what}", l.id),
                        format!(
                            "{} is not allowed; lever values must be finite and within ±1e15",
                            error::number(v)
                        ),
                    );
                }
            }
            levers.push(LeverDef {
                id: l.id.clone(),
                name: l.name.clone(),
                unit: l.unit.clone(),
                description: l.description.clone(),
                baseline: l.baseline,
                values: l.values.clone(),
            });
        }
        let mut model = Model {
            name: sc.name.clone(),
            description: sc.description.trim().to_string(),
            steps: sc.time.steps.clamp(1, limits::MAX_STEPS) as usize,
            unit: sc.time.unit.clone(),
            plural: sc
                .time
                .plural
                .clone()
                .unwrap_or_else(|| format!("{}s", sc.time.unit)),
            default_runs: sc.runs,
            default_seed: sc.seed,
            goods: vec![],
            actors: vec![],
            program: Program::default(),
            stocks: vec![],
            production: vec![],
            consumption: vec![],
            needs: vec![],
            need_at: vec![],
            offers: vec![],
            channels: vec![],
            lanes: vec![],
            routes: vec![],
            links: vec![],
            aids: vec![],
            relations: vec![],
            events: vec![],
            mod_targets: vec![],
            mods: vec![],
            outcomes: vec![],
            measures: vec![],
            measure_accs: 0,
            uncertainties: vec![],
            inline_draws: vec![],
            draw_names: vec![],
            levers,
            warnings: vec![],
        };
        if self.too_large {
            // Over a size limit: do not build dense tables of that size.
            return model;
        }
        self.goods_and_actors(&mut model);
        self.channels_and_relations(&mut model);
        self.flows(&mut model);
        self.events(&mut model);
        self.outcomes(&mut model);

        for (i, used) in self.unc_used.clone().into_iter().enumerate() {
            if !used {
                let id = self.unc_ids[i];
                self.problem(
                    format!("uncertainties[{id}]"),
                    format!("uncertainty \"{id}\" is declared but no number uses it; refer to it with Param(\"{id}\") or remove it"),
                );
            }
        }
        for (i, slot) in self.lever_slots.clone().into_iter().enumerate() {
            if slot.is_none() {
                let id = self.lever_ids[i];
                self.problem(
                    format!("levers[{id}]"),
                    format!("lever \"{id}\" is declared but no parameter uses it, so pulling it would change nothing; refer to it with Param(\"{id}\") or remove it"),
                );
            }
        }
        model.uncertainties = sc
            .uncertainties
            .iter()
            .enumerate()
            .map(|(i, u)| UncertaintyDef {
                id: u.id.clone(),
                name: u.name.clone(),
                unit: u.unit.clone(),
                slot: match self.unc_state[i] {
                    UncState::Done(s) => s,
                    _ => self.zero,
                },
                describe: u.dist.to_string(),
            })
            .collect();
        model.program = std::mem::take(&mut self.prog);
        model.program.seal();
        let ranges: Vec<(f64, f64)> = model
            .levers
            .iter()
            .map(|l| {
                let all = std::iter::once(l.baseline).chain(l.values.iter().copied());
                let lo = all.clone().fold(f64::INFINITY, f64::min);
                let hi = all.fold(f64::NEG_INFINITY, f64::max);
                (lo.max(-LIMIT), hi.min(LIMIT))
            })
            .collect();
        for (path, msg) in model.program.check_sites(&ranges, &[]) {
            self.problem(path, msg);
        }
        if self.problems.is_empty() {
            // Unbounded distributions are clamped into their number's range at run time; say so
            // when that moves a noticeable share of draws onto the bound.
            for (path, share, domain) in model.program.clamped_shares(&model.baseline(), 2_000) {
                if share >= 0.01 {
                    self.warn(format!(
                        "{path}: about {:.0}% of draws fall outside the allowed range ({domain}) and are clamped to its bound; a bounded distribution (Beta, Triangular, Uniform) may say what you mean",
                        share * 100.0
                    ));
                }
            }
        }
        model.inline_draws = std::mem::take(&mut self.inline_draws);
        model.draw_names = std::mem::take(&mut self.draw_names);
        model.warnings = std::mem::take(&mut self.warnings);
        model
    }
}

/// `parent.field` path.
pub(crate) fn sub(path: &str, field: &str) -> String {
    format!("{path}.{field}")
}
