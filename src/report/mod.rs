//! Result files and terminal tables.
//!
//! A run writes one folder: `summary.json` (what was run, statistics per outcome), `runs.csv`
//! (one row per run), `timeseries.csv` (per-step bands per outcome) and `run-info.json` (timing
//! and host facts). Everything but `run-info.json` is a deterministic function of the scenario
//! file, seed, runs and settings, so results from different machines or thread counts compare
//! byte for byte. Every file says how to reproduce it: the CSVs in a first line starting with `#`,
//! the JSON files in a `reproduce` field.

pub mod calibrate;
pub mod compare;
pub mod decimal;
pub mod explore;
pub mod output;
pub mod part;
pub mod read;
pub mod reproduce;
pub mod summary;
pub mod table;

pub use reproduce::{Command, shell_word};

use crate::model::Model;
use crate::montecarlo::{Aggregate, RowSink};
use serde::Serialize;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;

/// The program version recorded in results.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What identifies a batch of runs: enough to reproduce it exactly.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RunMeta {
    /// Scenario display name.
    pub scenario: String,
    /// Scenario file path as given on the command line.
    pub file: String,
    /// SHA-256 of the scenario file.
    pub sha256: String,
    pub seed: u64,
    pub runs: u64,
    /// Every lever and the value used.
    pub levers: Vec<(String, f64)>,
    /// `--set` overrides as given, in order.
    pub sets: Vec<(String, f64)>,
}

impl RunMeta {
    /// The command that reproduces these results.
    pub fn reproduce(&self) -> String {
        Command::new("run", &self.file)
            .flag("--runs", self.runs)
            .flag("--seed", self.seed)
            .sets(&self.sets)
            .text()
    }

    /// The header line of a shard's `runs.csv`: which runs it holds and how to make it.
    pub fn csv_header_for_shard(&self, k: u64, n: u64, first: u64, count: u64) -> String {
        format!(
            "# stratex {VERSION}; scenario \"{}\" ({}, sha256 {}); seed {}; runs {}; shard {k} of {n}: runs {first} to {}; reproduce: {} --shard {k}/{n}",
            self.scenario.replace('"', "'"),
            self.file,
            self.sha256,
            self.seed,
            self.runs,
            (first + count).saturating_sub(1),
            self.reproduce()
        )
    }

    /// One line for the top of CSV files.
    pub fn csv_header(&self) -> String {
        let levers = if self.levers.is_empty() {
            "none".to_string()
        } else {
            self.levers
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        format!(
            "# stratex {VERSION}; scenario \"{}\" ({}, sha256 {}); seed {}; runs {}; levers {levers}; reproduce: {}",
            self.scenario.replace('"', "'"),
            self.file,
            self.sha256,
            self.seed,
            self.runs,
            self.reproduce()
        )
    }
}

/// Quotes a CSV field when it needs it.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Streams `runs.csv`: the header line, the column names, then one row per run in run order.
pub struct RunsCsv {
    out: BufWriter<File>,
}

impl RunsCsv {
    /// Creates the file and writes its header.
    pub fn create(path: &Path, meta: &RunMeta, model: &Model) -> io::Result<RunsCsv> {
        Self::create_with_header(path, &meta.csv_header(), model)
    }

    /// Creates the file with the given `#` header line (without the newline).
    pub fn create_with_header(path: &Path, header: &str, model: &Model) -> io::Result<RunsCsv> {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
        writeln!(out, "{header}")?;
        let mut cols = vec!["run".to_string()];
        cols.extend(model.drawn_names().iter().map(|n| csv_field(n)));
        cols.extend(model.outcomes.iter().map(|o| csv_field(&o.id)));
        writeln!(out, "{}", cols.join(","))?;
        Ok(RunsCsv { out })
    }

