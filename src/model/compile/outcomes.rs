//! Outcomes and the measures they read.

use super::{Ctx, sub};
use crate::model::{
    ActorId, CellStat, LaneDef, LaneId, LaneStat, MeasureId, MeasureNode, Model, OutcomeDef,
    TallyId,
};
use crate::scenario::format::Measure;

impl Ctx<'_> {
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
            m.outcomes.push(OutcomeDef {
                id: o.id.clone(),
                name: o.name.clone(),
                unit: o.unit.clone(),
                better: o.better.into(),
                scale,
                root: root.unwrap_or(MeasureId::new(0)),
            });
        }
    }

    fn pair(&mut self, from: &str, to: &str, path: &str) -> Option<(ActorId, ActorId)> {
        let f = self.actor(from, &sub(path, "from"));
        let t = self.actor(to, &sub(path, "to"));
        Some((f?, t?))
    }

    /// Compiles a measure into nodes of `m.measures`, children first; returns its root.
    fn measure(&mut self, m: &mut Model, measure: &Measure, path: &str) -> Option<MeasureId> {
        let node = match measure {
            Measure::Delivered { from, to, good }
            | Measure::Sent { from, to, good }
            | Measure::Seized { from, to, good } => {
                let stat = match measure {
                    Measure::Delivered { .. } => LaneStat::Delivered,
                    Measure::Sent { .. } => LaneStat::Sent,
                    _ => LaneStat::Seized,
                };
                self.lane_measure(m, stat, (from, to, good), path)?
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
        };
        Some(m.measures.push(node))
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
        path: &str,
    ) -> Option<MeasureNode> {
        let pair = self.pair(from, to, path);
        let g = self.good(good, &sub(path, "good"));
        let ((f, t), g) = (pair?, g?);
        let lanes: Vec<LaneId> = m
            .lanes
            .ids()
            .filter(|&l| m.lanes[l].from == f && m.lanes[l].to == t && m.lanes[l].good == g)
            .collect();
        let why =
            || format!("no channel carries {good} from {from} to {to}, so this would always be 0");
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
        let tally = TallyId::new(m.tallies);
        m.tallies += 1;
        Some(MeasureNode::Exposed { lanes, tally })
    }
}
