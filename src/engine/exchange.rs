//! One bargain per pair of actors per step: efficient barter, split by Nash bargaining.
//!
//! The rule is specified in `docs/model.md` (section 3.3.10); in short: each trade flow of a link
//! is a `Leg` that, at a ratio of weights between the taker's values and the giver's costs,
//! sends along its lanes (cheapest expected loss first) what is still worth sending (`solve_leg`,
//! with `Leg::prepare`'s thresholds short-cutting the ratios at which nothing or everything
//! moves). A rate `θ` sets the ratio for both directions; `gains` gives both sides' gains at
//! `ln θ`, and the search finds the `ln θ` where the generalised Nash condition holds (residual
//! below 1e-4, or a bracket narrower than 1e-6), starting from the link's `Trend`. The deal
//! moves the quantities valued at the best rate tried, and only if both sides gain.

use super::curves::{NeedFn, Shape};
use super::{Runner, greater, lesser};
use crate::model::FlowDef;

/// Gains below this many US-dollar equivalents count as no gain (rounding noise).
const MIN_GAIN: f64 = 1e-9;
/// Bounds of the search on `ln θ`.
const LN_THETA_MAX: f64 = 60.0;

/// One good moving one way within a bargain.
#[derive(Clone, Copy, Debug)]
struct Leg {
    /// Global flow index (fixed for the runner's life, like `from_a`, `start` and `len`).
    flow: usize,
    /// This leg's lanes in [`Scratch::lanes`]: `start .. start + len`, cheapest first. Fixed
    /// for the runner's life: every flow has its own slots.
    start: usize,
    len: usize,
    /// Given by the link's `a` (to `b`).
    from_a: bool,
    cap: f64,
    cost: f64,
    s_taker: f64,
    s_giver: f64,
    taker: NeedFn,
    giver: Option<NeedFn>,
    /// The giver has no need of the good and the taker's curve is `Concave(2)`: the case
    /// [`Leg::partial_straight`] solves without dispatching on the curve.
    straight: bool,
    /// Utilities before the bargain, at `s_taker` and `s_giver`.
    u_taker: f64,
    u_giver: f64,
    /// The runner's [`Runner::prep_epoch`] when this leg was last prepared: while it is
    /// unchanged, so are the curves, the cost, the order of the leg's lanes and every lane's
    /// arriving share.
    epoch: u64,
    /// The lane (position in the leg's lanes) that `r_first` was computed for, `usize::MAX`
    /// when none was; `r_first` is the ratio below which nothing moves while that lane is the
    /// first with room.
    first_lane: usize,
    r_first: f64,
    /// Below this ratio of weights (taker's over giver's) nothing moves.
    r_none: f64,
    /// At or above this ratio the whole cap moves (infinite if the taker is sated first).
    r_full: f64,
    /// Taker's gain and giver's loss when the whole cap moves.
    gain_full: f64,
    loss_full: f64,
    /// Quantity sent at the search's latest trial rate, and at its best rate so far: the deal
    /// struck moves exactly what the search valued, without solving the leg again.
    x_try: f64,
    x_best: f64,
}

/// A lane as one bargain sees it: room left this step and the expected share that arrives.
#[derive(Clone, Copy, Debug)]
struct LaneSlot {
    lane: usize,
    room: f64,
    keep: f64,
    /// `1 / keep`, so that solving a leg multiplies instead of dividing.
    inv_keep: f64,
}

/// Preallocated working space for bargains.
pub struct Scratch {
    legs: Vec<Leg>,
    /// Every flow's lane slots, flow after flow. A slot's lane and arriving share change only
    /// with the preparation epoch (the order of a flow's lanes and their losses are recomputed
    /// together); its room is refreshed every step.
    lanes: Vec<LaneSlot>,
    /// First global flow index of each link.
    link_start: Vec<usize>,
}

