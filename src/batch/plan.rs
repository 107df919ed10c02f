//! Planning a batch of runs: how many, which seed, which share of the run indices (a shard),
//! and what an interrupted batch in the output folder already finished (a resume).

use super::fit::Fit;
use super::{BatchError, Loaded};
use crate::model::compile::limits;
use crate::report::part::{self, CompareOptions, Part, PartKind, Resume};
use std::path::{Path, PathBuf};

/// What the user asked of a batch, before it is checked against the scenario and the folder.
pub struct Ask<'a> {
    pub kind: PartKind,
    pub runs: Option<u64>,
    pub seed: Option<u64>,
    pub sets: &'a [(String, f64)],
    pub levers: &'a [(String, Vec<f64>)],
    pub compare: &'a CompareOptions,
    pub shard: Option<[u64; 2]>,
    pub resume: bool,
}

/// A checked plan: the whole batch, this process's share of it, and what was saved before.
pub struct Plan {
    pub out: PathBuf,
    /// Runs of the whole batch (all shards together).
    pub runs: u64,
    pub seed: u64,
    /// This process's run indices: `first_run .. first_run + count`.
    pub first_run: u64,
    pub count: u64,
    /// The interrupted part being resumed, if any: its first `completed` runs are done.
    pub saved: Option<Part>,
}

impl Plan {
    /// Checks `ask` against the scenario and, when resuming, the part saved in `out`.
    pub fn new(
        loaded: &Loaded,
        ask: &Ask,
        fit: Option<&Fit>,
        out: PathBuf,
    ) -> Result<Plan, BatchError> {
        let model = &loaded.model;
        let saved = if ask.resume {
            let wanted = Resume {
                kind: ask.kind,
                scenario: &loaded.source.path,
                sha256: &loaded.source.sha256,
                runs: ask.runs,
                seed: ask.seed,
                sets: ask.sets,
                levers: ask.levers,
                compare: ask.compare,
                shard: ask.shard,
                fitted: fit.map(|f| &f.record),
            };
            Some(part::resumable(&out, &wanted)?)
        } else {
            None
        };
        let runs = match &saved {
            Some(p) => p.info.runs,
            None => ask.runs.unwrap_or(model.default_runs),
        };
        limits::check_runs("--runs", runs, model.steps)?;
        let (first_run, count) = shard_range(runs, ask.shard)?;
        let seed = saved
            .as_ref()
            .map_or(ask.seed.unwrap_or(model.default_seed), |p| p.info.seed);
        Ok(Plan {
            out,
            runs,
            seed,
            first_run,
            count,
            saved,
        })
    }

    /// Runs already finished (0 unless resuming).
    pub fn done_before(&self) -> u64 {
        self.saved.as_ref().map_or(0, |p| p.info.completed)
    }

    /// The output folder.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// The saved state's damage, as the error to report: the folder and the file.
    pub fn damaged(&self, why: impl std::fmt::Display) -> BatchError {
        BatchError::input(format!("{}: {}: {why}", self.out.display(), part::STATE))
    }
}

/// The run indices of shard `K/N` of `runs` runs (all of them without a shard).
fn shard_range(runs: u64, shard: Option<[u64; 2]>) -> Result<(u64, u64), BatchError> {
    match shard {
        Some([k, n]) if n > runs => Err(BatchError::input(format!(
            "--shard {k}/{n}: {n} shards of {runs} runs would leave some empty; use at most {runs} shards"
        ))),
        Some([k, n]) => Ok(part::shard_range(runs, k, n)),
        None => Ok((0, runs)),
    }
}
