//! The runner's data, in groups: the run's parameters, the state carried from step to step, what
//! moved this step, and the totals since the run started.
//!
//! Every array is allocated once, by [`super::Runner::new`], at the size of the model's table it
//! runs parallel to; a run only overwrites them.

use super::check::Accounts;
use super::curves::NeedFn;
use crate::model::{
    ActorId, CapId, Cell, ChannelId, CurveDef, FlowId, HistoryId, IdVec, LaneId, LinkId, Model,
    NeedId, OfferId, RelationId, Slot, TallyId,
};

/// The run's parameters: bound from the model, the setting and the run's draws when the run
/// starts, and bound again from the adjusted slots whenever the set of active adjustments or
/// their amounts change ([`Params::bind`]). Between those moments they are constant.
pub(super) struct Params {
    /// Every parameter slot's value for this run, adjustments included ([`Params::slot`]).
    pub(super) slots: Vec<f64>,
    /// The run's uniforms, one per draw of the model, from which `slots` are evaluated.
    pub(super) uniforms: Vec<f64>,
    /// Production (a service's capacity) per step, per cell.
    pub(super) production: IdVec<Cell, f64>,
    /// Consumption wanted per step, per cell.
    pub(super) consumption: IdVec<Cell, f64>,
    /// Each need's valuation.
    pub(super) needs: IdVec<NeedId, NeedFn>,
    /// Whether each cell's need is a stock need (valued by stock and what is on its way).
    pub(super) stock_need: IdVec<Cell, bool>,
    /// Most each offer gives per step, all partners together (infinite: no limit).
    pub(super) offer_max: IdVec<OfferId, f64>,
    /// Whether each offer's good moves in whole units; fixed for the runner's life.
    pub(super) offer_whole: IdVec<OfferId, bool>,
    /// The offers whose good moves in whole units.
    pub(super) whole_offers: Vec<OfferId>,
    /// Stock each offer keeps back.
    pub(super) offer_reserve: IdVec<OfferId, f64>,
    /// Cost to the giver of each unit given under an offer.
    pub(super) offer_cost: IdVec<OfferId, f64>,
    /// Each channel's probability that a shipment is seen (of its reference value, if any).
    pub(super) detection: IdVec<ChannelId, f64>,
    /// Value shipped at which a channel's shipment is seen with `detection` (infinite: any).
    pub(super) volume: IdVec<ChannelId, f64>,
    /// Share of a seen shipment each channel loses.
    pub(super) seizure: IdVec<ChannelId, f64>,
    /// Each lane's capacity per step (infinite: no limit).
    pub(super) capacity: IdVec<LaneId, f64>,
    /// Each lane's good's reference value per unit.
    pub(super) lane_value: IdVec<LaneId, f64>,
    /// Toll per unit sent on each lane (the channel's toll times the good's value).
    pub(super) lane_toll: IdVec<LaneId, f64>,
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
    /// residual.
    pub(super) ln_power: IdVec<LinkId, f64>,
    /// Each relation's trust when the run starts, toward which trust drifts.
    pub(super) initial_trust: IdVec<RelationId, f64>,
    /// Cells with production, with whether the good is stocked (output adds to the stock) and
    /// whole (moves in whole units); fixed for the runner's life.
    pub(super) producing: Vec<(Cell, bool, bool)>,
    /// Lanes of each channel; fixed for the runner's life.
    pub(super) channel_lanes: IdVec<ChannelId, Vec<LaneId>>,
    /// The parameters effects can change (those read from a slot in the program's cone), to
    /// bind again when the active effects change; fixed for the runner's life.
    bindings: Vec<Binding>,
}

/// A parameter, or a group of parameters read together, bound from the slots.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Binding {
    Production(Cell, Slot),
    Consumption(Cell, Slot),
    Need(NeedId),
    Offer(OfferId),
    Channel(ChannelId),
    Lane(LaneId),
    Powers,
    Trust(RelationId),
}

