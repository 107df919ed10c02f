//! One step of a run, phase by phase (see the module documentation of [`super`] for the order),
//! and the bookkeeping that aid and bargaining share.

use super::rng::uniform;
use super::{Runner, greater, lesser};
use crate::model::{Cell, FlowDef, FlowId};

/// Sorts `v` in place by `after(a, b)` (true when `a` goes after `b`), without allocating:
/// insertion sort, for the short lists a step orders.
fn insertion_sort<T: Copy>(v: &mut [T], after: impl Fn(&T, &T) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && after(&v[j - 1], &v[j]) {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// The chance a shipment of `value` (US dollars) is seen on a channel with detection `p` at
/// reference value `volume`: `1 - (1 - p)^(value / volume)`, or `p` for a channel without a
/// reference value (`volume` infinite).
fn seen_chance(p: f64, volume: f64, value: f64) -> f64 {
    if volume.is_infinite() {
        p
    } else if p >= 1.0 {
        1.0
    } else {
        1.0 - (1.0 - p).powf(value / volume)
    }
}
use rand_chacha::ChaCha8Rng;

impl Runner<'_> {
    /// One step of the simulation (see the module documentation for the order).
    pub(super) fn advance(&mut self, rng: &mut ChaCha8Rng) {
        let m = self.model;
        self.start_period();
        self.decide_events(rng);
        self.apply_adjustments();
        if self.params.refresh_losses(m) {
            // Detection, seizure or tolls may have changed: so may the order in which a flow
            // uses its lanes.
            self.bargains.sort_lanes(m, &self.params);
        }
        self.this_step.clear();
        self.open_offers();
        self.produce_and_consume();
        self.draw_orders(rng);
        self.give_aid();
        for i in 0..m.links.len() {
            let l = self.this_step.link_order[i];
            self.bargain(l);
        }
        self.ship(rng);
        self.settle_needs();
        self.update_trust();
        self.settle_caps();
        self.expire_adjustments();
        if self.checks.is_some() {
            self.check_step();
        }
    }

    /// Adds production to stock (services: it is this step's capacity) and takes consumption
    /// from stock; what stock cannot cover is a shortfall. Whole goods enter and leave stock in
    /// whole units, the fractions carried to the next step.
    fn produce_and_consume(&mut self) {
        let (params, state) = (&mut self.params, &mut self.state);
        let accounts = &mut self.totals.accounts;
        for &(c, stocked, whole) in &params.producing {
            let mut x = params.production[c];
            if whole {
                if stocked {
                    state.carry_produced[c] += x;
                    x = state.carry_produced[c].floor();
                    state.carry_produced[c] -= x;
                } else {
                    x = x.floor();
                    params.production[c] = x;
                }
            }
            if stocked {
                state.stock[c] += x;
            }
            accounts.produced[c] += x;
        }
        for &(c, _) in &self.model.consumption {
            let mut want = params.consumption[c];
            if self.model.goods[self.model.cell_parts(c).1].whole {
                state.carry_consumed[c] += want;
                want = state.carry_consumed[c].floor();
                state.carry_consumed[c] -= want;
            }
            let got = want.min(state.stock[c]).max(0.0);
            state.stock[c] -= got;
            accounts.consumed[c] += got;
            accounts.shortfall[c] += want - got;
        }
    }

    /// Sets each offer's limit for this step: its parameter, or for a whole good the whole units
    /// its limit has accrued (one a fifth a step gives one unit every fifth step).
    fn open_offers(&mut self) {
        let (params, state, now) = (&self.params, &mut self.state, &mut self.this_step);
        now.offer_limit
            .as_mut_slice()
            .copy_from_slice(params.offer_max.as_slice());
        for &o in &params.whole_offers {
            let max = params.offer_max[o];
            if max.is_finite() {
                let accrued = state.offer_carry[o] + max;
                let whole = accrued.floor();
                state.offer_carry[o] = accrued - whole;
                now.offer_limit[o] = whole;
            }
        }
    }

    /// Draws this step's order of links and of aid flows: one uniform each, in the model's
    /// order; each list is sorted by its draws (ties, which have probability zero, by place).
    fn draw_orders(&mut self, rng: &mut ChaCha8Rng) {
        let now = &mut self.this_step;
        for d in now.link_draw.iter_mut() {
            *d = uniform(rng);
        }
        for d in now.aid_draw.iter_mut() {
            *d = uniform(rng);
        }
        let link_draw = &now.link_draw;
        insertion_sort(&mut now.link_order, |a, b| {
            (link_draw[*a], a.index()) > (link_draw[*b], b.index())
        });
        let aid_draw = &now.aid_draw;
        insertion_sort(&mut now.aid_order, |a, b| {
            (aid_draw[*a], *a) > (aid_draw[*b], *b)
        });
    }

    /// Ships every channel's shipment: one uniform per channel decides whether it is seen (its
    /// chance growing with the value shipped where the channel says so); a seen channel loses
    /// its seizure share of every material and currency it carries. The rest arrives.
    fn ship(&mut self, rng: &mut ChaCha8Rng) {
        let m = self.model;
        for c in m.channels.ids() {
            let u = uniform(rng);
            let (params, now) = (&self.params, &mut self.this_step);
            let lanes = &params.channel_lanes[c];
            let seen = lanes.iter().any(|&l| now.lane_sent[l] > 0.0) && {
                let (p, volume) = (params.detection[c], params.volume[c]);
                // The value shipped matters only when detection grows with it.
                let value = if volume.is_finite() {
                    lanes
                        .iter()
                        .map(|&l| now.lane_sent[l] * params.lane_value[l])
                        .sum()
                } else {
                    0.0
                };
                u < seen_chance(p, volume, value)
            };
            now.channel_seen[c] = seen;
            for k in 0..self.params.channel_lanes[c].len() {
                let l = self.params.channel_lanes[c][k];
                self.ship_lane(l, seen);
            }
        }
        let (now, totals) = (&self.this_step, &mut self.totals);
        for (tally, lanes) in m.exposures.iter_ids() {
            if lanes.iter().any(|&l| now.lane_seen[l]) {
                totals.tallies[tally] += 1.0;
            }
        }
    }

    /// Lane `l`'s shipment arrives, less its seizure share if its channel was seen.
    #[inline]
    fn ship_lane(&mut self, l: crate::model::LaneId, seen: bool) {
        let lane = &self.model.lanes[l];
        let (params, now, totals) = (&self.params, &mut self.this_step, &mut self.totals);
        let shipped = now.lane_sent[l];
        now.lane_seen[l] = seen && shipped > 0.0;
        now.lane_seized[l] = 0.0;
        now.lane_delivered[l] = 0.0;
        if shipped <= 0.0 {
            return;
        }
        let mut seized = if seen && lane.seizable && self.model.pathways.seizure {
            shipped * params.seizure[lane.channel]
        } else {
            0.0
        };
        if self.model.goods[lane.good].whole {
            seized = (seized + 0.5).floor().min(shipped);
        }
        let delivered = shipped - seized;
        let (giver, taker) = (lane.from_cell, lane.to_cell);
        now.lane_seized[l] = seized;
        now.lane_delivered[l] = delivered;
        totals.lanes.sent[l] += shipped;
        totals.lanes.delivered[l] += delivered;
        totals.lanes.seized[l] += seized;
        if seen {
            totals.lanes.seen[l] += 1.0;
        }
        totals.lanes.toll[l] += shipped * params.lane_toll[l];
        totals.accounts.sent[giver] += shipped;
        totals.accounts.received[taker] += delivered;
        now.received[taker] += delivered;
        if lane.seizable {
            self.state.stock[taker] += delivered;
        }
    }

    /// Records what each need got this step, and hands this step's receipts over to the next:
    /// a flow need what it was supplied (production and receipts, less what was given away), a
    /// stock need the stock it ends the step with.
    fn settle_needs(&mut self) {
        let m = self.model;
        let (params, now) = (&self.params, &mut self.this_step);
        let (totals, state) = (&mut self.totals, &mut self.state);
        // Every per-need array cut to the need count, so indexing by `i < n` needs no checks.
        let n = m.needs.len();
        let (defs, needs) = (&m.needs.as_slice()[..n], &params.needs.as_slice()[..n]);
        let met_total = &mut totals.need_met.as_mut_slice()[..n];
        let asked_total = &mut totals.need_asked.as_mut_slice()[..n];
        let met_last = &mut state.need_met_last.as_mut_slice()[..n];
        for i in 0..n {
            let cell = defs[i].cell;
            let s = if defs[i].stock {
                state.stock[cell]
            } else {
                params.production[cell] + now.received[cell] - now.sent[cell]
            };
            let q = needs[i].quantity();
            let met = s.clamp(0.0, q);
            met_total[i] += met;
            asked_total[i] += q;
            met_last[i] = met / q;
        }
        // This step's receipts become last step's for the next one; `received` is cleared before
        // it is next written (at the start of the step), so swapping does what copying would.
        std::mem::swap(&mut state.received_last, &mut now.received);
    }

    /// Moves every relation's trust (the first actor's in the second): toward full trust as the
    /// second delivers what it sent toward the first, away from it by the share that did not
    /// arrive, by exposure of shipments between them (either sign), and toward its initial level
    /// by its drift.
    fn update_trust(&mut self) {
        let m = self.model;
        if !m.pathways.trust {
            return;
        }
        let (p, now) = (&self.params, &self.this_step);
        for (r, rel) in m.relations.iter_ids() {
            let mut t = self.state.trust[r];
            let (mut sent, mut delivered) = (0.0, 0.0);
            for &l in &rel.lanes_in {
                sent += now.lane_sent[l];
                delivered += now.lane_delivered[l];
            }
            if sent > 0.0 {
                let kept = (delivered / sent).clamp(0.0, 1.0);
                t += p.slot(rel.kept) * kept * (1.0 - t);
                t -= p.slot(rel.seized) * (1.0 - kept) * t;
            }
            if rel.lanes_any.iter().any(|&l| now.lane_seen[l]) {
                let e = p.slot(rel.exposed);
                if e >= 0.0 {
                    t -= e * t;
                } else {
                    t += -e * (1.0 - t);
                }
            }
            t += p.slot(rel.drift) * (p.initial_trust[r] - t);
            self.state.trust[r] = t.clamp(0.0, 1.0);
        }
    }

    /// Starts a new period of every cap whose period begins this step.
    fn start_period(&mut self) {
        let m = self.model;
        let step = self.state.step;
        for (c, cap) in m.caps.iter_ids() {
            if (step - 1) % cap.period == 0 {
                self.state.cap_received[c] = 0.0;
                self.state.cap_breached[c] = false;
            }
        }
    }

    /// Adds this step's receipts to each cap's period; counts what went beyond the limit, and
    /// the period as breached the first time it did.
    fn settle_caps(&mut self) {
        let m = self.model;
        for (c, cap) in m.caps.iter_ids() {
            let limit = self.params.slot(cap.limit);
            let before = self.state.cap_received[c];
            let after = before + self.state.received_last[cap.cell];
            self.state.cap_received[c] = after;
            let over = (after - limit).max(0.0) - (before - limit).max(0.0);
            self.totals.over_cap[c] += over;
            if after > limit && !self.state.cap_breached[c] {
                self.state.cap_breached[c] = true;
                self.totals.breaches[c] += 1.0;
            }
        }
    }

    /// The giver's trust in the taker scales its offer; no relation means full willingness.
    pub(super) fn willingness(&self, flow: &FlowDef) -> f64 {
        flow.relation.map_or(1.0, |r| self.state.trust[r])
    }

    /// Most the flow's giver will still give the taker this step, before lane capacity: the
    /// offer's remaining allowance, its trust-scaled allowance to this partner, and what it holds
    /// above its reserve (materials, currency) or its unused capacity (services).
    #[inline(always)]
    pub(super) fn giving_cap(&self, f: FlowId, flow: &FlowDef) -> f64 {
        let (params, now) = (&self.params, &self.this_step);
        let o = flow.offer;
        let max = now.offer_limit[o];
        let partner = self.partner_limit(flow, max) - now.flow_sent[f];
        let cell = flow.giver_cell;
        let holding = if flow.stocked {
            self.state.stock[cell] - params.offer_reserve[o]
        } else {
            params.production[cell] - now.sent[cell]
        };
        greater(
            lesser(lesser(max - now.offer_sent[o], partner), holding),
            0.0,
        )
    }

    /// Most an offer with this step's limit `max` gives the flow's taker this step: the limit
    /// scaled by the giver's trust in it (rounded to whole units for a whole good).
    #[inline(always)]
    pub(super) fn partner_limit(&self, flow: &FlowDef, max: f64) -> f64 {
        let trust = self.willingness(flow);
        if max.is_infinite() {
            if trust > 0.0 { f64::INFINITY } else { 0.0 }
        } else if self.params.offer_whole[flow.offer] {
            (max * trust).round()
        } else {
            max * trust
        }
    }

    /// Supply toward the actor's need for a good at this point of the step: for a flow need,
    /// production plus what is expected to arrive minus what was given away; for a stock need,
    /// the stock (already less what was given away) plus what is expected to arrive.
    #[inline]
    pub(super) fn supply(&self, cell: Cell) -> f64 {
        let now = &self.this_step;
        if self.params.stock_need[cell] {
            self.state.stock[cell] + now.expected[cell]
        } else {
            self.params.production[cell] + now.expected[cell] - now.sent[cell]
        }
    }

    /// Gives every aid flow, in this step's drawn order, up to the recipient's unmet need: what
    /// would fill the gap if it all arrived, lane by lane (`gap / keep`); whole goods in whole
    /// units.
    fn give_aid(&mut self) {
        let m = self.model;
        let first = m.trade_flow_count();
        for k in 0..m.aids.len() {
            let i = self.this_step.aid_order[k];
            let flow = &m.aids[i];
            let f = FlowId::new(first + i);
            let whole = m.goods[flow.good].whole;
            let mut cap = self.giving_cap(f, flow);
            if whole {
                cap = cap.floor();
            }
            let need = &self.params.needs[flow.taker_need];
            let mut gap = (need.satiation() - self.supply(flow.taker_cell)).max(0.0);
            let mut given = 0.0;
            let mut expected = 0.0;
            let lane_sent = &mut self.this_step.lane_sent;
            for &l in self.bargains.lanes_of(f) {
                let keep = self.params.lane_keep[l].0;
                if cap <= 0.0 || gap <= 0.0 || keep <= 0.0 {
                    break;
                }
                let room = (self.params.capacity[l] - lane_sent[l]).max(0.0);
                let mut x = room.min(cap).min(gap / keep);
                if whole {
                    x = x.ceil().min(cap).min(room.floor());
                }
                if x <= 0.0 {
                    continue;
                }
                lane_sent[l] += x;
                cap -= x;
                gap -= keep * x;
                given += x;
                expected += keep * x;
            }
            if given > 0.0 {
                self.commit(f, flow, given, expected);
            }
        }
    }

    /// Books `given` units of a flow as sent (and `expected` as on their way to the taker).
    #[inline(always)]
    pub(super) fn commit(&mut self, f: FlowId, flow: &FlowDef, given: f64, expected: f64) {
        let now = &mut self.this_step;
        let (giver, taker) = (flow.giver_cell, flow.taker_cell);
        now.sent[giver] += given;
        now.offer_sent[flow.offer] += given;
        now.flow_sent[f] += given;
        now.expected[taker] += expected;
        if flow.stocked {
            self.state.stock[giver] -= given;
        }
        if self.checks.is_some() {
            self.check_commit(f, flow);
        }
    }
}
