//! One flow within a bargain (a leg), and how much it moves when the taker's values weigh a
//! given number of times the giver's costs.

use crate::engine::curves::NeedFn;
use crate::engine::lesser;
use crate::engine::root::{Bracket, Secant, Trial};
use crate::model::{FlowId, LaneId};

/// One good moving one way within a bargain.
#[derive(Clone, Copy, Debug)]
pub(super) struct Leg {
    /// The leg's flow (fixed for the runner's life, like `from_a`, `start` and `len`).
    pub(super) flow: FlowId,
    /// This leg's lanes in [`super::BargainCache::leg_lanes`]: `start .. start + len`, cheapest first. Fixed
    /// for the runner's life: every flow has its own leg lanes.
    pub(super) start: usize,
    pub(super) len: usize,
    /// Given by the link's `a` (to `b`).
    pub(super) from_a: bool,
    pub(super) cap: f64,
    pub(super) cost: f64,
    pub(super) s_taker: f64,
    pub(super) s_giver: f64,
    pub(super) taker: NeedFn,
    pub(super) giver: Option<NeedFn>,
    /// The giver has no need of the good and the taker's curve is `Concave(2)`: the case
    /// [`Leg::partial_straight`] solves without dispatching on the curve.
    pub(super) straight: bool,
    /// The good moves in whole units only.
    pub(super) whole: bool,
    /// Utilities before the bargain, at `s_taker` and `s_giver`.
    pub(super) u_taker: f64,
    pub(super) u_giver: f64,
    /// The [`super::BargainCache`]'s epoch when this leg was last prepared: while it is
    /// unchanged, so are the curves, the cost, the order of the leg's lanes and every lane's
    /// arriving share.
    pub(super) epoch: u64,
    /// The lane (position in the leg's lanes) that `r_first` was computed for, if any;
    /// `r_first` is the ratio below which nothing moves while that lane is the first with room.
    pub(super) first_lane: Option<usize>,
    pub(super) r_first: f64,
    /// Below this ratio of weights (taker's over giver's) nothing moves.
    pub(super) r_none: f64,
    /// At or above this ratio the whole cap moves (infinite if the taker is sated first).
    pub(super) r_full: f64,
    /// Taker's gain and giver's loss when the whole cap moves.
    pub(super) gain_full: f64,
    pub(super) loss_full: f64,
    /// Quantity sent at the search's latest trial rate, and at its best rate so far: the
    /// bargain struck moves exactly what the search valued, without solving the leg again.
    pub(super) x_try: f64,
    pub(super) x_best: f64,
}

/// A lane as one bargain sees it: room left this step and the expected share that arrives.
#[derive(Clone, Copy, Debug)]
pub(super) struct LegLane {
    pub(super) lane: LaneId,
    pub(super) room: f64,
    pub(super) keep: f64,
    /// `1 / keep`, so that solving a leg multiplies instead of dividing.
    pub(super) inv_keep: f64,
    /// Toll per unit sent on the lane, paid by the giver.
    pub(super) toll: f64,
}

impl Leg {
    /// A leg that moves nothing, to be given its flow, lanes and the step's state.
    pub(super) fn idle() -> Leg {
        Leg {
            flow: FlowId::new(0),
            start: 0,
            len: 0,
            from_a: false,
            cap: 0.0,
            cost: 0.0,
            s_taker: 0.0,
            s_giver: 0.0,
            taker: NeedFn::new(crate::model::CurveDef::Linear, 1.0, 0.0, 1.0),
            giver: None,
            straight: false,
            whole: false,
            u_taker: 0.0,
            u_giver: 0.0,
            epoch: u64::MAX,
            first_lane: None,
            r_first: f64::INFINITY,
            r_none: f64::INFINITY,
            r_full: f64::INFINITY,
            gain_full: 0.0,
            loss_full: 0.0,
            x_try: 0.0,
            x_best: 0.0,
        }
    }

