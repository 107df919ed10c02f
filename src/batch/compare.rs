//! `compare`: policy settings side by side with common random numbers, whole, as a shard, or
//! resumed.

use super::plan::{Ask, Plan};
use super::run::resume_command;
use super::{BatchError, Control, Loaded, cannot_write};
use crate::calibrate::posterior::Draws;
use crate::model::Model;
use crate::model::grid::{self, Labeled};
use crate::montecarlo::compare::{Comparison, PairedJob, execute_paired};
use crate::montecarlo::state::{decode_comparison, encode_comparison};
use crate::report::compare::ComparisonFile;
use crate::report::part::{self, CompareOptions, PartInfo, PartKind};
use crate::report::summary::{RunInfo, ScenarioInfo};
use crate::report::{self, Command, FitChoice, Fitted, TableLayout};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// What the user asked for.
#[derive(Clone, Debug, Default)]
pub struct CompareRequest {
    /// Lever values (`--lever NAME=V1,V2`), each tried alone (or as a grid, `options.grid`);
    /// none: each lever's listed values in turn.
    pub levers: Vec<(String, Vec<f64>)>,
    /// `--grid`, `--for`, `--target`, `--cost`.
    pub options: CompareOptions,
    /// Levers and fixed uncertainties applied to every setting, the baseline included.
    pub sets: Vec<(String, f64)>,
    /// Accept `sets` and `across` values outside what the scenario allows.
    pub allow_outside: bool,
    /// Uncertainties to repeat the comparison across (`--across NAME=V1,V2,...`).
    pub across: Vec<(String, Vec<f64>)>,
    /// Paired runs per setting (default: the scenario's runs).
    pub runs: Option<u64>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    /// Output folder (default: `output/<scenario stem>-compare`).
    pub out: Option<PathBuf>,
    pub brief: bool,
    /// With `brief`: write only the one-page summary.
    pub one_page: bool,
    pub shard: Option<[u64; 2]>,
    pub resume: bool,
    /// Which posterior the calibrated uncertainties are drawn from.
    pub fit: FitChoice,
    /// Where the CSV's provenance goes, and whether `comparison.xlsx` is written too.
    pub tables: TableLayout,
}

/// How the comparison ended.
pub enum CompareEnd {
    /// Every paired run finished; comparison.json and comparison.csv were written.
    Finished(Box<ComparisonFile>),
    /// A shard finished; its partial result waits for `stratex merge`.
    Shard { k: u64, n: u64 },
    /// Stopped before the end; what finished is saved and `resume` continues it.
    Stopped { resume: String },
}

/// What a comparison did.
pub struct CompareDone {
    pub out: PathBuf,
    pub settings: usize,
    /// Paired runs of the whole comparison, this process's share and how many finished.
    pub runs: u64,
    pub seed: u64,
    pub first_run: u64,
    pub count: u64,
    pub completed: u64,
    /// Runs simulated by this process (settings times paired runs), and how fast.
    pub simulated: u64,
    pub elapsed: f64,
    pub threads: usize,
    pub end: CompareEnd,
}

/// The settings a comparison runs, its baseline first: the scenario's lever baselines with
/// `sets` applied, then each `--lever` value alone (or the grid), restricted to one actor's
/// levers under `--for`.
pub fn settings(
    model: &Model,
    levers: &[(String, Vec<f64>)],
    options: &CompareOptions,
    sets: &[(String, f64)],
    file: &Path,
) -> Result<Vec<Labeled>, BatchError> {
    let owner = match &options.for_actor {
        None => None,
        Some(a) => Some(owner(model, a)?),
    };
    let base = crate::model::compile::apply_overrides(model, sets)?;
    let ask = grid::Ask {
        levers,
        grid: options.grid,
        owner,
    };
    let settings = grid::settings(model, &base, &ask)?;
    if settings.len() < 2 {
        return Err(BatchError::input(format!(
            "nothing to compare: no setting differs from the baseline ({} lists no other lever values{}, and any --lever values equal the baseline); give --lever NAME=V1,V2,...",
            file.display(),
            options
                .for_actor
                .as_ref()
                .map_or(String::new(), |a| format!(" among {a}'s levers"))
        )));
    }
    Ok(settings)
}

