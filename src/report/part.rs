//! Partial results: one shard of a batch (`--shard K/N`), or a batch stopped before its end
//! (Ctrl-C), to be combined by `stratex merge` or continued by `--resume`.
//!
//! A partial result folder holds, besides whatever result files it has:
//!
//! | file          | what                                                                  |
//! |---------------|-----------------------------------------------------------------------|
//! | `part.json`   | what batch this is part of, which run indices it covers and how many finished |
//! | `state.bin`   | the exact aggregate of the finished runs ([`crate::montecarlo::state`]) |
//! | `scenario.ron`| the scenario file's text, byte for byte (its SHA-256 is in `part.json`) |
//!
//! Everything the final result depends on is in these files, so a merge or a resume needs
//! neither the original scenario file nor the machine that ran the part.

use super::{FitChoice, Fitted, ReadError, VERSION};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::Path;

/// File names inside a partial result folder.
pub const PART: &str = "part.json";
pub const STATE: &str = "state.bin";
pub const SCENARIO: &str = "scenario.ron";

/// Which command the part belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartKind {
    Run,
    Compare,
}

impl PartKind {
    /// The command that writes (and resumes) this kind of part.
    pub fn command(self) -> &'static str {
        match self {
            PartKind::Run => "stratex run",
            PartKind::Compare => "stratex compare",
        }
    }
}

/// Contents of `part.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartInfo {
    /// `stratex <version>`; parts merge only with parts of the same version.
    pub generator: String,
    pub kind: PartKind,
    /// The scenario path as given on the command line, and the SHA-256 of its bytes.
    pub file: String,
    pub sha256: String,
    pub seed: u64,
    /// Runs of the whole batch (all shards together).
    pub runs: u64,
    /// `run`: `--set` overrides, in order.
    #[serde(default)]
    pub sets: Vec<(String, f64)>,
    /// `compare`: `--lever` grids, in order.
    #[serde(default)]
    pub levers: Vec<(String, Vec<f64>)>,
    /// `[K, N]` for shard K of N; absent for a whole batch stopped early.
    pub shard: Option<[u64; 2]>,
    /// The run indices this part covers: `first_run .. first_run + count`.
    pub first_run: u64,
    pub count: u64,
    /// Runs finished, from `first_run` on.
    pub completed: u64,
    /// The command that reproduces the whole batch in one process.
    pub reproduce: String,
    /// `--posterior` and `--prior` as given.
    #[serde(default)]
    pub choice: FitChoice,
    /// The posterior the calibrated uncertainties were drawn from, if any.
    #[serde(default)]
    pub fitted: Option<Fitted>,
    /// `run`: `--allow-outside` was given.
    #[serde(default)]
    pub allow_outside: bool,
    /// `compare`: how the settings are built and what the trade-off reads.
    #[serde(default)]
    pub compare: CompareOptions,
}

/// A comparison's choices beyond its `--lever` values, kept with its parts so that merge and
/// resume rebuild the same settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CompareOptions {
    /// `--grid`: the full factorial grid instead of each value alone.
    #[serde(default)]
    pub grid: bool,
    /// `--for ACTOR`: only that actor's levers.
    #[serde(default)]
    pub for_actor: Option<String>,
    /// `--target OUTCOME`, in order.
    #[serde(default)]
    pub targets: Vec<String>,
    /// `--cost OUTCOME`, in order.
    #[serde(default)]
    pub costs: Vec<String>,
}

impl PartInfo {
    /// The generator string of this build.
    pub fn generator() -> String {
        format!("stratex {VERSION}")
    }

    /// Whether every run of the part finished.
    pub fn complete(&self) -> bool {
        self.completed == self.count
    }