    /// Precomputes the utilities before the bargain and the ratios of weights at which the leg
    /// starts to move and moves its whole cap, so that most trial rates need no solving.
    ///
    /// `same` says the leg's supplies, curves, cost and lanes' shares are those it was last
    /// prepared with (the usual case from one step to the next: only the cap moves), so the
    /// utilities before the bargain, and the first unit's ratio while the same lane carries it,
    /// are kept instead of recomputed; they would be the same bits.
    pub(super) fn prepare(&mut self, lanes: &[LegLane], same: bool) {
        // `gain_full` and `loss_full` are read only at a ratio at or above a finite `r_full`, so
        // they are set where `r_full` is; `x_try` is written by every evaluation and `x_best` by
        // the search before the bargain struck reads it.
        self.r_none = f64::INFINITY;
        self.r_full = f64::INFINITY;
        if !same {
            self.u_taker = self.taker.util(self.s_taker);
            self.u_giver = self.giver.map_or(0.0, |g| g.util(self.s_giver));
            self.first_lane = None;
        }
        if self.cap <= 0.0 {
            return;
        }
        let cost_at = |x: f64| self.cost + self.giver.map_or(0.0, |g| g.mv(self.s_giver - x));
        // First unit: on the first lane that has room and lets anything through.
        let Some(i) = lanes.iter().position(|l| l.room > 0.0 && l.keep > 0.0) else {
            return;
        };
        let first = lanes[i];
        if Some(i) != self.first_lane {
            let value0 = first.keep * self.taker.mv(self.s_taker);
            self.r_first = if value0 > 0.0 {
                (cost_at(0.0) + first.toll) / value0
            } else {
                f64::INFINITY
            };
            self.first_lane = Some(i);
        }
        self.r_none = self.r_first;
        // Whole cap: the last unit travels on the last lane needed.
        let (mut left, mut d, mut last_keep) = (self.cap, 0.0, first.keep);
        let (mut paid, mut last_toll) = (0.0, first.toll);
        for l in lanes {
            if left <= 0.0 {
                break;
            }
            if l.room <= 0.0 {
                continue;
            }
            if l.keep <= 0.0 {
                // Nothing passes beyond this lane: the cap is never moved in full.
                return;
            }
            let put = lesser(l.room, left);
            left -= put;
            d += l.keep * put;
            paid += l.toll * put;
            last_keep = l.keep;
            last_toll = l.toll;
        }
        let value_full = last_keep * self.taker.mv(self.s_taker + d);
        if value_full > 0.0 {
            self.r_full = (cost_at(self.cap) + last_toll) / value_full;
            self.gain_full = self.taker.util(self.s_taker + d) - self.u_taker;
            self.loss_full = self.cost * self.cap
                + paid
                + self
                    .giver
                    .map_or(0.0, |g| self.u_giver - g.util(self.s_giver - self.cap));
        }
    }

    /// Taker's gain and giver's loss when the taker's values weigh `r` times the giver's costs
    /// (`inv_r` is `1 / r`); the quantity sent is left in `x_try`.
    #[inline(always)]
    pub(super) fn outcome(&mut self, lanes: &[LegLane], r: f64, inv_r: f64) -> (f64, f64) {
        // A leg without capacity has `r_none` infinite, so it stops here.
        if r <= self.r_none {
            self.x_try = 0.0;
            return (0.0, 0.0);
        }
        if r >= self.r_full {
            self.x_try = self.cap;
            return (self.gain_full, self.loss_full);
        }
        if self.whole {
            return self.partial_whole(lanes, r, inv_r);
        }
        if self.straight {
            self.partial_straight(lanes, inv_r)
        } else {
            self.partial(lanes, r, inv_r)
        }
    }

    /// [`Leg::partial`] for a leg whose giver has no need of the good and whose taker's curve is
    /// `Concave(2)` (every leg of the flagship): the same arithmetic as [`solve_leg`] with that
    /// curve, so the same bits, with no test of the curve's shape per lane.
    #[inline(always)]
    fn partial_straight(&mut self, lanes: &[LegLane], inv_r: f64) -> (f64, f64) {
        let taker = self.taker;
        let (x, d, paid) = fill_at_constant_cost(
            self,
            &lanes[self.start..self.start + self.len],
            inv_r,
            |mv| taker.straight_supply_at(mv),
        );
        self.x_try = x;
        if x <= 0.0 {
            return (0.0, 0.0);
        }
        (
            taker.straight_util(self.s_taker + d) - self.u_taker,
            self.cost * x + paid,
        )
    }

    /// [`Leg::outcome`] between the two thresholds, where the quantity must be solved for.
    #[inline(never)]
    fn partial(&mut self, lanes: &[LegLane], r: f64, inv_r: f64) -> (f64, f64) {
        let (x, d, paid) = solve_leg(self, &lanes[self.start..self.start + self.len], r, inv_r);
        self.x_try = x;
        if x <= 0.0 {
            return (0.0, 0.0);
        }
        self.valued(x, d, paid)
    }

    /// Taker's gain and giver's loss when `x` is sent, `d` expected to arrive and `paid` in
    /// tolls.
    fn valued(&self, x: f64, d: f64, paid: f64) -> (f64, f64) {
        let gain = self.taker.util(self.s_taker + d) - self.u_taker;
        let loss = self.cost * x
            + paid
            + self
                .giver
                .map_or(0.0, |g| self.u_giver - g.util(self.s_giver - x));
        (gain, loss)
    }