/// Every `--target` and `--cost` names an outcome, none twice.
pub fn check_outcomes(model: &Model, options: &CompareOptions) -> Result<(), BatchError> {
    let known: Vec<&str> = model.outcomes.iter().map(|o| o.id.as_str()).collect();
    let mut errors = Vec::new();
    let named = options.targets.iter().map(|t| ("--target", t));
    let named = named.chain(options.costs.iter().map(|c| ("--cost", c)));
    let mut seen: Vec<&str> = Vec::new();
    for (flag, id) in named {
        if !known.contains(&id.as_str()) {
            errors.push(format!(
                "{flag} {id}: {}",
                crate::scenario::error::unknown("outcome", id, &known)
            ));
        } else if seen.contains(&id.as_str()) {
            errors.push(format!(
                "{flag} {id}: the outcome is named twice among --target and --cost"
            ));
        }
        seen.push(id);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(BatchError::Input(errors))
    }
}

/// The actor `--for` names, which must own a lever.
pub fn owner(model: &Model, id: &str) -> Result<crate::model::ActorId, BatchError> {
    let known: Vec<&str> = model.actors.iter().map(|a| a.id.as_str()).collect();
    let a = model
        .actors
        .iter_ids()
        .find(|(_, a)| a.id == id)
        .map(|(i, _)| i)
        .ok_or_else(|| {
            BatchError::input(format!(
                "--for {id}: {}",
                crate::scenario::error::unknown("actor", id, &known)
            ))
        })?;
    if !model.levers.iter().any(|l| l.owner == Some(a)) {
        let owners: Vec<&str> = model
            .levers
            .iter()
            .filter_map(|l| l.owner.map(|o| model.actors[o].id.as_str()))
            .collect();
        return Err(BatchError::input(format!(
            "--for {id}: no lever of the scenario is {id}'s; levers are owned by: {}",
            if owners.is_empty() {
                "none (no lever declares an owner)".to_string()
            } else {
                owners.join(", ")
            }
        )));
    }
    Ok(a)
}

/// The command that reproduces a whole comparison in one process.
pub fn reproduce(file: &str, runs: u64, seed: u64, req: &CompareRequest) -> String {
    let c = Command::new("compare", file)
        .flag("--runs", runs)
        .flag("--seed", seed);
    req.fit.flags(with_choices(c, req)).text()
}

/// `c` with the flags that say what `req` compares.
fn with_choices(c: Command, req: &CompareRequest) -> Command {
    let o = &req.options;
    let c = c
        .levers(&req.levers)
        .switch_if("--grid", o.grid)
        .flag_if("--for", o.for_actor.as_ref())
        .sets(&req.sets)
        .switch_if("--allow-outside", req.allow_outside);
    let c = o.targets.iter().fold(c, |c, t| c.flag("--target", t));
    let c = o.costs.iter().fold(c, |c, t| c.flag("--cost", t));
    req.across.iter().fold(c, |c, (name, values)| {
        let v: Vec<String> = values.iter().map(|x| x.to_string()).collect();
        c.flag("--across", format!("{name}={}", v.join(",")))
    })
}