/// Every parameter that reads a slot effects can change.
fn bindings(m: &Model) -> Vec<Binding> {
    let cone = |s: Slot| m.program.in_cone(s);
    let mut out = Vec::new();
    out.extend(
        m.production
            .iter()
            .filter(|(_, s)| cone(*s))
            .map(|&(c, s)| Binding::Production(c, s)),
    );
    out.extend(
        m.consumption
            .iter()
            .filter(|(_, s)| cone(*s))
            .map(|&(c, s)| Binding::Consumption(c, s)),
    );
    for (i, n) in m.needs.iter_ids() {
        let k = match n.curve {
            CurveDef::Concave(k) => Some(k),
            _ => None,
        };
        if cone(n.quantity) || cone(n.value) || k.is_some_and(cone) {
            out.push(Binding::Need(i));
        }
    }
    for (i, o) in m.offers.iter_ids() {
        if o.max.is_some_and(cone) || cone(o.reserve) || cone(o.cost) {
            out.push(Binding::Offer(i));
        }
    }
    for (i, c) in m.channels.iter_ids() {
        if cone(c.detection) || cone(c.seizure) || c.volume.is_some_and(cone) {
            out.push(Binding::Channel(i));
        }
    }
    for (i, l) in m.lanes.iter_ids() {
        let toll = m.channels[l.channel].toll;
        if l.capacity.is_some_and(cone) || cone(toll) || cone(m.goods[l.good].value) {
            out.push(Binding::Lane(i));
        }
    }
    if m.actors.iter().any(|a| cone(a.power)) {
        out.push(Binding::Powers);
    }
    out.extend(
        m.relations
            .iter_ids()
            .filter(|(_, r)| cone(r.trust))
            .map(|(i, _)| Binding::Trust(i)),
    );
    out
}

impl Params {
    pub(super) fn new(m: &Model) -> Params {
        let (cells, lanes, channels) = (m.cells(), m.lanes.len(), m.channels.len());
        let mut channel_lanes = IdVec::filled(Vec::new(), channels);
        for (l, lane) in m.lanes.iter_ids() {
            channel_lanes[lane.channel].push(l);
        }
        let idle = NeedFn::new(CurveDef::Linear, 1.0, 0.0, 1.0);
        let mut stock_need = IdVec::filled(false, cells);
        for n in &m.needs {
            stock_need[n.cell] = n.stock;
        }
        Params {
            slots: vec![0.0; m.program.len()],
            uniforms: vec![0.5; m.program.draws as usize],
            production: IdVec::filled(0.0, cells),
            consumption: IdVec::filled(0.0, cells),
            needs: IdVec::filled(idle, m.needs.len()),
            stock_need,
            offer_max: IdVec::filled(0.0, m.offers.len()),
            offer_whole: m.offers.iter().map(|o| m.goods[o.good].whole).collect(),
            whole_offers: m
                .offers
                .iter_ids()
                .filter(|(_, o)| m.goods[o.good].whole)
                .map(|(i, _)| i)
                .collect(),
            offer_reserve: IdVec::filled(0.0, m.offers.len()),
            offer_cost: IdVec::filled(0.0, m.offers.len()),
            detection: IdVec::filled(0.0, channels),
            volume: IdVec::filled(f64::INFINITY, channels),
            seizure: IdVec::filled(0.0, channels),
            capacity: IdVec::filled(0.0, lanes),
            lane_value: IdVec::filled(0.0, lanes),
            lane_toll: IdVec::filled(0.0, lanes),
            lane_loss: IdVec::filled(0.0, lanes),
            lane_keep: IdVec::filled((1.0, 1.0), lanes),
            losses_stale: true,
            power: IdVec::filled(1.0, m.actors.len()),
            ln_power: IdVec::filled(0.0, m.links.len()),
            initial_trust: IdVec::filled(0.0, m.relations.len()),
            producing: m
                .production
                .iter()
                .map(|&(c, _)| {
                    let good = &m.goods[m.cell_parts(c).1];
                    (c, good.stocked(), good.whole)
                })
                .collect(),
            channel_lanes,
            bindings: bindings(m),
        }
    }

    /// The value of parameter slot `s` for this run.
    #[inline(always)]
    pub(super) fn slot(&self, s: Slot) -> f64 {
        self.slots[s as usize]
    }

    /// Copies the slots' values into the dense parameter arrays, and marks the lanes' losses
    /// stale.
    pub(super) fn bind(&mut self, m: &Model) {
        self.production.fill(0.0);
        self.consumption.fill(0.0);
        for &(c, s) in &m.production {
            self.production[c] = self.slot(s);
        }
        for &(c, s) in &m.consumption {
            self.consumption[c] = self.slot(s);
        }
        for i in m.needs.ids() {
            self.bind_need(m, i);
        }
        for i in m.offers.ids() {
            self.bind_offer(m, i);
        }
        for i in m.channels.ids() {
            self.bind_channel(m, i);
        }
        for i in m.lanes.ids() {
            self.bind_lane(m, i);
        }
        self.bind_powers(m);
        for (i, r) in m.relations.iter_ids() {
            self.initial_trust[i] = self.slot(r.trust);
        }
        self.losses_stale = true;
    }