impl Scratch {
    pub(crate) fn new(m: &crate::model::Model) -> Scratch {
        let mut link_start = Vec::with_capacity(m.links.len());
        let mut start = 0;
        for l in &m.links {
            link_start.push(start);
            start += l.ab.len() + l.ba.len();
        }
        // One leg per flow of every link, kept from step to step (see `Leg::prepare`), each with
        // one lane slot per lane of its flow: (lanes, given by the link's `a`) per flow.
        let flows: Vec<(usize, bool)> = m
            .links
            .iter()
            .flat_map(|l| {
                let ab = l.ab.iter().map(|f| (f.lanes.len(), true));
                ab.chain(l.ba.iter().map(|f| (f.lanes.len(), false)))
            })
            .collect();
        let idle = NeedFn::new(crate::model::CurveDef::Linear, 1.0, 0.0, 1.0);
        let leg = Leg {
            flow: 0,
            start: 0,
            len: 0,
            from_a: false,
            cap: 0.0,
            cost: 0.0,
            s_taker: 0.0,
            s_giver: 0.0,
            taker: idle,
            giver: None,
            straight: false,
            u_taker: 0.0,
            u_giver: 0.0,
            epoch: u64::MAX,
            first_lane: usize::MAX,
            r_first: f64::INFINITY,
            r_none: f64::INFINITY,
            r_full: f64::INFINITY,
            gain_full: 0.0,
            loss_full: 0.0,
            x_try: 0.0,
            x_best: 0.0,
        };
        let lane = LaneSlot {
            lane: 0,
            room: 0.0,
            keep: 0.0,
            inv_keep: f64::INFINITY,
        };
        // What a leg has for the runner's life is set here, once.
        let mut legs = vec![leg; flows.len()];
        let mut at = 0;
        for (f, (leg, (n, from_a))) in legs.iter_mut().zip(flows).enumerate() {
            leg.flow = f;
            leg.from_a = from_a;
            leg.start = at;
            leg.len = n;
            at += n;
        }
        Scratch {
            legs,
            lanes: vec![lane; at],
            link_start,
        }
    }
}

/// The bargain found: its log rate, both sides' gains there, the residual there and its slope.
#[derive(Clone, Copy, Debug)]
struct Found {
    t: f64,
    ga: f64,
    gb: f64,
    r: f64,
    slope: f64,
}

/// Recent roots of one link's bargaining residual, estimated from each deal struck.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Trend {
    /// Latest estimated root of `ln θ`.
    root: f64,
    /// Its last two changes from step to step, newest first.
    d1: f64,
    d2: f64,
    /// Deals struck in a row up to the latest (0: none, or the chain broke).
    streak: u32,
}

impl Trend {
    /// Largest change between steps that is still extrapolated: beyond it the rate jumped
    /// (an event, a seizure) and the last rate is the better start.
    const SMOOTH: f64 = 0.05;

    /// Where the next root is expected: the changes extrapolated in a straight line when the
    /// last three deals were struck in a row and moved smoothly, else `last`.
    fn forecast(&self, last: f64) -> f64 {
        if self.streak >= 3 && self.d1.abs() < Self::SMOOTH && self.d2.abs() < Self::SMOOTH {
            self.root + 2.0 * self.d1 - self.d2
        } else {
            last
        }
    }

    /// Records a deal whose root is estimated at `root`.
    fn struck(&mut self, root: f64) {
        if self.streak > 0 {
            self.d2 = self.d1;
            self.d1 = root - self.root;
        }
        self.root = root;
        self.streak = self.streak.saturating_add(1);
    }
}

/// Where a candidate `ln θ` falls.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Side {
    /// Neither side gains: no deal exists at any rate.
    NoDeal,
    /// Only A gains: `θ` is too low.
    Low,
    /// Only B gains: `θ` is too high.
    High,
    /// Both gain; the value is the Nash condition's residual (negative: raise `θ`).
    Both(f64),
}

