//! The batch layer: what every command does between parsing its flags and printing its results.
//!
//! A command loads a scenario ([`Loaded`]), plans a batch (runs, seed, shard, resume; [`plan`]),
//! runs it on the one parallel driver, and writes its result folder in one piece (a staging
//! folder renamed into place, so nothing half-written is ever left). [`run`], [`compare`],
//! [`explore`] and [`merge`] each take a request (plain data: what the user asked for) and return
//! what happened, for the caller to print; none of them prints. Progress and stopping go through
//! a [`Control`], so a command line, a test or another program can drive them alike.

pub mod across;
pub mod calibrate;
pub mod compare;
pub mod explain;
pub mod explore;
pub mod fit;
pub mod merge;
pub mod plan;
pub mod run;
pub mod search;

use crate::brief::BriefError;
use crate::model::Model;
use crate::report::TableLayout;
use crate::report::output::Staging;
use crate::scenario::{ScenarioError, Source};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Why a batch command did not produce its results. Nothing was written in any case: an earlier
/// result in the output folder is untouched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The scenario file is not valid: every problem found, each with the file and the line or
    /// field. Fix the file and run again.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The request is not valid (a flag, a folder to resume or merge): one line per problem,
    /// saying what is wrong and what is allowed.
    #[error("{}", .0.join("\n"))]
    Input(Vec<String>),
    /// Reading or writing files failed, or the machine could not run the batch.
    #[error("{0}")]
    Failed(String),
}

impl BatchError {
    /// One problem with the request.
    pub fn input(message: impl Into<String>) -> BatchError {
        BatchError::Input(vec![message.into()])
    }

    /// A failure to do `what`, with its cause.
    pub fn failed(what: impl std::fmt::Display, cause: impl std::fmt::Display) -> BatchError {
        BatchError::Failed(format!("{what}: {cause}"))
    }
}

impl From<crate::model::SettingError> for BatchError {
    fn from(e: crate::model::SettingError) -> Self {
        BatchError::Input(e.0)
    }
}

impl From<crate::report::ReadError> for BatchError {
    fn from(e: crate::report::ReadError) -> Self {
        BatchError::Input(vec![e.0])
    }
}

impl From<BriefError> for BatchError {
    fn from(e: BriefError) -> Self {
        match e {
            BriefError::NotFinished(m) => BatchError::input(m),
            BriefError::Failed(m) => BatchError::Failed(m),
        }
    }
}

/// A scenario read and compiled, with the facts that reproduce a run of it.
pub struct Loaded {
    pub source: Source,
    pub model: Model,
}

impl Loaded {
    /// Reads and compiles the scenario at `path`; every problem in it is reported together.
    pub fn load(path: &Path) -> Result<Loaded, BatchError> {
        let source = crate::scenario::load(path)?;
        let model = crate::model::compile(path, &source.scenario)?;
        Ok(Loaded { source, model })
    }

    /// The scenario path as the user gave it, as results record it.
    pub fn file(&self) -> String {
        self.source.path.display().to_string()
    }
}

/// How the caller follows and stops a batch.
pub struct Control<'a> {
    /// Called with (runs done, runs in the batch) after each chunk.
    pub progress: &'a mut dyn FnMut(u64, u64),
    /// Raised to stop at the next chunk boundary, keeping what finished.
    pub stop: &'a AtomicBool,
}

/// Worker threads for `--threads`: at least 1; all cores when not given.
pub fn threads(flag: Option<usize>) -> Result<usize, BatchError> {
    match flag {
        Some(0) => Err(BatchError::input("--threads must be at least 1")),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)),
    }
}

/// The output folder: `out` if given, else `output/<scenario stem><suffix>`, with
/// `.shard-K-of-N` for a shard.
pub fn output_folder(
    out: Option<&Path>,
    source: &Source,
    suffix: &str,
    shard: Option<[u64; 2]>,
) -> PathBuf {
    if let Some(out) = out {
        return out.to_path_buf();
    }
    let stem = source.stem();
    match shard {
        Some([k, n]) => PathBuf::from("output").join(format!("{stem}{suffix}.shard-{k}-of-{n}")),
        None => PathBuf::from("output").join(format!("{stem}{suffix}")),
    }
}

/// Prepares the output folder `out` for writing. An existing folder that stratex did not make
/// is the user's to move (an input error); anything else is a failure.
pub fn staging(out: &Path) -> Result<Staging, BatchError> {
    Staging::new(out).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => BatchError::input(e.to_string()),
        _ => BatchError::failed(format!("cannot prepare {}", out.display()), e),
    })
}

/// Moves the staged results into place.
pub fn commit(staging: Staging) -> Result<(), BatchError> {
    let dest = staging.dest().display().to_string();
    staging
        .commit()
        .map_err(|e| BatchError::failed(format!("cannot move the results into {dest}"), e))
}

/// Maps an error writing the file `what` to a failure saying so.
pub fn cannot_write(what: &str) -> impl Fn(std::io::Error) -> BatchError + '_ {
    move |e| BatchError::failed(format!("cannot write {what}"), e)
}

/// Refuses `--brief` on a shard: a shard is not a result on its own.
pub fn no_brief_on_a_shard(brief: bool, shard: Option<[u64; 2]>) -> Result<(), BatchError> {
    if brief && shard.is_some() {
        return Err(BatchError::input(
            "--brief cannot be used with --shard: a shard is not a result on its own; give --brief to `stratex merge`",
        ));
    }
    Ok(())
}

/// Refuses `--xlsx` on a shard: a shard writes no tables; the merge writes the workbook.
pub fn no_xlsx_on_a_shard(tables: TableLayout, shard: Option<[u64; 2]>) -> Result<(), BatchError> {
    if tables.xlsx && shard.is_some() {
        return Err(BatchError::input(
            "--xlsx cannot be used with --shard: a shard is not a result on its own; give --xlsx to `stratex merge`",
        ));
    }
    Ok(())
}

/// Refuses `--set` values outside what the scenario allows for them (listing each with its
/// allowed range), unless `allow` (`--allow-outside`).
pub fn refuse_outside(
    model: &Model,
    sets: &[(String, f64)],
    allow: bool,
) -> Result<(), BatchError> {
    let outside = crate::model::compile::outside_support(model, sets);
    if allow || outside.is_empty() {
        return Ok(());
    }
    Err(BatchError::input(format!(
        "{}\ngive --allow-outside to run with {} anyway",
        outside.join("\n"),
        if outside.len() == 1 { "it" } else { "them" }
    )))
}
