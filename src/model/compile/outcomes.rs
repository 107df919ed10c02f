//! Outcomes and the measures they read.

use super::{Ctx, sub};
use crate::model::params::Domain;
use crate::model::{
    ActorId, CellStat, LaneDef, LaneId, LaneStat, MeasureId, MeasureNode, Model, OutcomeDef,
};
use crate::model::{BinOp, Slot};
use crate::scenario::format::Measure;

/// Every form of [`Measure`] is compiled by [`Ctx::measure`] or [`Ctx::expression`]; this is
/// never reached.
fn unreachable_measure(path: &str) -> MeasureNode {
    debug_assert!(false, "measure form not compiled at {path}");
    MeasureNode::Const(0.0)
}

impl Ctx<'_> {
    /// The questions: each names outcomes (at least one) and levers that exist.
    pub(super) fn questions(&mut self, m: &mut Model) {
        let sc = self.sc;
        let ids = self.ids(
            "questions",
            "question",
            sc.questions.iter().map(|q| q.id.as_str()),
        );
        let outcome_ids: Vec<&str> = sc.outcomes.iter().map(|o| o.id.as_str()).collect();
        let lever_ids = self.lever_ids.clone();
        for (i, q) in sc.questions.iter().enumerate() {
            let path = format!("questions[{}]", ids[i]);
            if q.text.trim().is_empty() || q.text.chars().any(char::is_control) {
                self.problem(
                    sub(&path, "text"),
                    "the question's text is empty or holds a control character",
                );
            }
            if q.outcomes.is_empty() {
                self.problem(
                    sub(&path, "outcomes"),
                    "a question names the outcomes that answer it: at least one",
                );
            }
            let outcomes = (q.outcomes.iter().enumerate())
                .filter_map(|(j, o)| {
                    self.find("outcome", &outcome_ids, o, &format!("{path}.outcomes[{j}]"))
                })
                .collect();
            let levers = (q.levers.iter().enumerate())
                .filter_map(|(j, l)| {
                    self.find("lever", &lever_ids, l, &format!("{path}.levers[{j}]"))
                })
                .collect();
            m.questions.push(crate::model::QuestionDef {
                id: q.id.clone(),
                text: q.text.clone(),
                outcomes,
                levers,
            });
        }
    }

    /// The searches: each for an actor that owns a lever (one search per actor), with at least
    /// one objective, every outcome known and every number finite.
    pub(super) fn searches(&mut self, m: &mut Model) {
        let outcome_ids: Vec<&str> = self.sc.outcomes.iter().map(|o| o.id.as_str()).collect();
        let mut seen: Vec<&str> = Vec::new();
        for (i, s) in self.sc.searches.iter().enumerate() {
            let path = format!("searches[{i}]");
            let owner = self.actor(&s.actor, &sub(&path, "for"));
            if seen.contains(&s.actor.as_str()) {
                self.problem(
                    sub(&path, "for"),
                    format!(
                        "a second search for {}; declare one search per decision maker",
                        s.actor
                    ),
                );
            }
            seen.push(&s.actor);
            if owner.is_some_and(|a| !m.levers.iter().any(|l| l.owner == Some(a))) {
                self.problem(sub(&path, "for"), format!("{} owns no lever; a search explores its decision maker's levers (give levers `owner: \"{}\"`)", s.actor, s.actor));
            }
            if s.question.trim().is_empty() || s.question.chars().any(char::is_control) {
                self.problem(
                    sub(&path, "question"),
                    "the question is empty or holds a control character",
                );
            }
            if s.objectives.is_empty() {
                self.problem(
                    sub(&path, "objectives"),
                    "a search needs at least one objective",
                );
            }
            let mut objectives = Vec::new();
            for (j, o) in s.objectives.iter().enumerate() {
                let at = format!("{path}.objectives[{j}]");
                let found = self.find("outcome", &outcome_ids, &o.outcome, &sub(&at, "outcome"));
                if let Some(v) = o.meets.filter(|v| !v.is_finite()) {
                    self.problem(
                        sub(&at, "meets"),
                        format!(
                            "{} is not allowed; give a finite value",
                            crate::scenario::error::number(v)
                        ),
                    );
                }
                if let Some(k) = found {
                    if objectives.iter().any(|(x, _)| *x == k) {
                        self.problem(
                            sub(&at, "outcome"),
                            format!("{} is already an objective of this search", o.outcome),
                        );
                    }
                    objectives.push((k, o.meets));
                }
            }
            let mut constraints = Vec::new();
            for (j, c) in s.constraints.iter().enumerate() {
                let at = format!("{path}.constraints[{j}]");
                let found = self.find("outcome", &outcome_ids, &c.outcome, &sub(&at, "outcome"));
                let bound = match (c.at_least, c.at_most) {
                    (Some(v), None) => Some((true, v)),
                    (None, Some(v)) => Some((false, v)),
                    _ => {
                        self.problem(
                            at.clone(),
                            "a constraint gives exactly one of `at_least` and `at_most`",
                        );
                        None
                    }
                };
                match (found, bound) {
                    (_, Some((_, v))) if !v.is_finite() => self.problem(
                        at,
                        format!(
                            "{} is not allowed; give a finite bound",
                            crate::scenario::error::number(v)
                        ),
                    ),
                    (Some(outcome), Some((at_least, bound))) => {
                        constraints.push(crate::model::ConstraintDef {
                            outcome,
                            at_least,
                            bound,
                        })
                    }
                    _ => {}
                }
            }
            if let Some(owner) = owner {
                m.searches.push(crate::model::SearchDef {
                    owner,
                    question: s.question.clone(),
                    objectives,
                    constraints,
                });
            }
        }
    }

    pub(super) fn outcomes(&mut self, m: &mut Model) {
        let sc = self.sc;
        let ids: Vec<&str> = sc.outcomes.iter().map(|o| o.id.as_str()).collect();
        let ids = self.ids("outcomes", "outcome", ids.into_iter());
        for (i, o) in sc.outcomes.iter().enumerate() {
            let path = format!("outcomes[{}]", ids[i]);
            self.name(&sub(&path, "name"), &o.name);
            if o.unit.chars().any(char::is_control) {
                self.problem(sub(&path, "unit"), "the unit contains a control character");
            }
            let scale = o.scale.unwrap_or(1.0);
            if !scale.is_finite() || scale == 0.0 || scale.abs() > 1e12 {
                self.problem(sub(&path, "scale"), format!("{scale} is not allowed; the scale must be a non-zero finite number (100 turns a share into percent)"));
            }
            let root = self.measure(m, &o.measure, &sub(&path, "measure"));
            if let Some((lo, hi)) = o.range {
                if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                    self.problem(
                        sub(&path, "range"),
                        "a range is (min, max) with finite numbers and min at most max",
                    );
                }
            }
            m.outcomes.push(OutcomeDef {
                id: o.id.clone(),
                name: o.name.clone(),
                unit: o.unit.clone(),
                better: o.better.into(),
                scale,
                root: root.unwrap_or(MeasureId::new(0)),
                range: o.range,
            });
        }
    }

    fn pair(&mut self, from: &str, to: &str, path: &str) -> Option<(ActorId, ActorId)> {
        let f = self.actor(from, &sub(path, "from"));
        let t = self.actor(to, &sub(path, "to"));
        Some((f?, t?))
    }

    /// Compiles a measure into nodes of `m.measures`, children first; returns its root.
    pub(super) fn measure(
        &mut self,
        m: &mut Model,
        measure: &Measure,
        path: &str,
    ) -> Option<MeasureId> {
        let node = match measure {
            Measure::Delivered {
                from,
                to,
                good,
                channel,
            }
            | Measure::Sent {
                from,
                to,
                good,
                channel,
            }
            | Measure::Seized {
                from,
                to,
                good,
                channel,
            } => {
                let stat = match measure {
                    Measure::Delivered { .. } => LaneStat::Delivered,
                    Measure::Sent { .. } => LaneStat::Sent,
                    _ => LaneStat::Seized,
                };
                self.lane_measure(m, stat, (from, to, good), channel.as_deref(), path)?
            }
            Measure::Received { actor, good }
            | Measure::Consumed { actor, good }
            | Measure::Produced { actor, good }
            | Measure::Shortfall { actor, good }
            | Measure::Stock { actor, good } => {
                let stat = match measure {
                    Measure::Received { .. } => CellStat::Received,
                    Measure::Consumed { .. } => CellStat::Consumed,
                    Measure::Produced { .. } => CellStat::Produced,
                    Measure::Shortfall { .. } => CellStat::Shortfall,
                    _ => CellStat::Stock,
                };
                self.cell_measure(m, stat, actor, good, path)?
            }
            Measure::NeedMet { actor, good } => self.need_met_measure(m, actor, good, path)?,
            Measure::Trust { from, to } => MeasureNode::Trust(self.relation(m, from, to, path)?),
            Measure::Count(e) => MeasureNode::Count(self.event(e, path)?),
            Measure::Happened(e) => MeasureNode::Happened(self.event(e, path)?),
            Measure::Value { from, to } => {
                let (f, t) = self.pair(from, to, path)?;
                let lanes = Self::valued_lanes(m, |l| l.from == f && l.to == t);
                let why =
                    || format!("no channel runs from {from} to {to}, so this would always be 0");
                MeasureNode::Value(self.some_lanes(lanes, path, why)?)
            }
            Measure::ValueReceived(actor) => {
                let a = self.actor(actor, path)?;
                let lanes = Self::valued_lanes(m, |l| l.to == a);
                let why = || format!("no channel runs to {actor}, so this would always be 0");
                MeasureNode::Value(self.some_lanes(lanes, path, why)?)
            }
            Measure::Gain(actor) => {
                let a = self.actor(actor, path)?;
                if !m.links.iter().any(|l| l.a == a || l.b == a) {
                    self.problem(path, format!("{actor} takes part in no trade (it needs a partner with offers and channels both ways), so its gain would always be 0"));
                    return None;
                }
                MeasureNode::Gain(a)
            }
            Measure::Exposed { from, to } => self.exposed_measure(m, from, to, path)?,
            Measure::Ratio(a, b) => {
                let a = self.measure(m, a, &sub(path, "0"));
                let b = self.measure(m, b, &sub(path, "1"));
                MeasureNode::Ratio(a?, b?)
            }
            Measure::Sum(parts) => {
                if parts.is_empty() {
                    self.problem(path, "Sum needs at least one measure");
                    return None;
                }
                let mut ids = Vec::new();
                for (i, p) in parts.iter().enumerate() {
                    ids.push(self.measure(m, p, &format!("{path}[{i}]")));
                }
                MeasureNode::Sum(ids.into_iter().collect::<Option<Vec<_>>>()?)
            }
            other => self.expression(m, other, path)?,
        };
        // Arithmetic on numbers and parameters alone is fixed for a run: computed once, with the
        // run's parameters, instead of at every reading.
        let node = match node {
            MeasureNode::Bin(..) | MeasureNode::Ratio(..) if !node.dynamic(m) => {
                MeasureNode::Slot(self.fold(m, &node))
            }
            node => node,
        };
        Some(m.measures.push(node))
    }

    /// The slot of the parameter program that computes a measure node that reads no state.
    fn fold(&mut self, m: &Model, node: &MeasureNode) -> Slot {
        match node {
            MeasureNode::Const(v) => self.constant(*v),
            MeasureNode::Slot(s) => *s,
            MeasureNode::Bin(_, a, b) | MeasureNode::Ratio(a, b) => {
                let op = match node {
                    MeasureNode::Bin(op, ..) => *op,
                    _ => BinOp::Div,
                };
                let (a, b) = (m.measures[*a].clone(), m.measures[*b].clone());
                let (a, b) = (self.fold(m, &a), self.fold(m, &b));
                self.prog.push(crate::model::params::Op::Bin { op, a, b })
            }
            _ => self.zero,
        }
    }

    /// The measures that compute over others or read the run's clock, parameters and caps.
    fn expression(&mut self, m: &mut Model, measure: &Measure, path: &str) -> Option<MeasureNode> {
        let mut pair = |cx: &mut Self, a: &Measure, b: &Measure| {
            let a = cx.measure(m, a, &sub(path, "0"));
            let b = cx.measure(m, b, &sub(path, "1"));
            Some((a?, b?))
        };
        Some(match measure {
            Measure::Add(a, b) => {
                let (a, b) = pair(self, a, b)?;
                MeasureNode::Bin(BinOp::Add, a, b)
            }
            Measure::Sub(a, b) => {
                let (a, b) = pair(self, a, b)?;
                MeasureNode::Bin(BinOp::Sub, a, b)
            }
            Measure::Mul(a, b) => {
                let (a, b) = pair(self, a, b)?;
                MeasureNode::Bin(BinOp::Mul, a, b)
            }
            Measure::Div(a, b) => {
                let (a, b) = pair(self, a, b)?;
                MeasureNode::Ratio(a, b)
            }
            Measure::Min(a, b) => {
                let (a, b) = pair(self, a, b)?;
                MeasureNode::Bin(BinOp::Min, a, b)
            }
            Measure::Max(a, b) => {
                let (a, b) = pair(self, a, b)?;
                MeasureNode::Bin(BinOp::Max, a, b)
            }
            Measure::Number(v) => {
                if !v.is_finite() || v.abs() > crate::model::params::LIMIT {
                    self.problem(path, "a number here must be finite and within ±1e15");
                    return None;
                }
                MeasureNode::Const(*v)
            }
            Measure::Param(name) => MeasureNode::Slot(self.param(name, path)),
            Measure::Lag(x, steps) => {
                let x = self.measure(m, x, &sub(path, "0"))?;
                self.lag(m, x, *steps as usize)
            }
            Measure::LastStep(x) => {
                let x = self.measure(m, x, &sub(path, "0"))?;
                let before = self.lag(m, x, 1);
                let before = m.measures.push(before);
                MeasureNode::Bin(BinOp::Sub, x, before)
            }
            Measure::Progress { of, needed, lag } => {
                let of = self.measure(m, of, &sub(path, "of"))?;
                let needed = self.num(needed, &sub(path, "needed"), Domain::Positive);
                self.progress(m, of, needed, *lag as usize)
            }
            Measure::ReceivedLast { actor, good } => {
                MeasureNode::ReceivedLast(self.cell(m, actor, good, path)?.0)
            }
            Measure::NeedMetLast { actor, good } => {
                MeasureNode::NeedMetLast(self.need(m, actor, good, path)?)
            }
            Measure::Step => MeasureNode::Step,
            Measure::OverCap(id) => MeasureNode::OverCap(self.cap(m, id, path)?),
            Measure::Breaches(id) => MeasureNode::Breaches(self.cap(m, id, path)?),
            Measure::Tolls { from, to } => {
                let (f, t) = self.pair(from, to, path)?;
                let lanes: Vec<LaneId> = m
                    .lanes
                    .ids()
                    .filter(|&l| m.lanes[l].from == f && m.lanes[l].to == t)
                    .collect();
                let why = || format!("no channel runs from {from} to {to}, so no toll is paid");
                MeasureNode::Tolls(self.some_lanes(lanes, path, why)?)
            }
            _ => unreachable_measure(path),
        })
    }

    /// `x`'s value `steps` steps back: a history of `x` deep enough for it (shared by every lag
    /// of `x`).
    fn lag(&mut self, m: &mut Model, x: MeasureId, steps: usize) -> MeasureNode {
        // A lag longer than the run reads the run's start, as a lag of the run's length does.
        let steps = steps.min(m.steps);
        let history = match m.histories.position(|(src, _)| *src == x) {
            Some(h) => {
                m.histories[h].1 = m.histories[h].1.max(steps);
                h
            }
            None => m.histories.push((x, steps)),
        };
        MeasureNode::Lag { history, steps }
    }

    /// `min(1, max(0, Lag(of, lag) / needed))`.
    fn progress(&mut self, m: &mut Model, of: MeasureId, needed: Slot, lag: usize) -> MeasureNode {
        let source = if lag == 0 {
            of
        } else {
            let l = self.lag(m, of, lag);
            m.measures.push(l)
        };
        let needed = m.measures.push(MeasureNode::Slot(needed));
        let share = m.measures.push(MeasureNode::Ratio(source, needed));
        let zero = m.measures.push(MeasureNode::Const(0.0));
        let one = m.measures.push(MeasureNode::Const(1.0));
        let floor = m.measures.push(MeasureNode::Bin(BinOp::Max, share, zero));
        MeasureNode::Bin(BinOp::Min, floor, one)
    }

    /// `lanes`, unless there are none: then a problem saying `why` (unless some channel's ends
    /// are unknown, which already has its own), and `None`.
    fn some_lanes<T>(
        &mut self,
        lanes: Vec<T>,
        path: &str,
        why: impl FnOnce() -> String,
    ) -> Option<Vec<T>> {
        if lanes.is_empty() {
            if !self.channels_incomplete {
                self.problem(path, why());
            }
            return None;
        }
        Some(lanes)
    }

    /// A total over the lanes carrying `good` from `from` to `to`.
    fn lane_measure(
        &mut self,
        m: &Model,
        stat: LaneStat,
        (from, to, good): (&str, &str, &str),
        channel: Option<&str>,
        path: &str,
    ) -> Option<MeasureNode> {
        let pair = self.pair(from, to, path);
        let g = self.good(good, &sub(path, "good"));
        let c = match channel {
            Some(c) => Some(self.channel(c, &sub(path, "channel"))?),
            None => None,
        };
        let ((f, t), g) = (pair?, g?);
        let lanes: Vec<LaneId> = m
            .lanes
            .ids()
            .filter(|&l| {
                let lane = &m.lanes[l];
                lane.from == f
                    && lane.to == t
                    && lane.good == g
                    && c.is_none_or(|c| lane.channel == c)
            })
            .collect();
        let why = || match channel {
            Some(c) => format!(
                "channel {c} does not carry {good} from {from} to {to}, so this would always be 0"
            ),
            None => {
                format!("no channel carries {good} from {from} to {to}, so this would always be 0")
            }
        };
        let lanes = self.some_lanes(lanes, path, why)?;
        Some(MeasureNode::Lanes { stat, lanes })
    }

    /// One account of one actor and good (services have no stock, consumption or shortfall).
    fn cell_measure(
        &mut self,
        m: &Model,
        stat: CellStat,
        actor: &str,
        good: &str,
        path: &str,
    ) -> Option<MeasureNode> {
        let a = self.actor(actor, &sub(path, "actor"));
        let g = self.good(good, &sub(path, "good"));
        let (a, g) = (a?, g?);
        if !m.goods[g].stocked()
            && matches!(
                stat,
                CellStat::Consumed | CellStat::Shortfall | CellStat::Stock
            )
        {
            self.problem(path, format!("{good} is a service, which is never stocked or consumed; measure Received or Produced instead"));
            return None;
        }
        Some(MeasureNode::Cell {
            stat,
            cell: m.cell(a, g),
        })
    }

    /// The share of an actor's need for a good met so far.
    fn need_met_measure(
        &mut self,
        m: &Model,
        actor: &str,
        good: &str,
        path: &str,
    ) -> Option<MeasureNode> {
        let a = self.actor(actor, &sub(path, "actor"));
        let g = self.good(good, &sub(path, "good"));
        let (a, g) = (a?, g?);
        let Some(n) = m.need_at[m.cell(a, g)] else {
            self.problem(
                path,
                format!("{actor} has no need for {good}, so there is no share to measure"),
            );
            return None;
        };
        Some(MeasureNode::NeedMet(n))
    }

    /// Every lane that `keep` selects, with its good's value slot.
    fn valued_lanes(m: &Model, keep: impl Fn(&LaneDef) -> bool) -> Vec<(LaneId, u32)> {
        m.lanes
            .iter_ids()
            .filter(|(_, l)| keep(l))
            .map(|(id, l)| (id, m.goods[l.good].value))
            .collect()
    }

    /// Steps with a shipment seen on any lane between two actors, either way: a new tally.
    fn exposed_measure(
        &mut self,
        m: &mut Model,
        from: &str,
        to: &str,
        path: &str,
    ) -> Option<MeasureNode> {
        let (f, t) = self.pair(from, to, path)?;
        let lanes: Vec<LaneId> = m
            .lanes
            .ids()
            .filter(|&l| {
                let ln = &m.lanes[l];
                (ln.from == f && ln.to == t) || (ln.from == t && ln.to == f)
            })
            .collect();
        let why =
            || format!("no channel joins {from} and {to}, so nothing between them can be seen");
        let lanes = self.some_lanes(lanes, path, why)?;
        Some(MeasureNode::Exposed {
            tally: m.exposures.push(lanes),
        })
    }
}
