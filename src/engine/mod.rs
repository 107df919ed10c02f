//! The simulation of one run: a [`Runner`] steps a [`Model`] through time.
//!
//! The rules are specified in `docs/model.md` (section 1.3 for the order, 3.3 for each part);
//! this is the map from that order to the code. Each step, in `Runner::advance`:
//!
//! 1. events, in file order, one uniform each (`events.rs`); multipliers reapplied if the set of
//!    active ones changed, and with them lane losses and lane order;
//! 2. production, then consumption;
//! 3. aid flows (`Runner::give_aid`);
//! 4. one bargain per link, in link order ([`exchange`]);
//! 5. shipping, one uniform per lane (`Runner::ship`);
//! 6. needs settle, trust updates, multipliers expire; then every outcome is recorded.
//!
//! The number of uniforms drawn per step is fixed (one per event, one per lane), so two policy
//! settings run with the same seed see the same random numbers in the same places.
//!
//! # Guarantees
//!
//! After [`Runner::new`] nothing allocates; a run depends only on the model, the setting, the
//! seed and the run index; every unit is accounted for (`stock = initial + produced - consumed +
//! received - sent + event gains - event losses`, and `sent = delivered + seized` on every lane);
//! no bargain lowers either side's own valuation. [`Runner::enable_checks`] verifies all of this
//! every step (used by the tests).

pub mod check;
pub mod curves;
mod events;
pub mod exchange;
mod measures;
pub mod rng;

use crate::model::params::Setting;
use crate::model::{CurveDef, FlowDef, ModTarget, Model};
use check::CheckReport;
use curves::NeedFn;
use rand_chacha::ChaCha8Rng;
use rng::{Streams, uniform};

/// Marker for a multiplier effect that lasts for the rest of the run.
const PERMANENT: u64 = u64::MAX;

