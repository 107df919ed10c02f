//! `merge`: the shards of a `run` or a `compare` combined into the result one process would have
//! written, byte for byte.
//!
//! Every shard is read and checked before anything is written: all shards of one batch (same
//! stratex version, scenario bytes, seed, runs, settings and shard count), each shard once, none
//! missing, each complete. The aggregates merge exactly (integer counts, exact sums and minima do
//! not depend on the order or grouping of runs), and the rows of `runs.csv` are copied in run
//! order, so the merged files equal an unsharded run's.

use super::{BatchError, cannot_write};
use crate::model::Model;
use crate::model::compile::apply_overrides;
use crate::montecarlo::compare::Comparison;
use crate::montecarlo::state::{decode_aggregate, decode_comparison};
use crate::montecarlo::{self, Aggregate};
use crate::report::compare::ComparisonFile;
use crate::report::part::{self, Part, PartKind};
use crate::report::summary::{RunInfo, ScenarioInfo, Summary};
use crate::report::{self, RunMeta, RunsCsv, TableLayout};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What the user asked for.
#[derive(Clone, Debug)]
pub struct MergeRequest {
    /// The shard folders, in any order.
    pub dirs: Vec<PathBuf>,
    /// Folder for the merged result.
    pub out: PathBuf,
    pub brief: bool,
    /// Where the merged CSVs' provenance goes, and whether a workbook is written too.
    pub tables: TableLayout,
}

/// The merged result.
pub enum Merged {
    Run(Box<Summary>),
    Compare(Box<ComparisonFile>),
    Search(Box<crate::report::search::SearchFile>),
}

/// What a merge did.
pub struct MergeDone {
    pub scenario: String,
    pub shards: u64,
    pub runs: u64,
    pub seed: u64,
    pub merged: Merged,
}

/// `run-info.json` of a merged result: the shards' timing and hosts, and the merge's own.
#[derive(Serialize)]
struct MergeInfo {
    #[serde(flatten)]
    total: RunInfo,
    shards: Vec<Option<RunInfo>>,
}

/// Shards read and checked, in shard order.
struct Shards {
    parts: Vec<(PathBuf, Part)>,
    n: u64,
}

/// Checks the shards, merges them and writes the result folder in one piece.
pub fn merge(req: &MergeRequest) -> Result<MergeDone, BatchError> {
    if req.dirs.iter().any(|d| super::search::holds_search(d)) {
        let (file, shards, runs) = super::search::merge(req)?;
        return Ok(MergeDone {
            scenario: file.scenario.name.clone(),
            shards,
            runs,
            seed: file.settings.seed,
            merged: Merged::Search(Box::new(file)),
        });
    }
    let shards = Shards::read(&req.dirs)?;
    if let Some((dir, _)) = shards.parts.iter().find(|(d, _)| same_folder(d, &req.out)) {
        return Err(BatchError::input(format!(
            "--out {} is one of the shard folders ({}); choose another folder",
            req.out.display(),
            dir.display()
        )));
    }
    // The scenario, exactly as the shards ran it.
    let info = &shards.parts[0].1.info;
    let path = PathBuf::from(&info.file);
    let scenario = crate::scenario::parse(&path, &shards.parts[0].1.scenario_text)?;
    let model = crate::model::compile(&path, &scenario)?;
    let timings = shards.timings();
    let elapsed: f64 = timings.iter().flatten().map(|r| r.elapsed_seconds).sum();
    let staging = super::staging(&req.out)?;
    let (merged, settings) = match info.kind {
        PartKind::Run => (shards.merge_runs(&model, staging.dir(), req)?, 1),
        PartKind::Compare => {
            let settings =
                super::compare::settings(&model, &info.levers, &info.compare, &info.sets, &path)?;
            let file = shards.merge_comparison(&model, &settings, staging.dir(), req.tables)?;
            if req.brief {
                crate::brief::compare::write(staging.dir(), &file, elapsed, false)?;
            }
            (Merged::Compare(Box::new(file)), settings.len() as u64)
        }
    };
    let run_info = merged_run_info(info.reproduce.clone(), info.runs * settings, timings);
    report::write_json(&staging.path("run-info.json"), &run_info)
        .map_err(cannot_write("run-info.json"))?;
    super::commit(staging)?;
    Ok(MergeDone {
        scenario: model.name.clone(),
        shards: shards.n,
        runs: info.runs,
        seed: info.seed,
        merged,
    })
}