    /// [`Leg::outcome`] between the thresholds for a whole good: of the two whole numbers of
    /// units around what the leg would move if the good were divisible, the one whose value to
    /// the taker, weighted by `r`, exceeds its cost to the giver by more (the smaller on a tie),
    /// spread over its lanes in order.
    #[inline(never)]
    fn partial_whole(&mut self, lanes: &[LegLane], r: f64, inv_r: f64) -> (f64, f64) {
        let lanes = &lanes[self.start..self.start + self.len];
        let (x, _, _) = solve_leg(self, lanes, r, inv_r);
        let low = x.floor().min(self.cap);
        let high = (low + 1.0).min(self.cap);
        let at = |n: f64| {
            let (d, paid) = spread(lanes, n);
            let (gain, loss) = self.valued(n, d, paid);
            (r * gain - loss, gain, loss)
        };
        let (surplus_low, gain_low, loss_low) = if low > 0.0 { at(low) } else { (0.0, 0.0, 0.0) };
        let (surplus_high, gain_high, loss_high) = at(high);
        let (n, gain, loss) = if high > low && surplus_high > surplus_low {
            (high, gain_high, loss_high)
        } else {
            (low, gain_low, loss_low)
        };
        self.x_try = n;
        if n <= 0.0 {
            return (0.0, 0.0);
        }
        (gain, loss)
    }
}

/// Expected arrivals and tolls of `x` units sent over `lanes` in order, each up to its room.
fn spread(lanes: &[LegLane], x: f64) -> (f64, f64) {
    let (mut left, mut d, mut paid) = (x, 0.0, 0.0);
    for l in lanes {
        let put = lesser(l.room, left);
        if put <= 0.0 {
            continue;
        }
        d += l.keep * put;
        paid += l.toll * put;
        left -= put;
        if left <= 0.0 {
            break;
        }
    }
    (d, paid)
}

/// Quantity sent `x`, expected quantity arriving `d` and tolls paid for one leg when the taker's
/// values weigh `r` times the giver's costs (`inv_r = 1 / r`): lanes in order, each used while the
/// weighted value of the next unit still covers its cost (the offer's, the lane's toll and the
/// giver's own need).
///
/// When the giver has no need of its own for the good its marginal cost is constant and the
/// quantity follows in closed form from the inverse of the taker's marginal value; otherwise the
/// balance point is found numerically.
pub(super) fn solve_leg(leg: &Leg, lanes: &[LegLane], r: f64, inv_r: f64) -> (f64, f64, f64) {
    // One loop per case, so the per-lane work carries no test of which case it is.
    match leg.giver {
        None => fill_at_constant_cost(leg, lanes, inv_r, |mv| leg.taker.supply_at(mv)),
        Some(giver) => fill_lanes(leg, lanes, |leg_lane, room, x0, d0| {
            let keep = leg_lane.keep;
            let f = |x: f64| {
                let value = leg.taker.mv(leg.s_taker + d0 + keep * x);
                let cost = leg.cost + leg_lane.toll + giver.mv(leg.s_giver - x0 - x);
                r * keep * value - cost
            };
            let f0 = f(0.0);
            if f0 <= 0.0 {
                return None;
            }
            let f1 = f(room);
            Some(if f1 >= 0.0 {
                room
            } else {
                root(&f, room, f0, f1)
            })
        }),
    }
}

/// [`solve_leg`] for a giver without a need of its own (a constant marginal cost): on each lane
/// the quantity follows in closed form from `supply_at`, the inverse of the taker's marginal
/// value (the curve's own, or a shape-specific copy of it with the same bits).
#[inline(always)]
fn fill_at_constant_cost(
    leg: &Leg,
    lanes: &[LegLane],
    inv_r: f64,
    supply_at: impl Fn(f64) -> f64,
) -> (f64, f64, f64) {
    fill_lanes(leg, lanes, |leg_lane, room, _, d0| {
        // Largest supply at which r * keep * MV_taker >= cost + toll.
        let cost = (leg.cost + leg_lane.toll) * inv_r;
        let worth = supply_at(cost * leg_lane.inv_keep) - (leg.s_taker + d0);
        (worth > 0.0).then(|| lesser(worth * leg_lane.inv_keep, room))
    })
}

