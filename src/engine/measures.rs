//! Reading outcomes from the state of a run.

use super::Runner;
use crate::model::{CellStat, LaneStat, MeasureId, MeasureNode};

impl Runner<'_> {
    /// Value of measure node `i` now.
    ///
    /// Inlined where outcomes are recorded, so that the usual node (a quantity read or summed
    /// over a few lanes) costs no call; ratios and sums of nodes go through a function each.
    #[inline(always)]
    pub(crate) fn measure(&self, i: MeasureId) -> f64 {
        match &self.m.measures[i] {
            MeasureNode::Lanes { stat, lanes } => {
                let totals = match stat {
                    LaneStat::Sent => &self.lane_sent_cum,
                    LaneStat::Delivered => &self.lane_delivered_cum,
                    LaneStat::Seized => &self.lane_seized_cum,
                };
                lanes.iter().map(|&l| totals[l]).sum()
            }
            MeasureNode::Cell { stat, cell } => match stat {
                CellStat::Received => self.acc.received[*cell],
                CellStat::Consumed => self.acc.consumed[*cell],
                CellStat::Produced => self.acc.produced[*cell],
                CellStat::Shortfall => self.acc.shortfall[*cell],
                CellStat::Stock => self.stock[*cell],
            },
            MeasureNode::NeedMet(n) => {
                let q = self.need_q_cum[*n];
                if q > 0.0 {
                    self.need_met_cum[*n] / q
                } else {
                    0.0
                }
            }
            MeasureNode::Trust(r) => self.trust[*r],
            MeasureNode::Count(e) => self.event_count[*e] as f64,
            MeasureNode::Happened(e) => f64::from(u8::from(self.event_count[*e] > 0)),
            MeasureNode::Value(lanes) => lanes
                .iter()
                .map(|&(l, v)| self.lane_delivered_cum[l] * self.p[v as usize])
                .sum(),
            MeasureNode::Gain(a) => self.gain[*a],
            MeasureNode::Exposed { acc, .. } => self.measure_acc[*acc],
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
