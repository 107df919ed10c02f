//! The decision space: one gene per lever, each with a continuous **position** that variation
//! works on and a **value** that is evaluated and reported.
//!
//! | gene | positions | value of position `p` |
//! |------|-----------|-----------------------|
//! | `Real { min, max }` | `[min, max]` | `p` |
//! | `Integer { min, max }` | `[min - 0.5, max + 0.5)` | `round(p)`, kept in `[min, max]` |
//! | `Listed(values)` | `[-0.5, len - 0.5)` | `values[round(p)]`, index kept in range |
//!
//! Every integer (or index) owns a position interval of width 1, so uniform positions give
//! uniform values and a mutation of a given size moves an integer gene as far as a real one.

use serde::{Deserialize, Serialize};

/// One decision variable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Gene {
    /// Any real number in `[min, max]`.
    Real { min: f64, max: f64 },
    /// Any integer in `[min, max]` (values are integral `f64`s, exact up to 2^53 in magnitude).
    Integer { min: i64, max: i64 },
    /// One of the listed values.
    Listed(Vec<f64>),
}

impl Gene {
    /// The interval `(low, high)` of positions. Bounds given the wrong way round are swapped, so
    /// `low <= high` whenever both are numbers.
    pub fn bounds(&self) -> (f64, f64) {
        match self {
            Gene::Real { min, max } => (min.min(*max), max.max(*min)),
            Gene::Integer { min, max } => {
                let (lo, hi) = ((*min).min(*max), (*min).max(*max));
                (lo as f64 - 0.5, hi as f64 + 0.5)
            }
            Gene::Listed(values) => (-0.5, values.len() as f64 - 0.5),
        }
    }

    /// The value at `position`. Positions outside the bounds are first moved to the nearest
    /// bound, so the value is always a legal one; the only exceptions are an empty list and
    /// NaN bounds or positions, which give NaN.
    pub fn decode(&self, position: f64) -> f64 {
        match self {
            Gene::Real { .. } => {
                let (lo, hi) = self.bounds();
                position.max(lo).min(hi)
            }
            Gene::Integer { min, max } => {
                let (lo, hi) = ((*min).min(*max) as f64, (*min).max(*max) as f64);
                position.round().max(lo).min(hi)
            }
            Gene::Listed(values) => match index(position, values.len()) {
                Some(i) => values[i],
                None => f64::NAN,
            },
        }
    }

    /// A position whose value is the legal value nearest `value` (for a list: the first listed
    /// value at the least distance). Used to place given candidates, such as the baseline.
    pub fn encode(&self, value: f64) -> f64 {
        match self {
            Gene::Real { .. } | Gene::Integer { .. } => self.decode(value),
            Gene::Listed(values) => {
                let mut best: Option<(usize, f64)> = None;
                for (i, v) in values.iter().enumerate() {
                    let d = (v - value).abs();
                    // Strictly nearer wins, so ties keep the first index; NaN distances never win.
                    if best.is_none_or(|(_, b)| d < b) {
                        best = Some((i, if d.is_nan() { f64::INFINITY } else { d }));
                    }
                }
                best.map_or(f64::NAN, |(i, _)| i as f64)
            }
        }
    }
}

/// The index at a list position, kept within `0..len`; `None` for an empty list or NaN.
fn index(position: f64, len: usize) -> Option<usize> {
    if len == 0 || position.is_nan() {
        return None;
    }
    let r = position.round().max(0.0).min((len - 1) as f64);
    Some(r as usize)
}

/// The decision space: one gene per lever, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Space {
    pub genes: Vec<Gene>,
}

impl Space {
    /// The values at `positions` (gene by gene; extra positions are ignored).
    pub fn decode(&self, positions: &[f64]) -> Vec<f64> {
        self.genes
            .iter()
            .zip(positions)
            .map(|(g, p)| g.decode(*p))
            .collect()
    }

    /// Positions for the legal values nearest `values`; genes without a value (a short slice)
    /// start at the middle of their range.
    pub fn encode(&self, values: &[f64]) -> Vec<f64> {
        self.genes
            .iter()
            .enumerate()
            .map(|(i, g)| match values.get(i) {
                Some(v) => g.encode(*v),
                None => {
                    let (lo, hi) = g.bounds();
                    g.encode(g.decode(lo + 0.5 * (hi - lo)))
                }
            })
            .collect()
    }

    /// A description of the first gene that cannot be searched (reversed or non-finite bounds,
    /// an empty or non-finite list), or `None` when every gene can.
    pub fn problem(&self) -> Option<String> {
        self.genes.iter().enumerate().find_map(|(i, g)| {
            let bad = match g {
                Gene::Real { min, max } => !(min.is_finite() && max.is_finite() && min <= max),
                Gene::Integer { min, max } => min > max,
                Gene::Listed(v) => v.is_empty() || v.iter().any(|x| !x.is_finite()),
            };
            bad.then(|| format!("gene {i} has no legal values or non-finite bounds: {g:?}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_positions_round_to_legal_integers() {
        let g = Gene::Integer { min: 0, max: 10 };
        assert_eq!(g.bounds(), (-0.5, 10.5));
        assert_eq!(g.decode(-0.5), 0.0);
        assert_eq!(g.decode(0.49), 0.0);
        assert_eq!(g.decode(0.5), 1.0);
        assert_eq!(g.decode(10.4999), 10.0);
        assert_eq!(g.decode(10.5), 10.0);
        assert_eq!(g.decode(99.0), 10.0);
        assert_eq!(g.encode(3.7), 4.0);
    }

    #[test]
    fn listed_positions_pick_listed_values() {
        let g = Gene::Listed(vec![3.0, 1.0, 2.0]);
        assert_eq!(g.bounds(), (-0.5, 2.5));
        assert_eq!(g.decode(-0.5), 3.0);
        assert_eq!(g.decode(1.2), 1.0);
        assert_eq!(g.decode(2.49), 2.0);
        assert_eq!(g.encode(1.1), 1.0);
        assert_eq!(g.encode(2.5), 0.0, "ties keep the first listed value (3.0)");
        assert!(Gene::Listed(vec![]).decode(0.0).is_nan());
    }

    #[test]
    fn real_positions_are_clamped_and_problems_named() {
        let g = Gene::Real { min: 2.0, max: 1.0 };
        assert_eq!(g.decode(5.0), 2.0);
        let s = Space {
            genes: vec![Gene::Real { min: 0.0, max: 1.0 }, g],
        };
        assert!(s.problem().is_some_and(|p| p.starts_with("gene 1")));
        assert_eq!(s.decode(&[-1.0, 1.5]), vec![0.0, 1.5]);
    }
}