/// Walks a leg's lanes in order, sending on each the `amount(leg_lane, room, x0, d0)` that is still
/// worth it (`x0`, `d0`: sent and expected so far); stops at the first lane that is not filled
/// or where `amount` says nothing more is worth sending. Returns `(x, d, tolls)` as
/// [`solve_leg`].
#[inline(always)]
fn fill_lanes(
    leg: &Leg,
    lanes: &[LegLane],
    amount: impl Fn(&LegLane, f64, f64, f64) -> Option<f64>,
) -> (f64, f64, f64) {
    let (mut x0, mut d0, mut paid) = (0.0, 0.0, 0.0);
    for leg_lane in lanes {
        let left = leg.cap - x0;
        if left <= 0.0 {
            break;
        }
        let room = lesser(leg_lane.room, left);
        if room <= 0.0 {
            continue;
        }
        let keep = leg_lane.keep;
        if keep <= 0.0 {
            break;
        }
        let Some(x) = amount(leg_lane, room, x0, d0) else {
            break;
        };
        x0 += x;
        d0 += keep * x;
        paid += leg_lane.toll * x;
        if x < room {
            break;
        }
    }
    (x0, d0, paid)
}

/// Root of a decreasing `f` on `[0, b]` with `f(0) = fa > 0 > fb = f(b)`, to a relative width of
/// 1e-12. Returns a point where `f` is still non-negative, so the last unit moved is still worth
/// it (or a point where `f` is exactly 0).
fn root(f: &impl Fn(f64) -> f64, b: f64, fa: f64, fb: f64) -> f64 {
    let mut bracket = Bracket {
        lo: 0.0,
        hi: b,
        f_lo: Some(fa),
        f_hi: Some(fb),
    };
    let narrow = |lo: f64, hi: f64| hi - lo <= 1e-12 * (1.0 + hi);
    // `f` falls: positive below the root, negative above it. A value that is neither (0, or
    // NaN) ends the search there.
    let stop = bracket.refine(Secant::Weighted, 100, narrow, |x| {
        let fx = f(x);
        if fx > 0.0 {
            Trial::Below(Some(fx))
        } else if fx < 0.0 {
            Trial::Above(Some(fx))
        } else {
            Trial::Stop(x)
        }
    });
    stop.unwrap_or(bracket.lo)
}

#[cfg(test)]
mod tests {
    use super::{Leg, LegLane, solve_leg};
    use crate::engine::curves::NeedFn;
    use crate::model::{CurveDef, LaneId};

    #[test]
    fn a_giver_with_a_need_gives_up_to_the_balance_point() {
        // Both value the good with straight marginal values (`Concave(2)`): MV(s) = v (1 - s/q).
        let (q_t, v_t, q_g, v_g) = (100.0, 10.0, 80.0, 6.0);
        let (s_t, s_g, cost, keep, r) = (20.0, 70.0, 0.5, 0.9, 1.3);
        let mut leg = Leg::idle();
        leg.cap = 1000.0;
        leg.len = 1;
        leg.cost = cost;
        leg.s_taker = s_t;
        leg.s_giver = s_g;
        leg.taker = NeedFn::new(CurveDef::Concave(0), q_t, v_t, 2.0);
        leg.giver = Some(NeedFn::new(CurveDef::Concave(0), q_g, v_g, 2.0));
        let lane = |room: f64| LegLane {
            lane: LaneId::new(0),
            room,
            keep,
            inv_keep: 1.0 / keep,
            toll: 0.0,
        };
        // The balance point, where the taker's weighted value of the next unit equals its cost to
        // the giver: r k v_t (1 - (s_t + k x) / q_t) = cost + v_g (1 - (s_g - x) / q_g), linear
        // in x.
        let balance = (r * keep * v_t * (1.0 - s_t / q_t) - cost - v_g * (1.0 - s_g / q_g))
            / (r * keep * keep * v_t / q_t + v_g / q_g);
        assert!(balance > 40.0 && balance < 50.0, "{balance}");
        let (x, d, _) = solve_leg(&leg, &[lane(1000.0)], r, 1.0 / r);
        assert!((x - balance).abs() < 1e-9 * balance, "{x} vs {balance}");
        assert_eq!(d, keep * x);
        // The last unit sent is still worth its cost.
        let worth = r * keep * leg.taker.mv(s_t + keep * x) - cost - v_g * (1.0 - (s_g - x) / q_g);
        assert!(worth >= 0.0, "{worth}");
        // A lane with less room than the balance point is filled, and the next lane used.
        let (x2, d2, _) = solve_leg(&leg, &[lane(30.0), lane(1000.0)], r, 1.0 / r);
        assert!((x2 - balance).abs() < 1e-9 * balance, "{x2} vs {balance}");
        assert!((d2 - keep * x2).abs() < 1e-9 * d2);
        let (x3, _, _) = solve_leg(&leg, &[lane(30.0)], r, 1.0 / r);
        assert_eq!(x3, 30.0);
    }
}
