//! One step of a run, phase by phase (see the module documentation of [`super`] for the order),
//! and the bookkeeping that aid and bargaining share.

use super::rng::uniform;
use super::{Runner, greater, lesser};
use crate::model::{Cell, FlowDef, FlowId, MeasureNode};
use rand_chacha::ChaCha8Rng;

impl Runner<'_> {
    /// One step of the simulation (see the module documentation for the order).
    pub(super) fn advance(&mut self, rng: &mut ChaCha8Rng) {
        let m = self.model;
        self.decide_events(rng);
        self.apply_modifiers();
        if self.params.refresh_losses(m) {
            // Detection or seizure may have changed: so may the order in which a flow uses its
            // lanes.
            self.bargains.sort_lanes(&self.params.lane_loss);
        }
        self.this_step.clear();
        self.produce_and_consume();
        self.give_aid();
        for l in m.links.ids() {
            self.bargain(l);
        }
        self.ship(rng);
        self.settle_needs();
        self.update_trust();
        self.expire_modifiers();
        if self.checks.is_some() {
            self.check_step();
        }
    }

    /// Adds production to stock (services: it is this step's capacity) and takes consumption
    /// from stock; what stock cannot cover is a shortfall.
    fn produce_and_consume(&mut self) {
        let (params, stock) = (&self.params, &mut self.state.stock);
        let accounts = &mut self.totals.accounts;
        for &(c, stocked) in &params.producing {
            let x = params.production[c];
            if stocked {
                stock[c] += x;
            }
            accounts.produced[c] += x;
        }
        for &(c, _) in &self.model.consumption {
            let want = params.consumption[c];
            let got = want.min(stock[c]).max(0.0);
            stock[c] -= got;
            accounts.consumed[c] += got;
            accounts.shortfall[c] += want - got;
        }
    }

    /// Ships every lane's shipment: one uniform per lane decides whether it is seen.
    fn ship(&mut self, rng: &mut ChaCha8Rng) {
        let m = self.model;
        let (params, now, totals) = (&self.params, &mut self.this_step, &mut self.totals);
        // Every per-lane array cut to the lane count, so indexing by `l < n` needs no checks.
        let n = m.lanes.len();
        let lanes = &m.lanes.as_slice()[..n];
        let lane_sent = &now.lane_sent.as_slice()[..n];
        let lane_seen = &mut now.lane_seen.as_mut_slice()[..n];
        let lane_seized = &mut now.lane_seized.as_mut_slice()[..n];
        let lane_delivered = &mut now.lane_delivered.as_mut_slice()[..n];
        let sent_total = &mut totals.lanes.sent.as_mut_slice()[..n];
        let delivered_total = &mut totals.lanes.delivered.as_mut_slice()[..n];
        let seized_total = &mut totals.lanes.seized.as_mut_slice()[..n];
        let mut seized_any = false;
        for l in 0..n {
            let lane = &lanes[l];
            let u = uniform(rng);
            let shipped = lane_sent[l];
            lane_seen[l] = false;
            lane_seized[l] = 0.0;
            lane_delivered[l] = 0.0;
            if shipped <= 0.0 {
                continue;
            }
            let seen = u < params.detection[lane.channel];
            let seized = if seen && lane.seizable {
                shipped * params.seizure[lane.channel]
            } else {
                0.0
            };
            seized_any |= seized > 0.0;
            let delivered = shipped - seized;
            let (giver, taker) = (lane.from_cell, lane.to_cell);
            lane_seen[l] = seen;
            lane_seized[l] = seized;
            lane_delivered[l] = delivered;
            sent_total[l] += shipped;
            delivered_total[l] += delivered;
            seized_total[l] += seized;
            totals.accounts.sent[giver] += shipped;
            totals.accounts.received[taker] += delivered;
            now.received[taker] += delivered;
            if lane.seizable {
                self.state.stock[taker] += delivered;
            }
        }
        now.seized_any = seized_any;
        for node in &m.measures {
            if let MeasureNode::Exposed { lanes, tally } = node {
                if lanes.iter().any(|&l| now.lane_seen[l]) {
                    totals.tallies[*tally] += 1.0;
                }
            }
        }
    }

    /// Records what each need got this step, and hands this step's receipts over to the next.
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
            let s = params.production[cell] + now.received[cell] - now.sent[cell];
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

    /// Moves every relation's trust: up with deliveries received, down with seizures and
    /// exposure, and toward its initial level by its drift.
    fn update_trust(&mut self) {
        let m = self.model;
        let (p, now) = (&self.params, &self.this_step);
        for (r, rel) in m.relations.iter_ids() {
            let mut t = self.state.trust[r];
            if rel.lanes_in.iter().any(|&l| now.lane_delivered[l] > 0.0) {
                t += p.slot(rel.kept) * (1.0 - t);
            }
            // A seizure costs trust in proportion to the share of the shipment lost: seizing a
            // tenth of a cargo costs a tenth of what losing all of it would. Only lanes with a
            // seizure can raise the share above 0 (and only they had a shipment to divide by).
            let lost = if now.seized_any {
                rel.lanes_any
                    .iter()
                    .filter(|&&l| now.lane_seized[l] > 0.0)
                    .map(|&l| now.lane_seized[l] / now.lane_sent[l])
                    .fold(0.0, f64::max)
            } else {
                0.0
            };
            if lost > 0.0 {
                t -= p.slot(rel.seized) * t * lost;
            }
            if rel.lanes_any.iter().any(|&l| now.lane_seen[l]) {
                t -= p.slot(rel.exposed) * t;
            }
            t += p.slot(rel.drift) * (p.initial_trust[r] - t);
            self.state.trust[r] = t.clamp(0.0, 1.0);
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
        let max = params.offer_max[o];
        let trust = self.willingness(flow);
        let partner = if max.is_infinite() {
            if trust > 0.0 { f64::INFINITY } else { 0.0 }
        } else {
            max * trust - now.flow_sent[f]
        };
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

    /// Supply toward the actor's need for a good at this point of the step: production plus
    /// what is expected to arrive minus what was given away.
    #[inline]
    pub(super) fn supply(&self, cell: Cell) -> f64 {
        let now = &self.this_step;
        self.params.production[cell] + now.expected[cell] - now.sent[cell]
    }

    /// Gives every aid flow, in file order, up to the recipient's unmet need.
    fn give_aid(&mut self) {
        let m = self.model;
        let first = m.trade_flow_count();
        for (i, flow) in m.aids.iter().enumerate() {
            let f = FlowId::new(first + i);
            let mut cap = self.giving_cap(f, flow);
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
                let x = room.min(cap).min(gap / keep);
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
