//! Command-line flags and dispatch. The library never sees these types.

/// Prints a line to stdout like `println!`, except that a closed stdout (`stratex run ... |
/// head`) is not an error: the results are on disk by the time anything is printed.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Like [`say!`] without the newline.
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

mod brief;
mod compare;
mod explore;
mod interrupt;
mod merge;
mod progress;
mod run;
mod validate;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use stratex::scenario::ScenarioError;

/// stratex: strategic-interest scenario simulator.
///
/// Runs exchange-agent scenarios (RON files) thousands of times and reports the distribution of
/// outcomes. See README.md for the scenario format and the exchange rules.
#[derive(Parser)]
#[command(name = "stratex", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario many times and summarise its outcomes.
    Run(RunArgs),
    /// Check a scenario and print its shape, or every problem found.
    Validate {
        /// Scenario file (.ron).
        scenario: PathBuf,
    },
    /// Compare policy settings with paired runs (common random numbers).
    Compare(CompareArgs),
    /// Find which uncertainties drive the outcomes (tornado, Sobol indices) and where an outcome
    /// condition holds (PRIM).
    Explore(ExploreArgs),
    /// Combine the shards of a run or a comparison (`--shard K/N`) into one result, identical
    /// to what one process would have written.
    Merge(MergeArgs),
    /// Draw the charts and write briefing.html for a result folder.
    Brief {
        /// A folder written by `stratex run` (for example output/nk_russia).
        dir: PathBuf,
    },
}

#[derive(Args)]
pub struct RunArgs {
    /// Scenario file (.ron).
    pub scenario: PathBuf,
    /// Number of runs (default: the scenario's `runs`).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Master seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Set a lever, or fix an uncertainty, for this run. Repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    pub sets: Vec<(String, f64)>,
    /// Output folder (default: output/<scenario file name>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also draw the charts and write briefing.html into the output folder.
    #[arg(long)]
    pub brief: bool,
    /// Run only shard K of N (K from 1 to N): a contiguous share of the run indices, written
    /// as a partial result for `stratex merge`. A Slurm array passes
    /// `--shard $SLURM_ARRAY_TASK_ID/N`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<[u64; 2]>,
    /// Continue the run stopped (Ctrl-C) in the output folder; the result equals an
    /// uninterrupted run byte for byte.
    #[arg(long)]
    pub resume: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct MergeArgs {
    /// The shard folders, in any order (every shard of the batch, each once).
    #[arg(required = true, num_args = 1..)]
    pub dirs: Vec<PathBuf>,
    /// Folder for the merged result.
    #[arg(long)]
    pub out: PathBuf,
    /// Also draw the charts and write briefing.html.
    #[arg(long)]
    pub brief: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct CompareArgs {
    /// Scenario file (.ron).
    pub scenario: PathBuf,
    /// A lever and the values to try, e.g. `--lever interdiction=0,0.25,0.5`. Several flags give
    /// the full factorial grid. Without any, each lever's listed values are tried one at a time.
    #[arg(long = "lever", value_name = "NAME=V1,V2,...", value_parser = parse_lever)]
    pub levers: Vec<(String, Vec<f64>)>,
    /// Paired runs per setting (default: the scenario's `runs`).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Master seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: output/<scenario file name>-compare/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also draw the comparison charts and write briefing.html.
    #[arg(long)]
    pub brief: bool,
    /// Run only shard K of N of the paired runs, for `stratex merge` (see `run --shard`).
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<[u64; 2]>,
    /// Continue the comparison stopped (Ctrl-C) in the output folder.
    #[arg(long)]
    pub resume: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct ExploreArgs {
    /// Scenario file (.ron).
    pub scenario: PathBuf,
    /// Sampling design for the uncertain inputs: mc, lhs or sobol.
    #[arg(long, default_value = "sobol")]
    pub design: String,
    /// Base samples of Saltelli's scheme; the scheme runs samples x (inputs + 2) times.
    #[arg(long, default_value_t = 1024)]
    pub samples: usize,
    /// Runs averaged per tornado point.
    #[arg(long, default_value_t = 256)]
    pub tornado_runs: u64,
    /// Scenario discovery: the condition to explain, e.g. "shells_delivered > 3.5e6".
    #[arg(long = "where", value_name = "CONDITION")]
    pub condition: Option<String>,
    /// Outcomes to report and chart (default: the condition's outcome, or the first outcome).
    #[arg(long = "outcome", value_name = "ID")]
    pub outcomes: Vec<String>,
    /// Master seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Set a lever for the exploration. Repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    pub sets: Vec<(String, f64)>,
    /// Output folder (default: output/<scenario file name>-explore/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also draw the charts and write briefing.html.
    #[arg(long)]
    pub brief: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_lever(s: &str) -> Result<(String, Vec<f64>), String> {
    let Some((name, values)) = s.split_once('=') else {
        return Err(format!(
            "expected NAME=V1,V2,... (for example interdiction=0,0.25,0.5), got \"{s}\""
        ));
    };
    let values: Vec<f64> = values
        .split(',')
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .map_err(|_| format!("\"{}\" is not a number", v.trim()))
        })
        .collect::<Result<_, _>>()?;
    if values.iter().any(|v| !v.is_finite()) {
        return Err("lever values must be finite numbers".into());
    }
    Ok((name.trim().to_string(), values))
}

fn parse_shard(s: &str) -> Result<[u64; 2], String> {
    let bad = || format!("expected K/N with 1 <= K <= N (for example 3/8), got \"{s}\"");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: u64 = k.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok([k, n])
}

/// Worker threads from `--threads`: at least 1; all cores when not given.
pub fn threads(flag: Option<usize>) -> Result<usize, Failure> {
    match flag {
        Some(0) => Err(Failure::Input("error: --threads must be at least 1".into())),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)),
    }
}

