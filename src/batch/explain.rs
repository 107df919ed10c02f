//! `explain`: one option's effect on every outcome, split by pathway (see
//! [`crate::report::explain`]).

use super::{BatchError, Control, Loaded, cannot_write};
use crate::calibrate::posterior::Draws;
use crate::model::{Model, Pathways, Setting};
use crate::montecarlo::compare::{Comparison, PairedJob, execute_paired};
use crate::report::explain::{ExplainFile, Explained};
use crate::report::summary::{RunInfo, ScenarioInfo};
use crate::report::{self, Command, FitChoice};
use crate::stats::exact::ExactSum;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime};

/// What the user asked for.
#[derive(Clone, Debug, Default)]
pub struct ExplainRequest {
    /// The option: levers and their values (`--lever NAME=VALUE`, together one setting).
    pub option: Vec<(String, f64)>,
    /// Applied to the baseline and the option alike (`--set`).
    pub sets: Vec<(String, f64)>,
    pub allow_outside: bool,
    pub runs: Option<u64>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    pub out: Option<PathBuf>,
    pub fit: FitChoice,
    /// Where explain.csv's provenance goes.
    pub csv_provenance: crate::report::CsvProvenance,
}

/// What an explanation did.
pub struct ExplainDone {
    pub out: PathBuf,
    pub file: ExplainFile,
    pub simulated: u64,
    pub elapsed: f64,
    pub threads: usize,
}

/// The configurations run, in order: all pathways, none, then each one off.
fn configurations() -> Vec<Pathways> {
    let mut c = vec![Pathways::ALL, Pathways::NONE];
    c.extend((0..Pathways::NAMES.len()).map(|i| Pathways::ALL.with(i, false)));
    c
}

/// Runs the explanation `req` asks for and writes its folder in one piece.
pub fn explain(
    loaded: &Loaded,
    req: &ExplainRequest,
    ctl: Control,
) -> Result<ExplainDone, BatchError> {
    let model = &loaded.model;
    let (base, option) = settings(model, req)?;
    super::refuse_outside(model, &req.sets, req.allow_outside)?;
    let runs = req.runs.unwrap_or(model.default_runs);
    crate::model::compile::limits::check_runs("--runs", runs, model.steps)?;
    let seed = req.seed.unwrap_or(model.default_seed);
    let threads = super::threads(req.threads)?;
    let fit = super::fit::resolve(loaded, &req.fit)?;
    let out = super::output_folder(req.out.as_deref(), &loaded.source, "-explain", None);
    let draws = fit
        .as_ref()
        .map(|f| Draws::new(&f.posterior, f.draws.clone(), seed));
    let staging = super::staging(&out)?;
    let started = SystemTime::now();
    let clock = Instant::now();
    let configs = configurations();
    let total = runs * configs.len() as u64;
    let progress = ctl.progress;
    let mut effects = Vec::new();
    for (i, pathways) in configs.iter().enumerate() {
        let mut m = model.clone();
        m.pathways = *pathways;
        let pair = [base.clone(), option.clone()];
        let job = PairedJob {
            model: &m,
            settings: &pair,
            seed,
            first_run: 0,
            runs,
            threads,
            design: draws.as_ref().map(|d| d as &dyn crate::montecarlo::Design),
        };
        let done = i as u64 * runs;
        let cmp = execute_paired(&job, &mut |d, _| progress(done + d, total), ctl.stop)
            .map_err(|e| BatchError::failed("the explanation failed", e))?;
        if ctl.stop.load(Ordering::SeqCst) {
            return Err(BatchError::Failed(
                "stopped before every configuration ran; nothing was written".into(),
            ));
        }
        effects.push(effect_sums(&cmp, model.outcomes.len()));
    }
    let elapsed = clock.elapsed().as_secs_f64();
    let reproduce = reproduce(&loaded.file(), runs, seed, req);
    let info = ScenarioInfo::of(model, &loaded.file(), &loaded.source.sha256);
    let mut file = ExplainFile::new(info, seed, runs, reproduce.clone());
    file.option = label(&req.option);
    file.levers = model.lever_values(&option);
    file.fitted = fit.as_ref().map(|f| f.record.clone());
    file.outcomes = model
        .outcomes
        .iter()
        .enumerate()
        .map(|(o, def)| split(&effects, o, runs, def))
        .collect();
    report::write_json(&staging.path("explain.json"), &file)
        .map_err(cannot_write("explain.json"))?;
    file.write_csv(&staging.path("explain.csv"), req.csv_provenance)
        .map_err(cannot_write("explain.csv"))?;
    let simulated = total * 2;
    let run_info = RunInfo::for_command(reproduce, simulated, threads, elapsed, started);
    report::write_json(&staging.path("run-info.json"), &run_info)
        .map_err(cannot_write("run-info.json"))?;
    super::commit(staging)?;
    Ok(ExplainDone {
        out,
        file,
        simulated,
        elapsed,
        threads,
    })
}