impl Shards {
    /// Reads every folder's part and checks that they are the shards of one batch, each once,
    /// none missing, each complete; returns them in shard order.
    fn read(dirs: &[PathBuf]) -> Result<Shards, BatchError> {
        let mut parts: Vec<(PathBuf, Part)> = Vec::new();
        for dir in dirs {
            parts.push((dir.clone(), part::read(dir)?));
        }
        if let Some((dir, _)) = parts.iter().find(|(_, p)| p.info.shard.is_none()) {
            return Err(BatchError::input(format!(
                "{} is a stopped run, not a shard; continue it with --resume instead of merging",
                dir.display()
            )));
        }
        let n = parts[0].1.info.shard.map_or(1, |[_, n]| n);
        same_batch(&parts)?;
        let order = shard_order(&parts, n)?;
        let mut slots: Vec<Option<(PathBuf, Part)>> = parts.into_iter().map(Some).collect();
        let parts: Vec<(PathBuf, Part)> = order.iter().filter_map(|&i| slots[i].take()).collect();
        let shards = Shards { parts, n };
        shards.check_coverage()?;
        Ok(shards)
    }

    /// Each shard complete, covering the batch's runs in order.
    fn check_coverage(&self) -> Result<(), BatchError> {
        let n = self.n;
        let mut next = 0;
        for (dir, p) in &self.parts {
            let [k, _] = p.info.shard.unwrap_or([0, 0]);
            if !p.info.complete() {
                return Err(BatchError::input(format!(
                    "{}: shard {k} of {n} is incomplete ({} of {} runs); finish it with --resume --out {}",
                    dir.display(),
                    p.info.completed,
                    p.info.count,
                    dir.display()
                )));
            }
            if p.info.first_run != next {
                return Err(BatchError::input(format!(
                    "{}: shard {k} of {n} covers runs from {}, expected {next}; part.json was edited",
                    dir.display(),
                    p.info.first_run
                )));
            }
            next += p.info.count;
        }
        let runs = self.parts[0].1.info.runs;
        if next != runs {
            return Err(BatchError::input(format!(
                "the shards cover {next} runs, not {runs}; part.json was edited"
            )));
        }
        Ok(())
    }

    /// Each shard's `run-info.json`, where it can be read.
    fn timings(&self) -> Vec<Option<RunInfo>> {
        self.parts
            .iter()
            .map(|(dir, _)| {
                std::fs::read_to_string(dir.join("run-info.json"))
                    .ok()
                    .and_then(|t| serde_json::from_str(&t).ok())
            })
            .collect()
    }

    /// The error for shard `i`'s damaged state.
    fn damaged(&self, i: usize, why: impl std::fmt::Display) -> BatchError {
        BatchError::input(format!(
            "{}: {}: {why}",
            self.parts[i].0.display(),
            part::STATE
        ))
    }

    /// Merges the shards of a run into `dir`: runs.csv, the summary files and the briefing.
    fn merge_runs(
        &self,
        model: &Model,
        dir: &Path,
        req: &MergeRequest,
    ) -> Result<Merged, BatchError> {
        let info = &self.parts[0].1.info;
        let setting = apply_overrides(model, &info.sets)?;
        let mut total = montecarlo::empty_aggregate(model);
        for (i, (_, p)) in self.parts.iter().enumerate() {
            let a = decode_aggregate(&p.state).map_err(|e| self.damaged(i, e))?;
            let fits = |a: &Aggregate| a.runs() == p.info.count && montecarlo::fits(model, a);
            let a = Aggregate::from_repr(&a)
                .filter(fits)
                .ok_or_else(|| self.damaged(i, "it does not fit the scenario or part.json"))?;
            total.merge(&a);
        }
        let meta = RunMeta {
            scenario: model.name.clone(),
            file: info.file.clone(),
            sha256: info.sha256.clone(),
            seed: info.seed,
            runs: info.runs,
            levers: model.lever_values(&setting),
            sets: info.sets.clone(),
            choice: info.choice.clone(),
            fitted: info.fitted.clone(),
            allow_outside: info.allow_outside,
        };
        let place = req.tables.csv_provenance;
        let mut csv = RunsCsv::create(&dir.join("runs.csv"), &meta, model, place)
            .map_err(cannot_write("runs.csv"))?;
        for (shard_dir, p) in &self.parts {
            csv.append_rows_from(&shard_dir.join("runs.csv"), p.info.first_run, p.info.count)?;
        }
        csv.finish().map_err(cannot_write("runs.csv"))?;
        let summary = super::run::write_results(dir, &meta, model, &total, info.runs, req.tables)?;
        if req.brief {
            crate::brief::write(dir)?;
        }
        Ok(Merged::Run(Box::new(summary)))
    }

