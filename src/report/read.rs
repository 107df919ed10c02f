//! Reading a result folder back: what `stratex brief` draws from.

use super::csv_file::{CsvReader, field};
use super::summary::{RunInfo, Summary};
use super::{FLOWS_COLUMNS, ReadError};
use crate::stats::band::Band;
use crate::stats::histogram::{Histogram, HistogramBuilder};
use std::path::{Path, PathBuf};

/// One lane's row of `flows.csv`: what one channel carried of one good over a run, across runs.
#[derive(Clone, Debug)]
pub struct FlowRow {
    pub channel: String,
    pub from: String,
    pub to: String,
    pub good: String,
    pub unit: String,
    /// Means across runs of the quantities sent, seized and delivered over the run.
    pub sent_mean: f64,
    pub seized_mean: f64,
    pub delivered_mean: f64,
    /// Mean number of steps in which the lane was seen.
    pub seen_mean: f64,
    /// Percentiles across runs of the quantity delivered over the run.
    pub delivered_p5: f64,
    pub delivered_p50: f64,
    pub delivered_p95: f64,
}

/// A result folder written by `stratex run`.
#[derive(Clone, Debug)]
pub struct ResultFolder {
    pub dir: PathBuf,
    pub summary: Summary,
    /// `run-info.json`, if present.
    pub info: Option<RunInfo>,
    /// Per outcome, one band per recorded step.
    pub bands: Vec<Vec<Band>>,
    pub flows: Vec<FlowRow>,
}

fn missing(dir: &Path, file: &str, e: impl std::fmt::Display) -> String {
    format!(
        "{}: cannot read {file} ({e}); give a folder written by `stratex run` (for example output/nk_russia)",
        dir.display()
    )
}

/// The fields of one CSV record, honouring double quotes (as the result files are written).
pub fn csv_fields(line: &str) -> Vec<String> {
    let mut input = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(line.as_bytes());
    let mut record = csv::StringRecord::new();
    match input.read_record(&mut record) {
        Ok(true) => record.iter().map(str::to_string).collect(),
        _ => vec![String::new()],
    }
}

/// A result CSV of `dir` opened past its `#` line, with its column names.
fn open_csv(dir: &Path, file: &str) -> Result<(CsvReader, Vec<String>), String> {
    let mut input = CsvReader::open(&dir.join(file)).map_err(|e| missing(dir, file, e))?;
    match input.columns() {
        Ok(Some(columns)) => Ok((input, columns)),
        Ok(None) => Err(missing(dir, file, "it is empty")),
        Err(e) => Err(missing(dir, file, e)),
    }
}

/// Hands each remaining row of `input` (`file` of `dir`) to `use_row` with its line number, each
/// checked to have `width` fields.
fn each_row(
    dir: &Path,
    file: &str,
    mut input: CsvReader,
    width: usize,
    mut use_row: impl FnMut(&csv::ByteRecord, u64) -> Result<(), String>,
) -> Result<(), String> {
    let mut row = csv::ByteRecord::new();
    while input
        .next_row(&mut row)
        .map_err(|e| missing(dir, file, e))?
    {
        let line = input.line_of(&row);
        if row.len() != width {
            return Err(format!(
                "{}: {file} line {line}: expected {width} fields",
                dir.display()
            ));
        }
        use_row(&row, line)?;
    }
    Ok(())
}

fn number(s: &str, dir: &Path, file: &str, line: u64) -> Result<f64, String> {
    s.trim().parse::<f64>().map_err(|_| {
        format!(
            "{}: {file} line {line}: \"{s}\" is not a number; the file may be damaged",
            dir.display()
        )
    })
}

impl ResultFolder {
    /// Reads `summary.json`, `timeseries.csv`, `flows.csv` and, if present, `run-info.json`.
    pub fn load(dir: &Path) -> Result<ResultFolder, ReadError> {
        Self::read(dir).map_err(ReadError)
    }

