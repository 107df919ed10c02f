//! Refining a bracket around the root of a monotone function: regula falsi with the Illinois
//! modification.
//!
//! Bargaining looks for two kinds of root, both between two points known to lie on either side
//! of it: the Nash rate `ln θ` of a link, and the balance point of a leg whose giver has a need of
//! its own for the good (see [`super::exchange`]). Both refine their bracket here, by the same
//! rule:
//!
//! 1. The next trial is where the straight line through the bracket's two ends crosses zero, or
//!    the bracket's midpoint when an end has no value or that point is not strictly inside.
//! 2. The caller says on which side of the root the trial lies (and its value there, if it has
//!    one), or that the search is over.
//! 3. That side's end moves to the trial. When the same end moves twice in a row, the value kept
//!    at the other (stale) end is halved, so that the next crossing moves toward it: the Illinois
//!    modification, which keeps regula falsi from creeping in from one side.
//!
//! The two callers compute the crossing point with different but equivalent formulas, and each
//! keeps its own, bit for bit: see [`Secant`].

/// Where a trial point lies relative to the root, as the caller's function says.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Trial<S> {
    /// Below the root: the bracket's lower end moves here. Holds the function's value there,
    /// if it has one there (the bargaining residual has none where only one side gains).
    Below(Option<f64>),
    /// Above the root: the upper end moves here, with the value if any.
    Above(Option<f64>),
    /// The search is over at this trial (a root found, or no root to find); `S` is what the
    /// caller wants to know about it.
    Stop(S),
}

/// How the crossing point of the straight line through the bracket's ends is computed. The two
/// formulas are equal in exact arithmetic; in floating point they differ in the last bits, so
/// each caller keeps the one its results were computed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Secant {
    /// `lo - f_lo (hi - lo) / (f_hi - f_lo)`, only while the values increase from `lo` to `hi`
    /// (`f_hi > f_lo`), else the midpoint. The Nash rate's residual rises with the rate.
    FromLower,
    /// `(lo f_hi - hi f_lo) / (f_hi - f_lo)`, whatever the values' order. A leg's balance
    /// function falls with the quantity sent.
    Weighted,
}

impl Secant {
    /// The next trial point for a bracket `[lo, hi]` with these end values, before the check
    /// that it lies strictly inside (the midpoint where an end has no value).
    #[inline(always)]
    fn crossing(self, lo: f64, hi: f64, f_lo: Option<f64>, f_hi: Option<f64>) -> f64 {
        match (self, f_lo, f_hi) {
            (Secant::FromLower, Some(a), Some(b)) if b > a => lo - a * (hi - lo) / (b - a),
            (Secant::Weighted, Some(a), Some(b)) => (lo * b - hi * a) / (b - a),
            _ => 0.5 * (lo + hi),
        }
    }
}

/// Two points on either side of a root, `lo < hi`, with the function's values there when known
/// (values kept at a stale end may have been halved: see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Bracket {
    pub lo: f64,
    pub hi: f64,
    pub f_lo: Option<f64>,
    pub f_hi: Option<f64>,
}

