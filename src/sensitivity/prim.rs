//! Scenario discovery with PRIM, the patient rule induction method (Friedman and Fisher, 1999).
//!
//! Given sampled inputs and, for each sample, whether an outcome condition held, PRIM starts
//! from the box holding every sample and repeatedly peels off the `alpha` share of the samples
//! at one edge of one input, choosing the peel that most raises the box's *density* (the share of
//! samples inside the box where the condition holds). It stops when no peel raises the density
//! or the box would hold fewer than `min_support` of the samples. Each step of this *peeling
//! trajectory* trades *coverage* (the share of all samples meeting the condition that the box
//! holds) for density. The chosen box is the densest with at least `min_coverage` coverage
//! (ties: the larger box).

use serde::Serialize;

/// One box on the peeling trajectory.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// Per input: the box's limits set by peeling (`Some(q)`: values above `q` for the lower
    /// limit, below `q` for the upper); `None` where the input was never peeled on that side.
    pub limits: Vec<(Option<f64>, Option<f64>)>,
    /// Per input: the smallest and largest value of the samples inside the box.
    pub bounds: Vec<(f64, f64)>,
    /// Share of the samples meeting the condition that lie in the box.
    pub coverage: f64,
    /// Share of the samples in the box that meet the condition.
    pub density: f64,
    /// Share of all samples that lie in the box.
    pub support: f64,
}

/// The result of a PRIM run.
#[derive(Clone, Debug, Serialize)]
pub struct Prim {
    pub trajectory: Vec<Step>,
    /// Index of the chosen box in the trajectory.
    pub chosen: usize,
    /// Per input: smallest and largest value over all samples.
    pub full: Vec<(f64, f64)>,
    /// Share of all samples meeting the condition (the density of the full box).
    pub base_rate: f64,
}

impl Prim {
    /// The chosen box.
    pub fn chosen_step(&self) -> &Step {
        &self.trajectory[self.chosen]
    }

    /// Inputs the chosen box restricts, with the range of the samples inside it on each
    /// restricted side (the full sampled range on an unrestricted side): `(index, low, high)`.
    pub fn restricted(&self) -> Vec<(usize, f64, f64)> {
        let b = self.chosen_step();
        b.limits
            .iter()
            .enumerate()
            .filter(|(_, (lo, hi))| lo.is_some() || hi.is_some())
            .map(|(k, (lo, hi))| {
                let low = if lo.is_some() {
                    b.bounds[k].0
                } else {
                    self.full[k].0
                };
                let high = if hi.is_some() {
                    b.bounds[k].1
                } else {
                    self.full[k].1
                };
                (k, low, high)
            })
            .collect()
    }
}

fn describe(
    x: &[f64],
    d: usize,
    inside: &[usize],
    y: &[bool],
    hits: usize,
    n: usize,
    limits: &[(Option<f64>, Option<f64>)],
) -> Step {
    let mut bounds = vec![(f64::INFINITY, f64::NEG_INFINITY); d];
    let mut yes = 0;
    for &j in inside {
        for (k, b) in bounds.iter_mut().enumerate() {
            let v = x[j * d + k];
            b.0 = b.0.min(v);
            b.1 = b.1.max(v);
        }
        yes += usize::from(y[j]);
    }
    Step {
        limits: limits.to_vec(),
        bounds,
        coverage: if hits > 0 {
            yes as f64 / hits as f64
        } else {
            0.0
        },
        density: if inside.is_empty() {
            0.0
        } else {
            yes as f64 / inside.len() as f64
        },
        support: inside.len() as f64 / n as f64,
    }
}

