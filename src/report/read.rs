//! Reading a result folder back: what `stratex brief` draws from.

use super::summary::{RunInfo, Summary};
use crate::stats::band::Band;
use crate::stats::histogram::{Histogram, HistogramBuilder};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// Deliveries along one route, from `flows.csv`.
#[derive(Clone, Debug)]
pub struct FlowRow {
    pub from: String,
    pub to: String,
    pub good: String,
    pub unit: String,
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
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

/// Splits one CSV line into fields, honouring double quotes.
pub fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Lines of a result CSV after its `#` header line(s), with the column names.
fn csv_rows(
    dir: &Path,
    file: &str,
) -> Result<(Vec<String>, impl Iterator<Item = std::io::Result<String>>), String> {
    let f = File::open(dir.join(file)).map_err(|e| missing(dir, file, e))?;
    let mut lines = BufReader::new(f)
        .lines()
        .filter(|l| !matches!(l, Ok(s) if s.starts_with('#')));
    let header = match lines.next() {
        Some(Ok(h)) => csv_fields(&h),
        Some(Err(e)) => return Err(missing(dir, file, e)),
        None => return Err(missing(dir, file, "it is empty")),
    };
    Ok((header, lines))
}

fn number(s: &str, dir: &Path, file: &str, line: usize) -> Result<f64, String> {
    s.trim().parse::<f64>().map_err(|_| {
        format!(
            "{}: {file} line {line}: \"{s}\" is not a number; the file may be damaged",
            dir.display()
        )
    })
}

impl ResultFolder {
    /// Reads `summary.json`, `timeseries.csv`, `flows.csv` and, if present, `run-info.json`.
    pub fn load(dir: &Path) -> Result<ResultFolder, String> {
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

        let width = summary.scenario.steps + 1;
        let mut bands: Vec<Vec<Band>> = vec![Vec::with_capacity(width); summary.outcomes.len()];
        let (_, rows) = csv_rows(dir, "timeseries.csv")?;
        for (i, row) in rows.enumerate() {
            let row = row.map_err(|e| missing(dir, "timeseries.csv", e))?;
            let f = csv_fields(&row);
            if f.len() != 8 {
                return Err(format!(
                    "{}: timeseries.csv line {}: expected 8 fields",
                    dir.display(),
                    i + 3
                ));
            }
            let Some(o) = summary.outcomes.iter().position(|o| o.id == f[0]) else {
                return Err(format!(
                    "{}: timeseries.csv names outcome \"{}\", which summary.json does not list",
                    dir.display(),
                    f[0]
                ));
            };
            let n = |k: usize| number(&f[k], dir, "timeseries.csv", i + 3);
            bands[o].push(Band {
                p5: n(2)?,
                p25: n(3)?,
                p50: n(4)?,
                p75: n(5)?,
                p95: n(6)?,
                mean: n(7)?,
            });
        }
        if bands.iter().any(|b| b.len() != width) {
            return Err(format!(
                "{}: timeseries.csv does not hold {width} steps for every outcome",
                dir.display()
            ));
        }

        let mut flows = Vec::new();
        if dir.join("flows.csv").exists() {
            let (_, rows) = csv_rows(dir, "flows.csv")?;
            for (i, row) in rows.enumerate() {
                let row = row.map_err(|e| missing(dir, "flows.csv", e))?;
                let f = csv_fields(&row);
                if f.len() != 10 {
                    return Err(format!(
                        "{}: flows.csv line {}: expected 10 fields",
                        dir.display(),
                        i + 3
                    ));
                }
                let n = |k: usize| number(&f[k], dir, "flows.csv", i + 3);
                flows.push(FlowRow {
                    from: f[0].clone(),
                    to: f[1].clone(),
                    good: f[2].clone(),
                    unit: f[3].clone(),
                    mean: n(4)?,
                    p5: n(5)?,
                    p50: n(7)?,
                    p95: n(9)?,
                });
            }
        }
        Ok(ResultFolder {
            dir: dir.to_path_buf(),
            summary,
            info,
            bands,
            flows,
        })
    }

    /// Histograms of every outcome's final value, streamed from `runs.csv` in one pass.
    pub fn histograms(&self) -> Result<Vec<Histogram>, String> {
        let (header, rows) = csv_rows(&self.dir, "runs.csv")?;
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
        for (i, row) in rows.enumerate() {
            let row = row.map_err(|e| missing(&self.dir, "runs.csv", e))?;
            let fields: Vec<&str> = row.split(',').collect();
            if fields.len() != header.len() {
                return Err(format!(
                    "{}: runs.csv line {} has {} fields, not {}",
                    self.dir.display(),
                    i + 3,
                    fields.len(),
                    header.len()
                ));
            }
            for (b, &c) in builders.iter_mut().zip(&cols) {
                b.add(number(fields[c], &self.dir, "runs.csv", i + 3)?);
            }
        }
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
