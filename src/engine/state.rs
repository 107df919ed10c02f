//! The runner's data, in groups: the run's parameters, the state carried from step to step, what
//! moved this step, and the totals since the run started.
//!
//! Every array is allocated once, by [`super::Runner::new`], at the size of the model's table it
//! runs parallel to; a run only overwrites them.

use super::check::Accounts;
use super::curves::NeedFn;
use crate::model::{
    ActorId, Cell, ChannelId, CurveDef, FlowId, IdVec, LaneId, LinkId, Model, ModifierTarget,
    NeedId, OfferId, RelationId, Slot, TallyId, TargetId,
};

/// The run's parameters: bound from the model, the setting and the run's draws when the run
/// starts ([`Params::bind`]), then rescaled whenever the set of active modifiers changes
/// ([`Params::apply`]). Between those moments they are constant.
pub(super) struct Params {
    /// Every parameter slot's value for this run ([`Params::slot`]).
    pub(super) slots: Vec<f64>,
    /// The run's uniforms, one per draw of the model, from which `slots` are evaluated.
    pub(super) uniforms: Vec<f64>,
    /// Production (a service's capacity) per step, per cell, after modifiers.
    pub(super) production: IdVec<Cell, f64>,
    /// Consumption per step, per cell, after modifiers.
    pub(super) consumption: IdVec<Cell, f64>,
    /// Each need's valuation, its quantity after modifiers.
    pub(super) needs: IdVec<NeedId, NeedFn>,
    /// Most each offer gives per step, all partners together, after modifiers (infinite: no
    /// limit).
    pub(super) offer_max: IdVec<OfferId, f64>,
    /// Stock each offer keeps back.
    pub(super) offer_reserve: IdVec<OfferId, f64>,
    /// Cost to the giver of each unit given under an offer.
    pub(super) offer_cost: IdVec<OfferId, f64>,
    /// Each channel's probability that a shipment is seen, after modifiers.
    pub(super) detection: IdVec<ChannelId, f64>,
    /// Share of a seen shipment each channel loses, after modifiers.
    pub(super) seizure: IdVec<ChannelId, f64>,
    /// Each lane's capacity per step, after modifiers (infinite: no limit).
    pub(super) capacity: IdVec<LaneId, f64>,
    /// Expected share lost on each lane (detection times seizure; 0 for services), as of the
    /// last [`Params::refresh_losses`].
    pub(super) lane_loss: IdVec<LaneId, f64>,
    /// Expected share that arrives on each lane (`1 - lane_loss`) and its inverse, computed
    /// with the losses.
    pub(super) lane_keep: IdVec<LaneId, (f64, f64)>,
    /// Whether detection or seizure may have changed since `lane_loss` was computed.
    losses_stale: bool,
    /// Each actor's bargaining power.
    power: IdVec<ActorId, f64>,
    /// Per link, `ln βA - ln βB = ln(power_a / power_b)`: the powers' share of the bargaining
    /// residual, fixed for a run.
    pub(super) ln_power: IdVec<LinkId, f64>,
    /// Each relation's trust when the run starts, toward which trust drifts.
    pub(super) initial_trust: IdVec<RelationId, f64>,
    /// Cells with production, with whether the good is stocked (output adds to the stock);
    /// fixed for the runner's life.
    pub(super) producing: Vec<(Cell, bool)>,
    /// The values modifiers multiply, as bound.
    base: Base,
}

/// Parameters as bound when the run starts, before any modifier: what modifiers multiply.
struct Base {
    production: IdVec<Cell, f64>,
    consumption: IdVec<Cell, f64>,
    need_quantity: IdVec<NeedId, f64>,
    offer_max: IdVec<OfferId, f64>,
    detection: IdVec<ChannelId, f64>,
    seizure: IdVec<ChannelId, f64>,
    capacity: IdVec<LaneId, f64>,
    /// Lanes of each channel (a capacity modifier scales them all); fixed for the runner's life.
    channel_lanes: IdVec<ChannelId, Vec<LaneId>>,
}

