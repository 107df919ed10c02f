//! `explore`: which uncertainties drive the outcomes (tornado, Sobol indices) and where a
//! condition on an outcome holds (PRIM).

use super::{BatchError, Control, Loaded, cannot_write};
use crate::calibrate::posterior::Posterior;
use crate::model::compile::apply_overrides;
use crate::report::explore::Report;
use crate::report::summary::{RunInfo, ScenarioInfo};
use crate::report::{self, Command, CsvProvenance, FitChoice};
use crate::sensitivity::design::{Kind, SOBOL_MAX_DIMS};
use crate::sensitivity::explore::{Condition, Exploration, Plan, explore as run_explore};
use crate::sensitivity::marginals::Marginals;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

/// What the user asked for.
#[derive(Clone, Debug)]
pub struct ExploreRequest {
    pub design: Kind,
    /// Base samples of Saltelli's scheme.
    pub samples: usize,
    /// Runs averaged per tornado point.
    pub tornado_runs: u64,
    /// Scenario discovery: the condition to explain, as written ("shells_delivered > 3.5e6").
    pub condition: Option<String>,
    /// Outcomes to report and chart (default: the condition's outcome, or the first).
    pub outcomes: Vec<String>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    /// `--set` overrides of levers, in order.
    pub sets: Vec<(String, f64)>,
    /// Output folder (default: `output/<scenario stem>-explore`).
    pub out: Option<PathBuf>,
    pub brief: bool,
    /// Which posterior's marginals the calibrated inputs span.
    pub fit: FitChoice,
    /// Accept `--set` values outside what the scenario allows for them.
    pub allow_outside: bool,
    /// Where the CSVs' provenance goes.
    pub csv_provenance: CsvProvenance,
}

/// What an exploration did; its report prints the tables.
pub struct ExploreDone<'a> {
    pub out: PathBuf,
    pub report: Report<'a>,
    pub elapsed: f64,
    /// Uncertain inputs explored.
    pub inputs: usize,
}

/// The parts of an exploration that outlive the call: the plan and the findings the report
/// refers to.
pub struct Explored {
    pub plan: Plan,
    pub found: Exploration,
}

/// Checks `req` against the scenario and plans the exploration.
pub fn plan(loaded: &Loaded, req: &ExploreRequest) -> Result<Plan, BatchError> {
    let model = &loaded.model;
    let d = model.program.draws as usize;
    if d == 0 {
        return Err(BatchError::input(format!(
            "{} has no uncertain numbers to explore; declare uncertainties or distributions",
            loaded.source.path.display()
        )));
    }
    if req.design == Kind::Sobol && 2 * d > SOBOL_MAX_DIMS {
        return Err(BatchError::input(format!(
            "the Sobol design supports at most {} uncertain numbers (Saltelli's scheme takes two \
             of the {SOBOL_MAX_DIMS} dimensions of Joe and Kuo's direction numbers for each); \
             this scenario has {d}; use --design lhs",
            SOBOL_MAX_DIMS / 2
        )));
    }
    if req.samples < 16 || req.samples > 1_000_000 {
        return Err(BatchError::input(format!(
            "--samples must be between 16 and 1,000,000, got {}",
            req.samples
        )));
    }
    if req.tornado_runs == 0 || req.tornado_runs > 1_000_000 {
        return Err(BatchError::input(format!(
            "--tornado-runs must be between 1 and 1,000,000, got {}",
            req.tornado_runs
        )));
    }
    let condition = req
        .condition
        .as_deref()
        .map(|c| Condition::parse(c, model))
        .transpose()
        .map_err(|e| BatchError::input(e.0))?;
    Ok(Plan {
        kind: req.design,
        samples: req.samples,
        tornado_runs: req.tornado_runs,
        seed: req.seed.unwrap_or(model.default_seed),
        threads: super::threads(req.threads)?,
        condition,
        marginals: None,
    })
}

