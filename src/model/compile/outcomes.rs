//! Outcomes and the measures they read.

use super::{Ctx, sub};
use crate::model::{
    ActorId, CellStat, LaneId, LaneStat, MeasureId, MeasureNode, Model, OutcomeDef, TallyId,
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

    fn measure(&mut self, m: &mut Model, measure: &Measure, path: &str) -> Option<MeasureId> {
        let node = match measure {
            Measure::Delivered { from, to, good }
            | Measure::Sent { from, to, good }
            | Measure::Seized { from, to, good } => {
                let pair = self.pair(from, to, path);
                let g = self.good(good, &sub(path, "good"));
                let ((f, t), g) = (pair?, g?);
                let lanes: Vec<LaneId> = m
                    .lanes
                    .ids()
                    .filter(|&l| m.lanes[l].from == f && m.lanes[l].to == t && m.lanes[l].good == g)
                    .collect();
                if lanes.is_empty() {
                    if !self.channels_incomplete {
                        self.problem(path, format!("no channel carries {good} from {from} to {to}, so this would always be 0"));
                    }
                    return None;
                }
                let stat = match measure {
                    Measure::Delivered { .. } => LaneStat::Delivered,
                    Measure::Sent { .. } => LaneStat::Sent,
                    _ => LaneStat::Seized,
                };
                MeasureNode::Lanes { stat, lanes }
            }
            Measure::Received { actor, good }
            | Measure::Consumed { actor, good }
            | Measure::Produced { actor, good }
            | Measure::Shortfall { actor, good }
            | Measure::Stock { actor, good } => {
                let a = self.actor(actor, &sub(path, "actor"));
                let g = self.good(good, &sub(path, "good"));
                let (a, g) = (a?, g?);
                let stat = match measure {
                    Measure::Received { .. } => CellStat::Received,
                    Measure::Consumed { .. } => CellStat::Consumed,
                    Measure::Produced { .. } => CellStat::Produced,
                    Measure::Shortfall { .. } => CellStat::Shortfall,
                    _ => CellStat::Stock,
                };
                if !m.goods[g].stocked()
                    && matches!(
                        stat,
                        CellStat::Consumed | CellStat::Shortfall | CellStat::Stock
                    )
                {
                    self.problem(path, format!("{good} is a service, which is never stocked or consumed; measure Received or Produced instead"));
                    return None;
                }
                MeasureNode::Cell {
                    stat,
                    cell: m.cell(a, g),
                }
            }
            Measure::NeedMet { actor, good } => {
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
                MeasureNode::NeedMet(n)
            }
            Measure::Trust { from, to } => MeasureNode::Trust(self.relation(m, from, to, path)?),
            Measure::Count(e) => MeasureNode::Count(self.event(e, path)?),
            Measure::Happened(e) => MeasureNode::Happened(self.event(e, path)?),
            Measure::Value { from, to } => {
                let (f, t) = self.pair(from, to, path)?;
                let lanes: Vec<(LaneId, u32)> = m
                    .lanes
                    .ids()
                    .filter(|&l| m.lanes[l].from == f && m.lanes[l].to == t)
                    .map(|l| (l, m.goods[m.lanes[l].good].value))
                    .collect();
                if lanes.is_empty() {
                    if !self.channels_incomplete {
                        self.problem(
                            path,
                            format!(
                                "no channel runs from {from} to {to}, so this would always be 0"
                            ),
                        );
                    }
                    return None;
                }
                MeasureNode::Value(lanes)
            }
            Measure::ValueReceived(actor) => {
                let a = self.actor(actor, path)?;
                let lanes: Vec<(LaneId, u32)> = m
                    .lanes
                    .ids()
                    .filter(|&l| m.lanes[l].to == a)
                    .map(|l| (l, m.goods[m.lanes[l].good].value))
                    .collect();
                if lanes.is_empty() {
                    if !self.channels_incomplete {
                        self.problem(
                            path,
                            format!("no channel runs to {actor}, so this would always be 0"),
                        );
                    }
                    return None;
                }
                MeasureNode::Value(lanes)
            }
            Measure::Gain(actor) => {
                let a = self.actor(actor, path)?;
                if !m.links.iter().any(|l| l.a == a || l.b == a) {
                    self.problem(path, format!("{actor} takes part in no trade (it needs a partner with offers and channels both ways), so its gain would always be 0"));
                    return None;
                }
                MeasureNode::Gain(a)
            }
            Measure::Exposed { from, to } => {
                let (f, t) = self.pair(from, to, path)?;
                let lanes: Vec<LaneId> = m
                    .lanes
                    .ids()
                    .filter(|&l| {
                        let ln = &m.lanes[l];
                        (ln.from == f && ln.to == t) || (ln.from == t && ln.to == f)
                    })
                    .collect();
                if lanes.is_empty() {
                    if !self.channels_incomplete {
                        self.problem(
                            path,
                            format!(
                                "no channel joins {from} and {to}, so nothing between them can be seen"
                            ),
                        );
                    }
                    return None;
                }
                let tally = TallyId::new(m.tallies);
                m.tallies += 1;
                MeasureNode::Exposed { lanes, tally }
            }
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
}