    /// What a shard and another part of the same batch must share, as (field, value) pairs
    /// for error messages.
    pub fn identity(&self) -> Vec<(&'static str, String)> {
        vec![
            ("stratex version", self.generator.clone()),
            ("command", format!("{:?}", self.kind).to_lowercase()),
            ("scenario (SHA-256)", self.sha256.clone()),
            ("seed", self.seed.to_string()),
            ("runs", self.runs.to_string()),
            ("--set", format!("{:?}", self.sets)),
            ("--lever", format!("{:?}", self.levers)),
            ("compare options", format!("{:?}", self.compare)),
            (
                "posterior (SHA-256)",
                self.fitted
                    .as_ref()
                    .map_or("none".into(), |f| f.sha256.clone()),
            ),
            (
                "shard count",
                self.shard.map_or("none".into(), |[_, n]| n.to_string()),
            ),
        ]
    }
}

/// The run indices of shard `k` of `n` over `runs` runs: contiguous, in order, covering every
/// run exactly once, sizes differing by at most one.
pub fn shard_range(runs: u64, k: u64, n: u64) -> (u64, u64) {
    let at = |i: u64| ((runs as u128 * i as u128) / n as u128) as u64;
    (at(k - 1), at(k) - at(k - 1))
}

/// Writes the part files into `dir` (a staging folder).
pub fn write(
    dir: &Path,
    info: &PartInfo,
    scenario_text: &str,
    state: &[u8],
) -> std::io::Result<()> {
    super::write_json(&dir.join(PART), info)?;
    write_synced(&dir.join(SCENARIO), scenario_text.as_bytes())?;
    write_synced(&dir.join(STATE), state)
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// A partial result read back.
pub struct Part {
    pub info: PartInfo,
    pub scenario_text: String,
    pub state: Vec<u8>,
}

/// Reads the part files of `dir`. Errors name the folder and the file.
pub fn read(dir: &Path) -> Result<Part, ReadError> {
    read_part(dir).map_err(ReadError)
}

fn read_part(dir: &Path) -> Result<Part, String> {
    let what = |file: &str, e: &dyn std::fmt::Display| format!("{}: {file}: {e}", dir.display());
    let text = fs::read_to_string(dir.join(PART)).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "{}: not a partial result (no {PART}); give folders written by `stratex run --shard K/N`, `stratex compare --shard K/N` or a run stopped with Ctrl-C",
                dir.display()
            )
        } else {
            what(PART, &e)
        }
    })?;
    let info: PartInfo = serde_json::from_str(&text).map_err(|e| what(PART, &e))?;
    let consistent = info.completed <= info.count
        && info
            .first_run
            .checked_add(info.count)
            .is_some_and(|end| end <= info.runs)
        && info.shard.is_none_or(|[k, n]| k >= 1 && k <= n);
    if !consistent {
        return Err(what(
            PART,
            &"its run ranges do not add up; the file was edited or damaged",
        ));
    }
    let scenario_text = fs::read_to_string(dir.join(SCENARIO)).map_err(|e| what(SCENARIO, &e))?;
    let digest = crate::scenario::sha256_hex(scenario_text.as_bytes());
    if digest != info.sha256 {
        return Err(what(
            SCENARIO,
            &format!(
                "its SHA-256 is {digest}, but {PART} records {}; the folder was edited",
                info.sha256
            ),
        ));
    }
    let state = fs::read(dir.join(STATE)).map_err(|e| what(STATE, &e))?;
    Ok(Part {
        info,
        scenario_text,
        state,
    })
}

/// What a command that resumes a part asks of it.
pub struct Resume<'a> {
    pub kind: PartKind,
    /// The scenario path as given on the command line, and the SHA-256 of its bytes now.
    pub scenario: &'a Path,
    pub sha256: &'a str,
    /// `--runs` and `--seed` if given (absent: the saved ones are used).
    pub runs: Option<u64>,
    pub seed: Option<u64>,
    pub sets: &'a [(String, f64)],
    pub levers: &'a [(String, Vec<f64>)],
    pub compare: &'a CompareOptions,
    pub shard: Option<[u64; 2]>,
    /// The posterior this command draws from, if any.
    pub fitted: Option<&'a Fitted>,
}

