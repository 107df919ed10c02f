//! The simulation of one run: a [`Runner`] steps a [`Model`] through time.
//!
//! # Glossary
//!
//! One noun per concept, here and in the code. Each entry says what the thing is and how it is
//! indexed: by a typed index ([`crate::model::index`]) into a table of the [`Model`], and the
//! runner's arrays that run parallel to that table are indexed the same way.
//!
//! - **actor**: a party with stocks, production, consumption, needs and offers; [`ActorId`] into
//!   `Model::actors`.
//! - **good**: something actors hold, give and value: a material, a service or a currency;
//!   [`GoodId`] into `Model::goods`.
//! - **cell**: one actor and one good together, the unit of every per-actor-per-good quantity
//!   (stock, production, consumption, receipts, accounts); [`Cell`] = `actor * goods + good`,
//!   into every per-cell array ([`Model::cell`]).
//! - **need**: an actor's valuation of a good, a curve of marginal value over its supply this
//!   step ([`curves`]); [`NeedId`] into `Model::needs`, at most one per cell (`Model::need_at`).
//! - **offer**: an actor's willingness to give a good, with a limit per step, a reserve and a
//!   cost per unit; [`OfferId`] into `Model::offers`, at most one per cell.
//! - **channel**: a way for goods to travel from one actor to another, as the scenario declares
//!   it, with a detection probability (growing with the value shipped where it has a reference
//!   volume), a seizure share and a toll; [`ChannelId`] into `Model::channels`.
//! - **lane**: one channel carrying one good, with that good's capacity on it: what is sent,
//!   seen, seized and delivered is counted per lane (one row of `flows.csv`), and what one lane
//!   carries in one step is its shipment; [`LaneId`] into `Model::lanes`.
//! - **flow**: one good that one actor (the giver) may give another (the taker) under one offer,
//!   along the lanes that carry it; a trade flow belongs to a link, an aid flow is given before
//!   bargaining; [`FlowId`], numbered link by link (`a` to `b`, then `b` to `a`) and then the
//!   aid flows ([`Model::flows`]).
//! - **link**: two actors with trade flows both ways, which strike one bargain per step;
//!   [`LinkId`] into `Model::links`.
//! - **bargain**: what one link exchanges in one step, its terms set by the Nash bargaining rule
//!   ([`exchange`]); struck only if both sides gain.
//! - **leg**: one trade flow as a bargain moves it (its cap, both sides' curves, its lanes' room
//!   and arriving shares this step); one per trade flow, in the flow's place.
//! - **relation**: one actor's trust in another, in [0, 1]: it scales what the first offers the
//!   second, and moves with the share of what the second sent that arrived, with exposure
//!   (either sign) and back toward where it started; [`RelationId`] into `Model::relations`.
//! - **event**: an item of the events table: a chance event, a decision and its choices, a rule
//!   or a cap's enforcement, decided each step under conditions on measures, with effects;
//!   [`EventId`] into `Model::events`.
//! - **adjustment**: an effect that sets, adds to or scales one parameter slot for some steps or
//!   for the rest of the run; [`AdjustId`] into `Model::adjusts`.
//! - **outcome**: a named quantity recorded at every step of every run (a column of the
//!   results), one measure times a scale; indexed by its place in `Model::outcomes`.
//! - **measure**: a node of the expression an outcome reads from the state (a lane total, a cell
//!   account, a share of a need met, a ratio, a sum...); [`MeasureId`] into `Model::measures`. A
//!   measure that counts over time keeps a tally ([`TallyId`] into `Model::exposures`).
//! - **step**: one period of simulated time (the scenario's unit, a week in the flagship);
//!   numbered from 1, step 0 being the state before the first.
//! - **run**: one simulation of every step from the start, with its own draws of the
//!   uncertainties and its own random stream; numbered from 0 within a batch.
//!
//! # What happens in a step
//!
//! The rules are specified in `docs/model.md` (section 1.3 for the order, 3.3 for each part);
//! this is the map from that order to the code. Each step, in `Runner::advance`:
//!
//! 1. cap periods start; events, decisions, rules and cap enforcements in the events table's
//!    order (`events.rs`); adjustments applied, and with them lane losses and lane order;
//! 2. offers open; production, then consumption met from stock (what is not met is shortfall);
//! 3. the order of links and of aid flows is drawn (one uniform each);
//! 4. aid flows in their drawn order (`Runner::give_aid`);
//! 5. one bargain per link, in its drawn order ([`exchange`]);
//! 6. shipping, one uniform per channel (`Runner::ship`);
//! 7. needs settle, trust updates, caps settle, adjustments expire; then every outcome is
//!    recorded.
//!
//! The number of uniforms drawn per step is fixed by the model (one per chance event, decision
//! and cap, one per link, aid flow and channel), so two policy settings run with the same seed
//! see the same random numbers in the same places.
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
mod root;
mod state;
mod step;