impl Leg {
    /// Precomputes the utilities before the bargain and the ratios of weights at which the leg
    /// starts to move and moves its whole cap, so that most trial rates need no solving.
    ///
    /// `same` says the leg's supplies, curves, cost and lanes' shares are those it was last
    /// prepared with (the usual case from one step to the next: only the cap moves), so the
    /// utilities before the bargain, and the first unit's ratio while the same lane carries it,
    /// are kept instead of recomputed; they would be the same bits.
    fn prepare(&mut self, lanes: &[LaneSlot], same: bool) {
        // `gain_full` and `loss_full` are read only at a ratio at or above a finite `r_full`, so
        // they are set where `r_full` is; `x_try` is written by every evaluation and `x_best` by
        // the search before the deal reads it.
        self.r_none = f64::INFINITY;
        self.r_full = f64::INFINITY;
        if !same {
            self.u_taker = self.taker.util(self.s_taker);
            self.u_giver = self.giver.map_or(0.0, |g| g.util(self.s_giver));
            self.first_lane = usize::MAX;
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
        if i != self.first_lane {
            let value0 = first.keep * self.taker.mv(self.s_taker);
            self.r_first = if value0 > 0.0 {
                cost_at(0.0) / value0
            } else {
                f64::INFINITY
            };
            self.first_lane = i;
        }
        self.r_none = self.r_first;
        // Whole cap: the last unit travels on the last lane needed.
        let (mut left, mut d, mut last_keep) = (self.cap, 0.0, first.keep);
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
            last_keep = l.keep;
        }
        let value_full = last_keep * self.taker.mv(self.s_taker + d);
        if value_full > 0.0 {
            self.r_full = cost_at(self.cap) / value_full;
            self.gain_full = self.taker.util(self.s_taker + d) - self.u_taker;
            self.loss_full = self.cost * self.cap
                + self
                    .giver
                    .map_or(0.0, |g| self.u_giver - g.util(self.s_giver - self.cap));
        }
    }

