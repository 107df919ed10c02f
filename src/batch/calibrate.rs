//! `calibrate`: fits a scenario's uncertainties to observed figures and writes the posterior.

use super::{BatchError, Loaded, cannot_write};
use crate::calibrate::abc::{self, REACH, Settings};
use crate::calibrate::fit::{self, Calibration};
use crate::calibrate::targets::{self, Targets};
use crate::number::human;
use crate::report::calibrate::CalibrationFile;
use crate::report::csv_file::{self, CsvProvenance};
use crate::report::summary::{RunInfo, ScenarioInfo};
use crate::report::{self, Command};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// What the user asked for.
#[derive(Clone, Debug)]
pub struct CalibrateRequest {
    /// The targets file.
    pub targets: PathBuf,
    /// Particles per generation.
    pub particles: usize,
    /// Most runs the sampler may simulate.
    pub max_runs: u64,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    /// Output folder (default: `output/<scenario stem>-calibrate`).
    pub out: Option<PathBuf>,
    pub brief: bool,
    /// Where `posterior.csv`'s comment lines (provenance, priors, fit) go.
    pub csv_provenance: CsvProvenance,
}

/// What a calibration did.
pub struct CalibrateDone {
    pub out: PathBuf,
    pub file: CalibrationFile,
    pub elapsed: f64,
    pub threads: usize,
}

/// Fits `loaded`'s uncertainties to the targets and writes the result folder in one piece:
/// `posterior.csv`, `calibration.json`, `run-info.json`, and with `brief` the charts and
/// `briefing.html`.
pub fn calibrate(
    loaded: &Loaded,
    req: &CalibrateRequest,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<CalibrateDone, BatchError> {
    let (targets, extended) = targets::load(&req.targets, &loaded.source, &loaded.model)?;
    // Targets on a measure or a period are outcomes of an extended model; its uncertainties
    // and draws are the scenario's, so the posterior fits both.
    let model = extended.as_ref().unwrap_or(&loaded.model);
    if !(100..=100_000).contains(&req.particles) {
        return Err(BatchError::input(format!(
            "--particles must be between 100 and 100,000, got {}",
            req.particles
        )));
    }
    let threads = super::threads(req.threads)?;
    let seed = req.seed.unwrap_or(model.default_seed);
    let out = super::output_folder(req.out.as_deref(), &loaded.source, "-calibrate", None);
    let staging = super::staging(&out)?;
    let setting = model.baseline();
    let budget = req.max_runs + fit::CHECK_RUNS;
    let started = SystemTime::now();
    let clock = Instant::now();
    let cal = fit::calibrate(fit::Request {
        model,
        setting: &setting,
        targets: &targets,
        settings: Settings {
            particles: req.particles,
            max_runs: req.max_runs,
            seed,
            ..Settings::default()
        },
        threads,
        progress: &mut |done| progress(done.min(budget), budget),
    })
    .map_err(|e| BatchError::failed("the calibration failed", e))?;
    if cal.fit.stop == abc::Stop::Unreachable {
        return Err(unreachable(&req.targets, &targets, &cal));
    }
    let elapsed = clock.elapsed().as_secs_f64();
    let reproduce = Command::new("calibrate", &loaded.file())
        .flag("--targets", req.targets.display())
        .flag("--particles", req.particles)
        .flag("--max-runs", req.max_runs)
        .flag("--seed", seed)
        .text();
    let scenario = ScenarioInfo::of(model, &loaded.file(), &loaded.source.sha256);
    let targets_file = req.targets.display().to_string();
    let file = CalibrationFile::new(
        scenario,
        targets_file,
        &targets,
        &cal,
        seed,
        reproduce.clone(),
    );
    let place = req.csv_provenance;
    write(
        staging.dir(),
        &file,
        &cal,
        model,
        &targets,
        (&reproduce, place),
    )?;
    let info = RunInfo::for_command(reproduce, cal.runs, threads, elapsed, started);
    report::write_json(&staging.path("run-info.json"), &info)
        .map_err(cannot_write("run-info.json"))?;
    if req.brief {
        crate::brief::calibrate::write(staging.dir(), &file, &cal, elapsed)?;
    }
    super::commit(staging)?;
    Ok(CalibrateDone {
        out,
        file,
        elapsed,
        threads,
    })
}

/// Writes `calibration.json` and `posterior.csv` into `dir`.
fn write(
    dir: &Path,
    file: &CalibrationFile,
    cal: &Calibration,
    model: &crate::model::Model,
    targets: &Targets,
    (reproduce, place): (&str, CsvProvenance),
) -> Result<(), BatchError> {
    report::write_json(&dir.join("calibration.json"), file)
        .map_err(cannot_write("calibration.json"))?;
    let draws: Vec<usize> = targets.calibrated.iter().map(|c| c.draw).collect();
    let values = cal.posterior.values(model, &draws);
    let provenance = format!(
        "{}; scenario \"{}\" ({}, sha256 {}); targets {} (sha256 {}); reproduce: {reproduce}",
        file.generator,
        file.scenario.name.replace('"', "'"),
        file.scenario.file,
        file.scenario.sha256,
        file.targets_file,
        file.targets_sha256,
    );
    let text = cal.posterior.to_csv(&provenance, &values);
    csv_file::write_text(&dir.join("posterior.csv"), &text, place)
        .map_err(cannot_write("posterior.csv"))
}

/// The error for targets no draw from the prior can reach.
fn unreachable(path: &Path, targets: &Targets, cal: &Calibration) -> BatchError {
    let lines = cal
        .fit
        .unreachable
        .iter()
        .map(|&j| {
            let t = &targets.targets[j];
            let (lo, hi) = cal.fit.prior_range[j];
            format!(
                "{}: target {} ({}: observed {} ± {} {}) is out of the scenario's reach: no run drawn from the priors came within {REACH} uncertainties of it (they ranged from {} to {}); check the figure and its unit, or widen the priors of the uncertainties that drive {}",
                path.display(),
                t.id,
                t.name,
                human(t.observed),
                human(t.sd),
                t.unit,
                human(lo),
                human(hi),
                t.outcome_id
            )
        })
        .collect();
    BatchError::Input(lines)
}
