//! Reading outcomes from the state of a run.

use super::Runner;
use crate::model::{BinOp, CellStat, HistoryId, LaneStat, MeasureId, MeasureNode};

impl Runner<'_> {
    /// Value of measure node `i` now, as [`Runner::measure`], for events, decisions and
    /// adjustments: a constant or a parameter is read in place, anything else costs one call
    /// (inlining the whole match at every condition and chance would cost more than it saves).
    #[inline]
    pub(super) fn read(&self, i: MeasureId) -> f64 {
        match &self.model.measures[i] {
            MeasureNode::Const(v) => *v,
            MeasureNode::Slot(s) => self.params.slot(*s),
            _ => self.measure_called(i),
        }
    }

    #[inline(never)]
    fn measure_called(&self, i: MeasureId) -> f64 {
        self.measure(i)
    }

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
            MeasureNode::Exposed { tally } => totals.tallies[*tally],
            MeasureNode::Ratio(a, b) => self.ratio(*a, *b),
            MeasureNode::Sum(parts) => self.sum_of(parts),
            MeasureNode::Const(v) => *v,
            MeasureNode::Slot(s) => self.params.slot(*s),
            MeasureNode::Bin(op, a, b) => self.arithmetic(*op, *a, *b),
            MeasureNode::Lag { history, steps } => self.lagged(*history, *steps),
            MeasureNode::ReceivedLast(c) => self.state.received_last[*c],
            MeasureNode::NeedMetLast(n) => self.state.need_met_last[*n],
            MeasureNode::Step => self.state.step as f64,
            MeasureNode::OverCap(c) => totals.over_cap[*c],
            MeasureNode::Breaches(c) => totals.breaches[*c],
            MeasureNode::Tolls(lanes) => lanes.iter().map(|&l| totals.lanes.toll[l]).sum(),
        }
    }

    /// `a op b` now.
    #[inline(never)]
    fn arithmetic(&self, op: BinOp, a: MeasureId, b: MeasureId) -> f64 {
        let (a, b) = (self.measure(a), self.measure(b));
        match op {
            BinOp::Add => a + b,
            BinOp::Sub => a - b,
            BinOp::Mul => a * b,
            BinOp::Div if b == 0.0 => 0.0,
            BinOp::Div => a / b,
            BinOp::Min => a.min(b),
            BinOp::Max => a.max(b),
        }
    }

    /// A history's measure `steps` steps before the latest recorded step (the run's start
    /// before that); 0 steps back is the measure now.
    #[inline(never)]
    fn lagged(&self, h: HistoryId, steps: usize) -> f64 {
        let (source, _) = self.model.histories[h];
        if steps == 0 {
            return self.measure(source);
        }
        let (at, len) = self.totals.ring_at[h];
        let t = self.recorded.saturating_sub(steps);
        self.totals.rings[at + t % len]
    }

    /// Writes every history's measure as it stands after step `t` into its ring.
    pub(super) fn remember(&mut self, t: usize) {
        let m = self.model;
        for (h, &(source, _)) in m.histories.iter_ids() {
            let v = self.measure(source);
            let (at, len) = self.totals.ring_at[h];
            self.totals.rings[at + t % len] = v;
        }
        self.recorded = t;
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