    /// Binds again the parameters effects can change, after [`crate::model::Program::eval_adjusted`]
    /// updated their slots, and marks the lanes' losses stale: the same values [`Params::bind`]
    /// would give, without rebinding what cannot have changed.
    pub(super) fn bind_changed(&mut self, m: &Model) {
        for i in 0..self.bindings.len() {
            match self.bindings[i] {
                Binding::Production(c, s) => self.production[c] = self.slot(s),
                Binding::Consumption(c, s) => self.consumption[c] = self.slot(s),
                Binding::Need(n) => self.bind_need(m, n),
                Binding::Offer(o) => self.bind_offer(m, o),
                Binding::Channel(c) => self.bind_channel(m, c),
                Binding::Lane(l) => self.bind_lane(m, l),
                Binding::Powers => self.bind_powers(m),
                Binding::Trust(r) => self.initial_trust[r] = self.slot(m.relations[r].trust),
            }
        }
        self.losses_stale = true;
    }

    fn bind_need(&mut self, m: &Model, i: NeedId) {
        let n = &m.needs[i];
        let k = match n.curve {
            CurveDef::Concave(k) => self.slot(k),
            _ => 1.0,
        };
        self.needs[i] = NeedFn::new(n.curve, self.slot(n.quantity), self.slot(n.value), k);
    }

    fn bind_offer(&mut self, m: &Model, i: OfferId) {
        let o = &m.offers[i];
        self.offer_max[i] = o.max.map_or(f64::INFINITY, |s| self.slot(s));
        self.offer_reserve[i] = self.slot(o.reserve);
        self.offer_cost[i] = self.slot(o.cost);
    }

    fn bind_channel(&mut self, m: &Model, i: ChannelId) {
        let c = &m.channels[i];
        self.detection[i] = self.slot(c.detection);
        self.seizure[i] = self.slot(c.seizure);
        self.volume[i] = c.volume.map_or(f64::INFINITY, |s| self.slot(s));
    }

    fn bind_lane(&mut self, m: &Model, i: LaneId) {
        let l = &m.lanes[i];
        self.capacity[i] = l.capacity.map_or(f64::INFINITY, |s| self.slot(s));
        self.lane_value[i] = self.slot(m.goods[l.good].value);
        self.lane_toll[i] = self.slot(m.channels[l.channel].toll) * self.lane_value[i];
    }