/// The posterior's marginals for the calibrated inputs (draw indices `draws`).
fn marginals(p: &Posterior, draws: &[usize]) -> Marginals {
    let samples = (0..p.k())
        .map(|c| {
            (0..p.len())
                .map(|i| (p.particle(i)[c], p.weights[i]))
                .collect()
        })
        .collect();
    Marginals::new(draws.to_vec(), samples)
}

/// The outcomes to report: those asked for, else the condition's, else the first.
fn focus(loaded: &Loaded, req: &ExploreRequest, plan: &Plan) -> Result<Vec<usize>, BatchError> {
    let known: Vec<&str> = loaded
        .model
        .outcomes
        .iter()
        .map(|o| o.id.as_str())
        .collect();
    let mut focus = Vec::new();
    for id in &req.outcomes {
        match known.iter().position(|k| k == id) {
            Some(o) => focus.push(o),
            None => {
                return Err(BatchError::input(format!(
                    "--outcome: {}",
                    crate::scenario::error::unknown("outcome", id, &known)
                )));
            }
        }
    }
    if focus.is_empty() {
        focus.push(plan.condition.as_ref().map_or(0, |c| c.outcome));
    }
    Ok(focus)
}

/// The command that reproduces an exploration.
fn reproduce(loaded: &Loaded, req: &ExploreRequest, plan: &Plan) -> String {
    let c = Command::new("explore", &loaded.file())
        .flag("--design", plan.kind.name())
        .flag("--samples", plan.samples)
        .flag("--tornado-runs", plan.tornado_runs)
        .flag("--seed", plan.seed)
        .flag_if("--where", req.condition.as_deref())
        .sets(&req.sets)
        .switch_if("--allow-outside", req.allow_outside);
    req.fit.flags(c).text()
}

/// Runs the exploration `req` asks for into `held` (which the returned report borrows) and
/// writes its result folder in one piece.
pub fn explore<'a>(
    loaded: &'a Loaded,
    req: &ExploreRequest,
    held: &'a mut Option<Explored>,
    ctl: Control,
) -> Result<ExploreDone<'a>, BatchError> {
    let model = &loaded.model;
    let mut plan = plan(loaded, req)?;
    let fit = super::fit::resolve(loaded, &req.fit)?;
    plan.marginals = fit.as_ref().map(|f| marginals(&f.posterior, &f.draws));
    let setting = apply_overrides(model, &req.sets)?;
    super::refuse_outside(model, &req.sets, req.allow_outside)?;
    let focus = focus(loaded, req, &plan)?;
    let out = super::output_folder(req.out.as_deref(), &loaded.source, "-explore", None);
    let reproduce = reproduce(loaded, req, &plan);
    let staging = super::staging(&out)?;
    let started = SystemTime::now();
    let clock = Instant::now();
    let found = run_explore(model, &setting, &plan, ctl.progress)
        .map_err(|e| BatchError::failed("the exploration failed", e))?;
    let elapsed = clock.elapsed().as_secs_f64();
    let threads = plan.threads;
    let runs = found.runs;
    let held = held.insert(Explored { plan, found });
    let report = Report {
        model,
        scenario: ScenarioInfo::of(model, &loaded.file(), &loaded.source.sha256),
        plan: &held.plan,
        levers: model.lever_values(&setting),
        reproduce: reproduce.clone(),
        found: &held.found,
        focus,
        fitted: fit.map(|f| f.record),
    };
    report
        .write_files(staging.dir(), req.csv_provenance)
        .map_err(|e| BatchError::failed("cannot write the results", e))?;
    let info = RunInfo::for_command(reproduce, runs, threads, elapsed, started);
    report::write_json(&staging.path("run-info.json"), &info)
        .map_err(cannot_write("run-info.json"))?;
    if req.brief {
        crate::brief::explore::write(&report, staging.dir(), elapsed)?;
    }
    super::commit(staging)?;
    Ok(ExploreDone {
        out,
        report,
        elapsed,
        inputs: model.program.draws as usize,
    })
}