/// Runs the comparison `req` asks for and writes its result folder in one piece.
pub fn compare(
    loaded: &Loaded,
    req: &CompareRequest,
    ctl: Control,
) -> Result<CompareDone, BatchError> {
    let model = &loaded.model;
    let settings = settings(
        model,
        &req.levers,
        &req.options,
        &req.sets,
        &loaded.source.path,
    )?;
    super::refuse_outside(model, &req.sets, req.allow_outside)?;
    check_outcomes(model, &req.options)?;
    let sweeps = super::across::Plan::new(model, req, &settings)?;
    super::no_brief_on_a_shard(req.brief, req.shard)?;
    super::no_xlsx_on_a_shard(req.tables, req.shard)?;
    let out = super::output_folder(req.out.as_deref(), &loaded.source, "-compare", req.shard);
    let ask = Ask {
        kind: PartKind::Compare,
        runs: req.runs,
        seed: req.seed,
        sets: &req.sets,
        levers: &req.levers,
        compare: &req.options,
        shard: req.shard,
        resume: req.resume,
    };
    let fit = super::fit::resolve(loaded, &req.fit)?;
    let plan = Plan::new(loaded, &ask, fit.as_ref(), out)?;
    let threads = super::threads(req.threads)?;
    let reproduce = reproduce(&loaded.file(), plan.runs, plan.seed, req);
    let draws = fit
        .as_ref()
        .map(|f| Draws::new(&f.posterior, f.draws.clone(), plan.seed));
    let mut cmp = saved_comparison(&plan, settings.len(), model.outcomes.len())?;
    let staging = super::staging(&plan.out)?;
    let plain: Vec<_> = settings.iter().map(|s| s.setting.clone()).collect();
    let done_before = plan.done_before();
    let job = PairedJob {
        model,
        settings: &plain,
        seed: plan.seed,
        first_run: plan.first_run + done_before,
        runs: plan.count - done_before,
        threads,
        design: draws.as_ref().map(|d| d as &dyn crate::montecarlo::Design),
    };
    let started = SystemTime::now();
    let clock = Instant::now();
    let progress = ctl.progress;
    let count = plan.count;
    let new = execute_paired(&job, &mut |d, _| progress(done_before + d, count), ctl.stop)
        .map_err(|e| BatchError::failed("the comparison failed", e))?;
    cmp.merge(&new);
    let completed = done_before + new.runs();
    let mut simulated = new.runs() * settings.len() as u64;
    let robustness = match (&sweeps, completed == plan.count) {
        (Some(sweeps), true) => {
            let ctx = super::across::Context {
                model,
                settings: &settings,
                seed: plan.seed,
                runs: plan.runs,
                threads,
                design: job.design,
                stop: ctl.stop,
                simulated: std::cell::Cell::new(0),
            };
            let found = sweeps.run(&ctx)?;
            simulated += ctx.simulated.get();
            found
        }
        _ => vec![],
    };
    let elapsed = clock.elapsed().as_secs_f64();
    let run_info = RunInfo::for_command(reproduce.clone(), simulated, threads, elapsed, started);
    report::write_json(&staging.path("run-info.json"), &run_info)
        .map_err(cannot_write("run-info.json"))?;
    let ends = Ends {
        loaded,
        req,
        plan: &plan,
        settings: &settings,
        reproduce,
        elapsed,
        fitted: fit.as_ref().map(|f| f.record.clone()),
        robustness,
    };
    let end = ends.finish(&cmp, completed, staging.dir())?;
    super::commit(staging)?;
    Ok(CompareDone {
        out: plan.out.clone(),
        settings: settings.len(),
        runs: plan.runs,
        seed: plan.seed,
        first_run: plan.first_run,
        count: plan.count,
        completed,
        simulated,
        elapsed,
        threads,
        end,
    })
}

/// The comparison of the runs a resumed batch finished before (empty if none), checked against
/// the settings and outcomes.
fn saved_comparison(
    plan: &Plan,
    settings: usize,
    outcomes: usize,
) -> Result<Comparison, BatchError> {
    let Some(p) = &plan.saved else {
        return Ok(Comparison::new(settings, outcomes));
    };
    let repr = decode_comparison(&p.state).map_err(|e| plan.damaged(e))?;
    Comparison::from_repr(&repr)
        .filter(|c| c.runs() == p.info.completed && c.shape() == (settings, outcomes))
        .ok_or_else(|| {
            plan.damaged("does not fit this comparison; the folder was edited or damaged")
        })
}

