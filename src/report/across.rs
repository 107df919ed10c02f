//! Robustness of a comparison: the options' effects on the target outcome repeated across
//! values of an uncertainty (`compare --across`), and where their ranking flips.

use super::sheet::{Cell, Sheet};
use crate::montecarlo::compare::Difference;
use serde::Serialize;
use std::io;
use std::path::Path;

/// Relative tolerance of a flip threshold: bisection stops when the bracket is narrower than
/// this share of the swept span (the largest value given minus the smallest).
pub const TOLERANCE: f64 = 0.01;

/// One uncertainty swept.
#[derive(Clone, Debug, Serialize)]
pub struct Sweep {
    /// The uncertainty's id, name and unit.
    pub uncertainty: String,
    pub name: String,
    pub unit: String,
    /// The outcome that ranks the options (the first `--target`).
    pub outcome: String,
    /// The options, in the comparison's order (the baseline excluded).
    pub options: Vec<String>,
    /// Each value swept, ascending.
    pub points: Vec<SweepPoint>,
    /// Where the best option changes between neighbouring values.
    pub flips: Vec<Flip>,
    /// Bracket width at which bisection stopped, in the uncertainty's unit.
    pub tolerance: f64,
}

/// The comparison at one value of the uncertainty.
#[derive(Clone, Debug, Serialize)]
pub struct SweepPoint {
    pub value: f64,
    /// Each option's change in the outcome from the baseline at this value (paired).
    pub changes: Vec<Difference>,
    /// Option indices (into [`Sweep::options`]) from best to worst in the outcome's better
    /// direction.
    pub order: Vec<usize>,
}

/// A change of the best option between two neighbouring swept values.
#[derive(Clone, Debug, Serialize)]
pub struct Flip {
    /// The best option below the threshold and the one that overtakes it.
    pub below: String,
    pub above: String,
    /// The neighbouring swept values that bracket the flip.
    pub between: [f64; 2],
    /// The bracket bisection ended on: `above` does better at `bracket[1]`, not at
    /// `bracket[0]`.
    pub bracket: [f64; 2],
    /// The bracket's midpoint.
    pub threshold: f64,
}

impl Sweep {
    /// The table of `across.csv` (and of a workbook's `across` sheet): one row per swept
    /// uncertainty, value and option, with the option's change in the outcome and its rank
    /// (its position in [`SweepPoint::order`], from 1).
    pub fn sheet(sweeps: &[Sweep]) -> Sheet {
        let columns = [
            "uncertainty",
            "value",
            "setting",
            "outcome",
            "diff_mean",
            "diff_ci_low",
            "diff_ci_high",
            "rank",
        ];
        let mut sheet = Sheet::new("across", columns);
        for s in sweeps {
            for p in &s.points {
                for (i, option) in s.options.iter().enumerate() {
                    let d = &p.changes[i];
                    let rank = p.order.iter().position(|&o| o == i).map_or(0, |r| r + 1);
                    let mut row = vec![Cell::text(s.uncertainty.as_str()), Cell::Number(p.value)];
                    row.push(Cell::text(option.as_str()));
                    row.push(Cell::text(s.outcome.as_str()));
                    row.extend([d.mean, d.ci95[0], d.ci95[1]].map(Cell::Number));
                    row.push(Cell::Whole(rank as u64));
                    sheet.rows.push(row);
                }
            }
        }
        sheet
    }

    /// Writes `across.csv`: the rows of [`Sweep::sheet`].
    pub fn write_csv(
        sweeps: &[Sweep],
        path: &Path,
        provenance: &str,
        place: super::CsvProvenance,
    ) -> io::Result<()> {
        super::csv_file::write_sheet(path, provenance, place, &Sweep::sheet(sweeps))
    }

    /// The best option at each swept value, by label.
    pub fn best(&self, p: &SweepPoint) -> &str {
        &self.options[p.order[0]]
    }
}
