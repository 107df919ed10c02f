//! Histograms of outcomes' final values, built in one pass over the runs.

/// Bars shown for a continuous outcome.
pub const BINS: usize = 40;
/// Bins behind the smoothed density.
pub const FINE: usize = 400;
/// Outcomes with at most this many distinct values are shown value by value.
const MAX_DISCRETE: usize = 24;

/// Counts of an outcome's final values.
#[derive(Clone, Debug)]
pub enum Histogram {
    /// Few distinct values (counts of events, yes/no): each value's count.
    Discrete { values: Vec<(f64, u64)>, n: u64 },
    /// Counts in `BINS` equal bins over `[lo, hi]`, and in `FINE` bins for the density.
    Continuous {
        lo: f64,
        hi: f64,
        counts: Vec<u64>,
        fine: Vec<u64>,
        n: u64,
    },
}

/// Builds a [`Histogram`] from values streamed once, given their minimum and maximum.
#[derive(Clone, Debug)]
pub struct HistogramBuilder {
    lo: f64,
    hi: f64,
    counts: Vec<u64>,
    fine: Vec<u64>,
    distinct: Option<Vec<(f64, u64)>>,
    n: u64,
}

impl HistogramBuilder {
    /// A builder for values in `[min, max]` (values outside are counted in the end bins).
    pub fn new(min: f64, max: f64) -> HistogramBuilder {
        HistogramBuilder {
            lo: min,
            hi: max.max(min),
            counts: vec![0; BINS],
            fine: vec![0; FINE],
            distinct: Some(Vec::new()),
            n: 0,
        }
    }

    fn bin(&self, v: f64, bins: usize) -> usize {
        if self.hi <= self.lo {
            return 0;
        }
        (((v - self.lo) / (self.hi - self.lo) * bins as f64).floor() as i64)
            .clamp(0, bins as i64 - 1) as usize
    }

    /// Adds one value.
    pub fn add(&mut self, v: f64) {
        if !v.is_finite() {
            return;
        }
        self.n += 1;
        let b = self.bin(v, BINS);
        self.counts[b] += 1;
        let f = self.bin(v, FINE);
        self.fine[f] += 1;
        if let Some(d) = self.distinct.as_mut() {
            if let Some(e) = d.iter_mut().find(|(x, _)| *x == v) {
                e.1 += 1;
            } else if d.len() < MAX_DISCRETE {
                d.push((v, 1));
            } else {
                self.distinct = None;
            }
        }
    }

    /// The histogram: discrete when there are few distinct values that repeat.
    pub fn finish(self) -> Histogram {
        match self.distinct {
            Some(mut values) if self.n >= 3 * values.len() as u64 => {
                values.sort_by(|a, b| a.0.total_cmp(&b.0));
                Histogram::Discrete { values, n: self.n }
            }
            _ => Histogram::Continuous {
                lo: self.lo,
                hi: self.hi,
                counts: self.counts,
                fine: self.fine,
                n: self.n,
            },
        }
    }
}