impl Params {
    pub(super) fn new(m: &Model) -> Params {
        let (cells, lanes, channels) = (m.cells(), m.lanes.len(), m.channels.len());
        let mut channel_lanes = IdVec::filled(Vec::new(), channels);
        for (l, lane) in m.lanes.iter_ids() {
            channel_lanes[lane.channel].push(l);
        }
        let idle = NeedFn::new(CurveDef::Linear, 1.0, 0.0, 1.0);
        Params {
            slots: vec![0.0; m.program.len()],
            uniforms: vec![0.5; m.program.draws as usize],
            production: IdVec::filled(0.0, cells),
            consumption: IdVec::filled(0.0, cells),
            needs: IdVec::filled(idle, m.needs.len()),
            offer_max: IdVec::filled(0.0, m.offers.len()),
            offer_reserve: IdVec::filled(0.0, m.offers.len()),
            offer_cost: IdVec::filled(0.0, m.offers.len()),
            detection: IdVec::filled(0.0, channels),
            seizure: IdVec::filled(0.0, channels),
            capacity: IdVec::filled(0.0, lanes),
            lane_loss: IdVec::filled(0.0, lanes),
            lane_keep: IdVec::filled((1.0, 1.0), lanes),
            losses_stale: true,
            power: IdVec::filled(1.0, m.actors.len()),
            ln_power: IdVec::filled(0.0, m.links.len()),
            initial_trust: IdVec::filled(0.0, m.relations.len()),
            producing: m
                .production
                .iter()
                .map(|&(c, _)| (c, m.goods[m.cell_parts(c).1].stocked()))
                .collect(),
            base: Base {
                production: IdVec::filled(0.0, cells),
                consumption: IdVec::filled(0.0, cells),
                need_quantity: IdVec::filled(0.0, m.needs.len()),
                offer_max: IdVec::filled(0.0, m.offers.len()),
                detection: IdVec::filled(0.0, channels),
                seizure: IdVec::filled(0.0, channels),
                capacity: IdVec::filled(0.0, lanes),
                channel_lanes,
            },
        }
    }

    /// The value of parameter slot `s` for this run.
    #[inline(always)]
    pub(super) fn slot(&self, s: Slot) -> f64 {
        self.slots[s as usize]
    }

    /// Copies the run's slot values into the dense parameter arrays, with no modifier active.
    pub(super) fn bind(&mut self, m: &Model) {
        let p = &self.slots;
        let val = |s: Slot| p[s as usize];
        let base = &mut self.base;
        base.production.fill(0.0);
        base.consumption.fill(0.0);
        for &(c, s) in &m.production {
            base.production[c] = val(s);
        }
        for &(c, s) in &m.consumption {
            base.consumption[c] = val(s);
        }
        self.production.copy_from_slice(&base.production);
        self.consumption.copy_from_slice(&base.consumption);
        for (i, n) in m.needs.iter_ids() {
            let k = match n.curve {
                CurveDef::Concave(k) => val(k),
                _ => 1.0,
            };
            base.need_quantity[i] = val(n.quantity);
            self.needs[i] = NeedFn::new(n.curve, val(n.quantity), val(n.value), k);
        }
        for (i, o) in m.offers.iter_ids() {
            base.offer_max[i] = o.max.map_or(f64::INFINITY, val);
            self.offer_reserve[i] = val(o.reserve);
            self.offer_cost[i] = val(o.cost);
        }
        self.offer_max.copy_from_slice(&base.offer_max);
        for (i, c) in m.channels.iter_ids() {
            base.detection[i] = val(c.detection);
            base.seizure[i] = val(c.seizure);
        }
        self.detection.copy_from_slice(&base.detection);
        self.seizure.copy_from_slice(&base.seizure);
        for (i, l) in m.lanes.iter_ids() {
            base.capacity[i] = l.capacity.map_or(f64::INFINITY, val);
        }
        self.capacity.copy_from_slice(&base.capacity);
        for (i, a) in m.actors.iter_ids() {
            self.power[i] = val(a.power);
        }
        for (lp, link) in self.ln_power.iter_mut().zip(&m.links) {
            *lp = (self.power[link.a] / self.power[link.b]).ln();
        }
        for (i, r) in m.relations.iter_ids() {
            self.initial_trust[i] = val(r.trust);
        }
        self.losses_stale = true;
    }