/// What the end of a comparison writes.
struct Ends<'a> {
    loaded: &'a Loaded,
    req: &'a CompareRequest,
    plan: &'a Plan,
    settings: &'a [Labeled],
    reproduce: String,
    elapsed: f64,
    fitted: Option<Fitted>,
    robustness: Vec<crate::report::across::Sweep>,
}

impl Ends<'_> {
    /// Writes the results and briefing of a finished comparison into `dir`, or the partial
    /// result of a shard or a stopped comparison.
    fn finish(
        &self,
        cmp: &Comparison,
        completed: u64,
        dir: &Path,
    ) -> Result<CompareEnd, BatchError> {
        let (plan, req) = (self.plan, self.req);
        let finished = completed == plan.count;
        if let (None, true) = (req.shard, finished) {
            let info = ScenarioInfo::of(
                &self.loaded.model,
                &self.loaded.file(),
                &self.loaded.source.sha256,
            );
            let mut file = ComparisonFile::new(
                &self.loaded.model,
                info,
                plan.seed,
                self.reproduce.clone(),
                self.settings,
                cmp,
            );
            file.fitted = self.fitted.clone();
            file.robustness = self.robustness.clone();
            file.targets = req.options.targets.clone();
            file.costs = req.options.costs.clone();
            file.for_actor = req.options.for_actor.clone();
            write_results(dir, &file, req.tables)?;
            if req.brief {
                crate::brief::compare::write(dir, &file, self.elapsed, req.one_page)?;
            }
            return Ok(CompareEnd::Finished(Box::new(file)));
        }
        let info = PartInfo {
            generator: PartInfo::generator(),
            kind: PartKind::Compare,
            file: self.loaded.file(),
            sha256: self.loaded.source.sha256.clone(),
            seed: plan.seed,
            runs: plan.runs,
            sets: req.sets.clone(),
            levers: req.levers.clone(),
            shard: req.shard,
            first_run: plan.first_run,
            count: plan.count,
            completed,
            reproduce: self.reproduce.clone(),
            choice: req.fit.clone(),
            fitted: self.fitted.clone(),
            allow_outside: req.allow_outside,
            compare: req.options.clone(),
        };
        let state = encode_comparison(&cmp.to_repr());
        part::write(dir, &info, &self.loaded.source.text, &state)
            .map_err(cannot_write("the partial result"))?;
        Ok(match (finished, req.shard) {
            (true, Some([k, n])) => CompareEnd::Shard { k, n },
            _ => CompareEnd::Stopped {
                resume: req
                    .fit
                    .flags(with_choices(
                        resume_command("compare", &self.loaded.file(), req.shard),
                        req,
                    ))
                    .flag("--out", plan.out.display())
                    .switch("--resume")
                    .text(),
            },
        })
    }
}

/// Writes comparison.json and comparison.csv, laid out as `tables` says (with
/// `comparison.xlsx` if it asks for a workbook).
pub fn write_results(
    dir: &Path,
    file: &ComparisonFile,
    tables: TableLayout,
) -> Result<(), BatchError> {
    report::write_json(&dir.join("comparison.json"), file)
        .map_err(cannot_write("comparison.json"))?;
    if !file.robustness.is_empty() {
        crate::report::across::Sweep::write_csv(
            &file.robustness,
            &dir.join("across.csv"),
            &file.provenance(),
            tables.csv_provenance,
        )
        .map_err(cannot_write("across.csv"))?;
    }
    file.write_csv(&dir.join("comparison.csv"), tables.csv_provenance)
        .map_err(cannot_write("comparison.csv"))?;
    if tables.xlsx {
        report::xlsx::write(
            &dir.join("comparison.xlsx"),
            &report::workbook::compare(file),
        )
        .map_err(cannot_write("comparison.xlsx"))?;
    }
    Ok(())
}
