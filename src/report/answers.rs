//! Answers to the questions a scenario asks: each from the outcomes it names, with the
//! assumptions that drive each outcome across the runs and the comparisons that answer its
//! "what if".

use super::csv_file::{CsvReader, field};
use super::{Command, FitChoice};
use crate::model::Model;
use crate::stats::rank::{pearson, ranks};
use serde::{Deserialize, Serialize};
use std::io;
use std::path::Path;

/// Runs read from `runs.csv` (its first ones, in run order) for the drivers: the rank
/// correlations' standard error is then under 0.01, and reading stays flat in the batch size.
pub const DRIVER_RUNS: usize = 10_000;

/// Drivers listed per outcome, and the smallest rank correlation listed.
const DRIVERS: usize = 3;
const SMALLEST: f64 = 0.1;

/// A question and what answers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub id: String,
    pub question: String,
    /// Per outcome that answers it (by id), the assumptions that drive it most.
    pub outcomes: Vec<Drivers>,
    /// The comparisons that answer its "what if", one command per lever named.
    pub compare: Vec<String>,
}

/// An outcome and the assumptions whose drawn values its final value follows most closely.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Drivers {
    pub outcome: String,
    /// At most three, strongest first, each with Spearman's rank correlation of at least 0.1
    /// in size; empty if none reaches it.
    pub drivers: Vec<Driver>,
}

/// One assumption that drives an outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Driver {
    pub id: String,
    pub name: String,
    /// Spearman's rank correlation between the assumption's drawn value and the outcome's
    /// final value, over the runs read.
    pub rho: f64,
}

/// The answers to `model`'s questions from the `runs.csv` at `runs` (the scenario file as
/// `file`, drawn as `choice`); empty if it asks none.
pub fn answers(
    model: &Model,
    runs: &Path,
    file: &str,
    choice: &FitChoice,
) -> io::Result<Vec<Answer>> {
    if model.questions.is_empty() {
        return Ok(vec![]);
    }
    let drawn = model.drawn_names();
    let table = read_columns(runs, drawn.len() + model.outcomes.len())?;
    // Each column a question needs is ranked once; Spearman's correlation is Pearson's on the
    // ranks.
    let needed = |i: usize| {
        (1..=drawn.len()).contains(&i)
            || model
                .questions
                .iter()
                .any(|q| q.outcomes.contains(&(i.wrapping_sub(1 + drawn.len()))))
    };
    let ranked: Vec<Vec<f64>> = (table.iter().enumerate())
        .map(|(i, c)| if needed(i) { ranks(c) } else { vec![] })
        .collect();
    let column = |i: usize| ranked.get(i).map_or(&[][..], Vec::as_slice);
    let mut out = Vec::with_capacity(model.questions.len());
    for q in &model.questions {
        let outcomes = q
            .outcomes
            .iter()
            .map(|&o| {
                let y = column(1 + drawn.len() + o);
                let mut drivers: Vec<Driver> = (0..drawn.len())
                    .map(|d| Driver {
                        id: drawn[d].clone(),
                        name: model
                            .uncertainties
                            .iter()
                            .find(|u| u.id == drawn[d])
                            .map_or_else(|| drawn[d].clone(), |u| u.name.clone()),
                        rho: pearson(column(1 + d), y),
                    })
                    .filter(|d| d.rho.abs() >= SMALLEST)
                    .collect();
                // Strongest first; ties keep the scenario's order.
                drivers.sort_by(|a, b| b.rho.abs().total_cmp(&a.rho.abs()));
                drivers.truncate(DRIVERS);
                Drivers {
                    outcome: model.outcomes[o].id.clone(),
                    drivers,
                }
            })
            .collect();
        let compare = q
            .levers
            .iter()
            .map(|&l| {
                let lever = &model.levers[l];
                let values: Vec<String> = lever.values.iter().map(|v| v.to_string()).collect();
                let c = Command::new("compare", file)
                    .flag("--lever", format!("{}={}", lever.id, values.join(",")));
                choice.flags(c).text()
            })
            .collect();
        out.push(Answer {
            id: q.id.clone(),
            question: q.text.clone(),
            outcomes,
            compare,
        });
    }
    Ok(out)
}

/// The first [`DRIVER_RUNS`] rows of a `runs.csv` with `width` columns after `run`, by column.
fn read_columns(path: &Path, width: usize) -> io::Result<Vec<Vec<f64>>> {
    let mut csv = CsvReader::open(path)?;
    csv.columns()?;
    let mut table = vec![Vec::new(); 1 + width];
    let mut row = csv::ByteRecord::new();
    let mut n = 0;
    while n < DRIVER_RUNS && csv.next_row(&mut row)? {
        for (i, col) in table.iter_mut().enumerate() {
            col.push(field(&row, i).parse().unwrap_or(f64::NAN));
        }
        n += 1;
    }
    Ok(table)
}

/// An answer in words: one sentence per outcome (its median, its 90% range and what drives
/// it), from the run's `summary`.
pub fn sentences(answer: &Answer, summary: &super::summary::Summary) -> Vec<String> {
    use crate::number::{between_phrase, percent, phrase};
    answer
        .outcomes
        .iter()
        .filter_map(|d| {
            let o = summary.outcomes.iter().find(|o| o.id == d.outcome)?;
            let st = &o.stats;
            let value = if o.measure == "happened" {
                let share = if o.scale != 0.0 {
                    st.mean / o.scale
                } else {
                    st.mean
                };
                format!("happens in {} of runs", percent(share))
            } else if st.p5 == st.p95 {
                format!("{} in 90% of runs", phrase(st.p50, &o.unit))
            } else {
                format!(
                    "{} in the median run, between {} in 90% of runs",
                    phrase(st.p50, &o.unit),
                    between_phrase(st.p5, st.p95, &o.unit)
                )
            };
            Some(format!("{}: {value}{}.", o.name, driven(&d.drivers)))
        })
        .collect()
}

/// "; rises with A (+0.86), falls with B (-0.46)": the drivers as a clause.
fn driven(drivers: &[Driver]) -> String {
    if drivers.is_empty() {
        return "; no single assumption moves it much".into();
    }
    let parts: Vec<String> = drivers
        .iter()
        .map(|d| {
            let way = if d.rho > 0.0 { "rises" } else { "falls" };
            format!("{way} with {} ({:+.2})", d.name, d.rho)
        })
        .collect();
    format!("; {}", parts.join(", "))
}
