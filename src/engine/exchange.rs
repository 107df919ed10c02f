//! One bargain per link per step: efficient barter, split by Nash bargaining.
//!
//! # The rule
//!
//! Two actors A and B that can give each other goods they need (a link) strike one bargain each
//! step. Each side values goods with its own needs ([`super::curves`]) and pays, for every unit
//! it gives, the offer's `cost` plus whatever the unit was worth to its own need for that good. A
//! unit sent along a lane arrives with probability-weighted share `keep = 1 - detection *
//! seizure`, and both sides count on that expected share.
//!
//! All barter exchanges that cannot be improved for one side without hurting the other (the
//! contract curve) share one property: there is a rate `θ` between A's and B's valuations such
//! that every good from A to B moves until `θ * keep * (B's marginal value) = A's marginal cost`
//! and every good from B to A until `keep * (A's marginal value) = θ * B's marginal cost`, or
//! until a limit binds (offer limits scaled by trust, stock above the reserve or service capacity,
//! lane capacity; cheapest expected-loss lane first). Raising `θ` moves the bargain in B's favour.
//!
//! The terms are the generalised Nash bargaining solution with weights `βA = power_A / (power_A +
//! power_B)` and `βB = 1 - βA`: the bargain maximises `gA^βA * gB^βB`, where `gA`, `gB` are each
//! side's gain by its own valuation. Along the contract curve that is the `θ` with
//! `θ = (βB gA) / (βA gB)`, found by a bracketed search on `ln θ` (the condition is monotone in
//! `θ`). A bargain is struck only if both gains are positive; otherwise nothing moves.
//!
//! So a trade never lowers either side's valuation, no good moves unless its receiver values it
//! more than its giver (at the rate `θ`), and with equal powers the gains are split so that
//! neither side could do better without the other doing worse.

use super::curves::{NeedFn, Shape};
use super::root::{Bracket, Secant, Trial};
use super::{Runner, greater, lesser};
use crate::model::{FlowDef, FlowId, IdVec, LaneId, LinkId, Model};

/// Gains below this many US-dollar equivalents count as no gain (rounding noise).
const MIN_GAIN: f64 = 1e-9;
/// Bounds of the search on `ln θ`.
const LN_THETA_MAX: f64 = 60.0;

/// One good moving one way within a bargain.
#[derive(Clone, Copy, Debug)]
struct Leg {
    /// The leg's flow (fixed for the runner's life, like `from_a`, `start` and `len`).
    flow: FlowId,
    /// This leg's lanes in [`BargainCache::leg_lanes`]: `start .. start + len`, cheapest first. Fixed
    /// for the runner's life: every flow has its own leg lanes.
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
    /// The [`BargainCache`]'s epoch when this leg was last prepared: while it is
    /// unchanged, so are the curves, the cost, the order of the leg's lanes and every lane's
    /// arriving share.
    epoch: u64,
    /// The lane (position in the leg's lanes) that `r_first` was computed for, if any;
    /// `r_first` is the ratio below which nothing moves while that lane is the first with room.
    first_lane: Option<usize>,
    r_first: f64,
    /// Below this ratio of weights (taker's over giver's) nothing moves.
    r_none: f64,
    /// At or above this ratio the whole cap moves (infinite if the taker is sated first).
    r_full: f64,
    /// Taker's gain and giver's loss when the whole cap moves.
    gain_full: f64,
    loss_full: f64,
    /// Quantity sent at the search's latest trial rate, and at its best rate so far: the
    /// bargain struck moves exactly what the search valued, without solving the leg again.
    x_try: f64,
    x_best: f64,
}

/// A lane as one bargain sees it: room left this step and the expected share that arrives.
#[derive(Clone, Copy, Debug)]
struct LegLane {
    lane: LaneId,
    room: f64,
    keep: f64,
    /// `1 / keep`, so that solving a leg multiplies instead of dividing.
    inv_keep: f64,
}

