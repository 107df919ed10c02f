//! Events: chances, ramps, conditions and effects.

use super::{Ctx, sub};
use crate::model::params::Domain;
use crate::model::{
    Cell, ConditionDef, EffectDef, EventDef, EventId, GoodId, Model, ModifierDef, ModifierTarget,
    NeedId, RelationId, SignalDef,
};
use crate::scenario::format::{Condition, Effect, Signal};
use crate::scenario::num::Num;

impl Ctx<'_> {
    pub(super) fn events(&mut self, m: &mut Model) {
        let sc = self.sc;
        for (e, ev) in EventId::all(sc.events.len()).zip(&sc.events) {
            let path = format!("events[{}]", ev.id);
            self.name(&sub(&path, "name"), &ev.name);
            let chance = self.num(&ev.chance, &sub(&path, "chance"), Domain::Probability);
            let ramp = ev.ramp.as_ref().and_then(|r| {
                let rpath = sub(&path, "ramp");
                let signal = self.signal(m, &r.signal, &sub(&rpath, "signal"));
                let full_at = self.num(&r.full_at, &sub(&rpath, "full_at"), Domain::Positive);
                let to = self.num(&r.to, &sub(&rpath, "to"), Domain::Probability);
                signal.map(|s| (s, full_at, to))
            });
            let mut conditions = Vec::new();
            for (i, c) in ev.when.iter().enumerate() {
                let cpath = format!("{path}.when[{i}]");
                let cond = match c {
                    Condition::Above(s, n) | Condition::Below(s, n) => {
                        let signal = self.signal(m, s, &cpath);
                        let level = self.num(n, &cpath, Domain::Any);
                        signal.map(|s| {
                            if matches!(c, Condition::Above(..)) {
                                ConditionDef::Above(s, level)
                            } else {
                                ConditionDef::Below(s, level)
                            }
                        })
                    }
                    Condition::Fired(other) | Condition::NotFired(other) => {
                        self.event(other, &cpath).and_then(|o| {
                            if o >= e {
                                self.problem(&cpath, format!("\"{other}\" must be declared before \"{}\": events are decided in file order each step, so a condition can only look at events already decided", ev.id));
                                None
                            } else if matches!(c, Condition::Fired(_)) {
                                Some(ConditionDef::Fired(o))
                            } else {
                                Some(ConditionDef::NotFired(o))
                            }
                        })
                    }
                };
                conditions.extend(cond);
            }
            let by = ev
                .by
                .as_ref()
                .and_then(|b| self.actor(b, &sub(&path, "by")));
            let mut effects = Vec::new();
            for (i, eff) in ev.effects.iter().enumerate() {
                let epath = format!("{path}.effects[{i}]");
                if let Some(d) = self.effect(m, eff, &epath) {
                    effects.push(d);
                }
            }
            m.events.push(EventDef {
                id: ev.id.clone(),
                name: ev.name.clone(),
                chance,
                ramp,
                conditions,
                once: ev.once,
                by,
                effects,
            });
        }
    }

    fn cell(&mut self, m: &Model, actor: &str, good: &str, path: &str) -> Option<(Cell, GoodId)> {
        let a = self.actor(actor, &sub(path, "actor"));
        let g = self.good(good, &sub(path, "good"));
        Some((a?, g?)).map(|(a, g)| (m.cell(a, g), g))
    }

    fn stocked_cell(&mut self, m: &Model, actor: &str, good: &str, path: &str) -> Option<Cell> {
        let (cell, g) = self.cell(m, actor, good, path)?;
        if !m.goods[g].stocked() {
            self.problem(sub(path, "good"), format!("{good} is a service and is never stocked; stock readings and changes apply to materials and currency"));
            return None;
        }
        Some(cell)
    }

    fn need(&mut self, m: &Model, actor: &str, good: &str, path: &str) -> Option<NeedId> {
        let (cell, _) = self.cell(m, actor, good, path)?;
        let n = m.need_at[cell];
        if n.is_none() {
            self.problem(path, format!("{actor} has no need for {good}; declare Need(good: \"{good}\", ...) under {actor} first"));
        }
        n
    }

    pub(super) fn relation(
        &mut self,
        m: &Model,
        from: &str,
        to: &str,
        path: &str,
    ) -> Option<RelationId> {
        let f = self.actor(from, &sub(path, "from"));
        let t = self.actor(to, &sub(path, "to"));
        let (f, t) = (f?, t?);
        let r = m.relations.position(|r| r.from == f && r.to == t);
        if r.is_none() {
            self.problem(path, format!("no relation from {from} to {to} is declared; add Relation(from: \"{from}\", to: \"{to}\", trust: ...) to relations"));
        }
        r
    }

    fn signal(&mut self, m: &Model, s: &Signal, path: &str) -> Option<SignalDef> {
        Some(match s {
            Signal::Received { actor, good } => {
                SignalDef::Received(self.cell(m, actor, good, path)?.0)
            }
            Signal::ReceivedLast { actor, good } => {
                SignalDef::ReceivedLast(self.cell(m, actor, good, path)?.0)
            }
            Signal::Stock { actor, good } => {
                SignalDef::Stock(self.stocked_cell(m, actor, good, path)?)
            }
            Signal::Trust { from, to } => SignalDef::Trust(self.relation(m, from, to, path)?),
            Signal::NeedMet { actor, good } => SignalDef::NeedMet(self.need(m, actor, good, path)?),
            Signal::Count(e) => SignalDef::Count(self.event(e, path)?),
            Signal::Step => SignalDef::Step,
        })
    }

    fn effect(&mut self, m: &mut Model, eff: &Effect, path: &str) -> Option<EffectDef> {
        match eff {
            Effect::Trust { from, to, add } => {
                let relation = self.relation(m, from, to, path);
                let add = self.num(add, &sub(path, "add"), Domain::Signed);
                Some(EffectDef::Trust {
                    relation: relation?,
                    add,
                })
            }
            Effect::Stock { actor, good, add } => {
                let cell = self.stocked_cell(m, actor, good, path);
                let add = self.num(add, &sub(path, "add"), Domain::Any);
                Some(EffectDef::Stock { cell: cell?, add })
            }
            Effect::Production {
                actor,
                good,
                factor,
                steps,
            }
            | Effect::Consumption {
                actor,
                good,
                factor,
                steps,
            } => {
                let cell = if matches!(eff, Effect::Consumption { .. }) {
                    self.stocked_cell(m, actor, good, path)
                } else {
                    self.cell(m, actor, good, path).map(|c| c.0)
                };
                let target = match eff {
                    Effect::Production { .. } => ModifierTarget::Production(cell?),
                    _ => ModifierTarget::Consumption(cell?),
                };
                self.modifier(m, target, factor, steps.as_ref(), path)
            }
            Effect::Need {
                actor,
                good,
                factor,
                steps,
            } => {
                let need = self.need(m, actor, good, path)?;
                self.modifier(m, ModifierTarget::Need(need), factor, steps.as_ref(), path)
            }
            Effect::Offer {
                actor,
                good,
                factor,
                steps,
            } => {
                let (cell, _) = self.cell(m, actor, good, path)?;
                let Some(o) = m.offers.position(|o| o.cell == cell) else {
                    self.problem(path, format!("{actor} has no offer of {good} to scale; declare Offer(good: \"{good}\", ...) under {actor} first"));
                    return None;
                };
                self.modifier(m, ModifierTarget::Offer(o), factor, steps.as_ref(), path)
            }
            Effect::Detection {
                channel,
                factor,
                steps,
            }
            | Effect::Seizure {
                channel,
                factor,
                steps,
            }
            | Effect::Capacity {
                channel,
                factor,
                steps,
            } => {
                let c = self.channel(channel, &sub(path, "channel"))?;
                let target = match eff {
                    Effect::Detection { .. } => ModifierTarget::Detection(c),
                    Effect::Seizure { .. } => ModifierTarget::Seizure(c),
                    _ => ModifierTarget::Capacity(c),
                };
                self.modifier(m, target, factor, steps.as_ref(), path)
            }
        }
    }

    fn modifier(
        &mut self,
        m: &mut Model,
        target: ModifierTarget,
        factor: &Num,
        steps: Option<&Num>,
        path: &str,
    ) -> Option<EffectDef> {
        let factor = self.num(factor, &sub(path, "factor"), Domain::NonNegative);
        let steps = steps.map(|s| self.num(s, &sub(path, "steps"), Domain::Steps));
        let target = match m.modifier_targets.position(|x| *x == target) {
            Some(t) => t,
            None => m.modifier_targets.push(target),
        };
        let i = m.modifiers.push(ModifierDef {
            target,
            factor,
            steps,
        });
        Some(EffectDef::Modifier(i))
    }
}
