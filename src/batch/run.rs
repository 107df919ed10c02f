//! `run`: a scenario many times under one setting, whole, as a shard, or resumed.

use super::plan::{Ask, Plan};
use super::{BatchError, Control, Loaded, cannot_write};
use crate::calibrate::posterior::Draws;
use crate::model::Model;
use crate::model::compile::apply_overrides;
use crate::montecarlo::state::{decode_aggregate, encode_aggregate};
use crate::montecarlo::{self, Aggregate, Job};
use crate::report::part::{self, CompareOptions, PartInfo, PartKind};
use crate::report::summary::{RunInfo, Summary};
use crate::report::{self, Command, FitChoice, RunMeta, RunsCsv, TableLayout};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// What the user asked for.
#[derive(Clone, Debug, Default)]
pub struct RunRequest {
    /// Runs of the whole batch (default: the scenario's).
    pub runs: Option<u64>,
    /// Master seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// `--set` overrides of levers and uncertainties, in order.
    pub sets: Vec<(String, f64)>,
    /// Output folder (default: `output/<scenario stem>`).
    pub out: Option<PathBuf>,
    /// Also write the briefing.
    pub brief: bool,
    /// Only shard K of N.
    pub shard: Option<[u64; 2]>,
    /// Continue the batch stopped in the output folder.
    pub resume: bool,
    /// Which posterior the calibrated uncertainties are drawn from.
    pub fit: FitChoice,
    /// Accept `--set` values outside what the scenario allows for them.
    pub allow_outside: bool,
    /// Where the CSVs' provenance goes, and whether `results.xlsx` is written too.
    pub tables: TableLayout,
}

/// How the batch ended.
pub enum RunEnd {
    /// Every run finished; the summary was written.
    Finished(Box<Summary>),
    /// A shard finished; its partial result waits for `stratex merge`.
    Shard { k: u64, n: u64 },
    /// Stopped before the end; what finished is saved and `resume` continues it.
    Stopped { resume: String },
}

/// What a run did.
pub struct RunDone {
    pub out: PathBuf,
    pub meta: RunMeta,
    /// This process's run indices and how many of them finished.
    pub first_run: u64,
    pub count: u64,
    pub completed: u64,
    /// Runs simulated by this process (not counting those resumed from), and how fast.
    pub simulated: u64,
    pub elapsed: f64,
    pub threads: usize,
    pub end: RunEnd,
}