/// Runs PRIM on `n` samples of `d` inputs (`x` row-major) with condition flags `y`.
/// Returns `None` when the condition never holds.
pub fn prim(
    x: &[f64],
    y: &[bool],
    d: usize,
    alpha: f64,
    min_support: f64,
    min_coverage: f64,
) -> Option<Prim> {
    let n = y.len();
    let hits = y.iter().filter(|&&v| v).count();
    if hits == 0 || n == 0 {
        return None;
    }
    let mut inside: Vec<usize> = (0..n).collect();
    let mut limits: Vec<(Option<f64>, Option<f64>)> = vec![(None, None); d];
    let first = describe(x, d, &inside, y, hits, n, &limits);
    let full = first.bounds.clone();
    let base_rate = first.density;
    let mut trajectory = vec![first];
    let mut values: Vec<f64> = Vec::with_capacity(n);
    loop {
        let m = inside.len();
        let current = trajectory.last().expect("one step").density;
        let mut best: Option<(f64, usize, usize, bool, f64)> = None; // (density, kept, dim, low side, cut)
        for k in 0..d {
            values.clear();
            values.extend(inside.iter().map(|&j| x[j * d + k]));
            values.sort_by(f64::total_cmp);
            let cut_n = ((alpha * m as f64).ceil() as usize).max(1);
            if cut_n >= m {
                continue;
            }
            for low in [true, false] {
                let q = if low {
                    values[cut_n - 1]
                } else {
                    values[m - cut_n]
                };
                let keep = |v: f64| if low { v > q } else { v < q };
                let (mut kept, mut yes) = (0usize, 0usize);
                for &j in &inside {
                    if keep(x[j * d + k]) {
                        kept += 1;
                        yes += usize::from(y[j]);
                    }
                }
                if kept == 0 || kept == m || (kept as f64) < min_support * n as f64 {
                    continue;
                }
                let density = yes as f64 / kept as f64;
                let better = best
                    .as_ref()
                    .is_none_or(|b| density > b.0 || (density == b.0 && kept > b.1));
                if better {
                    best = Some((density, kept, k, low, q));
                }
            }
        }
        let Some((density, _, k, low, q)) = best else {
            break;
        };
        if density <= current {
            break;
        }
        inside.retain(|&j| {
            let v = x[j * d + k];
            if low { v > q } else { v < q }
        });
        if low {
            limits[k].0 = Some(q);
        } else {
            limits[k].1 = Some(q);
        }
        trajectory.push(describe(x, d, &inside, y, hits, n, &limits));
    }
    let chosen = trajectory
        .iter()
        .enumerate()
        .filter(|(_, s)| s.coverage >= min_coverage)
        .fold(0, |best, (i, s)| {
            if s.density > trajectory[best].density {
                i
            } else {
                best
            }
        });
    Some(Prim {
        trajectory,
        chosen,
        full,
        base_rate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensitivity::design::{self, Kind};

    #[test]
    fn finds_a_planted_box() {
        // Condition: x0 in [0.2, 0.6] and x1 >= 0.5, in five uniform inputs.
        let n = 4000;
        let m = design::draw(Kind::MonteCarlo, n, 5, 3).unwrap();
        let y: Vec<bool> = (0..n)
            .map(|j| {
                let r = m.row(j);
                (0.2..=0.6).contains(&r[0]) && r[1] >= 0.5
            })
            .collect();
        let p = prim(&m.u, &y, 5, 0.05, 0.05, 0.5).unwrap();
        let b = p.chosen_step();
        assert!(
            (p.base_rate - 0.2).abs() < 0.03,
            "base rate {}",
            p.base_rate
        );
        assert!(b.density > 0.9, "density {}", b.density);
        assert!(b.coverage >= 0.5, "coverage {}", b.coverage);
        assert!(
            (b.bounds[0].0 - 0.2).abs() < 0.05 && (b.bounds[0].1 - 0.6).abs() < 0.05,
            "x0 {:?}",
            b.bounds[0]
        );
        assert!(
            (b.bounds[1].0 - 0.5).abs() < 0.05 && b.bounds[1].1 > 0.95,
            "x1 {:?}",
            b.bounds[1]
        );
        for k in 2..5 {
            assert!(
                b.bounds[k].0 < 0.15 && b.bounds[k].1 > 0.85,
                "x{k} should be nearly free: {:?}",
                b.bounds[k]
            );
        }
        let restricted: Vec<usize> = p.restricted().iter().map(|r| r.0).collect();
        assert!(restricted.contains(&0) && restricted.contains(&1));
        assert!(
            restricted.len() <= 3,
            "only inputs the condition depends on are restricted: {restricted:?}"
        );
        // Along the trajectory coverage never rises.
        assert!(
            p.trajectory
                .windows(2)
                .all(|w| w[1].coverage <= w[0].coverage + 1e-12)
        );
    }

    #[test]
    fn a_condition_that_never_holds_has_no_box() {
        let m = design::draw(Kind::MonteCarlo, 100, 2, 1).unwrap();
        assert!(prim(&m.u, &[false; 100], 2, 0.05, 0.05, 0.5).is_none());
    }
}