/// Runs a model, one run at a time, reusing its buffers.
pub struct Runner<'m> {
    pub(crate) m: &'m Model,
    pub(crate) p: Vec<f64>,
    u: Vec<f64>,
    // Parameters bound for the run (base values and values after event multipliers).
    pub(crate) prod_base: Vec<f64>,
    pub(crate) prod: Vec<f64>,
    cons_base: Vec<f64>,
    cons: Vec<f64>,
    need_q_base: Vec<f64>,
    pub(crate) needs: Vec<NeedFn>,
    offer_max_base: Vec<f64>,
    pub(crate) offer_max: Vec<f64>,
    pub(crate) offer_reserve: Vec<f64>,
    pub(crate) offer_cost: Vec<f64>,
    det_base: Vec<f64>,
    pub(crate) det: Vec<f64>,
    seize_base: Vec<f64>,
    pub(crate) seize: Vec<f64>,
    cap_base: Vec<f64>,
    pub(crate) cap: Vec<f64>,
    pub(crate) power: Vec<f64>,
    /// Per link, `ln βA - ln βB = ln(power_a / power_b)`: the powers' share of the bargaining
    /// residual, fixed for a run.
    pub(crate) ln_power: Vec<f64>,
    value: Vec<f64>,
    trust0: Vec<f64>,
    /// Lanes of each channel.
    channel_lanes: Vec<Vec<usize>>,
    // State.
    pub(crate) stock: Vec<f64>,
    pub(crate) trust: Vec<f64>,
    // This step.
    /// Receipts so far this step, per cell: cleared when the step starts, written by shipping,
    /// and handed over to `recv_last` when the step ends (what is left here then is stale).
    pub(crate) recv: Vec<f64>,
    pub(crate) recv_exp: Vec<f64>,
    pub(crate) sent: Vec<f64>,
    pub(crate) offer_sent: Vec<f64>,
    pub(crate) flow_sent: Vec<f64>,
    pub(crate) lane_flow: Vec<f64>,
    /// Expected share lost on each lane this step (detection times seizure; 0 for services).
    pub(crate) lane_loss: Vec<f64>,
    /// Expected share that arrives (`1 - lane_loss`) and its inverse, computed with the losses.
    pub(crate) lane_keep: Vec<(f64, f64)>,
    lane_delivered: Vec<f64>,
    lane_seized: Vec<f64>,
    /// Whether any lane had something seized this step (most steps of most runs: none, and then
    /// trust need not look for seizures lane by lane).
    seized_any: bool,
    lane_seen: Vec<bool>,
    // Totals since the start of the run.
    pub(crate) acc: check::Accounts,
    lane_sent_cum: Vec<f64>,
    lane_delivered_cum: Vec<f64>,
    lane_seized_cum: Vec<f64>,
    need_met_cum: Vec<f64>,
    need_q_cum: Vec<f64>,
    need_met_last: Vec<f64>,
    /// Receipts of the last completed step, per cell (the `ReceivedLast` signal). Swapped with
    /// `recv` at the end of each step.
    recv_last: Vec<f64>,
    pub(crate) gain: Vec<f64>,
    event_count: Vec<u32>,
    fired: Vec<bool>,
    mod_remaining: Vec<u64>,
    /// Whether the set of active multipliers may have changed since they were last applied.
    mods_changed: bool,
    mod_mult: Vec<f64>,
    measure_acc: Vec<f64>,
    /// Lanes of every flow (trade flows link by link, then aid flows), cheapest expected loss
    /// first; re-sorted whenever event multipliers may have changed detection or seizure.
    pub(crate) flow_lanes: Vec<Vec<usize>>,
    /// Whether detection or seizure may have changed since `lane_loss` was computed.
    losses_stale: bool,
    /// Counts the times a run's curves, costs, lanes' shares or lanes' order may have changed
    /// (each run start, each change of multipliers): bargaining legs and their lane slots
    /// prepared in the same epoch can keep what depends on those alone.
    pub(crate) prep_epoch: u64,
    /// Production cells, with whether the good is stocked (output adds to the stock).
    produced: Vec<(usize, bool)>,
    /// Last bargain's log exchange rate per link, to start the next search near it.
    pub(crate) theta: Vec<f64>,
    /// Slope of the bargaining residual at that rate, for the next search's first step.
    pub(crate) theta_slope: Vec<f64>,
    /// Where each link's rate has been heading, to start the next search at its forecast.
    pub(crate) trend: Vec<exchange::Trend>,
    pub(crate) scratch: exchange::Scratch,
    pub(crate) step: usize,
    pub(crate) checks: Option<CheckReport>,
}

