//! Robustness of a policy over an ensemble of futures, in the exploratory-modelling vocabulary
//! (Kwakkel, Eker and Pruyt 2016; McPhail et al. 2018): the mean, a percentile on the bad side,
//! the share of futures that meet a threshold (satisficing) and the regret against the best
//! policy in each future.
//!
//! Every statistic is computed from the values in draw order with exact sums and a sort by
//! `total_cmp`, so it is a pure function of the values.

use crate::model::Better;
use crate::stats::exact::ExactSum;
use serde::{Deserialize, Serialize};

/// One policy's robustness on one outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Robustness {
    /// Mean over the ensemble.
    pub mean: f64,
    /// The value the worst `tail` share of futures reach or pass (the 95th percentile of an
    /// outcome where lower is better, the 5th where higher is better, for a tail of 5%).
    pub worst: f64,
    /// Share of futures meeting the threshold, if there is one.
    pub satisficing: Option<f64>,
    /// Mean regret: how far, on average, the policy falls short of the best policy considered
    /// in the same future (0 for a policy that is always the best).
    pub regret_mean: f64,
    /// Regret in the worst `tail` share of futures (its upper percentile).
    pub regret_worst: f64,
}

/// Percentile `p` (0 to 1) of `sorted` by linear interpolation between closest ranks
/// (Hyndman and Fan's type 7, the spreadsheet default).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// The value the worst `tail` share of `values` reach, given the better direction.
pub fn worst(values: &[f64], better: Better, tail: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match better {
        Better::Lower => percentile(&v, 1.0 - tail),
        Better::Higher => percentile(&v, tail),
    }
}

/// Mean of `values` (an exact sum, rounded once).
pub fn mean(values: &[f64]) -> f64 {
    let mut s = ExactSum::new();
    for v in values {
        s.add(*v);
    }
    s.value() / values.len().max(1) as f64
}

/// Whether `value` meets `threshold` in the better direction (reaching it counts).
pub fn meets(value: f64, threshold: f64, better: Better) -> bool {
    match better {
        Better::Lower => value <= threshold,
        Better::Higher => value >= threshold,
    }
}

/// The robustness of policy `p` among `policies` (each a vector of values draw by draw, all of
/// one length), on an outcome whose better direction is `better`: regret is measured against
/// the best of `policies` in each draw.
pub fn of(
    policies: &[Vec<f64>],
    p: usize,
    better: Better,
    tail: f64,
    threshold: Option<f64>,
) -> Robustness {
    let values = &policies[p];
    let draws = values.len();
    let regret: Vec<f64> = (0..draws)
        .map(|d| {
            let column = policies.iter().map(|v| v[d]);
            let best = match better {
                Better::Lower => column.fold(f64::INFINITY, f64::min),
                Better::Higher => column.fold(f64::NEG_INFINITY, f64::max),
            };
            (values[d] - best).abs()
        })
        .collect();
    let mut sorted_regret = regret.clone();
    sorted_regret.sort_by(f64::total_cmp);
    Robustness {
        mean: mean(values),
        worst: worst(values, better, tail),
        satisficing: threshold.map(|t| {
            values.iter().filter(|v| meets(**v, t, better)).count() as f64 / draws.max(1) as f64
        }),
        regret_mean: mean(&regret),
        regret_worst: percentile(&sorted_regret, 1.0 - tail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_ranks() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert_eq!(percentile(&v, 0.9), 4.6);
        assert_eq!(percentile(&v, 1.0), 5.0);
    }

    #[test]
    fn the_worst_tail_is_on_the_bad_side() {
        let v: Vec<f64> = (0..=100).map(f64::from).collect();
        assert_eq!(worst(&v, Better::Lower, 0.05), 95.0);
        assert_eq!(worst(&v, Better::Higher, 0.05), 5.0);
    }

    #[test]
    fn regret_is_measured_against_the_best_policy_in_each_draw() {
        // Policy 0 is best in draw 0, policy 1 in draws 1 and 2.
        let policies = vec![vec![1.0, 5.0, 6.0], vec![2.0, 3.0, 3.0]];
        let r0 = of(&policies, 0, Better::Lower, 0.05, Some(4.0));
        assert_eq!(r0.regret_mean, (0.0 + 2.0 + 3.0) / 3.0);
        assert_eq!(r0.satisficing, Some(1.0 / 3.0));
        assert_eq!(r0.mean, 4.0);
        let r1 = of(&policies, 1, Better::Lower, 0.05, None);
        assert_eq!(r1.regret_mean, 1.0 / 3.0);
        assert_eq!(r1.satisficing, None);
        // Higher is better: the roles swap.
        let h0 = of(&policies, 0, Better::Higher, 0.05, Some(5.0));
        assert_eq!(h0.regret_mean, 1.0 / 3.0);
        assert_eq!(h0.satisficing, Some(2.0 / 3.0));
    }
}
