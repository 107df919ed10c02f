//! Result files and terminal tables.
//!
//! A run writes one folder: `summary.json` (what was run, statistics per outcome), `runs.csv`
//! (one row per run), `timeseries.csv` (per-step bands per outcome) and `run-info.json` (timing
//! and host facts). Everything but `run-info.json` is a deterministic function of the scenario
//! file, seed, runs and settings, so results from different machines or thread counts compare
//! byte for byte. Every file says how to reproduce it: the CSVs in a first line starting with `#`,
//! the JSON files in a `reproduce` field.

pub mod across;
pub mod answers;
pub mod calibrate;
pub mod compare;
pub mod csv_file;
pub mod decimal;
pub mod explain;
pub mod explore;
pub mod output;
pub mod part;
pub mod read;
pub mod reproduce;
pub mod search;
pub mod sheet;
pub mod summary;
pub mod table;
pub mod tradeoff;
pub mod workbook;
pub mod xlsx;

pub use reproduce::{Command, shell_word};

use crate::calibrate::posterior::FitLine;
use crate::engine::LaneTotal;
use crate::model::Model;
use crate::montecarlo::{Aggregate, RowSink};
pub use csv_file::CsvProvenance;
use csv_file::{CsvReader, CsvWriter};
use serde::{Deserialize, Serialize};
use sheet::{Cell, Sheet};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A result folder, or a file in it, that cannot be used (reading results back for a briefing,
/// a merge or a resume). The message names the folder and the file, says what is wrong and what
/// to do; nothing is written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(pub String);

impl From<String> for ReadError {
    fn from(message: String) -> Self {
        ReadError(message)
    }
}

/// The program version recorded in results.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How a batch lays out its tables for readers. Nothing in it changes a number in the results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableLayout {
    /// Where each result CSV's provenance goes.
    pub csv_provenance: CsvProvenance,
    /// Also write a workbook of the main tables (`results.xlsx`, `comparison.xlsx`).
    pub xlsx: bool,
}

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
    /// `--posterior FILE` and `--prior`, as given (for the reproduce command).
    #[serde(skip)]
    pub choice: FitChoice,
    /// `--allow-outside`: `--set` values outside what the scenario allows were accepted.
    #[serde(skip)]
    pub allow_outside: bool,
    /// The posterior the calibrated uncertainties were drawn from, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fitted: Option<Fitted>,
}

/// Which posterior a batch draws from, as the user asked (`--posterior FILE`, `--prior`);
/// without either, the scenario's `posterior:` if it names one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FitChoice {
    /// `--posterior FILE`: draw from this posterior instead of the scenario's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior: Option<PathBuf>,
    /// `--prior`: draw every uncertainty from its prior, ignoring the scenario's posterior.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prior: bool,
}

impl FitChoice {
    /// Adds the flags that repeat this choice to a reproduce command.
    pub fn flags(&self, c: Command) -> Command {
        c.flag_if("--posterior", self.posterior.as_ref().map(|p| p.display()))
            .switch_if("--prior", self.prior)
    }
}

/// The posterior a batch drew its calibrated uncertainties from, as its results record it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Fitted {
    /// The file as read: the scenario's `posterior:` joined to the scenario's folder, or
    /// `--posterior` as given.
    pub file: String,
    pub sha256: String,
    /// The public figures it was fitted to, and how well the calibrated model reproduces them.
    pub fit: Vec<FitLine>,
}

impl Fitted {
    /// One line for the terminal: where the calibrated draws come from and how well they fit.
    pub fn line(&self) -> String {
        let inside = self.fit.iter().filter(|f| f.inside).count();
        format!(
            "calibrated: uncertainties drawn from {}, fitted to {} public figures ({inside} inside the model's 90% band); --prior runs the stated priors",
            self.file,
            self.fit.len()
        )
    }
}

