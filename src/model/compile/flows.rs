//! The trade and aid flows that offers, channels and needs imply, and the links trade flows
//! form.

use super::{Ctx, sub};
use crate::model::{ActorId, FlowDef, GoodId, LaneId, LinkDef, Model, OfferId};
use crate::scenario::format::Offer;

impl Ctx<'_> {
    /// Builds trade links and aid flows from offers, channels and needs.
    pub(super) fn flows(&mut self, m: &mut Model) {
        for o in m.offers.ids() {
            self.offer_flows(m, o);
        }
        self.drop_one_sided_links(m);
    }

    /// The flows of offer `o`: one per taker its lanes reach (every actor they reach when the
    /// offer names none) that needs the good.
    fn offer_flows(&mut self, m: &mut Model, o: OfferId) {
        let sc = self.sc;
        let offer = m.offers[o].clone();
        let (giver, g) = (offer.actor, offer.good);
        let Some(raw) = sc.actors[giver.index()]
            .offers
            .iter()
            .find(|x| x.good == sc.goods[g.index()].id)
        else {
            return;
        };
        let mut flows_made = 0;
        for t in Self::takers(m, raw, giver, g) {
            let Some(flow) = self.flow_def(m, raw, o, t) else {
                continue;
            };
            flows_made += 1;
            if offer.aid {
                m.aids.push(flow);
            } else {
                Self::add_to_link(m, flow);
            }
        }
        if flows_made == 0 && raw.to.is_empty() {
            self.warn(format!(
                "{} offers {}, but no actor that needs it is reachable by a channel carrying it",
                sc.actors[giver.index()].id,
                sc.goods[g.index()].id
            ));
        }
    }

    /// Whom an offer of good `g` by `giver` may give to: the actors it names, else every actor
    /// a lane carrying the good reaches.
    fn takers(m: &Model, raw: &Offer, giver: ActorId, g: GoodId) -> Vec<ActorId> {
        if raw.to.is_empty() {
            m.actors
                .ids()
                .filter(|&t| {
                    t != giver
                        && m.lanes
                            .iter()
                            .any(|l| l.from == giver && l.to == t && l.good == g)
                })
                .collect()
        } else {
            raw.to
                .iter()
                .filter_map(|t| m.actors.position(|a| &a.id == t))
                .filter(|&t| t != giver)
                .collect()
        }
    }

    /// The flow of offer `o` to taker `t`, if a lane carries it and the taker needs the good.
    fn flow_def(&mut self, m: &Model, raw: &Offer, o: OfferId, t: ActorId) -> Option<FlowDef> {
        let sc = self.sc;
        let (giver, g) = (m.offers[o].actor, m.offers[o].good);
        let lanes: Vec<LaneId> = m
            .lanes
            .ids()
            .filter(|&l| m.lanes[l].from == giver && m.lanes[l].to == t && m.lanes[l].good == g)
            .collect();
        let (gid, tid, good) = (
            &sc.actors[giver.index()].id,
            &sc.actors[t.index()].id,
            &sc.goods[g.index()].id,
        );
        if lanes.is_empty() {
            if !self.channels_incomplete {
                let opath = format!("actors[{gid}].offers[{good}]");
                self.problem(sub(&opath, "to"), format!("{gid} offers {good} to {tid}, but no channel carries {good} from {gid} to {tid}; add a channel or remove {tid} from `to`"));
            }
            return None;
        }
        let (giver_cell, taker_cell) = (m.cell(giver, g), m.cell(t, g));
        let Some(taker_need) = m.need_at[taker_cell] else {
            if !raw.to.is_empty() {
                self.warn(format!("{gid} offers {good} to {tid}, but {tid} has no need for {good}, so nothing will flow"));
            }
            return None;
        };
        Some(FlowDef {
            giver,
            taker: t,
            good: g,
            offer: o,
            relation: m.relations.position(|r| r.from == giver && r.to == t),
            lanes,
            taker_need,
            giver_need: m.need_at[giver_cell],
            giver_cell,
            taker_cell,
            stocked: m.goods[g].stocked(),
        })
    }

    /// Adds a trade flow to the link of its two actors (`a` the one declared first), making
    /// the link if it is the pair's first flow.
    fn add_to_link(m: &mut Model, flow: FlowDef) {
        let (giver, t) = (flow.giver, flow.taker);
        let (a, b) = (giver.min(t), giver.max(t));
        let li = match m.links.position(|l| l.a == a && l.b == b) {
            Some(i) => i,
            None => m.links.push(LinkDef {
                a,
                b,
                ab: vec![],
                ba: vec![],
            }),
        };
        if giver == a {
            m.links[li].ab.push(flow);
        } else {
            m.links[li].ba.push(flow);
        }
    }

    /// Drops, with a warning, every link with flows one way only: such a pair cannot trade.
    fn drop_one_sided_links(&mut self, m: &mut Model) {
        let sc = self.sc;
        let mut links = std::mem::take(&mut m.links).into_vec();
        links.retain(|l| {
            let one_sided = l.ab.is_empty() || l.ba.is_empty();
            if one_sided {
                let (giver, taker) = if l.ab.is_empty() { (l.b, l.a) } else { (l.a, l.b) };
                let (g, t) = (&sc.actors[giver.index()].id, &sc.actors[taker.index()].id);
                self.warnings.push(format!(
                    "{g} offers {t} goods it needs, but {t} offers nothing {g} needs through a channel back, so the two cannot trade; declare the offers with terms: Aid for one-way giving"
                ));
            }
            !one_sided
        });
        m.links = links.into();
    }
}
