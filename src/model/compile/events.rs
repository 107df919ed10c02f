//! Events, decisions, rules and caps: their conditions, chances and effects.

use super::{Ctx, sub};
use crate::model::params::{Domain, LIMIT};
use crate::model::{
    AdjustDef, AdjustOp, CapDef, CapId, Cell, ConditionDef, EffectDef, EventDef, EventId,
    EventKind, GoodId, MeasureId, MeasureNode, Model, NeedId, RelationId, Slot,
};
use crate::scenario::format::{
    Cap, Choice, Condition, Decision, Effect, Event, EventItem, Measure, Rule, Target,
};
use crate::scenario::num::Num;

/// A parameter an effect changes: its slot and the range the parameter must keep.
type Targeted = (Slot, (f64, f64));

impl Ctx<'_> {
    pub(super) fn events(&mut self, m: &mut Model) {
        let sc = self.sc;
        let first_cap = sc.events.iter().map(item_len).sum::<usize>();
        for (i, cap) in sc.caps.iter().enumerate() {
            self.cap_def(m, cap, EventId::new(first_cap + i));
        }
        let mut next = 0;
        for item in &sc.events {
            let e = EventId::new(next);
            next += item_len(item);
            match item {
                EventItem::Event(ev) => self.chance_event(m, ev, e),
                EventItem::Decision(d) => self.decision(m, d, e),
                EventItem::Rule(r) => self.rule(m, r, e),
            }
        }
        for (i, cap) in sc.caps.iter().enumerate() {
            self.cap_event(m, cap, CapId::new(i));
        }
    }

    fn chance_event(&mut self, m: &mut Model, ev: &Event, e: EventId) {
        let path = format!("events[{}]", ev.id);
        self.name(&sub(&path, "name"), &ev.name);
        let chance = self.measure(m, &ev.chance, &sub(&path, "chance"));
        let ramp = ev.ramp.as_ref().and_then(|r| {
            let rpath = sub(&path, "ramp");
            let signal = self.measure(m, &r.signal, &sub(&rpath, "signal"));
            let full_at = self.num(&r.full_at, &sub(&rpath, "full_at"), Domain::Positive);
            let to = self.num(&r.to, &sub(&rpath, "to"), Domain::Probability);
            signal.map(|s| (s, full_at, to))
        });
        let conditions = self.conditions(m, &ev.when, e, &ev.id, &path);
        let by = self.by(ev.by.as_deref(), &path);
        let effects = self.effects(m, &ev.effects, &path);
        m.events.push(EventDef {
            id: ev.id.clone(),
            name: ev.name.clone(),
            kind: EventKind::Chance {
                chance: chance.unwrap_or(MeasureId::new(0)),
                ramp,
            },
            conditions,
            once: ev.once,
            by,
            effects,
        });
    }

    fn decision(&mut self, m: &mut Model, d: &Decision, e: EventId) {
        let path = format!("events[{}]", d.id);
        self.name(&sub(&path, "name"), &d.name);
        if d.choices.len() < 2 {
            self.problem(
                sub(&path, "choices"),
                "a decision needs at least two choices (doing nothing can be one)",
            );
        }
        let noise = self.opt_num(
            d.noise.as_ref(),
            1.0,
            &sub(&path, "noise"),
            Domain::NonNegative,
        );
        let conditions = self.conditions(m, &d.when, e, &d.id, &path);
        let by = self.actor(&d.by, &sub(&path, "by"));
        let mut choices = Vec::new();
        let mut defs = Vec::new();
        for (i, c) in d.choices.iter().enumerate() {
            let ce = EventId::new(e.index() + 1 + i);
            let (value, def) = self.choice(m, c, &path, by);
            choices.push((ce, value.unwrap_or(MeasureId::new(0))));
            defs.push(def);
        }
        m.events.push(EventDef {
            id: d.id.clone(),
            name: d.name.clone(),
            kind: EventKind::Decision { noise, choices },
            conditions,
            once: d.once,
            by,
            effects: vec![],
        });
        for def in defs {
            m.events.push(def);
        }
    }

    /// One choice of a decision: its value node and its event.
    fn choice(
        &mut self,
        m: &mut Model,
        c: &Choice,
        decision: &str,
        by: Option<crate::model::ActorId>,
    ) -> (Option<MeasureId>, EventDef) {
        let path = format!("{decision}.choices[{}]", c.id);
        self.name(&sub(&path, "name"), &c.name);
        let value = self.measure(m, &c.value, &sub(&path, "value"));
        let effects = self.effects(m, &c.effects, &path);
        let def = EventDef {
            id: c.id.clone(),
            name: c.name.clone(),
            kind: EventKind::Choice,
            conditions: vec![],
            once: false,
            by,
            effects,
        };
        (value, def)
    }

    fn rule(&mut self, m: &mut Model, r: &Rule, e: EventId) {
        let path = format!("events[{}]", r.id);
        self.name(&sub(&path, "name"), &r.name);
        let after = self.opt_num(
            r.after.as_ref(),
            0.0,
            &sub(&path, "after"),
            Domain::NonNegative,
        );
        let conditions = self.conditions(m, &r.when, e, &r.id, &path);
        let by = self.by(r.by.as_deref(), &path);
        let effects = self.effects(m, &r.effects, &path);
        m.events.push(EventDef {
            id: r.id.clone(),
            name: r.name.clone(),
            kind: EventKind::Rule { after },
            conditions,
            once: r.once,
            by,
            effects,
        });
    }

    /// A cap's definition (compiled before the events, whose effects and measures may name it).
    fn cap_def(&mut self, m: &mut Model, cap: &Cap, event: EventId) {
        let path = format!("caps[{}]", cap.id);
        self.name(&sub(&path, "name"), &cap.name);
        let cell = self.cell(m, &cap.actor, &cap.good, &path).map(|c| c.0);
        let limit = self.num(&cap.limit, &sub(&path, "limit"), Domain::NonNegative);
        let period = match cap.period {
            Some(p) if p == 0 || p as usize > m.steps => {
                self.problem(
                    sub(&path, "period"),
                    format!("a period is 1 to {} steps (the run's length)", m.steps),
                );
                m.steps
            }
            Some(p) => p as usize,
            None => m.steps,
        };
        m.caps.push(CapDef {
            id: cap.id.clone(),
            name: cap.name.clone(),
            cell: cell.unwrap_or(Cell::new(0)),
            limit,
            period,
            event,
        });
    }

    /// A cap's enforcement, after every other event.
    fn cap_event(&mut self, m: &mut Model, cap: &Cap, c: CapId) {
        let path = format!("caps[{}]", cap.id);
        let chance = self.opt_num(
            cap.enforcement.as_ref(),
            0.0,
            &sub(&path, "enforcement"),
            Domain::Probability,
        );
        let by = self.by(cap.by.as_deref(), &path);
        let effects = self.effects(m, &cap.effects, &path);
        m.events.push(EventDef {
            id: cap.id.clone(),
            name: cap.name.clone(),
            kind: EventKind::Cap { cap: c, chance },
            conditions: vec![],
            once: false,
            by,
            effects,
        });
    }

    fn by(&mut self, by: Option<&str>, path: &str) -> Option<crate::model::ActorId> {
        by.and_then(|b| self.actor(b, &sub(path, "by")))
    }

    /// The conditions of event `e` (named `id`): comparisons of measures, or earlier events.
    fn conditions(
        &mut self,
        m: &mut Model,
        when: &[Condition],
        e: EventId,
        id: &str,
        path: &str,
    ) -> Vec<ConditionDef> {
        let mut out = Vec::new();
        for (i, c) in when.iter().enumerate() {
            let cpath = format!("{path}.when[{i}]");
            let cond = match c {
                Condition::Above(a, b) | Condition::Below(a, b) => {
                    let a = self.measure(m, a, &sub(&cpath, "0"));
                    let b = self.measure(m, b, &sub(&cpath, "1"));
                    match (a, b, c) {
                        (Some(a), Some(b), Condition::Above(..)) => Some(ConditionDef::Above(a, b)),
                        (Some(a), Some(b), _) => Some(ConditionDef::Below(a, b)),
                        _ => None,
                    }
                }
                Condition::Fired(other) | Condition::NotFired(other) => {
                    self.event(other, &cpath).and_then(|o| {
                        if o >= e {
                            self.problem(&cpath, format!("\"{other}\" must be declared before \"{id}\": events are decided in file order each step, so a condition can only look at events already decided"));
                            None
                        } else if matches!(c, Condition::Fired(_)) {
                            Some(ConditionDef::Fired(o))
                        } else {
                            Some(ConditionDef::NotFired(o))
                        }
                    })
                }
            };
            out.extend(cond);
        }
        out
    }

    fn effects(&mut self, m: &mut Model, effects: &[Effect], path: &str) -> Vec<EffectDef> {
        let mut out = Vec::new();
        for (i, eff) in effects.iter().enumerate() {
            out.extend(self.effect(m, eff, &format!("{path}.effects[{i}]")));
        }
        out
    }

    pub(super) fn cell(
        &mut self,
        m: &Model,
        actor: &str,
        good: &str,
        path: &str,
    ) -> Option<(Cell, GoodId)> {
        let a = self.actor(actor, &sub(path, "actor"));
        let g = self.good(good, &sub(path, "good"));
        Some((a?, g?)).map(|(a, g)| (m.cell(a, g), g))
    }

    pub(super) fn stocked_cell(
        &mut self,
        m: &Model,
        actor: &str,
        good: &str,
        path: &str,
    ) -> Option<Cell> {
        let (cell, g) = self.cell(m, actor, good, path)?;
        if !m.goods[g].stocked() {
            self.problem(sub(path, "good"), format!("{good} is a service and is never stocked; stock readings and changes apply to materials and currency"));
            return None;
        }
        Some(cell)
    }

    pub(super) fn need(
        &mut self,
        m: &Model,
        actor: &str,
        good: &str,
        path: &str,
    ) -> Option<NeedId> {
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

    /// A cap, by id.
    pub(super) fn cap(&mut self, m: &Model, id: &str, path: &str) -> Option<CapId> {
        let c = m.caps.position(|c| c.id == id);
        if c.is_none() {
            let known: Vec<&str> = m.caps.iter().map(|c| c.id.as_str()).collect();
            self.problem(path, crate::scenario::error::unknown("cap", id, &known));
        }
        c
    }

    fn effect(&mut self, m: &mut Model, eff: &Effect, path: &str) -> Vec<EffectDef> {
        match eff {
            Effect::Trust { from, to, add } => {
                let relation = self.relation(m, from, to, path);
                let add = self.num(add, &sub(path, "add"), Domain::Signed);
                relation
                    .map(|relation| EffectDef::Trust { relation, add })
                    .into_iter()
                    .collect()
            }
            Effect::Stock { actor, good, add } => {
                let cell = self.stocked_cell(m, actor, good, path);
                let add = self.num(add, &sub(path, "add"), Domain::Any);
                cell.map(|cell| EffectDef::Stock { cell, add })
                    .into_iter()
                    .collect()
            }
            Effect::Set {
                target,
                value,
                steps,
            } => {
                let how = Change::new(AdjustOp::Set, steps.as_ref(), None, None);
                self.adjust(m, target, value, how, path)
            }
            Effect::Add {
                target,
                value,
                steps,
                min,
                max,
            } => {
                let how = Change::new(AdjustOp::Add, steps.as_ref(), min.as_ref(), max.as_ref());
                self.adjust(m, target, value, how, path)
            }
            Effect::Scale {
                target,
                factor,
                steps,
                min,
                max,
            } => {
                let how = Change::new(AdjustOp::Scale, steps.as_ref(), min.as_ref(), max.as_ref());
                self.adjust(m, target, factor, how, path)
            }
            short => self.short_scale(m, short, path),
        }
    }

    /// The short forms (`Production(actor:, good:, factor:, steps:)` and the like): a `Scale`
    /// of one target by a number.
    fn short_scale(&mut self, m: &mut Model, eff: &Effect, path: &str) -> Vec<EffectDef> {
        let (target, factor, steps) = match eff {
            Effect::Production {
                actor,
                good,
                factor,
                steps,
            } => (
                Target::Production {
                    actor: actor.clone(),
                    good: good.clone(),
                },
                factor,
                steps,
            ),
            Effect::Consumption {
                actor,
                good,
                factor,
                steps,
            } => (
                Target::Consumption {
                    actor: actor.clone(),
                    good: good.clone(),
                },
                factor,
                steps,
            ),
            Effect::Need {
                actor,
                good,
                factor,
                steps,
            } => (
                Target::Need {
                    actor: actor.clone(),
                    good: good.clone(),
                },
                factor,
                steps,
            ),
            Effect::Offer {
                actor,
                good,
                factor,
                steps,
            } => (
                Target::Offer {
                    actor: actor.clone(),
                    good: good.clone(),
                },
                factor,
                steps,
            ),
            Effect::Detection {
                channel,
                factor,
                steps,
            } => (Target::Detection(channel.clone()), factor, steps),
            Effect::Seizure {
                channel,
                factor,
                steps,
            } => (Target::Seizure(channel.clone()), factor, steps),
            Effect::Capacity {
                channel,
                factor,
                steps,
            } => (Target::Capacity(channel.clone()), factor, steps),
            _ => return vec![],
        };
        let f = self.num(factor, &sub(path, "factor"), Domain::NonNegative);
        let amount = m.measures.push(MeasureNode::Slot(f));
        let how = Change::new(AdjustOp::Scale, steps.as_ref(), None, None);
        self.adjust_with(m, &target, amount, how, path)
    }

    fn adjust(
        &mut self,
        m: &mut Model,
        target: &Target,
        amount: &Measure,
        how: Change,
        path: &str,
    ) -> Vec<EffectDef> {
        let field = if how.op == AdjustOp::Scale {
            "factor"
        } else {
            "value"
        };
        let Some(amount) = self.measure(m, amount, &sub(path, field)) else {
            return vec![];
        };
        self.adjust_with(m, target, amount, how, path)
    }

    /// One adjustment per slot the target names (a channel's capacity names one per lane).
    fn adjust_with(
        &mut self,
        m: &mut Model,
        target: &Target,
        amount: MeasureId,
        how: Change,
        path: &str,
    ) -> Vec<EffectDef> {
        let slots = self.target(m, target, how.op, &sub(path, "target"));
        let steps = how
            .steps
            .map(|s| self.num(s, &sub(path, "steps"), Domain::Steps));
        let min = how.min.map(|n| self.num(n, &sub(path, "min"), Domain::Any));
        let max = how.max.map(|n| self.num(n, &sub(path, "max"), Domain::Any));
        let dynamic = m.measures[amount].dynamic(m);
        slots
            .into_iter()
            .map(|(slot, range)| {
                self.prog.target(slot);
                EffectDef::Adjust(m.adjusts.push(AdjustDef {
                    slot,
                    op: how.op,
                    amount,
                    dynamic,
                    steps,
                    min,
                    max,
                    range,
                }))
            })
            .collect()
    }
}

