//! `summary.json` and `run-info.json`.

use super::answers::Answer;
use super::{Fitted, RunMeta, VERSION};
use crate::model::Better;
use crate::model::Model;
use crate::montecarlo::Aggregate;
use crate::stats::summary::Stats;
use serde::{Deserialize, Serialize};

/// How the statistics are computed, recorded with them.
pub const METHOD: &str = "mean and sd are exact over all runs; percentiles are nearest-rank, \
read from a mergeable sketch that reports an actual run's value at most 0.4% below the exact \
order statistic; ci95 is mean +/- 1.96 sd / sqrt(runs)";

/// Contents of `summary.json`: deterministic, so two runs of the same thing compare byte for byte.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    pub generator: String,
    pub scenario: ScenarioInfo,
    pub seed: u64,
    /// Runs of the batch as asked for.
    pub runs: u64,
    /// Whether every run finished; `false` for a batch stopped early (Ctrl-C), whose
    /// statistics cover only `runs_finished` runs and which `--resume` completes.
    #[serde(default = "yes")]
    pub complete: bool,
    #[serde(default)]
    pub runs_finished: u64,
    pub actors: Vec<Named>,
    pub goods: Vec<GoodInfo>,
    pub levers: Vec<LeverValue>,
    pub uncertainties: Vec<UncertaintyInfo>,
    pub fixed: Vec<FixedValue>,
    pub reproduce: String,
    pub method: String,
    pub outcomes: Vec<OutcomeSummary>,
    pub files: Files,
    /// The posterior the calibrated uncertainties were drawn from, and what it was fitted to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitted: Option<Fitted>,
    /// The scenario's questions, answered from these runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<Answer>,
}

/// The scenario part of every result file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub description: String,
    pub file: String,
    pub sha256: String,
    pub steps: usize,
    pub step_unit: String,
    pub step_plural: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GoodInfo {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub kind: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LeverValue {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub description: String,
    /// The value used for these results.
    pub value: f64,
    pub baseline: f64,
    /// The settings the scenario lists for comparison.
    pub values: Vec<f64>,
}

/// An uncertain parameter and the distribution it was drawn from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UncertaintyInfo {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub distribution: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FixedValue {
    pub id: String,
    pub value: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OutcomeSummary {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub better: Better,
    /// Kind of measure ("delivered", "happened", "ratio", ...).
    pub measure: String,
    /// The factor the measure was multiplied by.
    pub scale: f64,
    #[serde(flatten)]
    pub stats: Stats,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Files {
    pub runs: String,
    pub timeseries: String,
    pub flows: String,
    pub run_info: String,
}

impl ScenarioInfo {
    /// Describes a model read from `file` (the path as given) with the file's SHA-256.
    pub fn of(model: &Model, file: &str, sha256: &str) -> ScenarioInfo {
        ScenarioInfo {
            name: model.name.clone(),
            description: model.description.clone(),
            file: file.to_string(),
            sha256: sha256.to_string(),
            steps: model.steps,
            step_unit: model.unit.clone(),
            step_plural: model.plural.clone(),
        }
    }
}

impl Summary {
    /// Builds the summary of a batch of which `finished` runs are in `agg`.
    pub fn new(meta: &RunMeta, model: &Model, agg: &Aggregate, finished: u64) -> Summary {
        Summary {
            generator: format!("stratex {VERSION}"),
            scenario: ScenarioInfo {
                name: model.name.clone(),
                description: model.description.clone(),
                file: meta.file.clone(),
                sha256: meta.sha256.clone(),
                steps: model.steps,
                step_unit: model.unit.clone(),
                step_plural: model.plural.clone(),
            },
            seed: meta.seed,
            runs: meta.runs,
            complete: finished == meta.runs,
            runs_finished: finished,
            fitted: meta.fitted.clone(),
            answers: vec![],
            actors: model
                .actors
                .iter()
                .map(|a| Named {
                    id: a.id.clone(),
                    name: a.name.clone(),
                })
                .collect(),
            goods: model
                .goods
                .iter()
                .map(|g| GoodInfo {
                    id: g.id.clone(),
                    name: g.name.clone(),
                    unit: g.unit.clone(),
                    kind: format!("{:?}", g.kind).to_lowercase(),
                })
                .collect(),
            uncertainties: model
                .uncertainties
                .iter()
                .map(|u| UncertaintyInfo {
                    id: u.id.clone(),
                    name: u.name.clone(),
                    unit: u.unit.clone(),
                    distribution: u.describe.clone(),
                })
                .collect(),
            levers: model
                .levers
                .iter()
                .zip(&meta.levers)
                .map(|(l, (_, v))| LeverValue {
                    id: l.id.clone(),
                    name: l.name.clone(),
                    unit: l.unit.clone(),
                    description: l.description.clone(),
                    value: *v,
                    baseline: l.baseline,
                    values: l.values.clone(),
                })
                .collect(),
            fixed: meta
                .sets
                .iter()
                .filter(|(k, _)| model.uncertainties.iter().any(|u| &u.id == k))
                .map(|(k, v)| FixedValue {
                    id: k.clone(),
                    value: *v,
                })
                .collect(),
            reproduce: meta.reproduce(),
            method: METHOD.to_string(),
            outcomes: model
                .outcomes
                .iter()
                .enumerate()
                .map(|(o, out)| OutcomeSummary {
                    id: out.id.clone(),
                    name: out.name.clone(),
                    unit: out.unit.clone(),
                    better: out.better,
                    measure: model.measures[out.root].kind().to_string(),
                    scale: out.scale,
                    stats: agg.stats(o),
                })
                .collect(),
            files: Files {
                runs: "runs.csv".into(),
                timeseries: "timeseries.csv".into(),
                flows: "flows.csv".into(),
                run_info: "run-info.json".into(),
            },
        }
    }
}

fn yes() -> bool {
    true
}

/// Contents of `run-info.json`: how long it took and where, kept apart from the results.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunInfo {
    pub generator: String,
    pub reproduce: String,
    pub command: Vec<String>,
    pub threads: usize,
    pub runs: u64,
    pub elapsed_seconds: f64,
    pub runs_per_second: f64,
    pub started_unix_seconds: u64,
    pub host: String,
    pub os: String,
    pub cpus: usize,
}

impl RunInfo {
    /// Collects timing and host facts for a run.
    pub fn new(
        meta: &RunMeta,
        threads: usize,
        elapsed: f64,
        started: std::time::SystemTime,
    ) -> RunInfo {
        RunInfo::for_command(meta.reproduce(), meta.runs, threads, elapsed, started)
    }

    /// Collects timing and host facts for any command; `runs` counts simulated runs.
    pub fn for_command(
        reproduce: String,
        runs: u64,
        threads: usize,
        elapsed: f64,
        started: std::time::SystemTime,
    ) -> RunInfo {
        RunInfo {
            generator: format!("stratex {VERSION}"),
            reproduce,
            command: std::env::args().collect(),
            threads,
            runs,
            elapsed_seconds: elapsed,
            runs_per_second: if elapsed > 0.0 {
                runs as f64 / elapsed
            } else {
                0.0
            },
            started_unix_seconds: started
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            host: hostname(),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            cpus: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| std::env::var("HOSTNAME").unwrap_or_else(|_| "unknown".into()))
}
