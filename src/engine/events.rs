//! Deciding events, applying their effects, and the modifiers they start.

use super::Runner;
use super::rng::uniform;
use crate::model::{
    ConditionDef, EffectDef, EventDef, EventId, IdVec, Model, ModifierId, SignalDef, TargetId,
};
use rand_chacha::ChaCha8Rng;

/// Marker for a modifier that lasts for the rest of the run.
const PERMANENT: u64 = u64::MAX;

/// Events and modifiers: what has fired, and which multipliers are active.
pub(super) struct EventState {
    /// Times each event has fired this run.
    pub(super) count: IdVec<EventId, u32>,
    /// Whether each event fired this step.
    fired: IdVec<EventId, bool>,
    /// Steps each modifier stays active (0: inactive; [`PERMANENT`]: for the rest of the run).
    steps_left: IdVec<ModifierId, u64>,
    /// Whether the set of active modifiers may have changed since they were last applied.
    changed: bool,
    /// Product of the active modifiers' factors, per target, as last applied.
    multiplier: IdVec<TargetId, f64>,
}

impl EventState {
    pub(super) fn new(m: &Model) -> EventState {
        EventState {
            count: IdVec::filled(0, m.events.len()),
            fired: IdVec::filled(false, m.events.len()),
            steps_left: IdVec::filled(0, m.modifiers.len()),
            changed: true,
            multiplier: IdVec::filled(1.0, m.modifier_targets.len()),
        }
    }

    /// No event has fired and no modifier is active.
    pub(super) fn reset(&mut self) {
        self.count.fill(0);
        self.steps_left.fill(0);
        self.changed = true;
        self.multiplier.fill(1.0);
    }
}

impl Runner<'_> {
    /// Decides every event for this step, in file order, one uniform each.
    pub(super) fn decide_events(&mut self, rng: &mut ChaCha8Rng) {
        let m = self.model;
        self.events.fired.fill(false);
        for (e, ev) in m.events.iter_ids() {
            let u = uniform(rng);
            if ev.once && self.events.count[e] > 0 {
                continue;
            }
            if !self.conditions_hold(ev) || u >= self.chance(ev) {
                continue;
            }
            self.events.fired[e] = true;
            self.events.count[e] += 1;
            for effect in &ev.effects {
                self.apply_effect(effect);
            }
        }
    }

    fn conditions_hold(&self, ev: &EventDef) -> bool {
        let p = &self.params;
        ev.conditions.iter().all(|c| match c {
            ConditionDef::Above(s, level) => self.signal(s) > p.slot(*level),
            ConditionDef::Below(s, level) => self.signal(s) < p.slot(*level),
            ConditionDef::Fired(o) => self.events.fired[*o],
            ConditionDef::NotFired(o) => !self.events.fired[*o],
        })
    }

    /// The event's chance this step, ramped by its signal.
    fn chance(&self, ev: &EventDef) -> f64 {
        let p = &self.params;
        let mut chance = p.slot(ev.chance);
        if let Some((signal, full_at, to)) = &ev.ramp {
            let share = (self.signal(signal) / p.slot(*full_at)).clamp(0.0, 1.0);
            chance += (p.slot(*to) - chance) * share;
        }
        chance
    }

    fn apply_effect(&mut self, effect: &EffectDef) {
        match *effect {
            EffectDef::Trust { relation, add } => {
                let t = self.state.trust[relation] + self.params.slot(add);
                self.state.trust[relation] = t.clamp(0.0, 1.0);
            }
            EffectDef::Stock { cell, add } => {
                let add = self.params.slot(add);
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
            EffectDef::Modifier(i) => {
                self.events.changed = true;
                self.events.steps_left[i] = match self.model.modifiers[i].steps {
                    Some(s) => self.params.slot(s).round().max(1.0) as u64,
                    None => PERMANENT,
                };
            }
        }
    }

    /// Sets effective parameters from base values times the multipliers active this step.
    ///
    /// Skipped while the set of active multipliers is unchanged: it would write the same values.
    pub(super) fn apply_modifiers(&mut self) {
        let m = self.model;
        let ev = &mut self.events;
        if m.modifiers.is_empty() || !ev.changed {
            return;
        }
        ev.changed = false;
        // Need quantities and lane losses may change: bargaining legs prepared before are stale.
        self.bargains.invalidate();
        ev.multiplier.fill(1.0);
        for (i, md) in m.modifiers.iter_ids() {
            if ev.steps_left[i] > 0 {
                ev.multiplier[md.target] *= self.params.slot(md.factor);
            }
        }
        self.params.apply(m, &ev.multiplier);
    }

    /// Counts down the active modifiers' steps at the end of a step.
    pub(super) fn expire_modifiers(&mut self) {
        let ev = &mut self.events;
        for r in ev.steps_left.iter_mut() {
            if *r > 0 && *r != PERMANENT {
                *r -= 1;
                ev.changed |= *r == 0;
            }
        }
    }

    /// Reads a signal of the current state.
    pub(super) fn signal(&self, s: &SignalDef) -> f64 {
        match *s {
            SignalDef::Received(c) => self.totals.accounts.received[c],
            SignalDef::ReceivedLast(c) => self.state.received_last[c],
            SignalDef::Stock(c) => self.state.stock[c],
            SignalDef::Trust(r) => self.state.trust[r],
            SignalDef::NeedMet(n) => self.state.need_met_last[n],
            SignalDef::Count(e) => self.events.count[e] as f64,
            SignalDef::Step => self.state.step as f64,
        }
    }
}
