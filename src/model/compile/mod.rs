//! From a parsed scenario to a [`Model`]: every check, every reference resolved.
//!
//! Compilation never stops at the first problem: it records each one with the path of the field
//! (`actors[dprk].offers[shells].reserve`), carries on with a placeholder, and returns them all
//! together. Only a scenario without problems becomes a model.

mod actors;
mod channels;
mod events;
mod flows;
mod header;
mod numbers;
mod outcomes;

use super::params::{LIMIT, Op, Program, Setting, Slot};
use super::{
    ActorId, ChannelId, EventId, GoodId, IdVec, LeverDef, Model, ParamRef, SettingError,
    UncertaintyDef,
};
use crate::scenario::error::{self, Problem, ScenarioError};
use crate::scenario::format::Scenario;
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
    pub fn check_runs(
        flag: &str,
        runs: u64,
        steps: usize,
    ) -> Result<(), crate::model::SettingError> {
        let one = |m: String| crate::model::SettingError(vec![m]);
        if runs == 0 || runs > MAX_RUNS {
            return Err(one(format!(
                "{flag} must be between 1 and {MAX_RUNS}, got {runs}"
            )));
        }
        if runs.saturating_mul(steps as u64) > MAX_RUN_STEPS {
            return Err(one(format!(
                "{flag} {runs} times {steps} steps is more than {MAX_RUN_STEPS} run-steps; split the batch with --shard, or run fewer"
            )));
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
pub fn apply_overrides(model: &Model, sets: &[(String, f64)]) -> Result<Setting, SettingError> {
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
        Err(SettingError(errors))
    }
}

/// The `--set` values outside what the scenario allows for them: a lever outside the span of
/// its baseline and listed values, an uncertainty outside the values its distribution can
/// draw (an unbounded tail allows any). One message per value, with the allowed range.
pub fn outside_support(model: &Model, sets: &[(String, f64)]) -> Vec<String> {
    let lever_ranges: Vec<(f64, f64)> = model.levers.iter().map(LeverDef::span).collect();
    let intervals = model.program.intervals(&lever_ranges, &[]);
    let mut out = Vec::new();
    for (name, value) in sets {
        match model.lookup_param(name) {
            Some(ParamRef::Lever(i)) => {
                let (lo, hi) = lever_ranges[i];
                if !(lo..=hi).contains(value) {
                    out.push(format!(
                        "--set {name}={value} is outside the lever's listed range, {lo} to {hi} (its baseline and the values the scenario lists)"
                    ));
                }
            }
            Some(ParamRef::Uncertainty(i)) => {
                let u = &model.uncertainties[i];
                let iv = intervals[u.slot as usize];
                if !iv.soft && !(iv.lo..=iv.hi).contains(value) {
                    out.push(format!(
                        "--set {name}={value} is outside what its distribution, {}, can draw: {} to {}",
                        u.describe, iv.lo, iv.hi
                    ));
                }
            }
            None => {}
        }
    }
    out
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
    /// Slots made for one effect target alone ([`Ctx::own_slot`]).
    owned: std::collections::BTreeSet<Slot>,
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
            owned: std::collections::BTreeSet::new(),
        };
        cx.good_ids = cx.ids("goods", "good", sc.goods.iter().map(|g| g.id.as_str()));
        cx.actor_ids = cx.ids("actors", "actor", sc.actors.iter().map(|a| a.id.as_str()));
        cx.channel_ids = cx.ids(
            "channels",
            "channel",
            sc.channels.iter().map(|c| c.id.as_str()),
        );
        cx.event_ids = cx.ids("events", "event", event_ids(sc).into_iter());
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

    pub(crate) fn good(&mut self, name: &str, path: &str) -> Option<GoodId> {
        let ids = self.good_ids.clone();
        self.find("good", &ids, name, path).map(GoodId::new)
    }

    pub(crate) fn actor(&mut self, name: &str, path: &str) -> Option<ActorId> {
        let ids = self.actor_ids.clone();
        self.find("actor", &ids, name, path).map(ActorId::new)
    }

    pub(crate) fn channel(&mut self, name: &str, path: &str) -> Option<ChannelId> {
        let ids = self.channel_ids.clone();
        self.find("channel", &ids, name, path).map(ChannelId::new)
    }

    pub(crate) fn event(&mut self, name: &str, path: &str) -> Option<EventId> {
        let ids = self.event_ids.clone();
        self.find("event", &ids, name, path).map(EventId::new)
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
        let levers = self.levers();
        let mut model = self.empty_model(levers);
        if self.too_large {
            // Over a size limit: do not build dense tables of that size.
            return model;
        }
        self.goods_and_actors(&mut model);
        self.channels_and_relations(&mut model);
        self.flows(&mut model);
        self.events(&mut model);
        self.outcomes(&mut model);
        self.questions(&mut model);
        self.searches(&mut model);
        self.check_unused();
        if let Some(p) = &self.sc.posterior {
            if p.trim().is_empty() {
                self.problem("posterior", "the posterior's file name is empty; give the path of a stratex calibrate posterior.csv, relative to the scenario file");
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
        self.seal_program(&mut model);
        model.inline_draws = std::mem::take(&mut self.inline_draws);
        model.draw_names = std::mem::take(&mut self.draw_names);
        model.warnings = std::mem::take(&mut self.warnings);
        model
    }

    /// The levers, their values checked.
    fn levers(&mut self) -> Vec<LeverDef> {
        let mut levers = Vec::new();
        for l in &self.sc.levers {
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
            let owner = l
                .owner
                .as_ref()
                .and_then(|o| self.actor(o, &format!("levers[{}].owner", l.id)));
            self.lever_range(l);
            levers.push(LeverDef {
                id: l.id.clone(),
                name: l.name.clone(),
                unit: l.unit.clone(),
                description: l.description.clone(),
                baseline: l.baseline,
                values: l.values.clone(),
                owner,
                range: l.range,
                integer: l.integer,
            });
        }
        levers
    }

    /// A lever's `range` holds its baseline and listed values, and whole numbers if `integer`.
    fn lever_range(&mut self, l: &crate::scenario::format::Lever) {
        let path = |f: &str| format!("levers[{}].{f}", l.id);
        let Some((lo, hi)) = l.range else {
            if l.integer {
                self.problem(
                    path("integer"),
                    "a whole-number lever needs a `range: (min, max)` to search in",
                );
            }
            return;
        };
        let finite = |v: f64| v.is_finite() && v.abs() <= LIMIT;
        if !finite(lo) || !finite(hi) || lo >= hi {
            self.problem(
                path("range"),
                format!(
                    "({}, {}) is not allowed; a range is (min, max) with min below max, both finite and within ±1e15",
                    error::number(lo),
                    error::number(hi)
                ),
            );
            return;
        }
        for (what, v) in
            std::iter::once(("baseline", l.baseline)).chain(l.values.iter().map(|v| ("values", *v)))
        {
            if !(lo..=hi).contains(&v) {
                self.problem(
                    path(what),
                    format!(
                        "{} is outside the lever's range, {lo} to {hi}",
                        error::number(v)
                    ),
                );
            } else if l.integer && v.fract() != 0.0 {
                self.problem(
                    path(what),
                    format!(
                        "{} is not a whole number, and the lever is `integer`",
                        error::number(v)
                    ),
                );
            }
        }
        if l.integer && (lo.fract() != 0.0 || hi.fract() != 0.0) {
            self.problem(
                path("range"),
                "the range of an `integer` lever has whole-number ends",
            );
        }
    }

    /// The model's header, with empty tables for the section compilers to fill.
    fn empty_model(&self, levers: Vec<LeverDef>) -> Model {
        let sc = self.sc;
        Model {
            pathways: super::Pathways::ALL,
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
            goods: IdVec::new(),
            actors: IdVec::new(),
            program: Program::default(),
            stocks: vec![],
            production: vec![],
            consumption: vec![],
            needs: IdVec::new(),
            need_at: IdVec::new(),
            offers: IdVec::new(),
            channels: IdVec::new(),
            lanes: IdVec::new(),
            links: IdVec::new(),
            aids: vec![],
            relations: IdVec::new(),
            events: IdVec::new(),
            adjusts: IdVec::new(),
            caps: IdVec::new(),
            histories: IdVec::new(),
            outcomes: vec![],
            measures: IdVec::new(),
            exposures: IdVec::new(),
            uncertainties: vec![],
            inline_draws: vec![],
            draw_names: vec![],
            levers,
            warnings: vec![],
            posterior: sc.posterior.clone(),
            questions: vec![],
            searches: vec![],
        }
    }

    /// Every uncertainty and lever must be used by some number.
    fn check_unused(&mut self) {
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
    }

    /// Moves the program into the model, sealed, and checks every number's range under the
    /// levers' values; when all is well, warns of distributions clamped noticeably often.
    fn seal_program(&mut self, model: &mut Model) {
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
    }
}

/// Every id in the events table's order: each event, decision (then its choices) and rule in
/// file order, then each cap.
fn event_ids(sc: &Scenario) -> Vec<&str> {
    use crate::scenario::format::EventItem;
    let mut ids = Vec::new();
    for item in &sc.events {
        match item {
            EventItem::Event(e) => ids.push(e.id.as_str()),
            EventItem::Rule(r) => ids.push(r.id.as_str()),
            EventItem::Decision(d) => {
                ids.push(d.id.as_str());
                ids.extend(d.choices.iter().map(|c| c.id.as_str()));
            }
        }
    }
    ids.extend(sc.caps.iter().map(|c| c.id.as_str()));
    ids
}

/// `parent.field` path.
pub(crate) fn sub(path: &str, field: &str) -> String {
    format!("{path}.{field}")
}