impl RunMeta {
    /// The command that reproduces these results.
    pub fn reproduce(&self) -> String {
        let c = Command::new("run", &self.file)
            .flag("--runs", self.runs)
            .flag("--seed", self.seed)
            .sets(&self.sets)
            .switch_if("--allow-outside", self.allow_outside);
        self.choice.flags(c).text()
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

/// A CSV field as the result files write it: quoted (its quotes doubled) when it holds a comma,
/// a double quote or a line break, as it is otherwise.
pub fn csv_field(s: &str) -> String {
    if s.is_empty() {
        // Alone on a line, the csv crate quotes an empty field; within a row it does not.
        return String::new();
    }
    let mut out = csv::WriterBuilder::new().from_writer(Vec::new());
    out.write_record([s]).expect("writing to a Vec cannot fail");
    let mut bytes = out.into_inner().expect("writing to a Vec cannot fail");
    bytes.pop(); // the record's '\n'
    String::from_utf8(bytes).expect("a str's bytes, maybe quoted")
}

/// Streams `runs.csv`: the header line, the column names, then one row per run in run order.
pub struct RunsCsv {
    out: CsvWriter,
}

impl RunsCsv {
    /// Creates the file and writes its header, the provenance placed as `place` says.
    pub fn create(
        path: &Path,
        meta: &RunMeta,
        model: &Model,
        place: CsvProvenance,
    ) -> io::Result<RunsCsv> {
        Self::create_with_header(path, &meta.csv_header(), model, place)
    }

    /// Creates the file with the given `#` header line (without the newline).
    pub fn create_with_header(
        path: &Path,
        header: &str,
        model: &Model,
        place: CsvProvenance,
    ) -> io::Result<RunsCsv> {
        let mut columns = vec!["run".to_string()];
        columns.extend(model.drawn_names());
        columns.extend(model.outcomes.iter().map(|o| o.id.clone()));
        let out = CsvWriter::create(path, header, place, &columns)?;
        Ok(RunsCsv { out })
    }

    /// Copies the rows of another `runs.csv` (a shard's, or a stopped run's), checking they are
    /// exactly runs `first .. first + rows` in order, each whole. Errors say what does not fit.
    pub fn append_rows_from(
        &mut self,
        path: &Path,
        first: u64,
        rows: u64,
    ) -> Result<(), ReadError> {
        let shown = path.display();
        let mut input = CsvReader::open(path).map_err(|e| format!("{shown}: {e}"))?;
        let width = input
            .columns()
            .map_err(|e| format!("{shown}: {e}"))?
            .map_or(0, |c| c.len());
        let misplaced = |expected: u64| {
            format!(
                "{shown}: line for run {expected} is missing or out of place (expected runs {first} to {}); the file was edited or cut short",
                first + rows - 1
            )
        };
        let mut row = csv::ByteRecord::new();
        let mut expected = first;
        while input
            .next_row(&mut row)
            .map_err(|e| format!("{shown}: {e}"))?
        {
            let run = csv_file::field(&row, 0).parse::<u64>().ok();
            if run != Some(expected) || expected >= first + rows || row.len() != width {
                return Err(misplaced(expected).into());
            }
            self.out
                .row(&row)
                .map_err(|e| format!("cannot write runs.csv: {e}"))?;
            expected += 1;
        }
        if !input.ends_with_line_break() {
            return Err(misplaced(expected.saturating_sub(1).max(first)).into());
        }
        if expected != first + rows {
            return Err(format!(
                "{shown}: holds runs {first} to {} but should hold runs up to {}; the file was cut short",
                expected as i128 - 1,
                first + rows - 1
            )
            .into());
        }
        Ok(())
    }

    /// Flushes everything to disk.
    pub fn finish(self) -> io::Result<()> {
        self.out.finish()
    }
}

impl RowSink for RunsCsv {
    fn rows(&mut self, first_run: u64, rows: &[f64], width: usize) -> io::Result<()> {
        for (i, row) in rows.chunks(width.max(1)).enumerate() {
            self.out.numbers_row(first_run + i as u64, row)?;
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
    place: CsvProvenance,
) -> io::Result<()> {
    let columns = ["outcome", "step", "p5", "p25", "p50", "p75", "p95", "mean"];
    let mut out = CsvWriter::create(path, &meta.csv_header(), place, columns)?;
    for (o, outcome) in model.outcomes.iter().enumerate() {
        for t in 0..agg.width() {
            let b = agg.band(o, t);
            out.text(&outcome.id)?;
            out.whole(t as u64)?;
            for v in [b.p5, b.p25, b.p50, b.p75, b.p95, b.mean] {
                out.number(v)?;
            }
            out.end_row()?;
        }
    }
    out.finish()
}

/// The columns of `flows.csv`, in order.
pub const FLOWS_COLUMNS: [&str; 14] = [
    "channel",
    "from",
    "to",
    "good",
    "unit",
    "sent_mean",
    "seized_mean",
    "delivered_mean",
    "weeks_seen_mean",
    "delivered_p5",
    "delivered_p25",
    "delivered_p50",
    "delivered_p75",
    "delivered_p95",
];

/// Writes `flows.csv`: the rows of [`flows_sheet`].
pub fn write_flows(
    path: &Path,
    meta: &RunMeta,
    model: &Model,
    agg: &Aggregate,
    place: CsvProvenance,
) -> io::Result<()> {
    let sheet = flows_sheet(model, agg);
    csv_file::write_sheet(path, &meta.csv_header(), place, &sheet)
}

/// The table of `flows.csv` (and of a workbook's `flows` sheet): one row per lane (a channel
/// carrying one good), in the model's lane order, with the means across runs of the quantities
/// sent, seized and delivered over the whole run and of the number of steps in which the lane
/// was seen, then percentiles of the quantity delivered ([`FLOWS_COLUMNS`]).
pub fn flows_sheet(model: &Model, agg: &Aggregate) -> Sheet {
    let mut sheet = Sheet::new("flows", FLOWS_COLUMNS);
    for (l, lane) in model.lanes.iter_ids() {
        let stats = |t: LaneTotal| agg.extra_stats(t.index(l));
        let g = &model.goods[lane.good];
        let mut row: Vec<Cell> = [
            &model.channels[lane.channel].id,
            &model.actors[lane.from].id,
            &model.actors[lane.to].id,
            &g.id,
            &g.unit,
        ]
        .into_iter()
        .map(|t| Cell::text(t.as_str()))
        .collect();
        row.extend(LaneTotal::ALL.map(|t| Cell::Number(stats(t).mean)));
        let d = stats(LaneTotal::Delivered);
        row.extend([d.p5, d.p25, d.p50, d.p75, d.p95].map(Cell::Number));
        sheet.rows.push(row);
    }
    sheet
}

/// Writes a value as pretty JSON followed by a newline.
pub fn write_json(path: &Path, value: &impl Serialize) -> io::Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    text.push('\n');
    let mut f = File::create(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}