/// What bargaining keeps between bargains: each link's last rate and where it has been
/// heading (to start the next search near it), the order of each flow's lanes, and every trade
/// flow's leg and leg lanes, written in place (nothing is allocated after
/// [`BargainCache::new`]).
pub(super) struct BargainCache {
    /// Last bargain's log exchange rate `ln θ` per link, to start the next search near it.
    rate: IdVec<LinkId, f64>,
    /// Slope of the bargaining residual at that rate, for the next search's first step.
    slope: IdVec<LinkId, f64>,
    /// Where each link's rate has been heading, to start the next search at its forecast.
    trend: IdVec<LinkId, Trend>,
    /// Counts the times a run's curves, costs, lanes' shares or lanes' order may have changed
    /// (each run start, each change of modifiers): legs and their leg lanes prepared in the
    /// same epoch can keep what depends on those alone.
    epoch: u64,
    /// Lanes of every flow, cheapest expected loss first; re-sorted whenever modifiers may have
    /// changed detection or seizure ([`BargainCache::sort_lanes`]).
    flow_lanes: IdVec<FlowId, Vec<LaneId>>,
    /// One leg per trade flow (the flow's index is its leg's place), kept from step to step.
    legs: Vec<Leg>,
    /// Every trade flow's leg lanes, flow after flow. A leg lane's lane and arriving share change
    /// only with the epoch (the order of a flow's lanes and their losses are recomputed
    /// together); its room is refreshed every step.
    leg_lanes: Vec<LegLane>,
    /// Each link's first flow: its legs are `legs[start..]`, the flows from `a` to `b` first.
    link_start: IdVec<LinkId, usize>,
}

impl BargainCache {
    pub(super) fn new(m: &Model) -> BargainCache {
        let mut link_start = IdVec::new();
        let mut start = 0;
        for l in &m.links {
            link_start.push(start);
            start += l.ab.len() + l.ba.len();
        }
        // One leg per flow of every link, each with one leg lane per lane of its flow:
        // (lanes, given by the link's `a`) per flow.
        let flows: Vec<(usize, bool)> = m
            .links
            .iter()
            .flat_map(|l| {
                let ab = l.ab.iter().map(|f| (f.lanes.len(), true));
                ab.chain(l.ba.iter().map(|f| (f.lanes.len(), false)))
            })
            .collect();
        let leg_lane = LegLane {
            lane: LaneId::new(0),
            room: 0.0,
            keep: 0.0,
            inv_keep: f64::INFINITY,
        };
        // What a leg has for the runner's life is set here, once.
        let mut legs = vec![Leg::idle(); flows.len()];
        let mut at = 0;
        for (f, (leg, (n, from_a))) in legs.iter_mut().zip(flows).enumerate() {
            leg.flow = FlowId::new(f);
            leg.from_a = from_a;
            leg.start = at;
            leg.len = n;
            at += n;
        }
        let links = m.links.len();
        BargainCache {
            rate: IdVec::filled(0.0, links),
            slope: IdVec::filled(1.0, links),
            trend: IdVec::filled(Trend::default(), links),
            epoch: 0,
            flow_lanes: m.flows().map(|(_, f)| f.lanes.clone()).collect(),
            legs,
            leg_lanes: vec![leg_lane; at],
            link_start,
        }
    }

    /// Forgets everything learnt in earlier runs: a new run starts from rate 1 on every link
    /// and from the file's order of lanes, so that nothing depends on which runs this runner
    /// did before.
    pub(super) fn reset(&mut self, m: &Model) {
        self.rate.fill(0.0);
        self.slope.fill(1.0);
        self.trend.fill(Trend::default());
        // Ties in expected loss keep this order (see `sort_lanes`).
        for (lanes, (_, flow)) in self.flow_lanes.iter_mut().zip(m.flows()) {
            lanes.copy_from_slice(&flow.lanes);
        }
        self.invalidate();
    }

    /// Marks every prepared leg stale: curves, costs, lanes' shares or their order may have
    /// changed.
    pub(super) fn invalidate(&mut self) {
        self.epoch += 1;
    }

    /// The lanes of flow `f`, cheapest expected loss first.
    pub(super) fn lanes_of(&self, f: FlowId) -> &[LaneId] {
        &self.flow_lanes[f]
    }

