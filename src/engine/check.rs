//! Accounting totals and the invariant checks the tests turn on.

use super::Runner;
use crate::model::{ActorId, Cell, FlowDef, FlowId, IdVec};

/// Cumulative totals per actor-and-good cell since the start of the run.
#[derive(Clone, Debug)]
pub struct Accounts {
    pub initial: IdVec<Cell, f64>,
    pub produced: IdVec<Cell, f64>,
    pub consumed: IdVec<Cell, f64>,
    pub shortfall: IdVec<Cell, f64>,
    pub received: IdVec<Cell, f64>,
    pub sent: IdVec<Cell, f64>,
    pub event_in: IdVec<Cell, f64>,
    pub event_out: IdVec<Cell, f64>,
}

impl Accounts {
    pub(super) fn new(cells: usize) -> Accounts {
        let z = IdVec::filled(0.0, cells);
        Accounts {
            initial: z.clone(),
            produced: z.clone(),
            consumed: z.clone(),
            shortfall: z.clone(),
            received: z.clone(),
            sent: z.clone(),
            event_in: z.clone(),
            event_out: z,
        }
    }

    pub(super) fn reset(&mut self, stock: &[f64]) {
        self.initial.copy_from_slice(stock);
        for v in [
            &mut self.produced,
            &mut self.consumed,
            &mut self.shortfall,
            &mut self.received,
            &mut self.sent,
            &mut self.event_in,
            &mut self.event_out,
        ] {
            v.fill(0.0);
        }
    }
}

/// What the invariant checks found.
#[derive(Clone, Debug, Default)]
pub struct CheckReport {
    /// Steps checked.
    pub steps: u64,
    /// Bargains struck and checked.
    pub bargains: u64,
    /// Number of violations.
    pub failures: u64,
    /// The first few violations, described.
    pub messages: Vec<String>,
}

impl CheckReport {
    pub(super) fn fail(&mut self, message: String) {
        self.failures += 1;
        if self.messages.len() < 20 {
            self.messages.push(message);
        }
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-7 * (1.0 + a.abs().max(b.abs()))
}

impl Runner<'_> {
    /// Checks conservation, bounds and finiteness after a step.
    pub(super) fn check_step(&mut self) {
        let mut fails = self.check_cells();
        fails.extend(self.check_lanes_and_offers());
        let step = self.state.step;
        for (r, &t) in self.state.trust.iter_ids() {
            if !(0.0..=1.0).contains(&t) {
                fails.push(format!("step {step}: trust of relation {r} is {t}"));
            }
        }
        fails.extend(self.check_whole());
        let report = self.checks.as_mut().expect("checks enabled");
        report.steps += 1;
        for f in fails {
            report.fail(f);
        }
    }

    /// Whole goods are held and shipped in whole units only.
    fn check_whole(&self) -> Vec<String> {
        let m = self.model;
        let step = self.state.step;
        let mut fails = Vec::new();
        let whole = |x: f64| x == x.floor();
        for c in Cell::all(m.cells()) {
            let g = m.cell_parts(c).1;
            if m.goods[g].whole && m.goods[g].stocked() && !whole(self.state.stock[c]) {
                fails.push(format!(
                    "step {step}: a whole good's stock is {}",
                    self.state.stock[c]
                ));
            }
        }
        for (l, lane) in m.lanes.iter_ids() {
            let now = &self.this_step;
            if m.goods[lane.good].whole
                && !(whole(now.lane_sent[l]) && whole(now.lane_delivered[l]))
            {
                fails.push(format!(
                    "step {step}: lane {l} moved {} of a whole good",
                    now.lane_sent[l]
                ));
            }
        }
        fails
    }

    /// Every outcome with a stated range is inside it at step `t`.
    pub(super) fn check_ranges(&mut self, series: &[f64], t: usize, width: usize) {
        let m = self.model;
        let mut fails = Vec::new();
        for (o, out) in m.outcomes.iter().enumerate() {
            if let Some((lo, hi)) = out.range {
                let v = series[o * width + t];
                let slack = 1e-9 * (1.0 + lo.abs().max(hi.abs()));
                if !(v >= lo - slack && v <= hi + slack) {
                    fails.push(format!(
                        "step {t}: outcome {} is {v}, outside its range {lo} to {hi}",
                        out.id
                    ));
                }
            }
        }
        let report = self.checks.as_mut().expect("checks enabled");
        for f in fails {
            report.fail(f);
        }
    }

