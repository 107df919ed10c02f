//! Summary statistics of one outcome across runs.

use super::exact::ExactSum;
use super::sketch::Sketch;
use serde::{Deserialize, Serialize};

/// Statistics of one outcome over all runs, as written to `summary.json` and printed.
///
/// `mean` and `sd` come from exact sums; the percentiles from a [`Sketch`] (nearest rank, an
/// actual run's value, at most 0.4% below the exact order statistic). The 95% confidence
/// interval of the mean is the normal approximation `mean ± 1.96 sd / sqrt(n)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub n: u64,
    pub mean: f64,
    pub sd: f64,
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    pub ci95: [f64; 2],
    pub min: f64,
    pub max: f64,
}

impl Stats {
    /// Computes the statistics from the exact sum of values, the exact sum of their squares and
    /// a sketch of the same values. Zero runs give all zeros.
    pub fn from_parts(sum: &ExactSum, sum_sq: &ExactSum, sketch: &Sketch) -> Stats {
        let n = sketch.count();
        if n == 0 {
            return Stats {
                n,
                mean: 0.0,
                sd: 0.0,
                p5: 0.0,
                p25: 0.0,
                p50: 0.0,
                p75: 0.0,
                p95: 0.0,
                ci95: [0.0, 0.0],
                min: 0.0,
                max: 0.0,
            };
        }
        let nf = n as f64;
        let mean = sum.value() / nf;
        let sd = sample_sd(sum, sum_sq, n);
        let half = 1.96 * sd / nf.sqrt();
        let q = |p: f64| sketch.quantile(p).unwrap_or(0.0);
        Stats {
            n,
            mean,
            sd,
            p5: q(0.05),
            p25: q(0.25),
            p50: q(0.5),
            p75: q(0.75),
            p95: q(0.95),
            ci95: [mean - half, mean + half],
            min: sketch.min(),
            max: sketch.max(),
        }
    }
}

/// Sample standard deviation of `n` values from the exact sum of the values and of their
/// squares. Every term of `sum_sq - 2 mean sum + n mean^2` (true for any `mean`) is added exactly
/// (the sum as a pair of doubles, products split by fused multiply-add), so the only rounding is
/// in `mean` itself and in the final conversion.
pub fn sample_sd(sum: &ExactSum, sum_sq: &ExactSum, n: u64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let nf = n as f64;
    let mean = sum.value() / nf;
    let mut dev = sum_sq.clone();
    let s_hi = sum.value();
    let mut rest = sum.clone();
    rest.add(-s_hi);
    dev.add_product(-2.0 * mean, s_hi);
    dev.add_product(-2.0 * mean, rest.value());
    let nm_hi = nf * mean;
    dev.add_product(nm_hi, mean);
    dev.add_product(nf.mul_add(mean, -nm_hi), mean);
    (dev.value().max(0.0) / (nf - 1.0)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_sd_and_interval_match_textbook_values() {
        let (mut s, mut sq, mut k) = (ExactSum::new(), ExactSum::new(), Sketch::new());
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            s.add(x);
            sq.add_square(x);
            k.add(x);
        }
        let st = Stats::from_parts(&s, &sq, &k);
        assert_eq!(st.mean, 5.0);
        assert!((st.sd - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!(st.p50, 4.0);
        assert_eq!((st.min, st.max), (2.0, 9.0));
        let half = 1.96 * st.sd / 8f64.sqrt();
        assert!((st.ci95[1] - st.ci95[0] - 2.0 * half).abs() < 1e-12);
    }

    #[test]
    fn constant_values_have_zero_spread() {
        let (mut s, mut sq, mut k) = (ExactSum::new(), ExactSum::new(), Sketch::new());
        for _ in 0..1000 {
            s.add(0.1);
            sq.add_square(0.1);
            k.add(0.1);
        }
        let st = Stats::from_parts(&s, &sq, &k);
        assert!(st.sd < 1e-15, "sd = {}", st.sd);
        assert_eq!(st.p5, 0.1);
        assert_eq!(st.p95, 0.1);
    }
}