/// The baseline (the scenario's, with `--set`) and the option (the baseline with `--lever`).
fn settings(model: &Model, req: &ExplainRequest) -> Result<(Setting, Setting), BatchError> {
    if req.option.is_empty() {
        return Err(BatchError::input(
            "explain needs the option to explain: --lever NAME=VALUE (repeatable, together one setting)",
        ));
    }
    let base = crate::model::compile::apply_overrides(model, &req.sets)?;
    let mut option = base.clone();
    let mut errors = Vec::new();
    for (name, value) in &req.option {
        match model.levers.iter().position(|l| &l.id == name) {
            Some(i) => option.levers[i] = *value,
            None => {
                let known: Vec<&str> = model.levers.iter().map(|l| l.id.as_str()).collect();
                errors.push(format!(
                    "--lever {name}: {}",
                    crate::scenario::error::unknown("lever", name, &known)
                ));
            }
        }
    }
    errors.extend(crate::model::compile::check_setting(model, &option));
    if option == base && errors.is_empty() {
        errors.push("--lever: the option equals the baseline; nothing to explain".into());
    }
    if errors.is_empty() {
        Ok((base, option))
    } else {
        Err(BatchError::Input(errors))
    }
}

/// `lever=value ...`.
fn label(option: &[(String, f64)]) -> String {
    let parts: Vec<String> = option.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.join(" ")
}

/// Per outcome: the exact sum over runs of option minus baseline.
fn effect_sums(cmp: &Comparison, outcomes: usize) -> Vec<ExactSum> {
    (0..outcomes)
        .map(|o| {
            let mut d = cmp.sum(1, o).clone();
            d.merge(&cmp.sum(0, o).negated());
            d
        })
        .collect()
}

/// Outcome `o`'s effect split: `effects[c][o]` is configuration `c`'s exact sum of
/// differences (see [`configurations`]).
fn split(
    effects: &[Vec<ExactSum>],
    o: usize,
    runs: u64,
    def: &crate::model::OutcomeDef,
) -> Explained {
    let n = runs as f64;
    let all = &effects[0][o];
    let none = &effects[1][o];
    let mut interaction = all.clone();
    interaction.merge(&none.negated());
    let pathways: Vec<f64> = (0..Pathways::NAMES.len())
        .map(|i| {
            let mut part = all.clone();
            part.merge(&effects[2 + i][o].negated());
            interaction.merge(&part.negated());
            part.value() / n
        })
        .collect();
    Explained {
        id: def.id.clone(),
        name: def.name.clone(),
        unit: def.unit.clone(),
        total: all.value() / n,
        direct: none.value() / n,
        pathways,
        interaction: interaction.value() / n,
    }
}

/// The command that reproduces the explanation.
fn reproduce(file: &str, runs: u64, seed: u64, req: &ExplainRequest) -> String {
    let c = Command::new("explain", file)
        .flag("--runs", runs)
        .flag("--seed", seed);
    let c = req
        .option
        .iter()
        .fold(c, |c, (k, v)| c.flag("--lever", format!("{k}={v}")))
        .sets(&req.sets)
        .switch_if("--allow-outside", req.allow_outside);
    req.fit.flags(c).text()
}
