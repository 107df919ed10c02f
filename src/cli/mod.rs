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
mod calibrate;
mod compare;
mod explain;
mod explore;
mod interrupt;
mod merge;
mod progress;
mod run;
mod search;
mod validate;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use stratex::batch::BatchError;
use stratex::sensitivity::design::Kind;

/// stratex: strategic-interest scenario simulator.
///
/// Runs exchange-agent scenarios (RON files) thousands of times and reports the distribution of
/// outcomes. The scenario format is docs/scenario-format.md; the model's rules, docs/model.md.
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
    /// Split an option's effect on each outcome by the model's pathways (seizure, diversion,
    /// valuation, trust), switching each off in turn under common random numbers.
    Explain(ExplainArgs),
    /// Search one decision maker's levers for the policies that do best on several objectives
    /// across an ensemble of futures (NSGA-II with an epsilon-dominance archive), and score how
    /// robust each is.
    Search(SearchArgs),
    /// Fit the scenario's uncertain assumptions to observed figures (a targets file), by
    /// approximate Bayesian computation; writes the posterior sample and the posterior-predictive check.
    Calibrate(CalibrateArgs),
    /// Combine the shards of a run or a comparison (`--shard K/N`) into one result, identical
    /// to what one process would have written.
    Merge(MergeArgs),
    /// Draw the charts and write briefing.html for a result folder.
    Brief {
        /// A folder written by `stratex run` (for example output/nk_russia).
        dir: PathBuf,
    },
}

/// Flags every batch command on a scenario shares.
#[derive(Args)]
pub struct BatchArgs {
    /// Scenario file (.ron).
    pub scenario: PathBuf,
    /// Master seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Where results go and what is printed.
#[derive(Args)]
pub struct OutputArgs {
    /// Output folder (default: a folder under output/ named after the scenario file).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also draw the charts and write briefing.html into the output folder; `--brief
    /// one-page` (compare) writes only the one-page summary, summary.html and, when headless
    /// Chromium is found, summary.pdf.
    #[arg(long, value_enum, value_name = "KIND", num_args = 0..=1, default_missing_value = "full")]
    pub brief: Option<BriefArg>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Where each result CSV's provenance (what was run, how to reproduce it) goes: `line`, a
    /// first line starting with `#`; `sidecar`, a `<file>.provenance.txt` beside it, the CSV
    /// then starting with a UTF-8 byte-order mark and its column names, as Excel reads it.
    #[arg(long, value_enum, value_name = "WHERE", default_value_t = ProvenanceArg::Line)]
    pub csv_provenance: ProvenanceArg,
}

/// What `--brief` writes.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BriefArg {
    /// The full briefing (briefing.html and charts/), opening with its one-page summary.
    Full,
    /// Only the one-page summary (summary.html, summary.pdf): `compare` only.
    OnePage,
}

impl OutputArgs {
    /// Whether a briefing of any kind is asked for.
    pub fn brief(&self) -> bool {
        self.brief.is_some()
    }

    /// `--brief` for a command without a one-page summary: refuses `one-page`.
    pub fn full_brief_only(&self, command: &str) -> Result<bool, Failure> {
        match self.brief {
            Some(BriefArg::OnePage) => Err(Failure::Input(format!(
                "error: --brief one-page: `{command}` has no one-page summary yet (compare has); use --brief"
            ))),
            b => Ok(b.is_some()),
        }
    }
}

/// Where result CSVs keep their provenance (`--csv-provenance`).
#[derive(Clone, Copy, ValueEnum)]
pub enum ProvenanceArg {
    /// A first line starting with `#`.
    Line,
    /// A `<file>.provenance.txt` beside the CSV, which starts with a byte-order mark.
    Sidecar,
}

impl From<ProvenanceArg> for stratex::report::CsvProvenance {
    fn from(p: ProvenanceArg) -> Self {
        match p {
            ProvenanceArg::Line => stratex::report::CsvProvenance::Line,
            ProvenanceArg::Sidecar => stratex::report::CsvProvenance::Sidecar,
        }
    }
}

impl OutputArgs {
    /// The table layout as the batch layer takes it, with `xlsx` (`--xlsx`) where the command
    /// has it.
    pub fn tables(&self, xlsx: bool) -> stratex::report::TableLayout {
        stratex::report::TableLayout {
            csv_provenance: self.csv_provenance.into(),
            xlsx,
        }
    }
}