/// How an effect changes its target.
struct Change<'a> {
    op: AdjustOp,
    steps: Option<&'a Num>,
    min: Option<&'a Num>,
    max: Option<&'a Num>,
}

impl<'a> Change<'a> {
    fn new(
        op: AdjustOp,
        steps: Option<&'a Num>,
        min: Option<&'a Num>,
        max: Option<&'a Num>,
    ) -> Change<'a> {
        Change {
            op,
            steps,
            min,
            max,
        }
    }
}

/// Places in the events table an item takes: a decision takes one more per choice.
fn item_len(item: &EventItem) -> usize {
    match item {
        EventItem::Decision(d) => 1 + d.choices.len(),
        _ => 1,
    }
}

/// The range of a parameter of the given domain.
fn range(d: Domain) -> (f64, f64) {
    d.bounds()
}

impl Ctx<'_> {
    /// The slots a target names, with the range each must keep; a problem (and none) if it names
    /// nothing that can change.
    fn target(&mut self, m: &mut Model, t: &Target, op: AdjustOp, path: &str) -> Vec<Targeted> {
        let one = |s: Slot, d: Domain| vec![(s, range(d))];
        match t {
            // A lever or an uncertainty itself: everything computed from it follows.
            Target::Param(name) => {
                let s = self.param(name, path);
                vec![(s, (-LIMIT, LIMIT))]
            }
            Target::Production { actor, good } | Target::Consumption { actor, good } => {
                let consumption = matches!(t, Target::Consumption { .. });
                let cell = if consumption {
                    self.stocked_cell(m, actor, good, path)
                } else {
                    self.cell(m, actor, good, path).map(|(c, _)| c)
                };
                let Some(cell) = cell else {
                    return vec![];
                };
                one(self.cell_slot(m, cell, consumption), Domain::NonNegative)
            }
            Target::Need { actor, good } | Target::NeedValue { actor, good } => {
                let Some(n) = self.need(m, actor, good, path) else {
                    return vec![];
                };
                let need = &mut m.needs[n];
                match t {
                    Target::Need { .. } => one(self.own(&mut need.quantity), Domain::Positive),
                    _ => one(self.own(&mut need.value), Domain::NonNegative),
                }
            }
            Target::Offer { actor, good }
            | Target::Reserve { actor, good }
            | Target::Cost { actor, good } => self.offer_target(m, t, actor, good, op, path),
            Target::Power(actor) => match self.actor(actor, path) {
                Some(a) => one(self.own(&mut m.actors[a].power), Domain::Positive),
                None => vec![],
            },
            Target::Detection(c) | Target::Seizure(c) | Target::Toll(c) => {
                let Some(ch) = self.channel(c, path) else {
                    return vec![];
                };
                let ch = &mut m.channels[ch];
                match t {
                    Target::Detection(_) => one(self.own(&mut ch.detection), Domain::Probability),
                    Target::Seizure(_) => one(self.own(&mut ch.seizure), Domain::Probability),
                    _ => one(self.own(&mut ch.toll), Domain::NonNegative),
                }
            }
            Target::Capacity(c) => self.capacity_target(m, c, op, path),
            Target::Kept { from, to } | Target::Exposed { from, to } => {
                let Some(r) = self.relation(m, from, to, path) else {
                    return vec![];
                };
                let rel = &mut m.relations[r];
                match t {
                    Target::Kept { .. } => one(self.own(&mut rel.kept), Domain::Probability),
                    _ => one(self.own(&mut rel.exposed), Domain::Signed),
                }
            }
            Target::Limit(cap) => match self.cap(m, cap, path) {
                Some(c) => one(self.own(&mut m.caps[c].limit), Domain::NonNegative),
                None => vec![],
            },
        }
    }

    /// Gives the parameter in `slot` a slot of its own, a copy of the number it was written
    /// with, so that an effect on it changes this parameter only: not every other one written
    /// with the same number (a default 0 or 1, a lever, an uncertainty, a constant). Made once
    /// per parameter; later effects on it share it.
    fn own(&mut self, slot: &mut Slot) -> Slot {
        if !self.owned.contains(slot) {
            *slot = self.prog.push(crate::model::params::Op::Clamp {
                src: *slot,
                lo: f64::NEG_INFINITY,
                hi: f64::INFINITY,
            });
            self.owned.insert(*slot);
        }
        *slot
    }

    /// The production (or consumption) slot of a cell, declared as 0 if the scenario gave none.
    fn cell_slot(&mut self, m: &mut Model, cell: Cell, consumption: bool) -> Slot {
        let list = if consumption {
            &m.consumption
        } else {
            &m.production
        };
        if let Some(i) = list.iter().position(|(c, _)| *c == cell) {
            let mut s = list[i].1;
            let s = self.own(&mut s);
            if consumption {
                m.consumption[i].1 = s;
            } else {
                m.production[i].1 = s;
            }
            return s;
        }
        let mut s = self.constant(0.0);
        let s = self.own(&mut s);
        if consumption {
            m.consumption.push((cell, s));
        } else {
            m.production.push((cell, s));
        }
        s
    }

    /// An offer's limit, reserve or cost.
    fn offer_target(
        &mut self,
        m: &mut Model,
        t: &Target,
        actor: &str,
        good: &str,
        op: AdjustOp,
        path: &str,
    ) -> Vec<Targeted> {
        let Some((cell, _)) = self.cell(m, actor, good, path) else {
            return vec![];
        };
        let Some(o) = m.offers.position(|o| o.cell == cell) else {
            self.problem(path, format!("{actor} has no offer of {good}; declare Offer(good: \"{good}\", ...) under {actor} first"));
            return vec![];
        };
        let offer = &mut m.offers[o];
        match t {
            Target::Reserve { .. } => {
                vec![(self.own(&mut offer.reserve), range(Domain::NonNegative))]
            }
            Target::Cost { .. } => vec![(self.own(&mut offer.cost), range(Domain::NonNegative))],
            _ => {
                match (offer.max.as_mut(), op) {
                    (Some(s), _) => vec![(self.own(s), range(Domain::NonNegative))],
                    // Scaling no limit leaves no limit.
                    (None, AdjustOp::Scale) => vec![],
                    (None, _) => {
                        self.problem(path, format!("{actor}'s offer of {good} has no limit to change; give it max_per_step"));
                        vec![]
                    }
                }
            }
        }
    }

    /// Every lane's capacity on a channel (lanes without a capacity have no limit: scaling
    /// leaves them so, setting or adding needs one).
    fn capacity_target(
        &mut self,
        m: &mut Model,
        c: &str,
        op: AdjustOp,
        path: &str,
    ) -> Vec<Targeted> {
        let Some(ch) = self.channel(c, path) else {
            return vec![];
        };
        let on_channel = |l: &&mut crate::model::LaneDef| l.channel == ch;
        if op != AdjustOp::Scale
            && m.lanes
                .iter_mut()
                .filter(on_channel)
                .any(|l| l.capacity.is_none())
        {
            self.problem(path, format!("channel {c} has goods without a capacity; give each a capacity before setting or adding to it"));
            return vec![];
        }
        let mut out = vec![];
        for lane in m.lanes.iter_mut().filter(on_channel) {
            if let Some(s) = lane.capacity.as_mut() {
                out.push((self.own(s), range(Domain::NonNegative)));
            }
        }
        out
    }
}
