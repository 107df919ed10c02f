//! Deciding events, decisions, rules and caps' enforcement, and applying their effects.
//!
//! Effects on parameters are adjustments ([`crate::model::AdjustDef`]): each sets, adds to or
//! scales one parameter slot for a while. Whenever the set of active adjustments or one of their
//! amounts changes, the run's parameter program is evaluated again with the adjustments applied
//! ([`crate::model::Program::eval_adjusted`]) and the parameters bound again, so that everything
//! computed from an adjusted slot follows it.

use super::Runner;
use super::rng::uniform;
use crate::model::{
    AdjustId, AdjustOp, ConditionDef, EffectDef, EventDef, EventId, EventKind, IdVec, Model, Slot,
};
use rand_chacha::ChaCha8Rng;

/// Marker for an adjustment that lasts for the rest of the run.
const PERMANENT: u64 = u64::MAX;

/// Events fired, rules waiting, and adjustments active.
pub(super) struct EventState {
    /// Times each event, decision, choice, rule and enforcement has fired this run.
    pub(super) count: IdVec<EventId, u32>,
    /// Whether each fired this step.
    fired: IdVec<EventId, bool>,
    /// Step at which each waiting rule responds (0: not waiting).
    due: IdVec<EventId, usize>,
    /// Steps each adjustment stays active (0: inactive; [`PERMANENT`]: for the rest of the run).
    steps_left: IdVec<AdjustId, u64>,
    /// When each adjustment last started (a count of starts in the run): among `Set`s of one
    /// slot, the latest started wins.
    started: IdVec<AdjustId, u64>,
    starts: u64,
    /// Each adjustment's amount as applied, and the bounds its result keeps (read when it
    /// started).
    amount: IdVec<AdjustId, f64>,
    bounds: IdVec<AdjustId, (f64, f64)>,
    /// Each adjustment's way of changing its slot.
    ops: IdVec<AdjustId, AdjustOp>,
    /// Adjustments by the slot they change: `by_slot[slot_first[s]..slot_first[s + 1]]`.
    by_slot: Vec<AdjustId>,
    slot_first: Vec<u32>,
    /// Whether the parameters must be evaluated again before this step's exchange.
    pub(super) changed: bool,
    /// Whether any adjustment has an amount read from the run's state.
    any_dynamic: bool,
    /// Choices' weights while a decision is taken (one per choice of the largest decision).
    weights: Vec<f64>,
}

