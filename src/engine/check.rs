//! Accounting totals and the invariant checks the tests turn on.

use super::Runner;
use crate::model::{ActorId, Cell, IdVec};

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
    pub(crate) fn new(cells: usize) -> Accounts {
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

    pub(crate) fn reset(&mut self, stock: &[f64]) {
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
    pub(crate) fn fail(&mut self, message: String) {
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
    pub(crate) fn check_step(&mut self) {
        let m = self.m;
        let mut fails = Vec::new();
        for c in Cell::all(m.cells()) {
            let (a, g) = m.cell_parts(c);
            let who = || format!("step {}: {}/{}", self.step, m.actors[a].id, m.goods[g].id);
            // This step's receipts are in `recv_last` by now (see `settle_needs`).
            if !self.stock[c].is_finite()
                || !self.recv_last[c].is_finite()
                || !self.sent[c].is_finite()
            {
                fails.push(format!("{}: a non-finite quantity", who()));
            }
            if m.goods[g].stocked() {
                let acc = &self.acc;
                let expected = acc.initial[c] + acc.produced[c] - acc.consumed[c] + acc.received[c]
                    - acc.sent[c]
                    + acc.event_in[c]
                    - acc.event_out[c];
                if !close(self.stock[c], expected) {
                    fails.push(format!(
                        "{}: stock {} but the accounts give {}",
                        who(),
                        self.stock[c],
                        expected
                    ));
                }
                if self.stock[c] < -1e-6 {
                    fails.push(format!("{}: negative stock {}", who(), self.stock[c]));
                }
            } else if self.sent[c] > self.prod[c] + 1e-7 * (1.0 + self.prod[c]) {
                fails.push(format!(
                    "{}: gave {} of a service with capacity {}",
                    who(),
                    self.sent[c],
                    self.prod[c]
                ));
            }
        }
        for l in m.lanes.ids() {
            if !close(
                self.lane_sent_cum[l],
                self.lane_delivered_cum[l] + self.lane_seized_cum[l],
            ) {
                fails.push(format!(
                    "step {}: lane {l} sent {} but delivered + seized is {}",
                    self.step,
                    self.lane_sent_cum[l],
                    self.lane_delivered_cum[l] + self.lane_seized_cum[l]
                ));
            }
            if self.lane_flow[l] > self.cap[l] * (1.0 + 1e-9) + 1e-9 {
                fails.push(format!(
                    "step {}: lane {l} carried {} over its capacity {}",
                    self.step, self.lane_flow[l], self.cap[l]
                ));
            }
        }
        for o in m.offers.ids() {
            if self.offer_sent[o] > self.offer_max[o] * (1.0 + 1e-9) + 1e-9 {
                fails.push(format!(
                    "step {}: offer {o} gave {} over its limit {}",
                    self.step, self.offer_sent[o], self.offer_max[o]
                ));
            }
        }
        for (r, &t) in self.trust.iter_ids() {
            if !(0.0..=1.0).contains(&t) {
                fails.push(format!("step {}: trust of relation {r} is {t}", self.step));
            }
        }
        let report = self.checks.as_mut().expect("checks enabled");
        report.steps += 1;
        for f in fails {
            report.fail(f);
        }
    }

    /// The valuation an actor puts on its position this step: its needs' utilities at their
    /// current supply, minus the cost of what it has given under its offers.
    pub(crate) fn valuation(&self, actor: ActorId) -> f64 {
        let m = self.m;
        let mut v = 0.0;
        for (i, n) in m.needs.iter_ids() {
            if n.actor == actor {
                v += self.needs[i].util(self.supply(n.cell));
            }
        }
        for (o, off) in m.offers.iter_ids() {
            if off.actor == actor {
                v -= self.offer_cost[o] * self.offer_sent[o];
            }
        }
        v
    }

    /// Cumulative accounts of the current run (for tests and tools).
    pub fn accounts(&self) -> &Accounts {
        &self.acc
    }

    /// Current stock of every cell.
    pub fn stocks(&self) -> &IdVec<Cell, f64> {
        &self.stock
    }
}
