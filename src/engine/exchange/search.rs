//! The search for a link's Nash rate `ln θ`.

use super::leg::{Leg, LegLane};
use crate::engine::Runner;
use crate::engine::root::{Bracket, Secant, Trial};
use crate::model::LinkId;

/// Gains below this many US-dollar equivalents count as no gain (rounding noise).
const MIN_GAIN: f64 = 1e-9;
/// Bounds of the search on `ln θ`.
const LN_THETA_MAX: f64 = 60.0;
/// The search stops at a residual below this (0.01% in the rate).
const RESIDUAL: f64 = 1e-4;

/// The bargain found: its log rate, both sides' gains there, the residual there and its slope.
#[derive(Clone, Copy, Debug)]
pub(super) struct Found {
    pub(super) t: f64,
    pub(super) ga: f64,
    pub(super) gb: f64,
    pub(super) r: f64,
    pub(super) slope: f64,
}

/// Where a candidate `ln θ` falls.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Side {
    /// Neither side gains: no bargain exists at any rate.
    NoDeal,
    /// Only A gains: `θ` is too low.
    Low,
    /// Only B gains: `θ` is too high.
    High,
    /// Both gain; the value is the Nash condition's residual (negative: raise `θ`).
    Both(f64),
}

impl Side {
    /// Below the root: `θ` must rise.
    #[inline(always)]
    fn below(self) -> bool {
        matches!(self, Side::Low) || matches!(self, Side::Both(r) if r < 0.0)
    }

    /// Both gain, and the residual is within the search's tolerance.
    #[inline(always)]
    fn converged(self) -> bool {
        matches!(self, Side::Both(r) if r.abs() < RESIDUAL)
    }

    /// The residual, where both gain.
    #[inline(always)]
    fn residual(self) -> Option<f64> {
        match self {
            Side::Both(r) => Some(r),
            _ => None,
        }
    }
}

/// One search's trial rates: each evaluates every leg at the rate, classifies it, and keeps
/// the best (smallest residual) so far, with every leg's quantity there.
struct Trials<'a> {
    legs: &'a mut [Leg],
    lanes: &'a [LegLane],
    /// The first `n_ab` legs go from A to B.
    n_ab: usize,
    /// `ln βA - ln βB`: the powers' share of the residual.
    ln_power: f64,
    /// The best point so far: (|residual|, t, residual, gA, gB).
    best: Option<(f64, f64, f64, f64, f64)>,
}

/// How bracketing the root ended.
enum Bracketed {
    /// The root lies between `lo` and `hi` (with their sides).
    Between(f64, Side, f64, Side),
    /// The rate reached its bound without crossing the root: the best point so far stands.
    AtBound,
    /// Some trial found no bargain at all.
    NoDeal,
}

impl Trials<'_> {
    /// Evaluates the gains at `t`, classifies the rate and keeps it if it is the best so far.
    #[inline(always)]
    fn note(&mut self, t: f64) -> Side {
        let (ga, gb) = gains(self.legs, self.n_ab, self.lanes, t);
        let side = match (ga > MIN_GAIN, gb > MIN_GAIN) {
            (false, false) => Side::NoDeal,
            (true, false) => Side::Low,
            (false, true) => Side::High,
            (true, true) => Side::Both(t + self.ln_power + (gb / ga).ln()),
        };
        if let Side::Both(r) = side {
            if self.best.is_none_or(|b| r.abs() < b.0) {
                self.best = Some((r.abs(), t, r, ga, gb));
                for leg in self.legs.iter_mut() {
                    leg.x_best = leg.x_try;
                }
            }
        }
        side
    }

    /// The best point so far as the bargain found, with the residual's slope `slope`.
    #[inline(always)]
    fn found(&self, slope: f64) -> Option<Found> {
        self.best.map(|(_, t, r, ga, gb)| Found {
            t,
            ga,
            gb,
            r,
            slope,
        })
    }

    /// Brackets the root from two trials on the same side of it: steps away from `t0` past
    /// `t1`, doubling the step, until the side changes or the rate reaches its bound.
    /// Trials on either side already bracket it.
    #[inline(always)]
    fn bracket(&mut self, (t0, s0): (f64, Side), (t1, s1): (f64, Side)) -> Bracketed {
        if s0.below() != s1.below() {
            let (mut lo, mut slo, mut hi, mut shi) = if s0.below() {
                (t0, s0, t1, s1)
            } else {
                (t1, s1, t0, s0)
            };
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
                std::mem::swap(&mut slo, &mut shi);
            }
            return Bracketed::Between(lo, slo, hi, shi);
        }
        let up = s1.below();
        let mut step = (t1 - t0).abs().max(0.05);
        let (mut t, mut s) = (t1, s1);
        loop {
            let next = if up { t + step } else { t - step }.clamp(-LN_THETA_MAX, LN_THETA_MAX);
            let sn = self.note(next);
            if sn == Side::NoDeal {
                return Bracketed::NoDeal;
            }
            if sn.below() != up || next.abs() >= LN_THETA_MAX {
                if sn.below() == up {
                    return Bracketed::AtBound;
                }
                return if up {
                    Bracketed::Between(t, s, next, sn)
                } else {
                    Bracketed::Between(next, sn, t, s)
                };
            }
            (t, s) = (next, sn);
            step *= 2.0;
        }
    }

    /// Refines the bracket `[lo, hi]` by regula falsi with the Illinois modification where both
    /// ends have a residual, bisection otherwise ([`Bracket::refine`]), until the residual is
    /// small or the bracket narrow. Returns the residual's slope across the final bracket
    /// (`slope` if it has none), or `None` if some trial found no bargain.
    #[inline(always)]
    fn refine(
        &mut self,
        (lo, slo): (f64, Side),
        (hi, shi): (f64, Side),
        slope: f64,
    ) -> Option<f64> {
        let narrow = |lo: f64, hi: f64| hi - lo < 1e-6;
        let mut bracket = Bracket {
            lo,
            hi,
            f_lo: slo.residual(),
            f_hi: shi.residual(),
        };
        if !narrow(lo, hi) {
            let stop = bracket.refine(Secant::FromLower, 60, narrow, |t| {
                let s = self.note(t);
                match s {
                    Side::NoDeal => Trial::Stop(s),
                    _ if s.converged() => Trial::Stop(s),
                    _ if s.below() => Trial::Below(s.residual()),
                    _ => Trial::Above(s.residual()),
                }
            });
            if stop == Some(Side::NoDeal) {
                return None;
            }
        }
        if let (Some(a), Some(b)) = (bracket.f_lo, bracket.f_hi) {
            if bracket.hi > bracket.lo && b > a {
                return Some((b - a) / (bracket.hi - bracket.lo));
            }
        }
        Some(slope)
    }
}