    /// Merges the shards of a comparison and writes comparison.json and comparison.csv.
    fn merge_comparison(
        &self,
        model: &Model,
        settings: &[crate::model::grid::Labeled],
        dir: &Path,
        tables: TableLayout,
    ) -> Result<ComparisonFile, BatchError> {
        let info = &self.parts[0].1.info;
        let mut total = Comparison::new(settings.len(), model.outcomes.len());
        for (i, (_, p)) in self.parts.iter().enumerate() {
            let c = decode_comparison(&p.state).map_err(|e| self.damaged(i, e))?;
            let c = Comparison::from_repr(&c)
                .filter(|c| c.runs() == p.info.count && c.shape() == total.shape())
                .ok_or_else(|| self.damaged(i, "it does not fit the scenario or part.json"))?;
            total.merge(&c);
        }
        let scenario = ScenarioInfo::of(model, &info.file, &info.sha256);
        let reproduce = info.reproduce.clone();
        let mut file = ComparisonFile::new(model, scenario, info.seed, reproduce, settings, &total);
        file.fitted = info.fitted.clone();
        file.targets = info.compare.targets.clone();
        file.costs = info.compare.costs.clone();
        file.for_actor = info.compare.for_actor.clone();
        super::compare::write_results(dir, &file, tables)?;
        Ok(file)
    }
}

/// Every part is of the first one's batch: the same version, command, scenario, seed, runs,
/// settings and shard count.
fn same_batch(parts: &[(PathBuf, Part)]) -> Result<(), BatchError> {
    let (dir0, first) = &parts[0];
    for (dir, p) in parts {
        for ((field, a), (_, b)) in first.info.identity().into_iter().zip(p.info.identity()) {
            if a != b {
                return Err(BatchError::input(format!(
                    "{} and {} are not shards of one batch: {field} {a} vs {b}",
                    dir0.display(),
                    dir.display()
                )));
            }
        }
    }
    Ok(())
}

/// The parts' positions in shard order, each shard exactly once.
fn shard_order(parts: &[(PathBuf, Part)], n: u64) -> Result<Vec<usize>, BatchError> {
    let mut by_k: Vec<Option<usize>> = vec![None; n as usize];
    for (i, (dir, p)) in parts.iter().enumerate() {
        let k = p.info.shard.map_or(0, |[k, _]| k);
        let slot = &mut by_k[(k - 1) as usize];
        if let Some(j) = *slot {
            return Err(BatchError::input(format!(
                "shard {k} of {n} is given twice: {} and {}",
                parts[j].0.display(),
                dir.display()
            )));
        }
        *slot = Some(i);
    }
    let missing: Vec<String> = (1..=n)
        .filter(|k| by_k[(*k - 1) as usize].is_none())
        .map(|k| k.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(missing_shards(&parts[0].1, &missing, n));
    }
    Ok(by_k.into_iter().map(|i| i.unwrap_or(0)).collect())
}

/// The error for missing shards: which, and the command that makes them.
fn missing_shards(first: &Part, missing: &[String], n: u64) -> BatchError {
    let reproduce = &first.info.reproduce;
    let how = if missing.len() == 1 {
        format!("run it with `{reproduce} --shard {}/{n}`", missing[0])
    } else {
        format!(
            "run them with `{reproduce} --shard K/{n}` for K = {}",
            missing.join(", ")
        )
    };
    let one = missing.len() == 1;
    BatchError::input(format!(
        "shard{} {} of {n} {} missing; {how}, and give every shard folder",
        if one { "" } else { "s" },
        missing.join(", "),
        if one { "is" } else { "are" },
    ))
}

/// `run-info.json` of the merge: the shards' runs, threads, elapsed times and hosts together.
fn merged_run_info(reproduce: String, simulated: u64, shards: Vec<Option<RunInfo>>) -> MergeInfo {
    let known = || shards.iter().flatten();
    let elapsed: f64 = known().map(|r| r.elapsed_seconds).sum();
    let threads = known().map(|r| r.threads).sum::<usize>().max(1);
    let started = known()
        .map(|r| r.started_unix_seconds)
        .min()
        .map_or(std::time::SystemTime::now(), |s| {
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(s)
        });
    let mut total = RunInfo::for_command(reproduce, simulated, threads, elapsed, started);
    let mut hosts: Vec<&str> = known().map(|r| r.host.as_str()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    total.host = format!("{} shards on {}", shards.len(), hosts.join(", "));
    MergeInfo { total, shards }
}

/// Whether two paths name the same folder (after resolving both, where they exist).
fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}