    fn read(dir: &Path) -> Result<ResultFolder, String> {
        let text = std::fs::read_to_string(dir.join("summary.json"))
            .map_err(|e| missing(dir, "summary.json", e))?;
        let summary: Summary = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}: summary.json is not a stratex summary: {e}",
                dir.display()
            )
        })?;
        let info = std::fs::read_to_string(dir.join("run-info.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<RunInfo>(&t).ok());
        let bands = read_bands(dir, &summary)?;
        let flows = if dir.join("flows.csv").exists() {
            read_flows(dir)?
        } else {
            Vec::new()
        };
        Ok(ResultFolder {
            dir: dir.to_path_buf(),
            summary,
            info,
            bands,
            flows,
        })
    }

    /// Histograms of every outcome's final value, streamed from `runs.csv` in one pass.
    pub fn histograms(&self) -> Result<Vec<Histogram>, ReadError> {
        self.read_histograms().map_err(ReadError)
    }

    fn read_histograms(&self) -> Result<Vec<Histogram>, String> {
        let file = "runs.csv";
        let (input, header) = open_csv(&self.dir, file)?;
        let cols: Vec<usize> = self
            .summary
            .outcomes
            .iter()
            .map(|o| {
                header.iter().position(|h| *h == o.id).ok_or_else(|| {
                    format!(
                        "{}: runs.csv has no column for outcome \"{}\"",
                        self.dir.display(),
                        o.id
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        let mut builders: Vec<HistogramBuilder> = self
            .summary
            .outcomes
            .iter()
            .map(|o| HistogramBuilder::new(o.stats.min, o.stats.max))
            .collect();
        each_row(&self.dir, file, input, header.len(), |row, line| {
            for (b, &c) in builders.iter_mut().zip(&cols) {
                b.add(number(&field(row, c), &self.dir, file, line)?);
            }
            Ok(())
        })?;
        Ok(builders.into_iter().map(HistogramBuilder::finish).collect())
    }

    /// The display name of an actor id (the id itself if unknown).
    pub fn actor_name(&self, id: &str) -> String {
        self.summary
            .actors
            .iter()
            .find(|a| a.id == id)
            .map_or_else(|| id.to_string(), |a| a.name.clone())
    }

    /// The display name of a good id.
    pub fn good_name(&self, id: &str) -> String {
        self.summary
            .goods
            .iter()
            .find(|g| g.id == id)
            .map_or_else(|| id.to_string(), |g| g.name.clone())
    }
}

/// Per outcome of `summary`, its band at every recorded step, from `timeseries.csv`.
fn read_bands(dir: &Path, summary: &Summary) -> Result<Vec<Vec<Band>>, String> {
    let file = "timeseries.csv";
    let width = summary.scenario.steps + 1;
    let mut bands: Vec<Vec<Band>> = vec![Vec::with_capacity(width); summary.outcomes.len()];
    let (input, _) = open_csv(dir, file)?;
    each_row(dir, file, input, 8, |f, line| {
        let id = field(f, 0);
        let Some(o) = summary.outcomes.iter().position(|o| o.id == id) else {
            return Err(format!(
                "{}: timeseries.csv names outcome \"{id}\", which summary.json does not list",
                dir.display(),
            ));
        };
        let n = |k: usize| number(&field(f, k), dir, file, line);
        bands[o].push(Band {
            p5: n(2)?,
            p25: n(3)?,
            p50: n(4)?,
            p75: n(5)?,
            p95: n(6)?,
            mean: n(7)?,
        });
        Ok(())
    })?;
    if bands.iter().any(|b| b.len() != width) {
        return Err(format!(
            "{}: timeseries.csv does not hold {width} steps for every outcome",
            dir.display()
        ));
    }
    Ok(bands)
}

/// Every lane's row, from `flows.csv`; a file with other columns (written by another version of
/// stratex) is refused with a message saying so.
fn read_flows(dir: &Path) -> Result<Vec<FlowRow>, String> {
    let file = "flows.csv";
    let mut flows = Vec::new();
    let (input, columns) = open_csv(dir, file)?;
    if columns != FLOWS_COLUMNS {
        return Err(format!(
            "{}: flows.csv has the columns {}, not {}; it was written by another version of stratex: run the scenario again",
            dir.display(),
            columns.join(","),
            FLOWS_COLUMNS.join(",")
        ));
    }
    each_row(dir, file, input, FLOWS_COLUMNS.len(), |f, line| {
        let n = |k: usize| number(&field(f, k), dir, file, line);
        let text = |k: usize| field(f, k).into_owned();
        flows.push(FlowRow {
            channel: text(0),
            from: text(1),
            to: text(2),
            good: text(3),
            unit: text(4),
            sent_mean: n(5)?,
            seized_mean: n(6)?,
            delivered_mean: n(7)?,
            seen_mean: n(8)?,
            delivered_p5: n(9)?,
            delivered_p50: n(11)?,
            delivered_p95: n(13)?,
        });
        Ok(())
    })?;
    Ok(flows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_honour_quotes() {
        assert_eq!(
            csv_fields("a,\"b,c\",\"d\"\"e\",f"),
            vec!["a", "b,c", "d\"e", "f"]
        );
        assert_eq!(csv_fields(""), vec![""]);
    }
}