    /// Taker's gain and giver's loss when the taker's values weigh `r` times the giver's costs
    /// (`inv_r` is `1 / r`); the quantity sent is left in `x_try`.
    #[inline(always)]
    fn outcome(&mut self, lanes: &[LaneSlot], r: f64, inv_r: f64) -> (f64, f64) {
        // A leg without capacity has `r_none` infinite, so it stops here.
        if r <= self.r_none {
            self.x_try = 0.0;
            return (0.0, 0.0);
        }
        if r >= self.r_full {
            self.x_try = self.cap;
            return (self.gain_full, self.loss_full);
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
    fn partial_straight(&mut self, lanes: &[LaneSlot], inv_r: f64) -> (f64, f64) {
        let taker = self.taker;
        let (x, d) = fill_at_constant_cost(
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
            self.cost * x,
        )
    }

    /// [`Leg::outcome`] between the two thresholds, where the quantity must be solved for.
    #[inline(never)]
    fn partial(&mut self, lanes: &[LaneSlot], r: f64, inv_r: f64) -> (f64, f64) {
        let (x, d) = solve_leg(self, &lanes[self.start..self.start + self.len], r, inv_r);
        self.x_try = x;
        if x <= 0.0 {
            return (0.0, 0.0);
        }
        let gain = self.taker.util(self.s_taker + d) - self.u_taker;
        let loss = self.cost * x
            + self
                .giver
                .map_or(0.0, |g| self.u_giver - g.util(self.s_giver - x));
        (gain, loss)
    }
}

impl Runner<'_> {
    /// Strikes the bargain of link `li` for this step, if one exists.
    pub(crate) fn bargain(&mut self, li: usize) {
        let m = self.m;
        let link = &m.links[li];
        let start = self.scratch.link_start[li];
        let mut legs = std::mem::take(&mut self.scratch.legs);
        let mut lanes = std::mem::take(&mut self.scratch.lanes);
        // Legs and lane slots are kept per flow (every flow of every link has its own) and
        // written in place, field by field, with nothing pushed. A to B, then B to A: two loops
        // rather than one over a chained iterator, which tests which half it is in at every leg.
        let n = link.ab.len() + link.ba.len();
        let (legs_ab, legs_ba) = legs[start..start + n].split_at_mut(link.ab.len());
        for (k, (leg, flow)) in legs_ab.iter_mut().zip(&link.ab).enumerate() {
            self.set_up_leg(leg, &mut lanes, start + k, flow);
        }
        let start_ba = start + link.ab.len();
        for (k, (leg, flow)) in legs_ba.iter_mut().zip(&link.ba).enumerate() {
            self.set_up_leg(leg, &mut lanes, start_ba + k, flow);
        }
        let active = &mut legs[start..start + n];
        let any_a = active.iter().any(|l| l.from_a && l.cap > 0.0);
        let any_b = active.iter().any(|l| !l.from_a && l.cap > 0.0);
        if any_a && any_b {
            if let Some(found) = self.search(active, &lanes, li) {
                self.strike(active, &lanes, li, found);
                return self.restore(legs, lanes);
            }
        }
        self.trend[li].streak = 0;
        self.restore(legs, lanes);
    }

    /// Brings flow `f`'s leg up to date for this step: its lane slots' room, its cap, its
    /// supplies and, when the preparation epoch moved, its curves, cost and lanes; then prepares
    /// its bounds ([`Leg::prepare`]).
    #[inline(always)]
    fn set_up_leg(&self, leg: &mut Leg, lanes: &mut [LaneSlot], f: usize, flow: &FlowDef) {
        let slots = &mut lanes[leg.start..leg.start + leg.len];
        let fresh = leg.epoch != self.prep_epoch;
        if fresh {
            for (slot, &l) in slots.iter_mut().zip(&self.flow_lanes[f]) {
                slot.lane = l;
                (slot.keep, slot.inv_keep) = self.lane_keep[l];
            }
        }
        let mut lane_room = 0.0;
        for slot in slots.iter_mut() {
            let room = greater(self.cap[slot.lane] - self.lane_flow[slot.lane], 0.0);
            lane_room += room;
            slot.room = room;
        }
        leg.cap = lesser(self.giving_cap(f, flow), lane_room);
        let (s_taker, s_giver) = (self.supply(flow.taker_cell), self.supply(flow.giver_cell));
        let same = !fresh && leg.s_taker == s_taker && leg.s_giver == s_giver;
        if fresh {
            leg.epoch = self.prep_epoch;
            leg.cost = self.offer_cost[flow.offer];
            leg.taker = self.needs[flow.taker_need];
            leg.giver = flow.giver_need.map(|n| self.needs[n]);
            leg.straight = leg.giver.is_none() && leg.taker.shape == Shape::Straight;
        }
        leg.s_taker = s_taker;
        leg.s_giver = s_giver;
        leg.prepare(slots, same);
    }

    /// Puts the scratch buffers taken for a bargain back, for the next one to reuse.
    fn restore(&mut self, legs: Vec<Leg>, lanes: Vec<LaneSlot>) {
        self.scratch.legs = legs;
        self.scratch.lanes = lanes;
    }

    /// Finds the Nash `ln θ`, or `None` when no deal leaves both sides better off.
    ///
    /// The residual `r(t) = t + ln βA + ln gB - ln βB - ln gA` rises with slope at least 1 (gB
    /// rises and gA falls with `t`). The first trial is the link's [`Trend`] forecast (the root
    /// moves smoothly from week to week between events, so the forecast is usually already within
    /// the tolerance), else last step's rate; from there one Newton step with last step's slope
    /// usually lands next to the root; the search then brackets it and refines by regula falsi
    /// with the Illinois modification (bisection where one end has no residual), to a residual
    /// below 1e-4 (0.01% in the rate).
    ///
    /// Every leg's `x_best` is left at its quantity at the rate returned.
    fn search(&self, legs: &mut [Leg], lanes: &[LaneSlot], li: usize) -> Option<Found> {
        const RESIDUAL: f64 = 1e-4;
        let link = &self.m.links[li];
        let ln_power = self.ln_power[li];
        let below = |s: Side| matches!(s, Side::Low) || matches!(s, Side::Both(r) if r < 0.0);
        // The best point so far: (|residual|, t, residual, gA, gB).
        let mut best: Option<(f64, f64, f64, f64, f64)> = None;
        // Evaluates the gains at `t`, classifies the rate and keeps it if it is the best so far.
        let mut note = |t: f64| -> Side {
            let (ga, gb) = gains(legs, link.ab.len(), lanes, t);
            let side = match (ga > MIN_GAIN, gb > MIN_GAIN) {
                (false, false) => Side::NoDeal,
                (true, false) => Side::Low,
                (false, true) => Side::High,
                (true, true) => Side::Both(t + ln_power + (gb / ga).ln()),
            };
            if let Side::Both(r) = side {
                if best.is_none_or(|b| r.abs() < b.0) {
                    best = Some((r.abs(), t, r, ga, gb));
                    for leg in legs.iter_mut() {
                        leg.x_best = leg.x_try;
                    }
                }
            }
            side
        };
        let done = |b: Option<(f64, f64, f64, f64, f64)>, slope: f64| {
            b.map(|(_, t, r, ga, gb)| Found {
                t,
                ga,
                gb,
                r,
                slope,
            })
        };

        let t0 = self.trend[li]
            .forecast(self.theta[li])
            .clamp(-LN_THETA_MAX, LN_THETA_MAX);
        let s0 = note(t0);
        if s0 == Side::NoDeal {
            return None;
        }
        let mut slope = self.theta_slope[li].clamp(1.0, 20.0);
        if let Side::Both(r0) = s0 {
            if r0.abs() < RESIDUAL {
                return done(best, slope);
            }
        }
        // First move: a Newton step from the first trial, or a short step toward the root.
        let t1 = match s0 {
            Side::Both(r0) => t0 - r0 / slope,
            _ if below(s0) => t0 + 0.25,
            _ => t0 - 0.25,
        }
        .clamp(-LN_THETA_MAX, LN_THETA_MAX);
        let s1 = note(t1);
        if s1 == Side::NoDeal {
            return None;
        }
        if let (Side::Both(a), Side::Both(b)) = (s0, s1) {
            if t1 != t0 && (b - a) / (t1 - t0) > 0.0 {
                slope = (b - a) / (t1 - t0);
            }
        }
        if let Side::Both(r1) = s1 {
            if r1.abs() < RESIDUAL {
                return done(best, slope);
            }
        }
        // Bracket: expand from the later point away from the earlier one until the sign flips.
        let (mut lo, mut slo, mut hi, mut shi);
        if below(s0) != below(s1) {
            if below(s0) {
                (lo, slo, hi, shi) = (t0, s0, t1, s1);
            } else {
                (lo, slo, hi, shi) = (t1, s1, t0, s0);
            }
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
                std::mem::swap(&mut slo, &mut shi);
            }
        } else {
            let up = below(s1);
            let mut step = (t1 - t0).abs().max(0.05);
            let (mut t, mut s) = (t1, s1);
            loop {
                let next = if up { t + step } else { t - step }.clamp(-LN_THETA_MAX, LN_THETA_MAX);
                let sn = note(next);
                if sn == Side::NoDeal {
                    return None;
                }
                if below(sn) != up || next.abs() >= LN_THETA_MAX {
                    if below(sn) == up {
                        return done(best, slope);
                    }
                    if up {
                        (lo, slo, hi, shi) = (t, s, next, sn);
                    } else {
                        (lo, slo, hi, shi) = (next, sn, t, s);
                    }
                    break;
                }
                (t, s) = (next, sn);
                step *= 2.0;
            }
        }

        // Refine: regula falsi with the Illinois modification where both ends have a residual,
        // bisection otherwise.
        let (mut rlo, mut rhi) = (residual(slo), residual(shi));
        let mut last = 0i8;
        for _ in 0..60 {
            if hi - lo < 1e-6 {
                break;
            }
            let mut t = match (rlo, rhi) {
                (Some(a), Some(b)) if b > a => lo - a * (hi - lo) / (b - a),
                _ => 0.5 * (lo + hi),
            };
            if !(t > lo && t < hi) {
                t = 0.5 * (lo + hi);
            }
            let s = note(t);
            match s {
                Side::NoDeal => return None,
                Side::Both(r) if r.abs() < RESIDUAL => break,
                _ => {}
            }
            if below(s) {
                lo = t;
                rlo = residual(s);
                if last == -1 {
                    rhi = rhi.map(|r| r * 0.5);
                }
                last = -1;
            } else {
                hi = t;
                rhi = residual(s);
                if last == 1 {
                    rlo = rlo.map(|r| r * 0.5);
                }
                last = 1;
            }
        }
        if let (Some(a), Some(b)) = (rlo, rhi) {
            if hi > lo && b > a {
                slope = (b - a) / (hi - lo);
            }
        }
        done(best, slope)
    }

