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
use crate::report::part::{self, PartInfo, PartKind};
use crate::report::summary::{RunInfo, ScenarioInfo};
use crate::report::{self, Command, FitChoice, Fitted, TableLayout};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// What the user asked for.
#[derive(Clone, Debug, Default)]
pub struct CompareRequest {
    /// Lever grids (`--lever NAME=V1,V2`); none: each lever's listed values in turn.
    pub levers: Vec<(String, Vec<f64>)>,
    /// Paired runs per setting (default: the scenario's runs).
    pub runs: Option<u64>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    /// Output folder (default: `output/<scenario stem>-compare`).
    pub out: Option<PathBuf>,
    pub brief: bool,
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

/// The settings a comparison runs: the `--lever` grid, or each lever's listed values in turn,
/// the baseline first.
pub fn settings(
    model: &Model,
    levers: &[(String, Vec<f64>)],
    file: &Path,
) -> Result<Vec<Labeled>, BatchError> {
    let settings = if levers.is_empty() {
        grid::one_at_a_time(model)
    } else {
        grid::factorial(model, levers)?
    };
    if settings.len() < 2 {
        return Err(BatchError::input(format!(
            "nothing to compare: {} lists no lever values other than the baselines; give --lever NAME=V1,V2,...",
            file.display()
        )));
    }
    Ok(settings)
}

/// The command that reproduces a whole comparison in one process.
pub fn reproduce(
    file: &str,
    runs: u64,
    seed: u64,
    levers: &[(String, Vec<f64>)],
    choice: &FitChoice,
) -> String {
    let c = Command::new("compare", file)
        .flag("--runs", runs)
        .flag("--seed", seed)
        .levers(levers);
    choice.flags(c).text()
}

/// Runs the comparison `req` asks for and writes its result folder in one piece.
pub fn compare(
    loaded: &Loaded,
    req: &CompareRequest,
    ctl: Control,
) -> Result<CompareDone, BatchError> {
    let model = &loaded.model;
    let settings = settings(model, &req.levers, &loaded.source.path)?;
    super::no_brief_on_a_shard(req.brief, req.shard)?;
    super::no_xlsx_on_a_shard(req.tables, req.shard)?;
    let out = super::output_folder(req.out.as_deref(), &loaded.source, "-compare", req.shard);
    let ask = Ask {
        kind: PartKind::Compare,
        runs: req.runs,
        seed: req.seed,
        sets: &[],
        levers: &req.levers,
        shard: req.shard,
        resume: req.resume,
    };
    let fit = super::fit::resolve(loaded, &req.fit)?;
    let plan = Plan::new(loaded, &ask, fit.as_ref(), out)?;
    let threads = super::threads(req.threads)?;
    let reproduce = reproduce(&loaded.file(), plan.runs, plan.seed, &req.levers, &req.fit);
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
    let elapsed = clock.elapsed().as_secs_f64();
    cmp.merge(&new);
    let simulated = new.runs() * settings.len() as u64;
    let run_info = RunInfo::for_command(reproduce.clone(), simulated, threads, elapsed, started);
    report::write_json(&staging.path("run-info.json"), &run_info)
        .map_err(cannot_write("run-info.json"))?;
    let completed = done_before + new.runs();
    let ends = Ends {
        loaded,
        req,
        plan: &plan,
        settings: &settings,
        reproduce,
        elapsed,
        fitted: fit.as_ref().map(|f| f.record.clone()),
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
            write_results(dir, &file, req.tables)?;
            if req.brief {
                crate::brief::compare::write(dir, &file, self.elapsed)?;
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
            sets: vec![],
            levers: req.levers.clone(),
            shard: req.shard,
            first_run: plan.first_run,
            count: plan.count,
            completed,
            reproduce: self.reproduce.clone(),
            choice: req.fit.clone(),
            fitted: self.fitted.clone(),
            allow_outside: false,
        };
        let state = encode_comparison(&cmp.to_repr());
        part::write(dir, &info, &self.loaded.source.text, &state)
            .map_err(cannot_write("the partial result"))?;
        Ok(match (finished, req.shard) {
            (true, Some([k, n])) => CompareEnd::Shard { k, n },
            _ => CompareEnd::Stopped {
                resume: resume_command("compare", &self.loaded.file(), req.shard)
                    .levers(&req.levers)
                    .flag_if(
                        "--posterior",
                        req.fit.posterior.as_ref().map(|p| p.display()),
                    )
                    .switch_if("--prior", req.fit.prior)
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
