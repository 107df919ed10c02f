//! One bargain per link per step: efficient barter, split by Nash bargaining.
//!
//! The rule is specified in `docs/model.md` (section 3.3.10); in short: each trade flow of a link
//! is a `Leg` that, at a ratio of weights between the taker's values and the giver's costs,
//! sends along its lanes (cheapest expected cost first) what is still worth sending
//! (`leg::solve_leg`, with `Leg::prepare`'s thresholds short-cutting the ratios at which nothing
//! or everything moves). A rate `θ` sets the ratio for both directions; the search finds the
//! `ln θ` where the generalised Nash condition holds (residual below 1e-4, or a bracket narrower
//! than 1e-6), starting from the link's `Trend`. The bargain moves the quantities valued at the
//! best rate tried, and only if both sides gain.

mod cache;
mod leg;
mod search;

pub(super) use cache::BargainCache;

use super::curves::Shape;
use super::{Runner, greater, lesser};
use crate::model::{FlowDef, FlowId, LinkId};
use leg::{Leg, LegLane};
use search::Found;

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
    /// supplies and, when the cache's epoch moved, its curves, cost and lanes; then prepares
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
                leg_lane.toll = params.lane_toll[l];
            }
            leg.whole = self.model.goods[flow.good].whole;
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
        if leg.whole {
            whole_rooms(leg, leg_lanes);
        }
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
            let (mut left, mut expected, mut paid) = (x, 0.0, 0.0);
            for leg_lane in leg_lanes {
                let put = lesser(leg_lane.room, left);
                if put <= 0.0 {
                    continue;
                }
                self.this_step.lane_sent[leg_lane.lane] += put;
                expected += put * leg_lane.keep;
                paid += put * leg_lane.toll;
                left -= put;
                if left <= 0.0 {
                    break;
                }
            }
            self.this_step.tolls[flow.giver] += paid;
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

/// Rounds a whole good's leg down to whole units: each lane's room and the leg's cap (at most
/// the sum of the whole rooms).
// A function of its own, called only for whole goods: written inline, the compiler computes
// the rounding for every leg and then discards it.
#[inline(never)]
fn whole_rooms(leg: &mut Leg, lanes: &mut [LegLane]) {
    let mut lane_room = 0.0;
    for leg_lane in lanes.iter_mut() {
        leg_lane.room = leg_lane.room.floor();
        lane_room += leg_lane.room;
    }
    leg.cap = lesser(leg.cap.floor(), lane_room);
}
