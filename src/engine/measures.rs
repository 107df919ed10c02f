//! Reading outcomes from the state of a run.

use super::Runner;
use crate::model::{CellStat, LaneStat, MeasureId, MeasureNode};

impl Runner<'_> {
    /// Value of measure node `i` now.
    ///
    /// Inlined where outcomes are recorded, so that the usual node (a quantity read or summed
    /// over a few lanes) costs no call; ratios and sums of nodes go through a function each.
    #[inline(always)]
    pub(super) fn measure(&self, i: MeasureId) -> f64 {
        let totals = &self.totals;
        match &self.model.measures[i] {
            MeasureNode::Lanes { stat, lanes } => {
                let per_lane = match stat {
                    LaneStat::Sent => &totals.lanes.sent,
                    LaneStat::Delivered => &totals.lanes.delivered,
                    LaneStat::Seized => &totals.lanes.seized,
                };
                lanes.iter().map(|&l| per_lane[l]).sum()
            }
            MeasureNode::Cell { stat, cell } => match stat {
                CellStat::Received => totals.accounts.received[*cell],
                CellStat::Consumed => totals.accounts.consumed[*cell],
                CellStat::Produced => totals.accounts.produced[*cell],
                CellStat::Shortfall => totals.accounts.shortfall[*cell],
                CellStat::Stock => self.state.stock[*cell],
            },
            MeasureNode::NeedMet(n) => {
                let q = totals.need_asked[*n];
                if q > 0.0 {
                    totals.need_met[*n] / q
                } else {
                    0.0
                }
            }
            MeasureNode::Trust(r) => self.state.trust[*r],
            MeasureNode::Count(e) => self.events.count[*e] as f64,
            MeasureNode::Happened(e) => f64::from(u8::from(self.events.count[*e] > 0)),
            MeasureNode::Value(lanes) => lanes
                .iter()
                .map(|&(l, v)| totals.lanes.delivered[l] * self.params.slot(v))
                .sum(),
            MeasureNode::Gain(a) => totals.gain[*a],
            MeasureNode::Exposed { tally, .. } => totals.tallies[*tally],
            MeasureNode::Ratio(a, b) => self.ratio(*a, *b),
            MeasureNode::Sum(parts) => self.sum_of(parts),
        }
    }

    /// Node `a` over node `b` now (0 while `b` is 0).
    #[inline(never)]
    fn ratio(&self, a: MeasureId, b: MeasureId) -> f64 {
        let d = self.measure(b);
        if d != 0.0 { self.measure(a) / d } else { 0.0 }
    }

    /// The sum of the nodes `parts` now.
    #[inline(never)]
    fn sum_of(&self, parts: &[MeasureId]) -> f64 {
        parts.iter().map(|&p| self.measure(p)).sum()
    }
}