impl Bracket {
    /// Refines the bracket by at most `trials` trials, each evaluated by `probe`, until `probe`
    /// stops the search or `narrow(lo, hi)` holds after a move.
    ///
    /// Returns what `probe` stopped with, or `None` when the trials ran out or the bracket is
    /// narrow enough; the bracket is left as refined either way. `narrow` is not tested before
    /// the first trial: a caller whose bracket may start narrow tests it first.
    #[inline(always)]
    pub(super) fn refine<S>(
        &mut self,
        secant: Secant,
        trials: u32,
        narrow: impl Fn(f64, f64) -> bool,
        mut probe: impl FnMut(f64) -> Trial<S>,
    ) -> Option<S> {
        // Which end moved last: -1 the lower, 1 the upper, 0 neither yet.
        let mut last = 0i8;
        for _ in 0..trials {
            let mut t = secant.crossing(self.lo, self.hi, self.f_lo, self.f_hi);
            if !(t > self.lo && t < self.hi) {
                t = 0.5 * (self.lo + self.hi);
            }
            match probe(t) {
                Trial::Stop(s) => return Some(s),
                Trial::Below(f) => {
                    self.lo = t;
                    self.f_lo = f;
                    if last == -1 {
                        self.f_hi = self.f_hi.map(|v| v * 0.5);
                    }
                    last = -1;
                }
                Trial::Above(f) => {
                    self.hi = t;
                    self.f_hi = f;
                    if last == 1 {
                        self.f_lo = self.f_lo.map(|v| v * 0.5);
                    }
                    last = 1;
                }
            }
            if narrow(self.lo, self.hi) {
                break;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{Bracket, Secant, Trial};

    /// Refines `f` (increasing or decreasing) on `[lo, hi]` to a width of 1e-13 and returns
    /// the bracket and the number of trials used.
    fn solve(f: impl Fn(f64) -> f64, lo: f64, hi: f64, secant: Secant) -> (Bracket, u32) {
        let rising = f(hi) > f(lo);
        let mut b = Bracket {
            lo,
            hi,
            f_lo: Some(f(lo)),
            f_hi: Some(f(hi)),
        };
        let mut n = 0;
        let stop = b.refine(
            secant,
            200,
            |lo, hi| hi - lo < 1e-13,
            |t| {
                n += 1;
                let v = f(t);
                if v == 0.0 {
                    Trial::Stop(t)
                } else if (v < 0.0) == rising {
                    Trial::Below(Some(v))
                } else {
                    Trial::Above(Some(v))
                }
            },
        );
        if let Some(t) = stop {
            (b.lo, b.hi) = (t, t);
        }
        (b, n)
    }

    #[test]
    fn finds_the_cube_root_of_two_either_way_up() {
        let root = 2f64.cbrt();
        for secant in [Secant::FromLower, Secant::Weighted] {
            let (b, n) = solve(|x| x * x * x - 2.0, 0.0, 2.0, secant);
            assert!(
                b.lo <= root + 1e-15 && b.hi >= root - 1e-15,
                "{secant:?}: {b:?}"
            );
            assert!(b.hi - b.lo < 1e-12, "{secant:?}: {b:?}");
            // Illinois converges superlinearly: far fewer trials than bisection's 45.
            assert!(n <= 15, "{secant:?}: {n} trials");
        }
        // The weighted secant needs no order of the values: the same root falling.
        let (b, _) = solve(|x| 2.0 - x * x * x, 0.0, 2.0, Secant::Weighted);
        assert!((b.lo - root).abs() < 1e-12 && (b.hi - root).abs() < 1e-12);
    }

    #[test]
    fn without_values_it_bisects() {
        // Only the side is known, as where one party alone gains: each trial is the midpoint.
        let mut b = Bracket {
            lo: 0.0,
            hi: 1.0,
            f_lo: None,
            f_hi: Some(1.0),
        };
        let mut trials = Vec::new();
        let out: Option<()> = b.refine(
            Secant::FromLower,
            3,
            |_, _| false,
            |t| {
                trials.push(t);
                Trial::Below(None)
            },
        );
        assert_eq!(out, None);
        assert_eq!(trials, [0.5, 0.75, 0.875]);
        assert_eq!((b.lo, b.hi), (0.875, 1.0));
        // The upper end's value was halved each time the lower end moved again.
        assert_eq!(b.f_hi, Some(0.25));
    }

    #[test]
    fn the_stale_end_is_halved() {
        // f(x) = x^2 - 0.5 on [0, 1]: the first crossing (0.5) is below the root, so the lower
        // end moves; the second move of the same end halves the upper end's value.
        let f = |x: f64| x * x - 0.5;
        let mut b = Bracket {
            lo: 0.0,
            hi: 1.0,
            f_lo: Some(f(0.0)),
            f_hi: Some(f(1.0)),
        };
        let mut seen = Vec::new();
        let _: Option<()> = b.refine(
            Secant::FromLower,
            2,
            |_, _| false,
            |t| {
                seen.push(t);
                Trial::Below(Some(f(t)))
            },
        );
        assert_eq!(seen[0], 0.5);
        let expected = 0.5 - f(0.5) * (1.0 - 0.5) / (f(1.0) - f(0.5));
        assert_eq!(seen[1], expected);
        assert_eq!(b.f_hi, Some(f(1.0) * 0.5));
    }

    #[test]
    fn a_stop_ends_the_search_at_once() {
        let mut b = Bracket {
            lo: -1.0,
            hi: 3.0,
            f_lo: Some(-1.0),
            f_hi: Some(3.0),
        };
        let out = b.refine(Secant::Weighted, 50, |_, _| false, Trial::Stop);
        assert_eq!(out, Some(0.0));
        assert_eq!((b.lo, b.hi), (-1.0, 3.0), "a stop moves no end");
    }
}
