//! How much a need values one more unit.
//!
//! A need for `q` units per step, worth `v` (US-dollar equivalents) for the first unit, values
//! the supply `s` it has this step (own production plus receipts minus what it gave away) with a
//! concave utility `U(s)`, `U(0) = 0`, whose slope is the marginal value `MV(s)`:
//!
//! | curve        | `MV(s)`, with `m = s / q`       | `U(s)`                          |
//! |--------------|---------------------------------|---------------------------------|
//! | `Linear`     | `v` while `m < 1`, then 0       | `v * min(s, q)`                 |
//! | `Concave(k)` | `v (1 - m)^(k-1)` while `m < 1` | `v q (1 - (1 - m)^k) / k`       |
//! | `Log`        | `v / (1 + m)`                   | `v q ln(1 + m)`                 |
//!
//! Below zero supply (giving away more than it produced and received, from stock) the utility
//! continues in a straight line with slope `v`, so marginal values never increase with supply and
//! every bargain is a concave problem.

use crate::model::CurveDef;

/// Shape of a need's marginal value, with the exponent resolved for the run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    Linear,
    /// `Concave(2)`: marginal value falls in a straight line (no powers needed).
    Straight,
    /// `Concave(k)` for other `k`; holds `k`.
    Power(f64),
    Log,
}

/// One need's valuation for a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NeedFn {
    q: f64,
    v: f64,
    /// `1 / q` and `1 / v`: every evaluation multiplies by them instead of dividing, because a
    /// division's latency is several multiplications' and bargaining evaluates these curves most.
    inv_q: f64,
    inv_v: f64,
    pub shape: Shape,
}

impl NeedFn {
    /// Builds the valuation; `k` is the exponent slot's value for `Concave`.
    pub fn new(curve: CurveDef, q: f64, v: f64, k: f64) -> NeedFn {
        let shape = match curve {
            CurveDef::Linear => Shape::Linear,
            CurveDef::Log => Shape::Log,
            CurveDef::Concave(_) if k == 1.0 => Shape::Linear,
            CurveDef::Concave(_) if k == 2.0 => Shape::Straight,
            CurveDef::Concave(_) => Shape::Power(k),
        };
        let mut f = NeedFn {
            q: 0.0,
            v,
            inv_q: 0.0,
            inv_v: 1.0 / v,
            shape,
        };
        f.set_quantity(q);
        f
    }

    /// Units per step the need asks for.
    pub fn quantity(&self) -> f64 {
        self.q
    }

    /// Changes the quantity (a modifier scaling the need), kept at least 1e-12.
    pub fn set_quantity(&mut self, q: f64) {
        self.q = q.max(1e-12);
        self.inv_q = 1.0 / self.q;
    }

    /// Marginal value at supply `s`.
    #[inline]
    pub fn mv(&self, s: f64) -> f64 {
        if s <= 0.0 {
            return self.v;
        }
        let m = s * self.inv_q;
        match self.shape {
            Shape::Linear => {
                if m < 1.0 {
                    self.v
                } else {
                    0.0
                }
            }
            Shape::Straight => {
                if m < 1.0 {
                    self.v * (1.0 - m)
                } else {
                    0.0
                }
            }
            Shape::Power(k) => {
                if m < 1.0 {
                    self.v * (1.0 - m).powf(k - 1.0)
                } else {
                    0.0
                }
            }
            Shape::Log => self.v / (1.0 + m),
        }
    }

    /// Utility of supply `s` (integral of [`NeedFn::mv`] from 0).
    #[inline]
    pub fn util(&self, s: f64) -> f64 {
        if s <= 0.0 {
            return self.v * s;
        }
        let m = s * self.inv_q;
        match self.shape {
            Shape::Linear => self.v * s.min(self.q),
            Shape::Straight => self.straight_util(s),
            Shape::Power(k) => {
                let m = m.min(1.0);
                self.v * self.q * (1.0 - (1.0 - m).powf(k)) / k
            }
            Shape::Log => self.v * self.q * m.ln_1p(),
        }
    }