use crate::model::params::Setting;
#[cfg(doc)]
use crate::model::{
    ActorId, AdjustId, Cell, ChannelId, EventId, FlowId, GoodId, LinkId, MeasureId, NeedId,
    OfferId, RelationId, TallyId,
};
use crate::model::{LaneId, Model};
use check::CheckReport;
use events::EventState;
use exchange::BargainCache;
use rand_chacha::ChaCha8Rng;
use rng::{Streams, uniform};
use state::{Movement, Params, State, Totals};

/// One of the totals over a run that [`Runner::lane_totals`] gives for each lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneTotal {
    /// Quantity put on the lane, in the good's unit.
    Sent,
    /// Quantity seized on it.
    Seized,
    /// Quantity that arrived.
    Delivered,
    /// Steps in which it was seen: its channel was seen while it carried something.
    Seen,
}

impl LaneTotal {
    /// Every lane total, in the order they are written for each lane.
    pub const ALL: [LaneTotal; 4] = [
        LaneTotal::Sent,
        LaneTotal::Seized,
        LaneTotal::Delivered,
        LaneTotal::Seen,
    ];

    /// Where this total of lane `l` is among the values [`Runner::lane_totals`] writes.
    pub fn index(self, l: LaneId) -> usize {
        l.index() * Self::ALL.len() + self as usize
    }
}

/// Number of values [`Runner::lane_totals`] writes for a run of `model`.
pub fn lane_totals_len(model: &Model) -> usize {
    model.lanes.len() * LaneTotal::ALL.len()
}

/// Runs a model, one run at a time, reusing its buffers.
pub struct Runner<'m> {
    model: &'m Model,
    /// The run's parameters: bound when it starts, bound again when adjustments change.
    params: Params,
    /// What is carried from one step to the next: stocks, trust, the step.
    state: State,
    /// What moved this step: receipts, quantities sent, each lane's shipment.
    this_step: Movement,
    /// Totals since the run started: accounts, lane totals, needs met, gains, tallies.
    totals: Totals,
    /// Events fired and adjustments active.
    events: EventState,
    /// What bargaining keeps between bargains: rates, their trends, lane order, legs.
    bargains: BargainCache,
    /// Invariant checks' findings, when they are on ([`Runner::enable_checks`]).
    checks: Option<CheckReport>,
    /// The run's setting, kept to evaluate the parameters again when adjustments change.
    setting: Setting,
    /// The latest step whose measures the histories hold.
    recorded: usize,
}