    /// Sets the effective parameters to their base values times `multiplier` (per modifier
    /// target), and marks the lanes' losses stale.
    pub(super) fn apply(&mut self, m: &Model, multiplier: &IdVec<TargetId, f64>) {
        self.losses_stale = true;
        let base = &self.base;
        for (t, target) in m.modifier_targets.iter_ids() {
            let k = multiplier[t];
            match *target {
                ModifierTarget::Production(c) => self.production[c] = base.production[c] * k,
                ModifierTarget::Consumption(c) => self.consumption[c] = base.consumption[c] * k,
                ModifierTarget::Need(n) => self.needs[n].set_quantity(base.need_quantity[n] * k),
                ModifierTarget::Offer(o) => {
                    let b = base.offer_max[o];
                    self.offer_max[o] = if b.is_infinite() { b } else { b * k };
                }
                ModifierTarget::Detection(c) => {
                    self.detection[c] = (base.detection[c] * k).clamp(0.0, 1.0)
                }
                ModifierTarget::Seizure(c) => {
                    self.seizure[c] = (base.seizure[c] * k).clamp(0.0, 1.0)
                }
                ModifierTarget::Capacity(c) => {
                    for &l in &base.channel_lanes[c] {
                        let b = base.capacity[l];
                        self.capacity[l] = if b.is_infinite() { b } else { b * k };
                    }
                }
            }
        }
    }

    /// Recomputes each lane's expected loss and arriving share if detection or seizure may have
    /// changed since they were last computed; returns whether it did (and so whether the order
    /// of each flow's lanes may have changed).
    pub(super) fn refresh_losses(&mut self, m: &Model) -> bool {
        if !self.losses_stale {
            return false;
        }
        self.losses_stale = false;
        for ((loss, keep), lane) in self
            .lane_loss
            .iter_mut()
            .zip(self.lane_keep.iter_mut())
            .zip(m.lanes.iter())
        {
            *loss = if lane.seizable {
                self.detection[lane.channel] * self.seizure[lane.channel]
            } else {
                0.0
            };
            let k = 1.0 - *loss;
            *keep = (k, 1.0 / k);
        }
        true
    }
}

/// The state carried from one step to the next.
pub(super) struct State {
    /// The step last completed (0: the run's start).
    pub(super) step: usize,
    /// Stock per cell (materials and currency).
    pub(super) stock: IdVec<Cell, f64>,
    /// Trust per relation, in [0, 1].
    pub(super) trust: IdVec<RelationId, f64>,
    /// Receipts of the last completed step, per cell (the `ReceivedLast` signal): this step's
    /// receipts are swapped in when a step ends.
    pub(super) received_last: IdVec<Cell, f64>,
    /// Share of each need met in the last completed step (1 before the first).
    pub(super) need_met_last: IdVec<NeedId, f64>,
}

impl State {
    pub(super) fn new(m: &Model) -> State {
        State {
            step: 0,
            stock: IdVec::filled(0.0, m.cells()),
            trust: IdVec::filled(0.0, m.relations.len()),
            received_last: IdVec::filled(0.0, m.cells()),
            need_met_last: IdVec::filled(0.0, m.needs.len()),
        }
    }

    /// The state at the start of a run with parameters `params` (already bound).
    pub(super) fn reset(&mut self, m: &Model, params: &Params) {
        self.step = 0;
        self.stock.fill(0.0);
        for &(c, s) in &m.stocks {
            self.stock[c] = params.slot(s);
        }
        self.trust.copy_from_slice(&params.initial_trust);
        self.received_last.fill(0.0);
        // Before the first step no shortfall has been seen.
        self.need_met_last.fill(1.0);
    }
}

