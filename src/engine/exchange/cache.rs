//! What bargaining keeps from one bargain to the next.

use super::leg::{Leg, LegLane};
use crate::engine::state::Params;
use crate::model::{ChannelId, FlowId, IdVec, LaneId, LinkId, Model};

/// What bargaining keeps between bargains: each link's last rate and where it has been
/// heading (to start the next search near it), the order of each flow's lanes, and every trade
/// flow's leg and leg lanes, written in place (nothing is allocated after
/// [`BargainCache::new`]).
pub(in crate::engine) struct BargainCache {
    /// Last bargain's log exchange rate `ln θ` per link, to start the next search near it.
    pub(super) rate: IdVec<LinkId, f64>,
    /// Slope of the bargaining residual at that rate, for the next search's first step.
    pub(super) slope: IdVec<LinkId, f64>,
    /// Where each link's rate has been heading, to start the next search at its forecast.
    pub(super) trend: IdVec<LinkId, Trend>,
    /// Counts the times a run's curves, costs, lanes' shares or lanes' order may have changed
    /// (each run start, each change of modifiers): legs and their leg lanes prepared in the
    /// same epoch can keep what depends on those alone.
    pub(super) epoch: u64,
    /// Lanes of every flow, cheapest expected loss first; re-sorted whenever modifiers may have
    /// changed detection or seizure ([`BargainCache::sort_lanes`]).
    pub(super) flow_lanes: IdVec<FlowId, Vec<LaneId>>,
    /// One leg per trade flow (the flow's index is its leg's place), kept from step to step.
    pub(super) legs: Vec<Leg>,
    /// Every trade flow's leg lanes, flow after flow. A leg lane's lane and arriving share change
    /// only with the epoch (the order of a flow's lanes and their losses are recomputed
    /// together); its room is refreshed every step.
    pub(super) leg_lanes: Vec<LegLane>,
    /// Each link's first flow: its legs are `legs[start..]`, the flows from `a` to `b` first.
    pub(super) link_start: IdVec<LinkId, usize>,
    /// Each channel's place when channels are ordered by id: the last tie-break of lane order.
    channel_rank: IdVec<ChannelId, u32>,
}

impl BargainCache {
    pub(in crate::engine) fn new(m: &Model) -> BargainCache {
        let mut link_start = IdVec::new();
        let mut start = 0;
        for l in &m.links {
            link_start.push(start);
            start += l.ab.len() + l.ba.len();
        }
        // One leg per flow of every link, each with one leg lane per lane of its flow:
        // (lanes, given by the link's `a`) per flow.
        let flows: Vec<(usize, bool)> = m
            .links
            .iter()
            .flat_map(|l| {
                let ab = l.ab.iter().map(|f| (f.lanes.len(), true));
                ab.chain(l.ba.iter().map(|f| (f.lanes.len(), false)))
            })
            .collect();
        let leg_lane = LegLane {
            lane: LaneId::new(0),
            room: 0.0,
            keep: 0.0,
            inv_keep: f64::INFINITY,
            toll: 0.0,
        };
        // What a leg has for the runner's life is set here, once.
        let mut legs = vec![Leg::idle(); flows.len()];
        let mut at = 0;
        for (f, (leg, (n, from_a))) in legs.iter_mut().zip(flows).enumerate() {
            leg.flow = FlowId::new(f);
            leg.from_a = from_a;
            leg.start = at;
            leg.len = n;
            at += n;
        }
        let links = m.links.len();
        BargainCache {
            rate: IdVec::filled(0.0, links),
            slope: IdVec::filled(1.0, links),
            trend: IdVec::filled(Trend::default(), links),
            epoch: 0,
            flow_lanes: m.flows().map(|(_, f)| f.lanes.clone()).collect(),
            legs,
            leg_lanes: vec![leg_lane; at],
            link_start,
            channel_rank: {
                let mut by_id: Vec<ChannelId> = m.channels.ids().collect();
                by_id.sort_by(|a, b| m.channels[*a].id.cmp(&m.channels[*b].id));
                let mut rank = IdVec::filled(0, m.channels.len());
                for (i, c) in by_id.into_iter().enumerate() {
                    rank[c] = i as u32;
                }
                rank
            },
        }
    }