    fn bind_powers(&mut self, m: &Model) {
        for (i, a) in m.actors.iter_ids() {
            self.power[i] = self.slot(a.power);
        }
        for (lp, link) in self.ln_power.iter_mut().zip(&m.links) {
            *lp = (self.power[link.a] / self.power[link.b]).ln();
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
        let on = m.pathways;
        for ((loss, keep), lane) in self
            .lane_loss
            .iter_mut()
            .zip(self.lane_keep.iter_mut())
            .zip(m.lanes.iter())
        {
            let expected = if lane.seizable {
                self.detection[lane.channel] * self.seizure[lane.channel]
            } else {
                0.0
            };
            // Switched off (explain), a pathway sees no loss: the lane order without it
            // (diversion), the expected arrivals without it (valuation).
            *loss = if on.diversion { expected } else { 0.0 };
            let k = if on.valuation { 1.0 - expected } else { 1.0 };
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
    /// Whole goods' production and consumption not yet whole units, per cell.
    pub(super) carry_produced: IdVec<Cell, f64>,
    pub(super) carry_consumed: IdVec<Cell, f64>,
    /// What each cap's actor received of its good so far this period, and whether the limit
    /// has been exceeded this period.
    pub(super) cap_received: IdVec<CapId, f64>,
    pub(super) cap_breached: IdVec<CapId, bool>,
    /// Each whole good's offer: the fraction of a unit its limit has accrued and not yet made
    /// whole.
    pub(super) offer_carry: IdVec<OfferId, f64>,
}

impl State {
    pub(super) fn new(m: &Model) -> State {
        State {
            step: 0,
            stock: IdVec::filled(0.0, m.cells()),
            trust: IdVec::filled(0.0, m.relations.len()),
            received_last: IdVec::filled(0.0, m.cells()),
            need_met_last: IdVec::filled(0.0, m.needs.len()),
            carry_produced: IdVec::filled(0.0, m.cells()),
            carry_consumed: IdVec::filled(0.0, m.cells()),
            cap_received: IdVec::filled(0.0, m.caps.len()),
            cap_breached: IdVec::filled(false, m.caps.len()),
            offer_carry: IdVec::filled(0.0, m.offers.len()),
        }
    }

    /// The state at the start of a run with parameters `params` (already bound).
    pub(super) fn reset(&mut self, m: &Model, params: &Params) {
        self.step = 0;
        self.stock.fill(0.0);
        for &(c, s) in &m.stocks {
            let v = params.slot(s);
            // A whole good's stock is whole units.
            self.stock[c] = if m.goods[m.cell_parts(c).1].whole {
                v.floor()
            } else {
                v
            };
        }
        self.trust.copy_from_slice(&params.initial_trust);
        self.received_last.fill(0.0);
        // Before the first step no shortfall has been seen.
        self.need_met_last.fill(1.0);
        self.carry_produced.fill(0.0);
        self.carry_consumed.fill(0.0);
        self.cap_received.fill(0.0);
        self.cap_breached.fill(false);
        self.offer_carry.fill(0.0);
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
    /// Most each offer may give this step: its limit, in whole units for a whole good (with the
    /// fraction carried to the next step).
    pub(super) offer_limit: IdVec<OfferId, f64>,
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
    /// Whether each channel's shipment was seen this step (written by shipping).
    pub(super) channel_seen: IdVec<ChannelId, bool>,
    /// Tolls each actor has committed to pay this step (for its valuation).
    pub(super) tolls: IdVec<ActorId, f64>,
    /// The order in which links bargain this step, and each link's draw that set it.
    pub(super) link_order: Vec<LinkId>,
    pub(super) link_draw: IdVec<LinkId, f64>,
    /// The order in which aid flows give this step (places in `Model::aids`), and their draws.
    pub(super) aid_order: Vec<usize>,
    pub(super) aid_draw: Vec<f64>,
}

impl Movement {
    pub(super) fn new(m: &Model) -> Movement {
        let (cells, lanes) = (m.cells(), m.lanes.len());
        Movement {
            received: IdVec::filled(0.0, cells),
            expected: IdVec::filled(0.0, cells),
            sent: IdVec::filled(0.0, cells),
            offer_sent: IdVec::filled(0.0, m.offers.len()),
            offer_limit: IdVec::filled(0.0, m.offers.len()),
            flow_sent: IdVec::filled(0.0, m.flow_count()),
            lane_sent: IdVec::filled(0.0, lanes),
            lane_delivered: IdVec::filled(0.0, lanes),
            lane_seized: IdVec::filled(0.0, lanes),
            lane_seen: IdVec::filled(false, lanes),
            channel_seen: IdVec::filled(false, m.channels.len()),
            tolls: IdVec::filled(0.0, m.actors.len()),
            link_order: m.links.ids().collect(),
            link_draw: IdVec::filled(0.0, m.links.len()),
            aid_order: (0..m.aids.len()).collect(),
            aid_draw: vec![0.0; m.aids.len()],
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
        self.tolls.fill(0.0);
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
    /// Quantity received beyond each cap's limit, and periods in which it was exceeded.
    pub(super) over_cap: IdVec<CapId, f64>,
    pub(super) breaches: IdVec<CapId, f64>,
    /// The recent values of each measure lags read: a ring of `depth + 1` values per history,
    /// `rings[at.0 .. at.0 + at.1]`, the value after step `t` at `t % at.1`.
    pub(super) rings: Vec<f64>,
    pub(super) ring_at: IdVec<HistoryId, (usize, usize)>,
}

/// Per-lane totals since the run started: `sent = delivered + seized` on every lane.
pub(super) struct LaneTotals {
    pub(super) sent: IdVec<LaneId, f64>,
    pub(super) delivered: IdVec<LaneId, f64>,
    pub(super) seized: IdVec<LaneId, f64>,
    /// Steps in which each lane was seen (its channel seen while it carried something).
    pub(super) seen: IdVec<LaneId, f64>,
    /// Tolls paid on each lane.
    pub(super) toll: IdVec<LaneId, f64>,
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
                seen: IdVec::filled(0.0, lanes),
                toll: IdVec::filled(0.0, lanes),
            },
            need_met: IdVec::filled(0.0, m.needs.len()),
            need_asked: IdVec::filled(0.0, m.needs.len()),
            gain: IdVec::filled(0.0, m.actors.len()),
            tallies: IdVec::filled(0.0, m.exposures.len()),
            over_cap: IdVec::filled(0.0, m.caps.len()),
            breaches: IdVec::filled(0.0, m.caps.len()),
            rings: vec![0.0; m.histories.iter().map(|(_, d)| d + 1).sum()],
            ring_at: {
                let mut at = 0;
                m.histories
                    .iter()
                    .map(|(_, d)| {
                        at += d + 1;
                        (at - d - 1, d + 1)
                    })
                    .collect()
            },
        }
    }

    /// Zero totals for a run starting with `stock`.
    pub(super) fn reset(&mut self, stock: &IdVec<Cell, f64>) {
        self.accounts.reset(stock);
        for v in [
            self.lanes.sent.as_mut_slice(),
            self.lanes.delivered.as_mut_slice(),
            self.lanes.seized.as_mut_slice(),
            self.lanes.seen.as_mut_slice(),
            self.need_met.as_mut_slice(),
            self.need_asked.as_mut_slice(),
            self.gain.as_mut_slice(),
            self.tallies.as_mut_slice(),
            self.lanes.toll.as_mut_slice(),
            self.over_cap.as_mut_slice(),
            self.breaches.as_mut_slice(),
            self.rings.as_mut_slice(),
        ] {
            v.fill(0.0);
        }
    }
}