/// Splitting a batch over processes and continuing one that was stopped.
#[derive(Args)]
pub struct PartArgs {
    /// Run only shard K of N (K from 1 to N): a contiguous share of the run indices, written
    /// as a partial result for `stratex merge`. A Slurm array passes
    /// `--shard $SLURM_ARRAY_TASK_ID/N`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<[u64; 2]>,
    /// Continue the batch stopped (Ctrl-C) in the output folder; the result equals an
    /// uninterrupted one byte for byte.
    #[arg(long)]
    pub resume: bool,
}

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub batch: BatchArgs,
    /// Number of runs (default: the scenario's `runs`).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Set a lever, or fix an uncertainty, for this run. Repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    pub sets: Vec<(String, f64)>,
    /// Accept --set values outside a lever's listed range or an uncertainty's distribution,
    /// with a warning.
    #[arg(long)]
    pub allow_outside: bool,
    #[command(flatten)]
    pub fit: FitArgs,
    #[command(flatten)]
    pub part: PartArgs,
    /// Also write results.xlsx: sheets summary (each outcome), flows and reproduce.
    #[arg(long)]
    pub xlsx: bool,
}

/// The calibrated model (`run`, `compare`).
#[derive(Args)]
pub struct FitArgs {
    /// Draw the calibrated uncertainties jointly from a posterior written by `stratex
    /// calibrate` (its posterior.csv) instead of the one the scenario names; the others are
    /// drawn as usual.
    #[arg(long, value_name = "FILE")]
    pub posterior: Option<PathBuf>,
    /// Draw every uncertainty from its prior, ignoring the scenario's posterior.
    #[arg(long, conflicts_with = "posterior")]
    pub prior: bool,
}

impl FitArgs {
    /// The choice as the batch layer takes it.
    pub fn choice(&self) -> stratex::report::FitChoice {
        stratex::report::FitChoice {
            posterior: self.posterior.clone(),
            prior: self.prior,
        }
    }
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
    /// Where each merged CSV's provenance goes (see `stratex run --help`).
    #[arg(long, value_enum, value_name = "WHERE", default_value_t = ProvenanceArg::Line)]
    pub csv_provenance: ProvenanceArg,
    /// Also write the workbook: results.xlsx for a run, comparison.xlsx for a comparison.
    #[arg(long)]
    pub xlsx: bool,
}

#[derive(Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub batch: BatchArgs,
    /// A lever and the values to try, e.g. `--lever interdiction=0,0.25,0.5`. Repeatable; each
    /// value is tried alone against the baseline (see --grid). Without any, each lever's listed
    /// values are tried one at a time.
    #[arg(long = "lever", value_name = "NAME=V1,V2,...", value_parser = parse_lever)]
    pub levers: Vec<(String, Vec<f64>)>,
    /// Try every combination of the --lever values (the full factorial grid) instead of each
    /// value alone.
    #[arg(long)]
    pub grid: bool,
    /// Compare only this actor's levers (levers declare their owner); the best-setting table
    /// then names only its options.
    #[arg(long = "for", value_name = "ACTOR")]
    pub for_actor: Option<String>,
    /// An outcome the options are meant to move; the first ranks them. Repeatable.
    #[arg(long = "target", value_name = "OUTCOME")]
    pub targets: Vec<String>,
    /// An outcome the options may harm, shown beside the targets. Repeatable.
    #[arg(long = "cost", value_name = "OUTCOME")]
    pub costs: Vec<String>,
    /// Set a lever, or fix an uncertainty, in every setting (the baseline too). Repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    pub sets: Vec<(String, f64)>,
    /// Repeat the comparison at each value of an uncertainty (common random numbers) and find
    /// where the best option for the first --target changes. Repeatable.
    #[arg(long = "across", value_name = "NAME=V1,V2,...", value_parser = parse_lever)]
    pub across: Vec<(String, Vec<f64>)>,
    /// Accept --set and --across values outside what the scenario allows, with a warning.
    #[arg(long)]
    pub allow_outside: bool,
    /// Paired runs per setting (default: the scenario's `runs`).
    #[arg(long)]
    pub runs: Option<u64>,
    #[command(flatten)]
    pub fit: FitArgs,
    #[command(flatten)]
    pub part: PartArgs,
    /// Also write comparison.xlsx: sheets summary (best setting per outcome), comparison (the
    /// rows of comparison.csv) and reproduce.
    #[arg(long)]
    pub xlsx: bool,
}