impl<'m> Runner<'m> {
    /// Allocates every buffer a run of `model` needs.
    pub fn new(model: &'m Model) -> Runner<'m> {
        Runner {
            model,
            params: Params::new(model),
            state: State::new(model),
            this_step: Movement::new(model),
            totals: Totals::new(model),
            events: EventState::new(model),
            bargains: BargainCache::new(model),
            checks: None,
            setting: model.baseline(),
            recorded: 0,
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
        self.model.outcomes.len() * (self.model.steps + 1)
    }

    /// Number of values [`Runner::lane_totals`] writes: [`LaneTotal::ALL`] for each lane.
    pub fn lane_totals_len(&self) -> usize {
        lane_totals_len(self.model)
    }

    /// The run's totals so far for each lane ([`Model::lanes`]), lane by lane, each lane's in the
    /// order of [`LaneTotal::ALL`]: `out[t.index(l)]` is total `t` of lane `l`. Sent equals
    /// seized plus delivered on every lane.
    pub fn lane_totals(&self, out: &mut [f64]) {
        let lanes = &self.totals.lanes;
        let each = out.chunks_exact_mut(LaneTotal::ALL.len());
        for (o, l) in each.zip(self.model.lanes.ids()) {
            for (v, t) in o.iter_mut().zip(LaneTotal::ALL) {
                *v = match t {
                    LaneTotal::Sent => lanes.sent[l],
                    LaneTotal::Seized => lanes.seized[l],
                    LaneTotal::Delivered => lanes.delivered[l],
                    LaneTotal::Seen => lanes.seen[l],
                };
            }
        }
    }

    /// Runs run number `run` of master seed `streams` under `setting`.
    ///
    /// Writes each outcome at every step to `series` (see [`Runner::series_len`]) and the values
    /// drawn for the run's uncertainties to `drawn` (see [`Model::drawn_names`]).
    // Never inlined, so that a profile shows the engine's cost per run on a line of its own.
    #[inline(never)]
    pub fn run(
        &mut self,
        setting: &Setting,
        streams: &Streams,
        run: u64,
        series: &mut [f64],
        drawn: &mut [f64],
    ) {
        self.draw_uniforms(streams, run);
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
        self.params.uniforms.copy_from_slice(u);
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
        self.draw_uniforms(streams, run);
        self.begin(setting, series, drawn);
        streams.dynamics(run)
    }

    /// Advances the run begun with [`Runner::start`] by one step and records it. Returns
    /// `false`, doing nothing, once the last step is done.
    pub fn step(&mut self, rng: &mut ChaCha8Rng, series: &mut [f64]) -> bool {
        let steps = self.model.steps;
        if self.state.step >= steps {
            return false;
        }
        self.state.step += 1;
        self.advance(rng);
        self.record(series, self.state.step, steps + 1);
        true
    }

    /// Draws run `run`'s uncertainty uniforms from its own stream.
    fn draw_uniforms(&mut self, streams: &Streams, run: u64) {
        let mut urng = streams.uncertainty(run);
        for u in self.params.uniforms.iter_mut() {
            *u = uniform(&mut urng);
        }
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
        let m = self.model;
        // Field by field: a derived `clone_from` would allocate anew.
        self.setting.levers.clone_from(&setting.levers);
        self.setting.fixed.clone_from(&setting.fixed);
        let params = &mut self.params;
        m.program.eval(setting, &params.uniforms, &mut params.slots);
        let slots = m
            .uncertainties
            .iter()
            .map(|u| u.slot)
            .chain(m.inline_draws.iter().map(|d| d.1));
        for (d, s) in drawn.iter_mut().zip(slots) {
            *d = params.slot(s);
        }
        self.bind();
        self.record(series, 0, m.steps + 1);
    }

    /// Binds the run's parameters and resets the state, the totals, the events and what
    /// bargaining learnt in earlier runs.
    fn bind(&mut self) {
        let m = self.model;
        self.params.bind(m);
        self.state.reset(m, &self.params);
        self.totals.reset(&self.state.stock);
        self.events.reset();
        // New curves, costs and losses: bargaining legs prepared in an earlier run are stale.
        self.bargains.reset(m);
    }

    /// Remembers the measures lags read, then writes every outcome's value now to `series` at
    /// step `t` (rows of `width` steps).
    fn record(&mut self, series: &mut [f64], t: usize, width: usize) {
        if !self.model.histories.is_empty() {
            self.remember(t);
        }
        for (o, out) in self.model.outcomes.iter().enumerate() {
            series[o * width + t] = self.measure(out.root) * out.scale;
        }
        if self.checks.is_some() {
            self.check_ranges(series, t, width);
        }
    }
}

/// The smaller of two numbers that are never NaN here (room, quantities left, amounts worth
/// sending, what a giver can still give): one instruction, where `f64::min` adds a test for NaN.
#[inline(always)]
fn lesser(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// The larger of two numbers that are never NaN here (see [`lesser`]).
#[inline(always)]
fn greater(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}