/// Runs the batch `req` asks for and writes its result folder in one piece.
pub fn run(loaded: &Loaded, req: &RunRequest, ctl: Control) -> Result<RunDone, BatchError> {
    let model = &loaded.model;
    super::no_brief_on_a_shard(req.brief, req.shard)?;
    super::no_xlsx_on_a_shard(req.tables, req.shard)?;
    let out = super::output_folder(req.out.as_deref(), &loaded.source, "", req.shard);
    let ask = Ask {
        kind: PartKind::Run,
        runs: req.runs,
        seed: req.seed,
        sets: &req.sets,
        levers: &[],
        compare: &CompareOptions::default(),
        shard: req.shard,
        resume: req.resume,
    };
    let fit = super::fit::resolve(loaded, &req.fit)?;
    let plan = Plan::new(loaded, &ask, fit.as_ref(), out)?;
    let threads = super::threads(req.threads)?;
    let setting = apply_overrides(model, &req.sets)?;
    super::refuse_outside(model, &req.sets, req.allow_outside)?;
    let mut meta = meta(loaded, &plan, model.lever_values(&setting), &req.sets);
    meta.choice = req.fit.clone();
    meta.allow_outside = req.allow_outside;
    meta.fitted = fit.as_ref().map(|f| f.record.clone());
    let draws = fit
        .as_ref()
        .map(|f| Draws::new(&f.posterior, f.draws.clone(), plan.seed));
    let before = saved_aggregate(&plan, model)?;
    let staging = super::staging(&plan.out)?;
    let mut csv = runs_csv(&plan, &meta, model, staging.path("runs.csv"), req)?;
    let done_before = plan.done_before();
    let job = Job {
        model,
        setting: &setting,
        seed: plan.seed,
        first_run: plan.first_run + done_before,
        runs: plan.count - done_before,
        threads,
        design: draws.as_ref().map(|d| d as &dyn montecarlo::Design),
    };
    let started = SystemTime::now();
    let clock = Instant::now();
    let progress = ctl.progress;
    let count = plan.count;
    let outcome = montecarlo::execute(
        &job,
        &mut csv,
        &mut |d, _| progress(done_before + d, count),
        ctl.stop,
    )
    .map_err(|e| BatchError::failed("the run failed", e))?;
    let elapsed = clock.elapsed().as_secs_f64();
    csv.finish().map_err(cannot_write("runs.csv"))?;
    let mut aggregate = before.unwrap_or_else(|| montecarlo::empty_aggregate(model));
    aggregate.merge(&outcome.aggregate);
    let completed = done_before + outcome.completed;
    let info = RunInfo::for_command(
        meta.reproduce(),
        outcome.completed,
        threads,
        elapsed,
        started,
    );
    report::write_json(&staging.path("run-info.json"), &info)
        .map_err(cannot_write("run-info.json"))?;
    let end = finish(
        loaded,
        req,
        &plan,
        &meta,
        &aggregate,
        completed,
        staging.dir(),
    )?;
    super::commit(staging)?;
    Ok(RunDone {
        out: plan.out.clone(),
        meta,
        first_run: plan.first_run,
        count: plan.count,
        completed,
        simulated: outcome.completed,
        elapsed,
        threads,
        end,
    })
}

/// What identifies the batch `plan` of `loaded`: with these lever values and overrides.
fn meta(
    loaded: &Loaded,
    plan: &Plan,
    levers: Vec<(String, f64)>,
    sets: &[(String, f64)],
) -> RunMeta {
    RunMeta {
        scenario: loaded.model.name.clone(),
        file: loaded.file(),
        sha256: loaded.source.sha256.clone(),
        seed: plan.seed,
        runs: plan.runs,
        levers,
        sets: sets.to_vec(),
        choice: FitChoice::default(),
        fitted: None,
        allow_outside: false,
    }
}

/// The aggregate of the runs a resumed batch finished before, checked against the scenario.
fn saved_aggregate(plan: &Plan, model: &Model) -> Result<Option<Aggregate>, BatchError> {
    let Some(p) = &plan.saved else {
        return Ok(None);
    };
    let repr = decode_aggregate(&p.state).map_err(|e| plan.damaged(e))?;
    let fits = |a: &Aggregate| a.runs() == p.info.completed && montecarlo::fits(model, a);
    Aggregate::from_repr(&repr)
        .filter(fits)
        .map(Some)
        .ok_or_else(|| {
            plan.damaged(
                "does not fit this scenario or part.json; the folder was edited or damaged",
            )
        })
}

/// Opens `runs.csv` in the staging folder, with the rows a resumed batch finished before.
fn runs_csv(
    plan: &Plan,
    meta: &RunMeta,
    model: &Model,
    path: PathBuf,
    req: &RunRequest,
) -> Result<RunsCsv, BatchError> {
    let header = match req.shard {
        Some([k, n]) => meta.csv_header_for_shard(k, n, plan.first_run, plan.count),
        None => meta.csv_header(),
    };
    let place = req.tables.csv_provenance;
    let mut csv = RunsCsv::create_with_header(&path, &header, model, place)
        .map_err(cannot_write("runs.csv"))?;
    let done = plan.done_before();
    if done > 0 {
        csv.append_rows_from(&plan.out.join("runs.csv"), plan.first_run, done)
            .map_err(|e| BatchError::input(format!("{}: {e}", plan.out.display())))?;
    }
    Ok(csv)
}