    /// The largest supply at which one more unit is still worth at least `mv`: the inverse of
    /// [`NeedFn::mv`]. Returns a negative number when even the first unit is worth less than `mv`,
    /// and the satiation point (infinite for `Log`) when `mv` is zero or less.
    #[inline]
    pub fn supply_at(&self, mv: f64) -> f64 {
        if mv <= 0.0 {
            return self.satiation();
        }
        if mv > self.v {
            return -1.0;
        }
        let r = mv * self.inv_v;
        match self.shape {
            Shape::Linear => self.q,
            Shape::Straight => self.straight_supply_at(mv),
            Shape::Power(k) => self.q * (1.0 - r.powf(1.0 / (k - 1.0))),
            Shape::Log => self.q * (1.0 / r - 1.0),
        }
    }

    /// [`NeedFn::util`] of a need whose shape is [`Shape::Straight`], for callers that checked
    /// the shape once for many evaluations: the same arithmetic, so the same bits.
    #[inline(always)]
    pub fn straight_util(&self, s: f64) -> f64 {
        debug_assert_eq!(self.shape, Shape::Straight);
        if s <= 0.0 {
            return self.v * s;
        }
        let m = (s * self.inv_q).min(1.0);
        self.v * self.q * (1.0 - (1.0 - m) * (1.0 - m)) / 2.0
    }

    /// [`NeedFn::supply_at`] of a need whose shape is [`Shape::Straight`] (same bits).
    #[inline(always)]
    pub fn straight_supply_at(&self, mv: f64) -> f64 {
        debug_assert_eq!(self.shape, Shape::Straight);
        if mv <= 0.0 {
            return self.q;
        }
        if mv > self.v {
            return -1.0;
        }
        self.q * (1.0 - mv * self.inv_v)
    }

    /// Supply beyond which one more unit is worth nothing (infinite for `Log`).
    pub fn satiation(&self) -> f64 {
        match self.shape {
            Shape::Log => f64::INFINITY,
            _ => self.q,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curves() -> Vec<NeedFn> {
        vec![
            NeedFn::new(CurveDef::Linear, 10.0, 3.0, 0.0),
            NeedFn::new(CurveDef::Concave(0), 10.0, 3.0, 2.0),
            NeedFn::new(CurveDef::Concave(0), 10.0, 3.0, 3.5),
            NeedFn::new(CurveDef::Log, 10.0, 3.0, 0.0),
        ]
    }

    #[test]
    fn utility_is_the_integral_of_marginal_value() {
        for f in curves() {
            for s in [-4.0, 0.0, 2.5, 7.0, 9.99, 15.0] {
                let h = 1e-6;
                let numeric = (f.util(s + h) - f.util(s - h)) / (2.0 * h);
                if f.shape == Shape::Linear && (s - 10.0f64).abs() < 0.1 {
                    continue; // the kink at satiation
                }
                assert!(
                    (numeric - f.mv(s)).abs() < 1e-4,
                    "{:?} at {s}: {numeric} vs {}",
                    f.shape,
                    f.mv(s)
                );
            }
        }
    }

    #[test]
    fn marginal_value_never_rises_with_supply() {
        for f in curves() {
            let mut last = f64::INFINITY;
            for i in -20..40 {
                let mv = f.mv(i as f64 * 0.5);
                assert!(mv <= last + 1e-12, "{:?}", f.shape);
                last = mv;
            }
        }
    }

    #[test]
    fn supply_at_inverts_marginal_value() {
        for f in curves() {
            for s in [0.5, 3.0, 7.5, 9.0] {
                let mv = f.mv(s);
                let back = f.supply_at(mv);
                if f.shape == Shape::Linear {
                    assert_eq!(back, 10.0);
                } else {
                    assert!(
                        (back - s).abs() < 1e-9,
                        "{:?}: {s} -> {mv} -> {back}",
                        f.shape
                    );
                }
            }
            assert!(
                f.supply_at(3.5) < 0.0,
                "no supply is worth more than the first unit"
            );
            assert_eq!(f.supply_at(0.0), f.satiation());
        }
    }

    #[test]
    fn first_unit_is_worth_the_stated_value() {
        for f in curves() {
            assert_eq!(f.mv(0.0), 3.0);
        }
    }
}