/// Sampling designs for `explore`.
#[derive(Clone, Copy, ValueEnum)]
pub enum DesignArg {
    /// Plain Monte Carlo: independent uniforms.
    Mc,
    /// Latin hypercube: each input stratified into equal slices, one point each.
    Lhs,
    /// Sobol low-discrepancy sequence, randomised by a digital shift.
    Sobol,
}

impl From<DesignArg> for Kind {
    fn from(d: DesignArg) -> Kind {
        match d {
            DesignArg::Mc => Kind::MonteCarlo,
            DesignArg::Lhs => Kind::LatinHypercube,
            DesignArg::Sobol => Kind::Sobol,
        }
    }
}

#[derive(Args)]
pub struct ExploreArgs {
    #[command(flatten)]
    pub batch: BatchArgs,
    /// Sampling design for the uncertain inputs.
    #[arg(long, value_enum, default_value_t = DesignArg::Sobol)]
    pub design: DesignArg,
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
    /// Set a lever for the exploration. Repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    pub sets: Vec<(String, f64)>,
    /// Accept --set values outside a lever's listed range, with a warning.
    #[arg(long)]
    pub allow_outside: bool,
    #[command(flatten)]
    pub fit: FitArgs,
}

#[derive(Args)]
pub struct ExplainArgs {
    /// Scenario file (.ron).
    pub scenario: PathBuf,
    /// The option to explain: a lever and its value, e.g. `--lever interdiction=0.5`.
    /// Repeatable; together they make one setting.
    #[arg(long = "lever", value_name = "NAME=VALUE", value_parser = parse_set)]
    pub option: Vec<(String, f64)>,
    /// Outcomes to print (default: all; the files hold every outcome).
    #[arg(long = "outcome", value_name = "ID")]
    pub outcomes: Vec<String>,
    /// Set a lever, or fix an uncertainty, in the baseline and the option alike. Repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    pub sets: Vec<(String, f64)>,
    /// Accept --set values outside what the scenario allows, with a warning.
    #[arg(long)]
    pub allow_outside: bool,
    /// Paired runs per configuration (default: the scenario's `runs`).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Master seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: output/<scenario>-explain).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Where each CSV's provenance goes: its first line, or a sidecar file.
    #[arg(long, value_enum, default_value_t = ProvenanceArg::Line)]
    pub csv_provenance: ProvenanceArg,
    #[command(flatten)]
    pub fit: FitArgs,
}

#[derive(Args)]
pub struct SearchArgs {
    #[command(flatten)]
    pub batch: BatchArgs,
    /// The decision maker whose levers are searched (an actor id; levers declare their owner).
    #[arg(long = "for", value_name = "ACTOR")]
    pub actor: String,
    /// An outcome to optimise, in its `better` direction, with an optional threshold a future
    /// must reach to count as satisfactory: `--objective food_need_met=80`. Repeatable; given
    /// any, they replace the scenario's search for the actor.
    #[arg(long = "objective", value_name = "ID[=MEETS]", value_parser = parse_objective)]
    pub objectives: Vec<(String, Option<f64>)>,
    /// A bound a policy's mean over the ensemble must meet: `--constraint 'food_need_met>=80'`
    /// or `<=`. Repeatable.
    #[arg(long = "constraint", value_name = "ID>=V|ID<=V", value_parser = parse_constraint)]
    pub constraints: Vec<(String, bool, f64)>,
    /// Futures (draws of the uncertainties) every policy is run on [default: 200].
    #[arg(long)]
    pub runs: Option<u64>,
    /// Policies per generation per island [default: 40].
    #[arg(long)]
    pub population: Option<usize>,
    /// Generations after the first [default: 50].
    #[arg(long)]
    pub generations: Option<u64>,
    /// Independent populations, each from its own random stream; shards split them [default: 1].
    #[arg(long)]
    pub islands: Option<u64>,
    /// The archive's resolution, as a share of each objective's spread in the first generation
    /// [default: 0.05].
    #[arg(long)]
    pub epsilon: Option<f64>,
    /// The bad tail in percent for the worst-case statistics [default: 5].
    #[arg(long, value_name = "PERCENT")]
    pub tail: Option<f64>,
    /// What the search optimises per objective: the mean over the futures, or the worst-tail
    /// value.
    #[arg(long, value_enum, default_value_t = ScoreArg::Mean)]
    pub score: ScoreArg,
    #[command(flatten)]
    pub part: PartArgs,
    #[command(flatten)]
    pub fit: FitArgs,
}

/// `--score`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScoreArg {
    Mean,
    Worst,
}