/// Writes what the end of the batch calls for into `dir`: the results (and the briefing) of a
/// whole batch, finished or stopped, and the partial result of a shard or a stopped batch.
fn finish(
    loaded: &Loaded,
    req: &RunRequest,
    plan: &Plan,
    meta: &RunMeta,
    aggregate: &Aggregate,
    completed: u64,
    dir: &Path,
) -> Result<RunEnd, BatchError> {
    let finished = completed == plan.count;
    if req.shard.is_none() {
        // A stopped run keeps the results of the runs that finished, marked incomplete.
        let summary = write_results(dir, meta, &loaded.model, aggregate, completed, req.tables)?;
        if finished {
            if req.brief {
                crate::brief::write(dir)?;
            }
            return Ok(RunEnd::Finished(Box::new(summary)));
        }
    }
    let info = PartInfo {
        generator: PartInfo::generator(),
        kind: PartKind::Run,
        file: meta.file.clone(),
        sha256: meta.sha256.clone(),
        seed: plan.seed,
        runs: plan.runs,
        sets: req.sets.clone(),
        levers: vec![],
        shard: req.shard,
        first_run: plan.first_run,
        count: plan.count,
        completed,
        reproduce: meta.reproduce(),
        choice: req.fit.clone(),
        fitted: meta.fitted.clone(),
        allow_outside: req.allow_outside,
        compare: CompareOptions::default(),
    };
    let state = encode_aggregate(&aggregate.to_repr());
    part::write(dir, &info, &loaded.source.text, &state)
        .map_err(|e| BatchError::failed("cannot save the partial result", e))?;
    Ok(match (finished, req.shard) {
        (true, Some([k, n])) => RunEnd::Shard { k, n },
        _ => RunEnd::Stopped {
            resume: req
                .fit
                .flags(
                    resume_command("run", &meta.file, req.shard)
                        .sets(&req.sets)
                        .switch_if("--allow-outside", req.allow_outside),
                )
                .flag("--out", plan.out.display())
                .switch("--resume")
                .text(),
        },
    })
}

/// The start of the command that continues a stopped batch: `stratex <command> FILE [--shard
/// K/N]`; the caller adds its own flags, then `--out` and `--resume`.
pub(crate) fn resume_command(command: &str, file: &str, shard: Option<[u64; 2]>) -> Command {
    Command::new(command, file).flag_if("--shard", shard.map(|[k, n]| format!("{k}/{n}")))
}

/// Writes summary.json, timeseries.csv and flows.csv for `completed` runs of the batch, laid
/// out as `tables` says (with `results.xlsx` if it asks for a workbook).
pub fn write_results(
    dir: &Path,
    meta: &RunMeta,
    model: &Model,
    agg: &Aggregate,
    completed: u64,
    tables: TableLayout,
) -> Result<Summary, BatchError> {
    let place = tables.csv_provenance;
    report::write_timeseries(&dir.join("timeseries.csv"), meta, model, agg, place)
        .map_err(cannot_write("timeseries.csv"))?;
    report::write_flows(&dir.join("flows.csv"), meta, model, agg, place)
        .map_err(cannot_write("flows.csv"))?;
    let mut summary = Summary::new(meta, model, agg, completed);
    summary.answers =
        crate::report::answers::answers(model, &dir.join("runs.csv"), &meta.file, &meta.choice)
            .map_err(cannot_write("the answers to the scenario's questions"))?;
    report::write_json(&dir.join("summary.json"), &summary)
        .map_err(cannot_write("summary.json"))?;
    if tables.xlsx {
        let sheets = report::workbook::run(&summary, report::flows_sheet(model, agg));
        report::xlsx::write(&dir.join("results.xlsx"), &sheets)
            .map_err(cannot_write("results.xlsx"))?;
    }
    Ok(summary)
}