/// The movement of goods this step: cleared when the step starts ([`Movement::clear`]), written
/// by aid, bargaining and shipping.
pub(super) struct Movement {
    /// Receipts so far this step, per cell: written by shipping, and handed over to
    /// [`State::received_last`] when the step ends (what is left here then is stale).
    pub(super) received: IdVec<Cell, f64>,
    /// Quantity expected to arrive so far this step, per cell: what was sent toward it times
    /// each lane's arriving share (what aid and bargaining count on).
    pub(super) expected: IdVec<Cell, f64>,
    /// Quantity given away so far this step, per cell.
    pub(super) sent: IdVec<Cell, f64>,
    /// Quantity given so far this step under each offer, all partners together.
    pub(super) offer_sent: IdVec<OfferId, f64>,
    /// Quantity given so far this step along each flow.
    pub(super) flow_sent: IdVec<FlowId, f64>,
    /// Quantity put on each lane this step.
    pub(super) lane_sent: IdVec<LaneId, f64>,
    /// What arrived on each lane this step (written by shipping).
    pub(super) lane_delivered: IdVec<LaneId, f64>,
    /// What was seized on each lane this step (written by shipping).
    pub(super) lane_seized: IdVec<LaneId, f64>,
    /// Whether each lane's shipment was seen this step (written by shipping).
    pub(super) lane_seen: IdVec<LaneId, bool>,
    /// Whether any lane had something seized this step (most steps of most runs: none, and then
    /// trust need not look for seizures lane by lane).
    pub(super) seized_any: bool,
}

impl Movement {
    pub(super) fn new(m: &Model) -> Movement {
        let (cells, lanes) = (m.cells(), m.lanes.len());
        Movement {
            received: IdVec::filled(0.0, cells),
            expected: IdVec::filled(0.0, cells),
            sent: IdVec::filled(0.0, cells),
            offer_sent: IdVec::filled(0.0, m.offers.len()),
            flow_sent: IdVec::filled(0.0, m.flow_count()),
            lane_sent: IdVec::filled(0.0, lanes),
            lane_delivered: IdVec::filled(0.0, lanes),
            lane_seized: IdVec::filled(0.0, lanes),
            lane_seen: IdVec::filled(false, lanes),
            seized_any: false,
        }
    }

    /// Clears what aid and bargaining add to (shipping overwrites the rest lane by lane).
    pub(super) fn clear(&mut self) {
        self.received.fill(0.0);
        self.expected.fill(0.0);
        self.sent.fill(0.0);
        self.offer_sent.fill(0.0);
        self.flow_sent.fill(0.0);
        self.lane_sent.fill(0.0);
    }
}

/// Totals since the run started.
pub(super) struct Totals {
    /// Per-cell accounts (produced, consumed, received, sent, ...).
    pub(super) accounts: Accounts,
    /// Per-lane totals shipped.
    pub(super) lanes: LaneTotals,
    /// Quantity of each need met, summed over steps.
    pub(super) need_met: IdVec<NeedId, f64>,
    /// Quantity each need asked for, summed over steps.
    pub(super) need_asked: IdVec<NeedId, f64>,
    /// Each actor's gains from bargains, by its own valuation.
    pub(super) gain: IdVec<ActorId, f64>,
    /// Tallies of measures that count over time (steps with a shipment seen).
    pub(super) tallies: IdVec<TallyId, f64>,
}

/// Per-lane totals since the run started: `sent = delivered + seized` on every lane.
pub(super) struct LaneTotals {
    pub(super) sent: IdVec<LaneId, f64>,
    pub(super) delivered: IdVec<LaneId, f64>,
    pub(super) seized: IdVec<LaneId, f64>,
}

impl Totals {
    pub(super) fn new(m: &Model) -> Totals {
        let lanes = m.lanes.len();
        Totals {
            accounts: Accounts::new(m.cells()),
            lanes: LaneTotals {
                sent: IdVec::filled(0.0, lanes),
                delivered: IdVec::filled(0.0, lanes),
                seized: IdVec::filled(0.0, lanes),
            },
            need_met: IdVec::filled(0.0, m.needs.len()),
            need_asked: IdVec::filled(0.0, m.needs.len()),
            gain: IdVec::filled(0.0, m.actors.len()),
            tallies: IdVec::filled(0.0, m.tallies),
        }
    }

    /// Zero totals for a run starting with `stock`.
    pub(super) fn reset(&mut self, stock: &IdVec<Cell, f64>) {
        self.accounts.reset(stock);
        for v in [
            self.lanes.sent.as_mut_slice(),
            self.lanes.delivered.as_mut_slice(),
            self.lanes.seized.as_mut_slice(),
            self.need_met.as_mut_slice(),
            self.need_asked.as_mut_slice(),
            self.gain.as_mut_slice(),
            self.tallies.as_mut_slice(),
        ] {
            v.fill(0.0);
        }
    }
}