impl Runner<'_> {
    /// Finds the Nash `ln θ`, or `None` when no bargain leaves both sides better off.
    ///
    /// The residual `r(t) = t + ln βA + ln gB - ln βB - ln gA` rises with slope at least 1 (gB
    /// rises and gA falls with `t`). The first trial is the link's
    /// [`super::cache::Trend`] forecast (the root moves smoothly from week to week between
    /// events, so the forecast is usually already within the tolerance), else last step's rate;
    /// from there one Newton step with last step's slope usually lands next to the root; the
    /// search then brackets it and refines by regula falsi with the Illinois modification
    /// (bisection where one end has no residual), to a residual below 1e-4 (0.01% in the rate).
    ///
    /// Every leg's `x_best` is left at its quantity at the rate returned.
    pub(super) fn search(&self, legs: &mut [Leg], lanes: &[LegLane], li: LinkId) -> Option<Found> {
        let link = &self.model.links[li];
        let mut trials = Trials {
            legs,
            lanes,
            n_ab: link.ab.len(),
            ln_power: self.params.ln_power[li],
            best: None,
        };
        let cache = &self.bargains;
        let t0 = cache.trend[li]
            .forecast(cache.rate[li])
            .clamp(-LN_THETA_MAX, LN_THETA_MAX);
        let s0 = trials.note(t0);
        if s0 == Side::NoDeal {
            return None;
        }
        let mut slope = cache.slope[li].clamp(1.0, 20.0);
        if s0.converged() {
            return trials.found(slope);
        }
        // First move: a Newton step from the first trial, or a short step toward the root.
        let t1 = match s0 {
            Side::Both(r0) => t0 - r0 / slope,
            _ if s0.below() => t0 + 0.25,
            _ => t0 - 0.25,
        }
        .clamp(-LN_THETA_MAX, LN_THETA_MAX);
        let s1 = trials.note(t1);
        if s1 == Side::NoDeal {
            return None;
        }
        if let (Side::Both(a), Side::Both(b)) = (s0, s1) {
            if t1 != t0 && (b - a) / (t1 - t0) > 0.0 {
                slope = (b - a) / (t1 - t0);
            }
        }
        if s1.converged() {
            return trials.found(slope);
        }
        let (lo, slo, hi, shi) = match trials.bracket((t0, s0), (t1, s1)) {
            Bracketed::Between(lo, slo, hi, shi) => (lo, slo, hi, shi),
            Bracketed::AtBound => return trials.found(slope),
            Bracketed::NoDeal => return None,
        };
        let slope = trials.refine((lo, slo), (hi, shi), slope)?;
        trials.found(slope)
    }
}

/// Both sides' gains if the bargain is struck at `ln θ = t`; the first `n_ab` legs go from A to B.
fn gains(legs: &mut [Leg], n_ab: usize, lanes: &[LegLane], t: f64) -> (f64, f64) {
    let theta = t.exp();
    let (ga_legs, gb_legs) = legs.split_at_mut(n_ab);
    let (mut ga, mut gb) = (0.0, 0.0);
    // Weights: A's goods are valued by B at `θ` against A's cost at 1, B's goods by A at 1
    // against B's cost at `θ`; only their ratio matters, `θ` one way and `1 / θ` the other.
    let inv_theta = 1.0 / theta;
    for leg in ga_legs {
        let (gain, loss) = leg.outcome(lanes, theta, inv_theta);
        ga -= loss;
        gb += gain;
    }
    for leg in gb_legs {
        let (gain, loss) = leg.outcome(lanes, inv_theta, theta);
        gb -= loss;
        ga += gain;
    }
    (ga, gb)
}