    /// Carries out the deal at `ln θ = t`: each leg moves its `x_best`, the quantity the search
    /// valued at that rate.
    fn strike(&mut self, legs: &[Leg], lanes: &[LaneSlot], li: usize, found: Found) {
        let m = self.m;
        let link = &m.links[li];
        let Found {
            t,
            ga,
            gb,
            r,
            slope,
        } = found;
        // The residual's slope is at least 1, so the root lies within |r| of `t`.
        self.trend[li].struck(t - r / slope.max(1.0));
        self.theta_slope[li] = slope;
        let before = self
            .checks
            .as_ref()
            .map(|_| (self.valuation(link.a), self.valuation(link.b)));
        let start = self.scratch.link_start[li];
        for leg in legs {
            let slots = &lanes[leg.start..leg.start + leg.len];
            let x = leg.x_best;
            if x <= 0.0 {
                continue;
            }
            let k = leg.flow - start;
            let flow = if k < link.ab.len() {
                &link.ab[k]
            } else {
                &link.ba[k - link.ab.len()]
            };
            let (mut left, mut expected) = (x, 0.0);
            for slot in slots {
                let put = lesser(slot.room, left);
                if put <= 0.0 {
                    continue;
                }
                self.lane_flow[slot.lane] += put;
                expected += put * slot.keep;
                left -= put;
                if left <= 0.0 {
                    break;
                }
            }
            self.commit(leg.flow, flow, x - left.max(0.0), expected);
        }
        self.gain[link.a] += ga;
        self.gain[link.b] += gb;
        self.theta[li] = t;
        if let Some((va, vb)) = before {
            let (va1, vb1) = (self.valuation(link.a), self.valuation(link.b));
            let step = self.step;
            let report = self.checks.as_mut().expect("checks enabled");
            report.bargains += 1;
            for (who, v0, v1) in [(link.a, va, va1), (link.b, vb, vb1)] {
                if v1 < v0 - 1e-7 * (1.0 + v0.abs()) {
                    report.fail(format!(
                        "step {step}: a bargain lowered {}'s valuation from {v0} to {v1}",
                        m.actors[who].id
                    ));
                }
            }
        }
    }
}