    /// Forgets everything learnt in earlier runs: a new run starts from rate 1 on every link
    /// and from the file's order of lanes, so that nothing depends on which runs this runner
    /// did before.
    pub(in crate::engine) fn reset(&mut self, m: &Model) {
        self.rate.fill(0.0);
        self.slope.fill(1.0);
        self.trend.fill(Trend::default());
        // The file's order; `sort_lanes` puts them in the model's order before the first step.
        for (lanes, (_, flow)) in self.flow_lanes.iter_mut().zip(m.flows()) {
            lanes.copy_from_slice(&flow.lanes);
        }
        self.invalidate();
    }

    /// Marks every prepared leg stale: curves, costs, lanes' shares or their order may have
    /// changed.
    pub(in crate::engine) fn invalidate(&mut self) {
        self.epoch += 1;
    }

    /// The lanes of flow `f`, cheapest expected loss first.
    pub(in crate::engine) fn lanes_of(&self, f: FlowId) -> &[LaneId] {
        &self.flow_lanes[f]
    }

    /// Orders each flow's lanes by the expected cost of sending one unit on it (the value it
    /// loses to seizure plus its toll), cheapest first; ties go to the less watched lane
    /// (lower detection), then to the channel whose id comes first. So the order is a rule of
    /// the model, never the file's. Insertion sort: the lists are short and this must not
    /// allocate.
    pub(in crate::engine) fn sort_lanes(&mut self, m: &Model, p: &Params) {
        let key = |l: LaneId| {
            let lane = &m.lanes[l];
            (
                p.lane_loss[l] * p.lane_value[l] + p.lane_toll[l],
                p.detection[lane.channel],
                self.channel_rank[lane.channel],
            )
        };
        let mut flow_lanes = std::mem::take(&mut self.flow_lanes);
        for lanes in flow_lanes.iter_mut() {
            for i in 1..lanes.len() {
                let mut j = i;
                while j > 0 && key(lanes[j - 1]) > key(lanes[j]) {
                    lanes.swap(j - 1, j);
                    j -= 1;
                }
            }
        }
        self.flow_lanes = flow_lanes;
    }
}

/// Recent roots of one link's bargaining residual, estimated from each bargain struck.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Trend {
    /// Latest estimated root of `ln θ`.
    root: f64,
    /// Its last two changes from step to step, newest first.
    d1: f64,
    d2: f64,
    /// Bargains struck in a row up to the latest (0: none, or the chain broke).
    pub(super) streak: u32,
}

impl Trend {
    /// Largest change between steps that is still extrapolated: beyond it the rate jumped
    /// (an event, a seizure) and the last rate is the better start.
    const SMOOTH: f64 = 0.05;

    /// Where the next root is expected: the changes extrapolated in a straight line when the
    /// last three bargains were struck in a row and moved smoothly, else `last`.
    pub(super) fn forecast(&self, last: f64) -> f64 {
        if self.streak >= 3 && self.d1.abs() < Self::SMOOTH && self.d2.abs() < Self::SMOOTH {
            self.root + 2.0 * self.d1 - self.d2
        } else {
            last
        }
    }

    /// Records a bargain whose root is estimated at `root`.
    pub(super) fn struck(&mut self, root: f64) {
        if self.streak > 0 {
            self.d2 = self.d1;
            self.d1 = root - self.root;
        }
        self.root = root;
        self.streak = self.streak.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::Trend;

    #[test]
    fn trend_extrapolates_smooth_changes_only() {
        let mut trend = Trend::default();
        // Roots moving by 0.010, 0.009, 0.008...: the next change is forecast as 0.007.
        for root in [1.0, 1.010, 1.019] {
            assert_eq!(
                trend.forecast(7.0),
                7.0,
                "fewer than three bargains: last rate"
            );
            trend.struck(root);
        }
        trend.struck(1.027);
        assert!((trend.forecast(7.0) - 1.034).abs() < 1e-12);
        // A jump (an event) is not extrapolated, nor is the step after it.
        trend.struck(1.5);
        assert_eq!(trend.forecast(1.5), 1.5);
        trend.struck(1.501);
        assert_eq!(trend.forecast(1.501), 1.501);
        // A step without a bargain breaks the chain.
        trend.struck(1.502);
        assert!((trend.forecast(0.0) - 1.503).abs() < 1e-12);
        trend.streak = 0;
        assert_eq!(trend.forecast(0.0), 0.0);
    }
}