impl EventState {
    pub(super) fn new(m: &Model) -> EventState {
        let mut by_slot: Vec<AdjustId> = m.adjusts.ids().collect();
        by_slot.sort_by_key(|&a| (m.adjusts[a].slot, a));
        let mut slot_first = vec![0u32; m.program.len() + 1];
        for a in &m.adjusts {
            slot_first[a.slot as usize + 1] += 1;
        }
        for i in 1..slot_first.len() {
            slot_first[i] += slot_first[i - 1];
        }
        let widest = m
            .events
            .iter()
            .map(|e| match &e.kind {
                EventKind::Decision { choices, .. } => choices.len(),
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        EventState {
            count: IdVec::filled(0, m.events.len()),
            fired: IdVec::filled(false, m.events.len()),
            due: IdVec::filled(0, m.events.len()),
            steps_left: IdVec::filled(0, m.adjusts.len()),
            started: IdVec::filled(0, m.adjusts.len()),
            starts: 0,
            amount: IdVec::filled(0.0, m.adjusts.len()),
            bounds: IdVec::filled((f64::NEG_INFINITY, f64::INFINITY), m.adjusts.len()),
            ops: m.adjusts.iter().map(|a| a.op).collect(),
            by_slot,
            slot_first,
            changed: false,
            any_dynamic: m.adjusts.iter().any(|a| a.dynamic),
            weights: vec![0.0; widest],
        }
    }

    /// Nothing has fired, no rule waits and no adjustment is active.
    pub(super) fn reset(&mut self) {
        self.count.fill(0);
        self.due.fill(0);
        self.steps_left.fill(0);
        self.started.fill(0);
        self.starts = 0;
        self.changed = false;
    }

    /// The value of `slot` with the adjustments active on it applied to `v`, its value as
    /// computed (see `docs/model.md`): the latest started `Set` replaces it, then it is
    /// multiplied by every `Scale` and every `Add` is added, and the result is kept within the
    /// effects' bounds and the parameter's range.
    pub(super) fn adjusted(&self, slot: Slot, v: f64) -> f64 {
        let s = slot as usize;
        let ids = &self.by_slot[self.slot_first[s] as usize..self.slot_first[s + 1] as usize];
        let (mut base, mut latest) = (v, None);
        let (mut factor, mut add) = (1.0, 0.0);
        let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
        for &a in ids {
            if self.steps_left[a] == 0 {
                continue;
            }
            let (l, h) = self.bounds[a];
            (lo, hi) = (lo.max(l), hi.min(h));
            match self.ops[a] {
                AdjustOp::Set if latest.is_none_or(|l| self.started[a] > l) => {
                    base = self.amount[a];
                    latest = Some(self.started[a]);
                }
                AdjustOp::Set => {}
                AdjustOp::Scale => factor *= self.amount[a],
                AdjustOp::Add => add += self.amount[a],
            }
        }
        let x = base * factor + add;
        if lo > hi { hi } else { x.clamp(lo, hi) }
    }
}

impl Runner<'_> {
    /// Decides every event, decision, rule and cap enforcement for this step, in order: one
    /// uniform each for events, decisions and enforcements, none for rules.
    pub(super) fn decide_events(&mut self, rng: &mut ChaCha8Rng) {
        let m = self.model;
        self.events.fired.fill(false);
        for (e, ev) in m.events.iter_ids() {
            match &ev.kind {
                EventKind::Chance { .. } => {
                    let u = uniform(rng);
                    if self.may_fire(e, ev) && u < self.chance(ev) {
                        self.fire(e, ev);
                    }
                }
                EventKind::Decision { noise, choices } => {
                    let u = uniform(rng);
                    if self.may_fire(e, ev) {
                        self.fire(e, ev);
                        let c = self.choose(choices, self.params.slot(*noise), u);
                        self.fire(c, &m.events[c]);
                    }
                }
                EventKind::Choice => {}
                EventKind::Rule { after } => self.respond(e, ev, *after),
                EventKind::Cap { cap, chance } => {
                    let u = uniform(rng);
                    let over = self.state.cap_received[*cap] > self.params.slot(m.caps[*cap].limit);
                    if over && u < self.params.slot(*chance) {
                        self.fire(e, ev);
                    }
                }
            }
        }
    }

    /// Whether `ev` may fire this step: not spent (`once`) and its conditions hold.
    fn may_fire(&self, e: EventId, ev: &EventDef) -> bool {
        !(ev.once && self.events.count[e] > 0)
            && (ev.conditions.is_empty() || self.conditions_hold(ev))
    }

    /// A rule: it responds when its wait is over; otherwise, when its conditions hold, it
    /// responds now (no lag) or starts waiting `after` steps.
    fn respond(&mut self, e: EventId, ev: &EventDef, after: Slot) {
        let now = self.state.step;
        let due = self.events.due[e];
        if due != 0 {
            if now >= due {
                self.events.due[e] = 0;
                self.fire(e, ev);
            }
            return;
        }
        if !self.may_fire(e, ev) {
            return;
        }
        let lag = self.params.slot(after).round().max(0.0) as usize;
        if lag == 0 {
            self.fire(e, ev);
        } else {
            self.events.due[e] = now + lag;
        }
    }

    /// Marks `e` fired and applies its effects.
    fn fire(&mut self, e: EventId, ev: &EventDef) {
        self.events.fired[e] = true;
        self.events.count[e] += 1;
        for effect in &ev.effects {
            self.apply_effect(effect);
        }
    }

    /// The choice a decision takes: each with probability `exp(value / noise)` over the sum of
    /// the same, by uniform `u`; with no noise, the best (the first of equals).
    fn choose(
        &mut self,
        choices: &[(EventId, crate::model::MeasureId)],
        noise: f64,
        u: f64,
    ) -> EventId {
        let mut best = 0;
        let mut top = f64::NEG_INFINITY;
        for (i, &(_, value)) in choices.iter().enumerate() {
            let v = self.read(value);
            self.events.weights[i] = v;
            if v > top {
                (best, top) = (i, v);
            }
        }
        if noise <= 0.0 || !top.is_finite() {
            return choices[best].0;
        }
        let n = choices.len();
        let mut total = 0.0;
        for w in &mut self.events.weights[..n] {
            *w = ((*w - top) / noise).exp();
            total += *w;
        }
        let target = u * total;
        let mut acc = 0.0;
        for (i, w) in self.events.weights[..n].iter().enumerate() {
            acc += w;
            if target < acc {
                return choices[i].0;
            }
        }
        choices[n - 1].0
    }

    fn conditions_hold(&self, ev: &EventDef) -> bool {
        ev.conditions.iter().all(|c| match c {
            ConditionDef::Above(a, b) => self.read(*a) > self.read(*b),
            ConditionDef::Below(a, b) => self.read(*a) < self.read(*b),
            ConditionDef::Fired(o) => self.events.fired[*o],
            ConditionDef::NotFired(o) => !self.events.fired[*o],
        })
    }

    /// The event's chance this step, ramped by its signal, within 0 and 1.
    fn chance(&self, ev: &EventDef) -> f64 {
        let EventKind::Chance { chance, ramp } = &ev.kind else {
            return 0.0;
        };
        let p = &self.params;
        let mut c = self.read(*chance).clamp(0.0, 1.0);
        if let Some((signal, full_at, to)) = ramp {
            let share = (self.read(*signal) / p.slot(*full_at)).clamp(0.0, 1.0);
            c += (p.slot(*to) - c) * share;
        }
        c
    }

    fn apply_effect(&mut self, effect: &EffectDef) {
        match *effect {
            EffectDef::Trust { relation, add } => {
                let t = self.state.trust[relation] + self.params.slot(add);
                self.state.trust[relation] = t.clamp(0.0, 1.0);
            }
            EffectDef::Stock { cell, add } => {
                let mut add = self.params.slot(add);
                if self.model.goods[self.model.cell_parts(cell).1].whole {
                    add = add.round();
                }
                let stock = &mut self.state.stock[cell];
                let accounts = &mut self.totals.accounts;
                if add >= 0.0 {
                    *stock += add;
                    accounts.event_in[cell] += add;
                } else {
                    let lost = (-add).min(*stock).max(0.0);
                    *stock -= lost;
                    accounts.event_out[cell] += lost;
                }
            }
            EffectDef::Adjust(a) => {
                let def = &self.model.adjusts[a];
                let ev = &mut self.events;
                ev.changed = true;
                ev.starts += 1;
                ev.started[a] = ev.starts;
                ev.steps_left[a] = match def.steps {
                    Some(s) => self.params.slot(s).round().max(1.0) as u64,
                    None => PERMANENT,
                };
                let amount = self.read(def.amount);
                let p = &self.params;
                let lo = def.min.map_or(def.range.0, |s| def.range.0.max(p.slot(s)));
                let hi = def.max.map_or(def.range.1, |s| def.range.1.min(p.slot(s)));
                self.events.amount[a] = amount;
                self.events.bounds[a] = (lo, hi);
            }
        }
    }

    /// Brings the parameters up to date with the adjustments: reads the amounts that follow
    /// the run's state, and if anything changed evaluates the parameter program again with the
    /// adjustments applied and binds the result.
    pub(super) fn apply_adjustments(&mut self) {
        let m = self.model;
        if self.events.any_dynamic {
            for (a, def) in m.adjusts.iter_ids() {
                if def.dynamic && self.events.steps_left[a] > 0 {
                    let v = self.read(def.amount);
                    if v.to_bits() != self.events.amount[a].to_bits() {
                        self.events.amount[a] = v;
                        self.events.changed = true;
                    }
                }
            }
        }
        if !self.events.changed {
            return;
        }
        self.events.changed = false;
        let events = &self.events;
        let params = &mut self.params;
        m.program.eval_adjusted(
            &self.setting,
            &params.uniforms,
            &mut params.slots,
            &mut |s, v| events.adjusted(s, v),
        );
        params.bind_changed(m);
        // Curves, costs and lanes' shares may have changed: legs prepared before are stale.
        self.bargains.invalidate();
    }

    /// Counts down the active adjustments' steps at the end of a step.
    pub(super) fn expire_adjustments(&mut self) {
        let ev = &mut self.events;
        for r in ev.steps_left.iter_mut() {
            if *r > 0 && *r != PERMANENT {
                *r -= 1;
                ev.changed |= *r == 0;
            }
        }
    }
}