impl<'m> Runner<'m> {
    /// Allocates every buffer a run of `model` needs.
    pub fn new(model: &'m Model) -> Runner<'m> {
        let cells = model.cells();
        let lanes = model.lanes.len();
        let mut channel_lanes = vec![Vec::new(); model.channels.len()];
        for (l, lane) in model.lanes.iter().enumerate() {
            channel_lanes[lane.channel].push(l);
        }
        let flow_lanes = all_flows(model).map(|f| f.lanes.clone()).collect();
        Runner {
            m: model,
            p: vec![0.0; model.program.len()],
            u: vec![0.5; model.program.draws as usize],
            prod_base: vec![0.0; cells],
            prod: vec![0.0; cells],
            cons_base: vec![0.0; cells],
            cons: vec![0.0; cells],
            need_q_base: vec![0.0; model.needs.len()],
            needs: vec![NeedFn::new(CurveDef::Linear, 1.0, 0.0, 1.0); model.needs.len()],
            offer_max_base: vec![0.0; model.offers.len()],
            offer_max: vec![0.0; model.offers.len()],
            offer_reserve: vec![0.0; model.offers.len()],
            offer_cost: vec![0.0; model.offers.len()],
            det_base: vec![0.0; model.channels.len()],
            det: vec![0.0; model.channels.len()],
            seize_base: vec![0.0; model.channels.len()],
            seize: vec![0.0; model.channels.len()],
            cap_base: vec![0.0; lanes],
            cap: vec![0.0; lanes],
            power: vec![1.0; model.actors.len()],
            ln_power: vec![0.0; model.links.len()],
            value: vec![0.0; model.goods.len()],
            trust0: vec![0.0; model.relations.len()],
            channel_lanes,
            stock: vec![0.0; cells],
            trust: vec![0.0; model.relations.len()],
            recv: vec![0.0; cells],
            recv_exp: vec![0.0; cells],
            sent: vec![0.0; cells],
            offer_sent: vec![0.0; model.offers.len()],
            flow_sent: vec![0.0; all_flows(model).count()],
            lane_flow: vec![0.0; lanes],
            lane_loss: vec![0.0; lanes],
            lane_keep: vec![(1.0, 1.0); lanes],
            lane_delivered: vec![0.0; lanes],
            lane_seized: vec![0.0; lanes],
            seized_any: false,
            lane_seen: vec![false; lanes],
            acc: check::Accounts::new(cells),
            lane_sent_cum: vec![0.0; lanes],
            lane_delivered_cum: vec![0.0; lanes],
            lane_seized_cum: vec![0.0; lanes],
            need_met_cum: vec![0.0; model.needs.len()],
            need_q_cum: vec![0.0; model.needs.len()],
            need_met_last: vec![0.0; model.needs.len()],
            recv_last: vec![0.0; cells],
            gain: vec![0.0; model.actors.len()],
            event_count: vec![0; model.events.len()],
            fired: vec![false; model.events.len()],
            mod_remaining: vec![0; model.mods.len()],
            mods_changed: true,
            mod_mult: vec![1.0; model.mod_targets.len()],
            measure_acc: vec![0.0; model.measure_accs],
            flow_lanes,
            losses_stale: true,
            prep_epoch: 0,
            produced: model
                .production
                .iter()
                .map(|&(c, _)| {
                    let c = c as usize;
                    (c, model.goods[c % model.goods.len()].stocked())
                })
                .collect(),
            theta: vec![0.0; model.links.len()],
            theta_slope: vec![1.0; model.links.len()],
            trend: vec![exchange::Trend::default(); model.links.len()],
            scratch: exchange::Scratch::new(model),
            step: 0,
            checks: None,
        }
    }

    /// Turns on invariant checking (slower; for tests). Results are unchanged.
    pub fn enable_checks(&mut self) {
        self.checks = Some(CheckReport::default());
    }

    /// What the checks found so far, if enabled.
    pub fn check_report(&self) -> Option<&CheckReport> {
        self.checks.as_ref()
    }

    /// Number of values [`Runner::run`] writes to `series`: outcomes times (steps + 1), outcome
    /// by outcome, step 0 (the initial state) first.
    pub fn series_len(&self) -> usize {
        self.m.outcomes.len() * (self.m.steps + 1)
    }

    /// Number of values [`Runner::route_totals`] writes: one per route of the model.
    pub fn routes_len(&self) -> usize {
        self.m.routes.len()
    }

    /// Quantity delivered so far along each route ([`Model::routes`]), after seizures.
    pub fn route_totals(&self, out: &mut [f64]) {
        for (o, r) in out.iter_mut().zip(&self.m.routes) {
            *o = r.lanes.iter().map(|&l| self.lane_delivered_cum[l]).sum();
        }
    }

    /// Runs run number `run` of master seed `streams` under `setting`.
    ///
    /// Writes each outcome at every step to `series` (see [`Runner::series_len`]) and the values
    /// drawn for the run's uncertainties to `drawn` (see [`Model::drawn_names`]).
    pub fn run(
        &mut self,
        setting: &Setting,
        streams: &Streams,
        run: u64,
        series: &mut [f64],
        drawn: &mut [f64],
    ) {
        let mut urng = streams.uncertainty(run);
        for u in self.u.iter_mut() {
            *u = uniform(&mut urng);
        }
        let mut rng = streams.dynamics(run);
        self.simulate(setting, &mut rng, series, drawn);
    }

    /// Like [`Runner::run`], with the uncertainty uniforms given (a Latin hypercube or Sobol
    /// design) instead of drawn. `u` has one value in (0, 1) per draw of the model.
    pub fn run_design(
        &mut self,
        setting: &Setting,
        u: &[f64],
        streams: &Streams,
        run: u64,
        series: &mut [f64],
        drawn: &mut [f64],
    ) {
        self.u.copy_from_slice(u);
        let mut rng = streams.dynamics(run);
        self.simulate(setting, &mut rng, series, drawn);
    }

    /// Starts run number `run` for stepping by hand: draws its uncertainties, sets up the
    /// state and records step 0 in `series`. Returns the run's event-and-shipping stream, to pass
    /// to [`Runner::step`]. Stepping to the end gives exactly what [`Runner::run`] gives.
    pub fn start(
        &mut self,
        setting: &Setting,
        streams: &Streams,
        run: u64,
        series: &mut [f64],
        drawn: &mut [f64],
    ) -> ChaCha8Rng {
        let mut urng = streams.uncertainty(run);
        for u in self.u.iter_mut() {
            *u = uniform(&mut urng);
        }
        self.begin(setting, series, drawn);
        streams.dynamics(run)
    }

    /// Advances the run begun with [`Runner::start`] by one step and records it. Returns
    /// `false`, doing nothing, once the last step is done.
    pub fn step(&mut self, rng: &mut ChaCha8Rng, series: &mut [f64]) -> bool {
        if self.step >= self.m.steps {
            return false;
        }
        self.step += 1;
        self.advance(rng);
        self.record(series, self.step, self.m.steps + 1);
        true
    }

    fn simulate(
        &mut self,
        setting: &Setting,
        rng: &mut ChaCha8Rng,
        series: &mut [f64],
        drawn: &mut [f64],
    ) {
        self.begin(setting, series, drawn);
        while self.step(rng, series) {}
    }

    /// Evaluates the run's parameters, reports its drawn values, binds and records step 0.
    fn begin(&mut self, setting: &Setting, series: &mut [f64], drawn: &mut [f64]) {
        let m = self.m;
        m.program.eval(setting, &self.u, &mut self.p);
        let slots = m
            .uncertainties
            .iter()
            .map(|u| u.slot)
            .chain(m.inline_draws.iter().map(|d| d.1));
        for (d, s) in drawn.iter_mut().zip(slots) {
            *d = self.p[s as usize];
        }
        self.bind();
        self.step = 0;
        self.record(series, 0, m.steps + 1);
    }

    /// Copies the run's parameters into dense arrays and resets the state.
    fn bind(&mut self) {
        let m = self.m;
        let p = &self.p;
        let val = |s: u32| p[s as usize];
        self.stock.fill(0.0);
        self.prod_base.fill(0.0);
        self.cons_base.fill(0.0);
        for &(c, s) in &m.stocks {
            self.stock[c as usize] = val(s);
        }
        for &(c, s) in &m.production {
            self.prod_base[c as usize] = val(s);
        }
        for &(c, s) in &m.consumption {
            self.cons_base[c as usize] = val(s);
        }
        self.prod.copy_from_slice(&self.prod_base);
        self.cons.copy_from_slice(&self.cons_base);
        for (i, n) in m.needs.iter().enumerate() {
            let k = match n.curve {
                CurveDef::Concave(k) => val(k),
                _ => 1.0,
            };
            self.need_q_base[i] = val(n.quantity);
            self.needs[i] = NeedFn::new(n.curve, val(n.quantity), val(n.value), k);
        }
        for (i, o) in m.offers.iter().enumerate() {
            self.offer_max_base[i] = o.max.map_or(f64::INFINITY, val);
            self.offer_reserve[i] = val(o.reserve);
            self.offer_cost[i] = val(o.cost);
        }
        self.offer_max.copy_from_slice(&self.offer_max_base);
        for (i, c) in m.channels.iter().enumerate() {
            self.det_base[i] = val(c.detection);
            self.seize_base[i] = val(c.seizure);
        }
        self.det.copy_from_slice(&self.det_base);
        self.seize.copy_from_slice(&self.seize_base);
        for (i, l) in m.lanes.iter().enumerate() {
            self.cap_base[i] = l.capacity.map_or(f64::INFINITY, val);
        }
        self.cap.copy_from_slice(&self.cap_base);
        for (i, a) in m.actors.iter().enumerate() {
            self.power[i] = val(a.power);
        }
        for (lp, link) in self.ln_power.iter_mut().zip(&m.links) {
            *lp = (self.power[link.a] / self.power[link.b]).ln();
        }
        for (i, g) in m.goods.iter().enumerate() {
            self.value[i] = val(g.value);
        }
        for (i, r) in m.relations.iter().enumerate() {
            self.trust0[i] = val(r.trust);
        }
        self.trust.copy_from_slice(&self.trust0);
        self.acc.reset(&self.stock);
        for v in [
            &mut self.lane_sent_cum,
            &mut self.lane_delivered_cum,
            &mut self.lane_seized_cum,
            &mut self.need_met_cum,
            &mut self.need_q_cum,
            &mut self.recv_last,
            &mut self.gain,
            &mut self.measure_acc,
            &mut self.theta,
        ] {
            v.fill(0.0);
        }
        self.theta_slope.fill(1.0);
        // Lane order starts from the file's every run, so that ties never depend on which runs
        // this runner did before.
        for (lanes, flow) in self.flow_lanes.iter_mut().zip(all_flows(m)) {
            lanes.copy_from_slice(&flow.lanes);
        }
        self.losses_stale = true;
        // New curves, costs and losses: bargaining legs prepared in an earlier run are stale.
        self.prep_epoch += 1;
        self.trend.fill(exchange::Trend::default());
        // Before the first step no shortfall has been seen.
        self.need_met_last.fill(1.0);
        self.event_count.fill(0);
        self.mod_remaining.fill(0);
        self.mods_changed = true;
        self.mod_mult.fill(1.0);
    }

    /// One step of the simulation (see the module documentation for the order).
    fn advance(&mut self, rng: &mut ChaCha8Rng) {
        let m = self.m;
        self.events(rng);
        self.apply_modifiers();
        if self.losses_stale {
            // Detection or seizure may have changed: each lane's expected loss and so the order
            // in which a flow uses its lanes.
            self.losses_stale = false;
            for ((loss, keep), lane) in self
                .lane_loss
                .iter_mut()
                .zip(&mut self.lane_keep)
                .zip(&m.lanes)
            {
                *loss = if lane.seizable {
                    self.det[lane.channel] * self.seize[lane.channel]
                } else {
                    0.0
                };
                let k = 1.0 - *loss;
                *keep = (k, 1.0 / k);
            }
            self.sort_lanes();
        }
        self.recv.fill(0.0);
        self.recv_exp.fill(0.0);
        self.sent.fill(0.0);
        self.offer_sent.fill(0.0);
        self.flow_sent.fill(0.0);
        self.lane_flow.fill(0.0);

        for &(c, stocked) in &self.produced {
            let x = self.prod[c];
            if stocked {
                self.stock[c] += x;
            }
            self.acc.produced[c] += x;
        }
        for &(c, _) in &m.consumption {
            let c = c as usize;
            let want = self.cons[c];
            let got = want.min(self.stock[c]).max(0.0);
            self.stock[c] -= got;
            self.acc.consumed[c] += got;
            self.acc.shortfall[c] += want - got;
        }

        self.give_aid();
        for l in 0..m.links.len() {
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

    /// Orders each flow's lanes by expected loss (detection times seizure), cheapest first; ties
    /// keep their order, which is file order at the start of a run (see [`Runner::bind`]).
    /// Insertion sort: the lists are short and this must not allocate.
    fn sort_lanes(&mut self) {
        let loss = &self.lane_loss;
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

    /// Ships every lane's flow: one uniform per lane decides whether it is seen.
    fn ship(&mut self, rng: &mut ChaCha8Rng) {
        let m = self.m;
        // Every per-lane array cut to the lane count, so indexing by `l < n` needs no checks.
        let n = m.lanes.len();
        let lanes = &m.lanes[..n];
        let lane_flow = &self.lane_flow[..n];
        let lane_seen = &mut self.lane_seen[..n];
        let lane_seized = &mut self.lane_seized[..n];
        let lane_delivered = &mut self.lane_delivered[..n];
        let sent_cum = &mut self.lane_sent_cum[..n];
        let delivered_cum = &mut self.lane_delivered_cum[..n];
        let seized_cum = &mut self.lane_seized_cum[..n];
        let mut seized_any = false;
        for l in 0..n {
            let lane = &lanes[l];
            let u = uniform(rng);
            let flow = lane_flow[l];
            lane_seen[l] = false;
            lane_seized[l] = 0.0;
            lane_delivered[l] = 0.0;
            if flow <= 0.0 {
                continue;
            }
            let seen = u < self.det[lane.channel];
            let seized = if seen && lane.seizable {
                flow * self.seize[lane.channel]
            } else {
                0.0
            };
            seized_any |= seized > 0.0;
            let delivered = flow - seized;
            let (giver, taker) = (lane.from_cell, lane.to_cell);
            lane_seen[l] = seen;
            lane_seized[l] = seized;
            lane_delivered[l] = delivered;
            sent_cum[l] += flow;
            delivered_cum[l] += delivered;
            seized_cum[l] += seized;
            self.acc.sent[giver] += flow;
            self.acc.received[taker] += delivered;
            self.recv[taker] += delivered;
            if lane.seizable {
                self.stock[taker] += delivered;
            }
        }
        self.seized_any = seized_any;
        for node in &m.measures {
            if let crate::model::MeasureNode::Exposed { lanes, acc } = node {
                if lanes.iter().any(|&l| self.lane_seen[l]) {
                    self.measure_acc[*acc] += 1.0;
                }
            }
        }
    }

    fn settle_needs(&mut self) {
        let m = self.m;
        // Every per-need array cut to the need count, so indexing by `i < n` needs no checks.
        let n = m.needs.len();
        let (defs, needs) = (&m.needs[..n], &self.needs[..n]);
        let met_cum = &mut self.need_met_cum[..n];
        let q_cum = &mut self.need_q_cum[..n];
        let met_last = &mut self.need_met_last[..n];
        for i in 0..n {
            let cell = defs[i].cell;
            let s = self.prod[cell] + self.recv[cell] - self.sent[cell];
            let q = needs[i].quantity();
            let met = s.clamp(0.0, q);
            met_cum[i] += met;
            q_cum[i] += q;
            met_last[i] = met / q;
        }
        // This step's receipts become last step's for the next one; `recv` is cleared before it
        // is next written (at the start of the step), so swapping does what copying would.
        std::mem::swap(&mut self.recv_last, &mut self.recv);
    }

    fn update_trust(&mut self) {
        let m = self.m;
        for (r, rel) in m.relations.iter().enumerate() {
            let mut t = self.trust[r];
            if rel.lanes_in.iter().any(|&l| self.lane_delivered[l] > 0.0) {
                t += self.p[rel.kept as usize] * (1.0 - t);
            }
            // A seizure costs trust in proportion to the share of the shipment lost: seizing a
            // tenth of a cargo costs a tenth of what losing all of it would. Only lanes with a
            // seizure can raise the share above 0 (and only they had a flow to divide by).
            let lost = if self.seized_any {
                rel.lanes_any
                    .iter()
                    .filter(|&&l| self.lane_seized[l] > 0.0)
                    .map(|&l| self.lane_seized[l] / self.lane_flow[l])
                    .fold(0.0, f64::max)
            } else {
                0.0
            };
            if lost > 0.0 {
                t -= self.p[rel.seized as usize] * t * lost;
            }
            if rel.lanes_any.iter().any(|&l| self.lane_seen[l]) {
                t -= self.p[rel.exposed as usize] * t;
            }
            t += self.p[rel.drift as usize] * (self.trust0[r] - t);
            self.trust[r] = t.clamp(0.0, 1.0);
        }
    }

    /// Sets effective parameters from base values times the multipliers active this step.
    ///
    /// Skipped while the set of active multipliers is unchanged: it would write the same values.
    fn apply_modifiers(&mut self) {
        let m = self.m;
        if m.mods.is_empty() || !self.mods_changed {
            return;
        }
        self.mods_changed = false;
        self.losses_stale = true;
        // Need quantities and lane losses may change: bargaining legs prepared before are stale.
        self.prep_epoch += 1;
        self.mod_mult.fill(1.0);
        for (i, md) in m.mods.iter().enumerate() {
            if self.mod_remaining[i] > 0 {
                self.mod_mult[md.target] *= self.p[md.factor as usize];
            }
        }
        for (t, target) in m.mod_targets.iter().enumerate() {
            let k = self.mod_mult[t];
            match *target {
                ModTarget::Production(c) => self.prod[c] = self.prod_base[c] * k,
                ModTarget::Consumption(c) => self.cons[c] = self.cons_base[c] * k,
                ModTarget::Need(n) => self.needs[n].set_quantity(self.need_q_base[n] * k),
                ModTarget::Offer(o) => {
                    let base = self.offer_max_base[o];
                    self.offer_max[o] = if base.is_infinite() { base } else { base * k };
                }
                ModTarget::Detection(c) => self.det[c] = (self.det_base[c] * k).clamp(0.0, 1.0),
                ModTarget::Seizure(c) => self.seize[c] = (self.seize_base[c] * k).clamp(0.0, 1.0),
                ModTarget::Capacity(c) => {
                    for &l in &self.channel_lanes[c] {
                        let base = self.cap_base[l];
                        self.cap[l] = if base.is_infinite() { base } else { base * k };
                    }
                }
            }
        }
    }

    fn expire_modifiers(&mut self) {
        for r in self.mod_remaining.iter_mut() {
            if *r > 0 && *r != PERMANENT {
                *r -= 1;
                self.mods_changed |= *r == 0;
            }
        }
    }

    /// The giver's trust in the taker scales its offer; no relation means full willingness.
    pub(crate) fn willingness(&self, flow: &FlowDef) -> f64 {
        flow.relation.map_or(1.0, |r| self.trust[r])
    }

    /// Most the flow's giver will still give the taker this step, before lane capacity: the
    /// offer's remaining allowance, its trust-scaled allowance to this partner, and what it holds
    /// above its reserve (materials, currency) or its unused capacity (services).
    #[inline(always)]
    pub(crate) fn giving_cap(&self, f: usize, flow: &FlowDef) -> f64 {
        let o = flow.offer;
        let max = self.offer_max[o];
        let trust = self.willingness(flow);
        let partner = if max.is_infinite() {
            if trust > 0.0 { f64::INFINITY } else { 0.0 }
        } else {
            max * trust - self.flow_sent[f]
        };
        let cell = flow.giver_cell;
        let holding = if flow.stocked {
            self.stock[cell] - self.offer_reserve[o]
        } else {
            self.prod[cell] - self.sent[cell]
        };
        greater(
            lesser(lesser(max - self.offer_sent[o], partner), holding),
            0.0,
        )
    }

    /// Supply toward the actor's need for a good at this point of the step.
    #[inline]
    pub(crate) fn supply(&self, cell: usize) -> f64 {
        self.prod[cell] + self.recv_exp[cell] - self.sent[cell]
    }

    /// Gives every aid flow, in file order, up to the recipient's unmet need.
    fn give_aid(&mut self) {
        let m = self.m;
        let first = m
            .links
            .iter()
            .map(|l| l.ab.len() + l.ba.len())
            .sum::<usize>();
        for (i, flow) in m.aids.iter().enumerate() {
            let f = first + i;
            let mut cap = self.giving_cap(f, flow);
            let need = &self.needs[flow.taker_need];
            let taker_cell = flow.taker_cell;
            let mut gap = (need.satiation() - self.supply(taker_cell)).max(0.0);
            let mut given = 0.0;
            let mut expected = 0.0;
            for k in 0..self.flow_lanes[f].len() {
                let l = self.flow_lanes[f][k];
                let keep = self.lane_keep[l].0;
                if cap <= 0.0 || gap <= 0.0 || keep <= 0.0 {
                    break;
                }
                let room = (self.cap[l] - self.lane_flow[l]).max(0.0);
                let x = room.min(cap).min(gap / keep);
                if x <= 0.0 {
                    continue;
                }
                self.lane_flow[l] += x;
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
    pub(crate) fn commit(&mut self, f: usize, flow: &FlowDef, given: f64, expected: f64) {
        let (giver, taker) = (flow.giver_cell, flow.taker_cell);
        self.sent[giver] += given;
        self.offer_sent[flow.offer] += given;
        self.flow_sent[f] += given;
        self.recv_exp[taker] += expected;
        if flow.stocked {
            self.stock[giver] -= given;
        }
        if self.checks.is_some() {
            self.check_commit(f, flow);
        }
    }

    /// With checks on: the flow stays within its trust-scaled limit and the giver's stock above
    /// the offer's reserve.
    #[cold]
    #[inline(never)]
    fn check_commit(&mut self, f: usize, flow: &FlowDef) {
        let m = self.m;
        let allowed = self.offer_max[flow.offer] * self.willingness(flow);
        let sent = self.flow_sent[f];
        let stock = self.stock[flow.giver_cell];
        let reserve = self.offer_reserve[flow.offer];
        let step = self.step;
        let r = self.checks.as_mut().expect("checks enabled");
        if allowed.is_finite() && sent > allowed * (1.0 + 1e-9) + 1e-9 {
            r.fail(format!(
                "step {step}: {} gave {} {sent} of {}, over its trust-scaled limit {allowed}",
                m.actors[flow.giver].id, m.actors[flow.taker].id, m.goods[flow.good].id,
            ));
        }
        if flow.stocked && stock < reserve - 1e-6 * (1.0 + reserve) {
            r.fail(format!(
                "step {step}: {} gave {} below its reserve ({stock} < {reserve})",
                m.actors[flow.giver].id, m.goods[flow.good].id,
            ));
        }
    }

    fn record(&self, series: &mut [f64], t: usize, width: usize) {
        for (o, out) in self.m.outcomes.iter().enumerate() {
            series[o * width + t] = self.measure(out.root) * out.scale;
        }
    }
}

/// The smaller of two numbers that are never NaN here (room, quantities left, amounts worth
/// sending, what a giver can still give): one instruction, where `f64::min` adds a test for NaN.
#[inline(always)]
pub(crate) fn lesser(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// The larger of two numbers that are never NaN here (see [`lesser`]).
#[inline(always)]
pub(crate) fn greater(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// Every flow in the order the runner numbers them: links' flows (a to b, then b to a), then aid.
pub(crate) fn all_flows(m: &Model) -> impl Iterator<Item = &FlowDef> {
    m.links
        .iter()
        .flat_map(|l| l.ab.iter().chain(l.ba.iter()))
        .chain(m.aids.iter())
}