/// Both sides' gains if the deal is struck at `ln θ = t`; the first `n_ab` legs go from A to B.
fn gains(legs: &mut [Leg], n_ab: usize, lanes: &[LaneSlot], t: f64) -> (f64, f64) {
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

/// Quantity sent `x` and expected quantity arriving `d` for one leg when the taker's values weigh
/// `r` times the giver's costs (`inv_r = 1 / r`): lanes in order of expected loss, each used while
/// the weighted value of the next unit still covers its cost.
///
/// When the giver has no need of its own for the good its marginal cost is constant and the
/// quantity follows in closed form from the inverse of the taker's marginal value; otherwise the
/// balance point is found numerically.
fn solve_leg(leg: &Leg, lanes: &[LaneSlot], r: f64, inv_r: f64) -> (f64, f64) {
    // One loop per case, so the per-lane work carries no test of which case it is.
    match leg.giver {
        None => fill_at_constant_cost(leg, lanes, inv_r, |mv| leg.taker.supply_at(mv)),
        Some(giver) => fill_lanes(leg, lanes, |slot, room, x0, d0| {
            let keep = slot.keep;
            let f = |x: f64| {
                let value = leg.taker.mv(leg.s_taker + d0 + keep * x);
                let cost = leg.cost + giver.mv(leg.s_giver - x0 - x);
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
    lanes: &[LaneSlot],
    inv_r: f64,
    supply_at: impl Fn(f64) -> f64,
) -> (f64, f64) {
    let cost = leg.cost * inv_r;
    fill_lanes(leg, lanes, |slot, room, _, d0| {
        // Largest supply at which r * keep * MV_taker >= cost.
        let worth = supply_at(cost * slot.inv_keep) - (leg.s_taker + d0);
        (worth > 0.0).then(|| lesser(worth * slot.inv_keep, room))
    })
}

/// Walks a leg's lanes in order, sending on each the `amount(slot, room, x0, d0)` that is still
/// worth it (`x0`, `d0`: sent and expected so far); stops at the first lane that is not filled
/// or where `amount` says nothing more is worth sending. Returns `(x, d)` as [`solve_leg`].
#[inline(always)]
fn fill_lanes(
    leg: &Leg,
    lanes: &[LaneSlot],
    amount: impl Fn(&LaneSlot, f64, f64, f64) -> Option<f64>,
) -> (f64, f64) {
    let (mut x0, mut d0) = (0.0, 0.0);
    for slot in lanes {
        let left = leg.cap - x0;
        if left <= 0.0 {
            break;
        }
        let room = lesser(slot.room, left);
        if room <= 0.0 {
            continue;
        }
        let keep = slot.keep;
        if keep <= 0.0 {
            break;
        }
        let Some(x) = amount(slot, room, x0, d0) else {
            break;
        };
        x0 += x;
        d0 += keep * x;
        if x < room {
            break;
        }
    }
    (x0, d0)
}

fn residual(s: Side) -> Option<f64> {
    match s {
        Side::Both(r) => Some(r),
        _ => None,
    }
}

/// Root of a decreasing `f` on `[0, b]` with `f(0) = fa > 0 > fb = f(b)`: Illinois method.
/// Returns a point where `f` is still non-negative, so the last unit moved is still worth it.
fn root(f: &impl Fn(f64) -> f64, b: f64, fa: f64, fb: f64) -> f64 {
    let (mut a, mut b, mut fa, mut fb) = (0.0, b, fa, fb);
    let mut last = 0i8;
    for _ in 0..100 {
        let mut x = (a * fb - b * fa) / (fb - fa);
        if !(x > a && x < b) {
            x = 0.5 * (a + b);
        }
        let fx = f(x);
        if fx > 0.0 {
            a = x;
            fa = fx;
            if last == 1 {
                fb *= 0.5;
            }
            last = 1;
        } else if fx < 0.0 {
            b = x;
            fb = fx;
            if last == -1 {
                fa *= 0.5;
            }
            last = -1;
        } else {
            return x;
        }
        if b - a <= 1e-12 * (1.0 + b) {
            break;
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::Trend;

    #[test]
    fn trend_extrapolates_smooth_changes_only() {
        let mut trend = Trend::default();
        // Roots moving by 0.010, 0.009, 0.008...: the next change is forecast as 0.007.
        for root in [1.0, 1.010, 1.019] {
            assert_eq!(
                trend.forecast(7.0),
                7.0,
                "fewer than three deals: last rate"
            );
            trend.struck(root);
        }
        trend.struck(1.027);
        assert!((trend.forecast(7.0) - 1.034).abs() < 1e-12);
        // A jump (an event) is not extrapolated, nor is the step after it.
        trend.struck(1.5);
        assert_eq!(trend.forecast(1.5), 1.5);
        trend.struck(1.501);
        assert_eq!(trend.forecast(1.501), 1.501);
        // A step without a deal breaks the chain.
        trend.struck(1.502);
        assert!((trend.forecast(0.0) - 1.503).abs() < 1e-12);
        trend.streak = 0;
        assert_eq!(trend.forecast(0.0), 0.0);
    }
}