/// Prepares the output folder `out` for writing; an existing folder that stratex did not make
/// is the user's input (status 2), anything else a failure.
pub fn staging(out: &std::path::Path) -> Result<stratex::report::output::Staging, Failure> {
    stratex::report::output::Staging::new(out).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Failure::Input(format!("error: {e}")),
        _ => Failure::Other(format!("cannot prepare {}: {e}", out.display())),
    })
}

/// Maps an error writing the file `what` to a failure saying so.
pub fn cannot_write(what: &'static str) -> impl Fn(std::io::Error) -> Failure {
    move |e| Failure::Other(format!("cannot write {what}: {e}"))
}

/// Problems with flags, one per line.
pub fn input_errors(errors: Vec<String>) -> Failure {
    Failure::Input(
        errors
            .iter()
            .map(|e| format!("error: {e}"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

fn parse_set(s: &str) -> Result<(String, f64), String> {
    let Some((name, value)) = s.split_once('=') else {
        return Err(format!(
            "expected NAME=VALUE (for example us_publicity=2), got \"{s}\""
        ));
    };
    let name = name.trim();
    if name.is_empty() {
        return Err("the name before = is empty".into());
    }
    let v: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("\"{}\" is not a number", value.trim()))?;
    Ok((name.to_string(), v))
}

/// A failure, with the exit status it calls for.
pub enum Failure {
    /// Bad input: a scenario problem or a bad flag (status 2).
    Input(String),
    /// Anything else (status 1).
    Other(String),
    /// Stopped by Ctrl-C with what finished saved (status 130, as for an interrupted program).
    Interrupted(String),
}

impl From<stratex::brief::BriefError> for Failure {
    fn from(e: stratex::brief::BriefError) -> Self {
        use stratex::brief::BriefError;
        match e {
            BriefError::NotFinished(m) => Failure::Input(format!("error: {m}")),
            BriefError::Failed(m) => Failure::Other(m),
        }
    }
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Self {
        Failure::Input(e.to_string())
    }
}

/// Parses the command line, runs it and returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let result = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Validate { scenario } => validate::validate(&scenario),
        Command::Brief { dir } => brief::brief(&dir),
        Command::Compare(args) => compare::compare(&args),
        Command::Merge(args) => merge::merge(&args),
        Command::Explore(args) => explore::explore(&args),
    };
    match result {
        Ok(()) => 0,
        Err(Failure::Input(msg)) => {
            eprintln!("{msg}");
            2
        }
        Err(Failure::Other(msg)) => {
            eprintln!("error: {msg}");
            1
        }
        Err(Failure::Interrupted(msg)) => {
            eprintln!("{msg}");
            130
        }
    }
}