    /// Every cell's quantities are finite, its stock matches its accounts and is not negative,
    /// and no service gave more than its capacity.
    fn check_cells(&self) -> Vec<String> {
        let m = self.model;
        let (stock, sent) = (&self.state.stock, &self.this_step.sent);
        let production = &self.params.production;
        let mut fails = Vec::new();
        for c in Cell::all(m.cells()) {
            let (a, g) = m.cell_parts(c);
            let who = || {
                format!(
                    "step {}: {}/{}",
                    self.state.step, m.actors[a].id, m.goods[g].id
                )
            };
            // This step's receipts are in `received_last` by now (see `settle_needs`).
            if !stock[c].is_finite()
                || !self.state.received_last[c].is_finite()
                || !sent[c].is_finite()
            {
                fails.push(format!("{}: a non-finite quantity", who()));
            }
            if m.goods[g].stocked() {
                let acc = &self.totals.accounts;
                let expected = acc.initial[c] + acc.produced[c] - acc.consumed[c] + acc.received[c]
                    - acc.sent[c]
                    + acc.event_in[c]
                    - acc.event_out[c];
                if !close(stock[c], expected) {
                    fails.push(format!(
                        "{}: stock {} but the accounts give {}",
                        who(),
                        stock[c],
                        expected
                    ));
                }
                if stock[c] < -1e-6 {
                    fails.push(format!("{}: negative stock {}", who(), stock[c]));
                }
            } else if sent[c] > production[c] + 1e-7 * (1.0 + production[c]) {
                fails.push(format!(
                    "{}: gave {} of a service with capacity {}",
                    who(),
                    sent[c],
                    production[c]
                ));
            }
        }
        fails
    }

    /// Every lane's totals add up (`sent = delivered + seized`), no lane carried more than its
    /// capacity and no offer gave more than its limit.
    fn check_lanes_and_offers(&self) -> Vec<String> {
        let m = self.model;
        let step = self.state.step;
        let (totals, now, params) = (&self.totals.lanes, &self.this_step, &self.params);
        let mut fails = Vec::new();
        for l in m.lanes.ids() {
            let (sent, arrived) = (totals.sent[l], totals.delivered[l] + totals.seized[l]);
            if !close(sent, arrived) {
                fails.push(format!(
                    "step {step}: lane {l} sent {sent} but delivered + seized is {arrived}"
                ));
            }
            if now.lane_sent[l] > params.capacity[l] * (1.0 + 1e-9) + 1e-9 {
                fails.push(format!(
                    "step {step}: lane {l} carried {} over its capacity {}",
                    now.lane_sent[l], params.capacity[l]
                ));
            }
        }
        for o in m.offers.ids() {
            if now.offer_sent[o] > now.offer_limit[o] * (1.0 + 1e-9) + 1e-9 {
                fails.push(format!(
                    "step {step}: offer {o} gave {} over its limit {}",
                    now.offer_sent[o], now.offer_limit[o]
                ));
            }
        }
        fails
    }

    /// With checks on, after what a flow gives is booked: the flow stays within its
    /// trust-scaled limit and the giver's stock above the offer's reserve.
    #[cold]
    #[inline(never)]
    pub(super) fn check_commit(&mut self, f: FlowId, flow: &FlowDef) {
        let m = self.model;
        let allowed = self.partner_limit(flow, self.this_step.offer_limit[flow.offer]);
        let sent = self.this_step.flow_sent[f];
        let stock = self.state.stock[flow.giver_cell];
        let reserve = self.params.offer_reserve[flow.offer];
        let step = self.state.step;
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

    /// The valuation an actor puts on its position this step: its needs' utilities at their
    /// current supply, minus the cost of what it has given under its offers.
    pub(super) fn valuation(&self, actor: ActorId) -> f64 {
        let m = self.model;
        let mut v = 0.0;
        for (i, n) in m.needs.iter_ids() {
            if n.actor == actor {
                v += self.params.needs[i].util(self.supply(n.cell));
            }
        }
        for (o, off) in m.offers.iter_ids() {
            if off.actor == actor {
                v -= self.params.offer_cost[o] * self.this_step.offer_sent[o];
            }
        }
        v - self.this_step.tolls[actor]
    }

    /// Cumulative accounts of the current run (for tests and tools).
    pub fn accounts(&self) -> &Accounts {
        &self.totals.accounts
    }

    /// Current stock of every cell.
    pub fn stocks(&self) -> &IdVec<Cell, f64> {
        &self.state.stock
    }
}