    /// Orders each flow's lanes by expected loss (`loss`, detection times seizure), cheapest
    /// first; ties keep their order, which is file order at the start of a run. Insertion sort:
    /// the lists are short and this must not allocate.
    pub(super) fn sort_lanes(&mut self, loss: &IdVec<LaneId, f64>) {
        for lanes in self.flow_lanes.iter_mut() {
            for i in 1..lanes.len() {
                let mut j = i;
                while j > 0 {
                    if loss[lanes[j - 1]] > loss[lanes[j]] {
                        lanes.swap(j - 1, j);
                        j -= 1;
                    } else {
                        break;
                    }
                }
            }
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

/// Recent roots of one link's bargaining residual, estimated from each bargain struck.
#[derive(Clone, Copy, Debug, Default)]
struct Trend {
    /// Latest estimated root of `ln θ`.
    root: f64,
    /// Its last two changes from step to step, newest first.
    d1: f64,
    d2: f64,
    /// Bargains struck in a row up to the latest (0: none, or the chain broke).
    streak: u32,
}

impl Trend {
    /// Largest change between steps that is still extrapolated: beyond it the rate jumped
    /// (an event, a seizure) and the last rate is the better start.
    const SMOOTH: f64 = 0.05;

    /// Where the next root is expected: the changes extrapolated in a straight line when the
    /// last three bargains were struck in a row and moved smoothly, else `last`.
    fn forecast(&self, last: f64) -> f64 {
        if self.streak >= 3 && self.d1.abs() < Self::SMOOTH && self.d2.abs() < Self::SMOOTH {
            self.root + 2.0 * self.d1 - self.d2
        } else {
            last
        }
    }

    /// Records a bargain whose root is estimated at `root`.
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
    /// Neither side gains: no bargain exists at any rate.
    NoDeal,
    /// Only A gains: `θ` is too low.
    Low,
    /// Only B gains: `θ` is too high.
    High,
    /// Both gain; the value is the Nash condition's residual (negative: raise `θ`).
    Both(f64),
}

impl Leg {
    /// A leg that moves nothing, to be given its flow, lanes and the step's state.
    fn idle() -> Leg {
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
    fn prepare(&mut self, lanes: &[LegLane], same: bool) {
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
                cost_at(0.0) / value0
            } else {
                f64::INFINITY
            };
            self.first_lane = Some(i);
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
    fn outcome(&mut self, lanes: &[LegLane], r: f64, inv_r: f64) -> (f64, f64) {
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
    fn partial_straight(&mut self, lanes: &[LegLane], inv_r: f64) -> (f64, f64) {
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
    fn partial(&mut self, lanes: &[LegLane], r: f64, inv_r: f64) -> (f64, f64) {
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
    pub(super) fn bargain(&mut self, li: LinkId) {
        let m = self.model;
        let link = &m.links[li];
        let start = self.bargains.link_start[li];
        let mut legs = std::mem::take(&mut self.bargains.legs);
        let mut lanes = std::mem::take(&mut self.bargains.leg_lanes);
        // Legs and leg lanes are kept per flow (every flow of every link has its own) and
        // written in place, field by field, with nothing pushed. A to B, then B to A: two loops
        // rather than one over a chained iterator, which tests which half it is in at every leg.
        let n = link.ab.len() + link.ba.len();
        let (legs_ab, legs_ba) = legs[start..start + n].split_at_mut(link.ab.len());
        for (k, (leg, flow)) in legs_ab.iter_mut().zip(&link.ab).enumerate() {
            self.set_up_leg(leg, &mut lanes, FlowId::new(start + k), flow);
        }
        let start_ba = start + link.ab.len();
        for (k, (leg, flow)) in legs_ba.iter_mut().zip(&link.ba).enumerate() {
            self.set_up_leg(leg, &mut lanes, FlowId::new(start_ba + k), flow);
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
        self.bargains.trend[li].streak = 0;
        self.restore(legs, lanes);
    }

    /// Brings flow `f`'s leg up to date for this step: its leg lanes' room, its cap, its
    /// supplies and, when the preparation epoch moved, its curves, cost and lanes; then prepares
    /// its bounds ([`Leg::prepare`]).
    #[inline(always)]
    fn set_up_leg(&self, leg: &mut Leg, lanes: &mut [LegLane], f: FlowId, flow: &FlowDef) {
        let leg_lanes = &mut lanes[leg.start..leg.start + leg.len];
        let (params, bargains) = (&self.params, &self.bargains);
        let fresh = leg.epoch != bargains.epoch;
        if fresh {
            for (leg_lane, &l) in leg_lanes.iter_mut().zip(&bargains.flow_lanes[f]) {
                leg_lane.lane = l;
                (leg_lane.keep, leg_lane.inv_keep) = params.lane_keep[l];
            }
        }
        let lane_sent = &self.this_step.lane_sent;
        let mut lane_room = 0.0;
        for leg_lane in leg_lanes.iter_mut() {
            let room = greater(
                params.capacity[leg_lane.lane] - lane_sent[leg_lane.lane],
                0.0,
            );
            lane_room += room;
            leg_lane.room = room;
        }
        leg.cap = lesser(self.giving_cap(f, flow), lane_room);
        let (s_taker, s_giver) = (self.supply(flow.taker_cell), self.supply(flow.giver_cell));
        let same = !fresh && leg.s_taker == s_taker && leg.s_giver == s_giver;
        if fresh {
            leg.epoch = bargains.epoch;
            leg.cost = params.offer_cost[flow.offer];
            leg.taker = params.needs[flow.taker_need];
            leg.giver = flow.giver_need.map(|n| params.needs[n]);
            leg.straight = leg.giver.is_none() && leg.taker.shape == Shape::Straight;
        }
        leg.s_taker = s_taker;
        leg.s_giver = s_giver;
        leg.prepare(leg_lanes, same);
    }

    /// Puts the scratch buffers taken for a bargain back, for the next one to reuse.
    fn restore(&mut self, legs: Vec<Leg>, lanes: Vec<LegLane>) {
        self.bargains.legs = legs;
        self.bargains.leg_lanes = lanes;
    }

    /// Finds the Nash `ln θ`, or `None` when no bargain leaves both sides better off.
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
    fn search(&self, legs: &mut [Leg], lanes: &[LegLane], li: LinkId) -> Option<Found> {
        const RESIDUAL: f64 = 1e-4;
        let link = &self.model.links[li];
        let ln_power = self.params.ln_power[li];
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

        let cache = &self.bargains;
        let t0 = cache.trend[li]
            .forecast(cache.rate[li])
            .clamp(-LN_THETA_MAX, LN_THETA_MAX);
        let s0 = note(t0);
        if s0 == Side::NoDeal {
            return None;
        }
        let mut slope = cache.slope[li].clamp(1.0, 20.0);
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
        // bisection otherwise, until the residual is small or the bracket narrow.
        let narrow = |lo: f64, hi: f64| hi - lo < 1e-6;
        let mut bracket = Bracket {
            lo,
            hi,
            f_lo: residual(slo),
            f_hi: residual(shi),
        };
        if !narrow(lo, hi) {
            let stop = bracket.refine(Secant::FromLower, 60, narrow, |t| {
                let s = note(t);
                match s {
                    Side::Both(r) if r.abs() < RESIDUAL => Trial::Stop(s),
                    Side::NoDeal => Trial::Stop(s),
                    _ if below(s) => Trial::Below(residual(s)),
                    _ => Trial::Above(residual(s)),
                }
            });
            if stop == Some(Side::NoDeal) {
                return None;
            }
        }
        if let (Some(a), Some(b)) = (bracket.f_lo, bracket.f_hi) {
            if bracket.hi > bracket.lo && b > a {
                slope = (b - a) / (bracket.hi - bracket.lo);
            }
        }
        done(best, slope)
    }

    /// Strikes the bargain at `ln θ = t`: each leg moves its `x_best`, the quantity the search
    /// valued at that rate.
    fn strike(&mut self, legs: &[Leg], lanes: &[LegLane], li: LinkId, found: Found) {
        let m = self.model;
        let link = &m.links[li];
        let Found {
            t,
            ga,
            gb,
            r,
            slope,
        } = found;
        // The residual's slope is at least 1, so the root lies within |r| of `t`.
        self.bargains.trend[li].struck(t - r / slope.max(1.0));
        self.bargains.slope[li] = slope;
        let before = self
            .checks
            .as_ref()
            .map(|_| (self.valuation(link.a), self.valuation(link.b)));
        let start = self.bargains.link_start[li];
        for leg in legs {
            let leg_lanes = &lanes[leg.start..leg.start + leg.len];
            let x = leg.x_best;
            if x <= 0.0 {
                continue;
            }
            let k = leg.flow.index() - start;
            let flow = if k < link.ab.len() {
                &link.ab[k]
            } else {
                &link.ba[k - link.ab.len()]
            };
            let (mut left, mut expected) = (x, 0.0);
            for leg_lane in leg_lanes {
                let put = lesser(leg_lane.room, left);
                if put <= 0.0 {
                    continue;
                }
                self.this_step.lane_sent[leg_lane.lane] += put;
                expected += put * leg_lane.keep;
                left -= put;
                if left <= 0.0 {
                    break;
                }
            }
            self.commit(leg.flow, flow, x - left.max(0.0), expected);
        }
        self.totals.gain[link.a] += ga;
        self.totals.gain[link.b] += gb;
        self.bargains.rate[li] = t;
        if let Some((va, vb)) = before {
            let (va1, vb1) = (self.valuation(link.a), self.valuation(link.b));
            let step = self.state.step;
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

/// Quantity sent `x` and expected quantity arriving `d` for one leg when the taker's values weigh
/// `r` times the giver's costs (`inv_r = 1 / r`): lanes in order of expected loss, each used while
/// the weighted value of the next unit still covers its cost.
///
/// When the giver has no need of its own for the good its marginal cost is constant and the
/// quantity follows in closed form from the inverse of the taker's marginal value; otherwise the
/// balance point is found numerically.
fn solve_leg(leg: &Leg, lanes: &[LegLane], r: f64, inv_r: f64) -> (f64, f64) {
    // One loop per case, so the per-lane work carries no test of which case it is.
    match leg.giver {
        None => fill_at_constant_cost(leg, lanes, inv_r, |mv| leg.taker.supply_at(mv)),
        Some(giver) => fill_lanes(leg, lanes, |leg_lane, room, x0, d0| {
            let keep = leg_lane.keep;
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
    lanes: &[LegLane],
    inv_r: f64,
    supply_at: impl Fn(f64) -> f64,
) -> (f64, f64) {
    let cost = leg.cost * inv_r;
    fill_lanes(leg, lanes, |leg_lane, room, _, d0| {
        // Largest supply at which r * keep * MV_taker >= cost.
        let worth = supply_at(cost * leg_lane.inv_keep) - (leg.s_taker + d0);
        (worth > 0.0).then(|| lesser(worth * leg_lane.inv_keep, room))
    })
}

/// Walks a leg's lanes in order, sending on each the `amount(leg_lane, room, x0, d0)` that is still
/// worth it (`x0`, `d0`: sent and expected so far); stops at the first lane that is not filled
/// or where `amount` says nothing more is worth sending. Returns `(x, d)` as [`solve_leg`].
#[inline(always)]
fn fill_lanes(
    leg: &Leg,
    lanes: &[LegLane],
    amount: impl Fn(&LegLane, f64, f64, f64) -> Option<f64>,
) -> (f64, f64) {
    let (mut x0, mut d0) = (0.0, 0.0);
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
    use super::{Leg, LegLane, Trend, solve_leg};
    use crate::engine::curves::NeedFn;
    use crate::model::CurveDef;
    use crate::model::LaneId;

    #[test]
    fn trend_extrapolates_smooth_changes_only() {
        let mut trend = Trend::default();
        // Roots moving by 0.010, 0.009, 0.008...: the next change is forecast as 0.007.
        for root in [1.0, 1.010, 1.019] {
            assert_eq!(
                trend.forecast(7.0),
                7.0,
                "fewer than three bargains: last rate"
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
        // A step without a bargain breaks the chain.
        trend.struck(1.502);
        assert!((trend.forecast(0.0) - 1.503).abs() < 1e-12);
        trend.streak = 0;
        assert_eq!(trend.forecast(0.0), 0.0);
    }

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
        };
        // The balance point, where the taker's weighted value of the next unit equals its cost to
        // the giver: r k v_t (1 - (s_t + k x) / q_t) = cost + v_g (1 - (s_g - x) / q_g), linear
        // in x.
        let balance = (r * keep * v_t * (1.0 - s_t / q_t) - cost - v_g * (1.0 - s_g / q_g))
            / (r * keep * keep * v_t / q_t + v_g / q_g);
        assert!(balance > 40.0 && balance < 50.0, "{balance}");
        let (x, d) = solve_leg(&leg, &[lane(1000.0)], r, 1.0 / r);
        assert!((x - balance).abs() < 1e-9 * balance, "{x} vs {balance}");
        assert_eq!(d, keep * x);
        // The last unit sent is still worth its cost.
        let worth = r * keep * leg.taker.mv(s_t + keep * x) - cost - v_g * (1.0 - (s_g - x) / q_g);
        assert!(worth >= 0.0, "{worth}");
        // A lane with less room than the balance point is filled, and the next lane used.
        let (x2, d2) = solve_leg(&leg, &[lane(30.0), lane(1000.0)], r, 1.0 / r);
        assert!((x2 - balance).abs() < 1e-9 * balance, "{x2} vs {balance}");
        assert!((d2 - keep * x2).abs() < 1e-9 * d2);
        let (x3, _) = solve_leg(&leg, &[lane(30.0)], r, 1.0 / r);
        assert_eq!(x3, 30.0);
    }
}