/// Reads the part in `dir` and checks that `wanted` may resume it: the same command, version,
/// scenario bytes, runs, seed, settings and shard, with runs left to do. The error says what
/// differs and what to do.
pub fn resumable(dir: &Path, wanted: &Resume) -> Result<Part, ReadError> {
    resume_check(dir, wanted).map_err(ReadError)
}

fn resume_check(dir: &Path, wanted: &Resume) -> Result<Part, String> {
    let shown = dir.display();
    let finished = ["summary.json", "comparison.json"]
        .iter()
        .any(|f| dir.join(f).exists());
    if !dir.join(PART).exists() && finished {
        return Err(format!("nothing to resume: {shown} holds a finished run"));
    }
    let p = read_part(dir).map_err(|e| format!("nothing to resume: {e}"))?;
    let i = &p.info;
    let refuse = |why: String| Err(format!("cannot resume {shown}: {why}"));
    let differs = |what: &str, saved: String, now: String| {
        refuse(format!(
            "it was run with {what} {saved}, this command has {now}; give the same, or leave it out to use the saved one"
        ))
    };
    if i.kind != wanted.kind {
        return refuse(format!(
            "it is part of a `{}`, and this is `{}`",
            i.kind.command(),
            wanted.kind.command()
        ));
    }
    if i.generator != PartInfo::generator() {
        return refuse(format!(
            "it was written by {}, this is {}; results of two versions do not combine. Run it afresh",
            i.generator,
            PartInfo::generator()
        ));
    }
    if i.sha256 != wanted.sha256 {
        return refuse(format!(
            "{} has changed since that run (SHA-256 was {}, now {}); resuming would mix two scenarios. Run it afresh, or restore the file (a copy is in {shown}/{SCENARIO})",
            wanted.scenario.display(),
            i.sha256,
            wanted.sha256,
        ));
    }
    let sha = |f: Option<&Fitted>| f.map(|f| f.sha256.clone());
    if sha(i.fitted.as_ref()) != sha(wanted.fitted) {
        let shown = |f: Option<&Fitted>| {
            f.map_or("no posterior".to_string(), |f| {
                format!("the posterior {} (SHA-256 {})", f.file, f.sha256)
            })
        };
        return refuse(format!(
            "it drew its calibrated uncertainties from {}, this command from {}; resuming would mix two models. Give the same --posterior or --prior as before, or run it afresh",
            shown(i.fitted.as_ref()),
            shown(wanted.fitted)
        ));
    }
    if let Some(r) = wanted.runs.filter(|&r| r != i.runs) {
        return differs("--runs", i.runs.to_string(), r.to_string());
    }
    if let Some(s) = wanted.seed.filter(|&s| s != i.seed) {
        return differs("--seed", i.seed.to_string(), s.to_string());
    }
    if wanted.sets != i.sets {
        return differs(
            "--set",
            format!("{:?}", i.sets),
            format!("{:?}", wanted.sets),
        );
    }
    if wanted.levers != i.levers {
        return differs(
            "--lever",
            format!("{:?}", i.levers),
            format!("{:?}", wanted.levers),
        );
    }
    if *wanted.compare != i.compare {
        return differs(
            "the compare options",
            format!("{:?}", i.compare),
            format!("{:?}", wanted.compare),
        );
    }
    if wanted.shard != i.shard {
        let show = |s: Option<[u64; 2]>| {
            s.map_or("no --shard".into(), |[k, n]| format!("--shard {k}/{n}"))
        };
        return refuse(format!(
            "it was run with {}, this command has {}",
            show(i.shard),
            show(wanted.shard)
        ));
    }
    if i.complete() {
        return Err(format!(
            "nothing to resume: {shown} already holds all {} of its runs",
            i.count
        ));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_run_once_in_order() {
        for (runs, n) in [(10, 3), (10_000, 4), (7, 7), (1_000_001, 16), (5, 1)] {
            let mut next = 0;
            for k in 1..=n {
                let (first, count) = shard_range(runs, k, n);
                assert_eq!(first, next);
                assert!(count == runs / n || count == runs / n + 1);
                next += count;
            }
            assert_eq!(next, runs);
        }
    }
}
