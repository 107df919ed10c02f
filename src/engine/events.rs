//! Deciding events and applying their effects.

use super::rng::uniform;
use super::{PERMANENT, Runner};
use crate::model::{ConditionDef, EffectDef, SignalDef};
use rand_chacha::ChaCha8Rng;

impl Runner<'_> {
    /// Decides every event for this step, in file order, one uniform each.
    pub(crate) fn events(&mut self, rng: &mut ChaCha8Rng) {
        let m = self.m;
        self.fired.fill(false);
        for (e, ev) in m.events.iter_ids() {
            let u = uniform(rng);
            if ev.once && self.event_count[e] > 0 {
                continue;
            }
            let holds = ev.conditions.iter().all(|c| match c {
                ConditionDef::Above(s, level) => self.signal(s) > self.p[*level as usize],
                ConditionDef::Below(s, level) => self.signal(s) < self.p[*level as usize],
                ConditionDef::Fired(o) => self.fired[*o],
                ConditionDef::NotFired(o) => !self.fired[*o],
            });
            if !holds {
                continue;
            }
            let mut chance = self.p[ev.chance as usize];
            if let Some((signal, full_at, to)) = &ev.ramp {
                let share = (self.signal(signal) / self.p[*full_at as usize]).clamp(0.0, 1.0);
                chance += (self.p[*to as usize] - chance) * share;
            }
            if u >= chance {
                continue;
            }
            self.fired[e] = true;
            self.event_count[e] += 1;
            for effect in &ev.effects {
                match *effect {
                    EffectDef::Trust { relation, add } => {
                        let t = self.trust[relation] + self.p[add as usize];
                        self.trust[relation] = t.clamp(0.0, 1.0);
                    }
                    EffectDef::Stock { cell, add } => {
                        let add = self.p[add as usize];
                        if add >= 0.0 {
                            self.stock[cell] += add;
                            self.acc.event_in[cell] += add;
                        } else {
                            let lost = (-add).min(self.stock[cell]).max(0.0);
                            self.stock[cell] -= lost;
                            self.acc.event_out[cell] += lost;
                        }
                    }
                    EffectDef::Modifier(i) => {
                        self.mods_changed = true;
                        self.mod_remaining[i] = match m.mods[i].steps {
                            Some(s) => self.p[s as usize].round().max(1.0) as u64,
                            None => PERMANENT,
                        };
                    }
                }
            }
        }
    }

    /// Reads a signal of the current state.
    pub(crate) fn signal(&self, s: &SignalDef) -> f64 {
        match *s {
            SignalDef::Received(c) => self.acc.received[c],
            SignalDef::ReceivedLast(c) => self.recv_last[c],
            SignalDef::Stock(c) => self.stock[c],
            SignalDef::Trust(r) => self.trust[r],
            SignalDef::NeedMet(n) => self.need_met_last[n],
            SignalDef::Count(e) => self.event_count[e] as f64,
            SignalDef::Step => self.step as f64,
        }
    }
}
