//! Which posterior a batch draws its calibrated uncertainties from: the one the scenario names
//! (`posterior:`), another given with `--posterior`, or none with `--prior`.

use super::{BatchError, Loaded};
use crate::calibrate::posterior::{Posterior, PosteriorError};
use crate::report::csv_file;
use crate::report::{FitChoice, Fitted};
use std::path::{Path, PathBuf};

/// A posterior in use: its particles, each calibrated uncertainty's draw index, and the record
/// results keep of it.
pub struct Fit {
    pub posterior: Posterior,
    pub draws: Vec<usize>,
    pub record: Fitted,
}

/// The posterior `choice` selects for the scenario in `loaded`, read and checked against it:
/// `--posterior` first, then the scenario's `posterior:` (relative to the scenario file), none
/// with `--prior` or when neither names one.
pub fn resolve(loaded: &Loaded, choice: &FitChoice) -> Result<Option<Fit>, BatchError> {
    if choice.prior && choice.posterior.is_some() {
        return Err(BatchError::input(
            "--prior and --posterior contradict each other: --prior draws every uncertainty from its prior; give one",
        ));
    }
    let path = match (&choice.posterior, &loaded.model.posterior) {
        _ if choice.prior => return Ok(None),
        (Some(p), _) => p.clone(),
        (None, Some(named)) => beside(&loaded.source.path, named),
        (None, None) => return Ok(None),
    };
    let from_scenario = choice.posterior.is_none();
    let (posterior, sha256) = read(&path).map_err(|e| {
        let why = e.to_string();
        BatchError::input(if from_scenario {
            format!(
                "{}: field `posterior`: {why} (run without it with --prior)",
                loaded.source.path.display()
            )
        } else {
            why
        })
    })?;
    let draws = posterior
        .draws_in(&loaded.model, &path)
        .map_err(|e| BatchError::input(e.to_string()))?;
    let record = Fitted {
        file: path.display().to_string(),
        sha256,
        fit: posterior.fit.clone(),
    };
    Ok(Some(Fit {
        posterior,
        draws,
        record,
    }))
}

/// `named` (a path written in the scenario at `scenario`) relative to the scenario's folder.
fn beside(scenario: &Path, named: &str) -> PathBuf {
    match scenario.parent() {
        Some(dir) if !Path::new(named).is_absolute() => dir.join(named),
        _ => PathBuf::from(named),
    }
}

/// Reads the posterior file `path`, written in either CSV layout (its comment lines first, or
/// in its sidecar); also returns its hash (see [`Posterior::from_bytes`]).
fn read(path: &Path) -> Result<(Posterior, String), PosteriorError> {
    let unreadable = |why: String| PosteriorError::Unreadable {
        path: path.display().to_string(),
        why,
    };
    let bytes = crate::scenario::read_bounded(path).map_err(|e| unreadable(e.to_string()))?;
    let bytes = csv_file::line_layout(bytes, path).map_err(|e| {
        let side = csv_file::sidecar_path(path);
        unreadable(format!("cannot read {}: {e}", side.display()))
    })?;
    Posterior::from_bytes(bytes, path)
}
