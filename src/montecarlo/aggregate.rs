//! What is kept of all runs: exact sums and quantile sketches, per outcome and step.
//!
//! Memory depends on the number of outcomes and steps, never on the number of runs. Every part
//! merges exactly (integer counts, exact sums, minima), so aggregates built on any number of
//! threads or machines combine into the same bytes.

use crate::stats::band::Band;
use crate::stats::exact::ExactSum;
use crate::stats::sketch::{Sketch, SketchRepr};
use crate::stats::summary::Stats;
use serde::{Deserialize, Serialize};

/// Asks the processor to bring the cache line holding `x` in; only a hint, with no effect on
/// results.
#[inline(always)]
fn prefetch(x: &f64) {
    // SAFETY: a prefetch reads nothing and cannot fault; the pointer comes from a reference.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            (x as *const f64).cast::<i8>(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// Aggregate of any set of runs of one model.
#[derive(Clone, Debug)]
pub struct Aggregate {
    outcomes: usize,
    /// Steps + 1 (step 0 is the initial state).
    width: usize,
    runs: u64,
    sketches: Vec<Sketch>,
    sums: Vec<ExactSum>,
    /// Sum of squares of each outcome's final value.
    squares: Vec<ExactSum>,
    /// Quantities recorded once per run (totals per lane): sketch, sum and sum of squares each.
    extras: Vec<(Sketch, ExactSum, ExactSum)>,
}

impl Aggregate {
    /// An empty aggregate for `outcomes` outcomes over `width` recorded steps, plus `extras`
    /// quantities recorded once per run (totals per lane).
    pub fn new(outcomes: usize, width: usize, extras: usize) -> Aggregate {
        Aggregate {
            outcomes,
            width,
            runs: 0,
            sketches: (0..outcomes * width).map(|_| Sketch::new()).collect(),
            sums: (0..outcomes * width).map(|_| ExactSum::new()).collect(),
            squares: (0..outcomes).map(|_| ExactSum::new()).collect(),
            extras: (0..extras)
                .map(|_| (Sketch::new(), ExactSum::new(), ExactSum::new()))
                .collect(),
        }
    }

    /// Number of runs added.
    pub fn runs(&self) -> u64 {
        self.runs
    }

    /// Number of outcomes.
    pub fn outcomes(&self) -> usize {
        self.outcomes
    }

    /// Number of recorded steps (steps + 1).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Adds one run's series (outcome by outcome, step 0 first) and its extra quantities.
    pub fn add(&mut self, series: &[f64], extras: &[f64]) {
        debug_assert_eq!(series.len(), self.outcomes * self.width);
        debug_assert_eq!(extras.len(), self.extras.len());
        for ((sketch, sum, sq), &v) in self.extras.iter_mut().zip(extras) {
            sketch.add(v);
            sum.add(v);
            sq.add_square(v);
        }
        for (i, &v) in series.iter().enumerate() {
            self.sketches[i].add(v);
            self.sums[i].add(v);
        }
        for o in 0..self.outcomes {
            self.squares[o].add_square(series[o * self.width + self.width - 1]);
        }
        self.runs += 1;
    }

    /// Adds `runs` runs at once: `series` holds their series one after another, `extras` their
    /// extra quantities. Goes column by column, so each column's sketch and sum stay in cache
    /// while all the runs' values for it are added; the result is the same as adding the runs
    /// one by one (every part of an aggregate is independent of order).
    pub fn add_batch(&mut self, series: &[f64], extras: &[f64], runs: usize) {
        let len = self.outcomes * self.width;
        let ne = self.extras.len();
        debug_assert!(series.len() >= runs * len && extras.len() >= runs * ne);
        let mut column = [0.0; 64];
        for (c, (sketch, sum)) in self
            .sketches
            .iter_mut()
            .zip(self.sums.iter_mut())
            .enumerate()
        {
            if c % 8 == 0 && c + 8 < len {
                // Each run's next eight columns share one cache line, which has left the cache
                // since the run was recorded: ask for it now, one group of columns ahead.
                for r in 0..runs {
                    prefetch(&series[r * len + c + 8]);
                }
            }
            for first in (0..runs).step_by(64) {
                let n = (runs - first).min(64);
                for (k, v) in column[..n].iter_mut().enumerate() {
                    *v = series[(first + k) * len + c];
                }
                sketch.add_slice(&column[..n]);
                sum.add_slice(&column[..n]);
            }
        }
        for (o, sq) in self.squares.iter_mut().enumerate() {
            let c = o * self.width + self.width - 1;
            for r in 0..runs {
                sq.add_square(series[r * len + c]);
            }
        }
        for (e, (sketch, sum, sq)) in self.extras.iter_mut().enumerate() {
            for r in 0..runs {
                let v = extras[r * ne + e];
                sketch.add(v);
                sum.add(v);
                sq.add_square(v);
            }
        }
        self.runs += runs as u64;
    }

    /// Adds every run of `other`.
    pub fn merge(&mut self, other: &Aggregate) {
        assert_eq!((self.outcomes, self.width), (other.outcomes, other.width));
        self.runs += other.runs;
        for (a, b) in self.sketches.iter_mut().zip(&other.sketches) {
            a.merge(b);
        }
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            a.merge(b);
        }
        for (a, b) in self.squares.iter_mut().zip(&other.squares) {
            a.merge(b);
        }
        assert_eq!(self.extras.len(), other.extras.len());
        for (a, b) in self.extras.iter_mut().zip(&other.extras) {
            a.0.merge(&b.0);
            a.1.merge(&b.1);
            a.2.merge(&b.2);
        }
    }

    /// Statistics of extra quantity `i` over the runs.
    pub fn extra_stats(&self, i: usize) -> Stats {
        let (sketch, sum, sq) = &self.extras[i];
        Stats::from_parts(sum, sq, sketch)
    }

    /// Number of extra quantities.
    pub fn extras(&self) -> usize {
        self.extras.len()
    }

    /// Statistics of outcome `o`'s final value over the runs.
    pub fn stats(&self, o: usize) -> Stats {
        let k = o * self.width + self.width - 1;
        Stats::from_parts(&self.sums[k], &self.squares[o], &self.sketches[k])
    }

    /// Percentile band and mean of outcome `o` at step `t`.
    pub fn band(&self, o: usize, t: usize) -> Band {
        let k = o * self.width + t;
        let s = &self.sketches[k];
        let q = |p: f64| s.quantile(p).unwrap_or(0.0);
        let mean = if self.runs > 0 {
            self.sums[k].value() / self.runs as f64
        } else {
            0.0
        };
        Band {
            p5: q(0.05),
            p25: q(0.25),
            p50: q(0.5),
            p75: q(0.75),
            p95: q(0.95),
            mean,
        }
    }

    /// A serialisable form, for shard results.
    pub fn to_repr(&self) -> AggregateRepr {
        AggregateRepr {
            outcomes: self.outcomes,
            width: self.width,
            runs: self.runs,
            sketches: self.sketches.iter().map(Sketch::to_repr).collect(),
            sums: self.sums.iter().map(ExactSum::normalised).collect(),
            squares: self.squares.iter().map(ExactSum::normalised).collect(),
            extras: self
                .extras
                .iter()
                .map(|(k, s, q)| (k.to_repr(), s.normalised(), q.normalised()))
                .collect(),
        }
    }

    /// Rebuilds an aggregate from [`Aggregate::to_repr`]; `None` if inconsistent.
    pub fn from_repr(r: &AggregateRepr) -> Option<Aggregate> {
        let n = r.outcomes.checked_mul(r.width)?;
        if r.sketches.len() != n || r.sums.len() != n || r.squares.len() != r.outcomes {
            return None;
        }
        let sketches = r
            .sketches
            .iter()
            .map(Sketch::from_repr)
            .collect::<Option<Vec<_>>>()?;
        let extras = r
            .extras
            .iter()
            .map(|(k, s, q)| Sketch::from_repr(k).map(|k| (k, s.clone(), q.clone())))
            .collect::<Option<Vec<_>>>()?;
        let counts = sketches
            .iter()
            .map(Sketch::count)
            .chain(extras.iter().map(|e| e.0.count()));
        if counts.into_iter().any(|c| c != r.runs) {
            return None;
        }
        Some(Aggregate {
            outcomes: r.outcomes,
            width: r.width,
            runs: r.runs,
            sketches,
            sums: r.sums.clone(),
            squares: r.squares.clone(),
            extras,
        })
    }
}

/// Serialisable form of an [`Aggregate`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AggregateRepr {
    pub outcomes: usize,
    pub width: usize,
    pub runs: u64,
    pub sketches: Vec<SketchRepr>,
    pub sums: Vec<ExactSum>,
    pub squares: Vec<ExactSum>,
    pub extras: Vec<(SketchRepr, ExactSum, ExactSum)>,
}