fn parse_objective(s: &str) -> Result<(String, Option<f64>), String> {
    match s.split_once('=') {
        None if !s.trim().is_empty() => Ok((s.trim().to_string(), None)),
        Some((id, v)) if !id.trim().is_empty() => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(|x| (id.trim().to_string(), Some(x)))
            .ok_or_else(|| {
                format!(
                    "`{v}` is not a finite number; write ID or ID=THRESHOLD, e.g. food_need_met=80"
                )
            }),
        _ => Err("write an outcome id, or ID=THRESHOLD, e.g. food_need_met=80".into()),
    }
}

fn parse_constraint(s: &str) -> Result<(String, bool, f64), String> {
    let (id, at_least, v) = if let Some((id, v)) = s.split_once(">=") {
        (id, true, v)
    } else if let Some((id, v)) = s.split_once("<=") {
        (id, false, v)
    } else {
        return Err("write ID>=VALUE or ID<=VALUE, e.g. 'food_need_met>=80'".into());
    };
    let x = v
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("`{v}` is not a finite number"))?;
    if id.trim().is_empty() {
        return Err("the constraint names no outcome; write ID>=VALUE".into());
    }
    Ok((id.trim().to_string(), at_least, x))
}

#[derive(Args)]
pub struct CalibrateArgs {
    #[command(flatten)]
    pub batch: BatchArgs,
    /// The targets file (.ron): observed figures with their uncertainty and sources.
    #[arg(long)]
    pub targets: PathBuf,
    /// Particles per generation of the sampler.
    #[arg(long, default_value_t = 1000)]
    pub particles: usize,
    /// Most runs the sampler may simulate before it stops.
    #[arg(long, default_value_t = 400_000)]
    pub max_runs: u64,
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

impl From<BatchError> for Failure {
    fn from(e: BatchError) -> Self {
        match e {
            // Each problem is already a line of its own with its `error:` prefix.
            BatchError::Scenario(e) => Failure::Input(e.to_string()),
            BatchError::Input(lines) => Failure::Input(
                lines
                    .iter()
                    .map(|l| format!("error: {l}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            BatchError::Failed(m) => Failure::Other(m),
            other => Failure::Other(other.to_string()),
        }
    }
}

impl From<stratex::brief::BriefError> for Failure {
    fn from(e: stratex::brief::BriefError) -> Self {
        BatchError::from(e).into()
    }
}

/// Runs a batch with a progress bar labelled `label` (silent when `quiet`) and Ctrl-C wired
/// to its stop flag.
fn driven<T>(
    label: &str,
    quiet: bool,
    batch: impl FnOnce(stratex::batch::Control) -> Result<T, BatchError>,
) -> Result<T, BatchError> {
    let mut bar = progress::Progress::new(label, quiet);
    let stop = interrupt::stop_flag();
    let result = batch(stratex::batch::Control {
        progress: &mut |d, n| bar.update(d, n),
        stop: &stop,
    });
    bar.finish();
    result
}

/// Prints the scenario's warnings unless asked to be quiet.
fn warn(loaded: &stratex::batch::Loaded, quiet: bool) {
    if !quiet {
        for w in &loaded.model.warnings {
            eprintln!("warning: {w}");
        }
    }
}

/// Warns of each `--set` value outside what the scenario allows, accepted by `--allow-outside`.
fn warn_outside(loaded: &stratex::batch::Loaded, sets: &[(String, f64)], allow: bool) {
    if allow {
        for w in stratex::model::compile::outside_support(&loaded.model, sets) {
            eprintln!("warning: {w}; accepted (--allow-outside)");
        }
    }
}

/// The end of a "wrote DIR/: ..." line: the workbook (named `workbook`) and the briefing if
/// written, and where the CSVs' provenance went if not in them.
fn also_wrote(tables: stratex::report::TableLayout, workbook: &str, brief: bool) -> String {
    let mut s = String::new();
    if tables.xlsx {
        s.push_str(&format!(", {workbook}"));
    }
    if brief {
        s.push_str(", briefing.html, charts/");
    }
    if tables.csv_provenance == stratex::report::CsvProvenance::Sidecar {
        s.push_str("; each CSV's provenance in <file>.provenance.txt");
    }
    s
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
        Command::Search(args) => search::search(&args),
        Command::Merge(args) => merge::merge(&args),
        Command::Calibrate(args) => calibrate::calibrate(&args),
        Command::Explore(args) => explore::explore(&args),
        Command::Explain(args) => explain::explain(&args),
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