    /// Copies the rows of another `runs.csv` (a shard's, or a stopped run's), checking they are
    /// exactly runs `first .. first + rows` in order. Errors say what does not fit.
    pub fn append_rows_from(&mut self, path: &Path, first: u64, rows: u64) -> Result<(), String> {
        let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut input = BufReader::with_capacity(1 << 20, file);
        let mut line = String::new();
        let mut expected = first;
        let mut header_seen = false;
        loop {
            line.clear();
            let n = input
                .read_line(&mut line)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if n == 0 {
                break;
            }
            if line.starts_with('#') {
                continue;
            }
            if !header_seen {
                header_seen = true;
                continue;
            }
            let run = line.split(',').next().and_then(|f| f.parse::<u64>().ok());
            if run != Some(expected) || expected >= first + rows || !line.ends_with('\n') {
                return Err(format!(
                    "{}: line for run {expected} is missing or out of place (expected runs {first} to {}); the file was edited or cut short",
                    path.display(),
                    first + rows - 1
                ));
            }
            self.out
                .write_all(line.as_bytes())
                .map_err(|e| format!("cannot write runs.csv: {e}"))?;
            expected += 1;
        }
        if expected != first + rows {
            return Err(format!(
                "{}: holds runs {first} to {} but should hold runs up to {}; the file was cut short",
                path.display(),
                expected as i128 - 1,
                first + rows - 1
            ));
        }
        Ok(())
    }

    /// Flushes everything to disk.
    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()?;
        self.out.get_ref().sync_all()
    }
}

impl RowSink for RunsCsv {
    fn rows(&mut self, first_run: u64, rows: &[f64], width: usize) -> io::Result<()> {
        use std::fmt::Write as _;
        // Numbers are formatted straight into one reused line: no allocation per value.
        let mut line = String::with_capacity(32 * width);
        for (i, row) in rows.chunks(width.max(1)).enumerate() {
            line.clear();
            write!(line, "{}", first_run + i as u64).expect("writing to a String cannot fail");
            for &v in row {
                // The same text as `{v}`, several times faster (see `decimal`).
                line.push(',');
                decimal::push_f64(&mut line, v);
            }
            line.push('\n');
            self.out.write_all(line.as_bytes())?;
        }
        Ok(())
    }
}

/// Writes `timeseries.csv`: for each outcome and step, the 5th to 95th percentiles and the mean.
pub fn write_timeseries(
    path: &Path,
    meta: &RunMeta,
    model: &Model,
    agg: &Aggregate,
) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    writeln!(out, "{}", meta.csv_header())?;
    writeln!(out, "outcome,step,p5,p25,p50,p75,p95,mean")?;
    for (o, outcome) in model.outcomes.iter().enumerate() {
        for t in 0..agg.width() {
            let b = agg.band(o, t);
            writeln!(
                out,
                "{},{t},{},{},{},{},{},{}",
                csv_field(&outcome.id),
                b.p5,
                b.p25,
                b.p50,
                b.p75,
                b.p95,
                b.mean
            )?;
        }
    }
    out.flush()?;
    out.get_ref().sync_all()
}

/// Writes `flows.csv`: for each route (from, to, good), statistics of the quantity delivered over
/// the whole run, across runs.
pub fn write_flows(path: &Path, meta: &RunMeta, model: &Model, agg: &Aggregate) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    writeln!(out, "{}", meta.csv_header())?;
    writeln!(out, "from,to,good,unit,mean,p5,p25,p50,p75,p95")?;
    for (i, r) in model.routes.iter().enumerate() {
        let s = agg.extra_stats(i);
        let g = &model.goods[r.good];
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{}",
            csv_field(&model.actors[r.from].id),
            csv_field(&model.actors[r.to].id),
            csv_field(&g.id),
            csv_field(&g.unit),
            s.mean,
            s.p5,
            s.p25,
            s.p50,
            s.p75,
            s.p95
        )?;
    }
    out.flush()?;
    out.get_ref().sync_all()
}

/// Writes a value as pretty JSON followed by a newline.
pub fn write_json(path: &Path, value: &impl Serialize) -> io::Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    text.push('\n');
    let mut f = File::create(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}
