//! Goods, actors, channels, relations, and the trade and aid flows they imply.

use super::{Ctx, sub};
use crate::model::params::Domain;
use crate::model::{
    ActorDef, ActorId, Cell, ChannelDef, CurveDef, FlowDef, GoodDef, GoodId, IdVec, LaneDef,
    LaneId, LinkDef, Model, NeedDef, OfferDef, OfferId, RelationDef, RouteDef,
};
use crate::scenario::format::{Curve, Terms};
use crate::scenario::num::Num;
use crate::scenario::table::Table;

impl Ctx<'_> {
    pub(super) fn goods_and_actors(&mut self, m: &mut Model) {
        let sc = self.sc;
        for g in &sc.goods {
            let path = format!("goods[{}]", g.id);
            self.name(&sub(&path, "name"), &g.name);
            self.name(&sub(&path, "unit"), &g.unit);
            let value = self.opt_num(
                g.value.as_ref(),
                0.0,
                &sub(&path, "value"),
                Domain::NonNegative,
            );
            m.goods.push(GoodDef {
                id: g.id.clone(),
                name: g.name.clone(),
                unit: g.unit.clone(),
                kind: g.kind.into(),
                value,
            });
        }
        let cells = sc.actors.len() * m.goods.len();
        m.need_at = IdVec::filled(None, cells);
        let mut offer_at: IdVec<Cell, Option<OfferId>> = IdVec::filled(None, cells);
        for (a, actor) in ActorId::all(sc.actors.len()).zip(&sc.actors) {
            let path = format!("actors[{}]", actor.id);
            self.name(&sub(&path, "name"), &actor.name);
            let power = self.opt_num(
                actor.power.as_ref(),
                1.0,
                &sub(&path, "power"),
                Domain::Positive,
            );
            m.actors.push(ActorDef {
                id: actor.id.clone(),
                name: actor.name.clone(),
                power,
            });
            let stocks = self.cell_table(m, a, &actor.stocks, &sub(&path, "stocks"), true);
            m.stocks.extend(stocks);
            let prod = self.cell_table(m, a, &actor.production, &sub(&path, "production"), false);
            m.production.extend(prod);
            let cons = self.cell_table(m, a, &actor.consumption, &sub(&path, "consumption"), true);
            m.consumption.extend(cons);

            for need in &actor.needs {
                let npath = format!("{path}.needs[{}]", need.good);
                let Some(g) = self.good(&need.good, &sub(&npath, "good")) else {
                    continue;
                };
                let cell = m.cell(a, g);
                if m.need_at[cell].is_some() {
                    self.problem(
                        &npath,
                        format!(
                            "{} lists a need for {} twice; merge them into one",
                            actor.id, need.good
                        ),
                    );
                    continue;
                }
                let quantity = self.num(&need.quantity, &sub(&npath, "quantity"), Domain::Positive);
                let value = self.num(&need.value, &sub(&npath, "value"), Domain::NonNegative);
                let curve = match &need.curve {
                    None => CurveDef::Concave(self.constant(2.0)),
                    Some(Curve::Linear) => CurveDef::Linear,
                    Some(Curve::Log) => CurveDef::Log,
                    Some(Curve::Concave(k)) => {
                        CurveDef::Concave(self.num(k, &sub(&npath, "curve"), Domain::Exponent))
                    }
                };
                m.need_at[cell] = Some(m.needs.push(NeedDef {
                    actor: a,
                    good: g,
                    cell,
                    quantity,
                    value,
                    curve,
                }));
            }

            for offer in &actor.offers {
                let opath = format!("{path}.offers[{}]", offer.good);
                let Some(g) = self.good(&offer.good, &sub(&opath, "good")) else {
                    continue;
                };
                let cell = m.cell(a, g);
                if offer_at[cell].is_some() {
                    self.problem(
                        &opath,
                        format!(
                            "{} lists an offer of {} twice; merge them into one",
                            actor.id, offer.good
                        ),
                    );
                    continue;
                }
                let stocked = m.goods[g].stocked();
                if !stocked && offer.reserve.is_some() {
                    self.problem(sub(&opath, "reserve"), format!("{} is a service, which is not stocked, so it has no reserve; remove `reserve` (the capacity is its production)", offer.good));
                }
                let reserve = self.opt_num(
                    offer.reserve.as_ref(),
                    0.0,
                    &sub(&opath, "reserve"),
                    Domain::NonNegative,
                );
                let max = offer
                    .max_per_step
                    .as_ref()
                    .map(|n| self.num(n, &sub(&opath, "max_per_step"), Domain::NonNegative));
                let cost = match &offer.cost {
                    Some(c) => self.num(c, &sub(&opath, "cost"), Domain::NonNegative),
                    None => m.goods[g].value,
                };
                for (i, to) in offer.to.iter().enumerate() {
                    let tpath = format!("{opath}.to[{i}]");
                    if let Some(t) = self.actor(to, &tpath) {
                        if t == a {
                            self.problem(tpath, format!("{} cannot give to itself", actor.id));
                        }
                    }
                }
                offer_at[cell] = Some(m.offers.push(OfferDef {
                    actor: a,
                    good: g,
                    cell,
                    reserve,
                    max,
                    cost,
                    aid: offer.terms == Some(Terms::Aid),
                }));
            }
        }
    }

    /// A `{ "good": number }` table of an actor; `stocked_only` rejects services.
    fn cell_table(
        &mut self,
        m: &Model,
        a: ActorId,
        table: &Table<Num>,
        path: &str,
        stocked_only: bool,
    ) -> Vec<(Cell, u32)> {
        let mut out: Vec<(Cell, u32)> = Vec::new();
        let mut seen: Vec<GoodId> = Vec::new();
        for (good, n) in table.iter() {
            let epath = format!("{path}[{good}]");
            let Some(g) = self.good(good, &epath) else {
                continue;
            };
            if seen.contains(&g) {
                self.problem(&epath, format!("{good} is listed twice; give one number"));
                continue;
            }
            seen.push(g);
            if stocked_only && !m.goods[g].stocked() {
                self.problem(&epath, format!("{good} is a service: it is given from a capacity each step and never stocked or consumed; declare its capacity under production"));
                continue;
            }
            let slot = self.num(n, &epath, Domain::NonNegative);
            out.push((m.cell(a, g), slot));
        }
        out
    }

    pub(super) fn channels_and_relations(&mut self, m: &mut Model) {
        let sc = self.sc;
        for ch in &sc.channels {
            let path = format!("channels[{}]", ch.id);
            let from = self.actor(&ch.from, &sub(&path, "from"));
            let to = self.actor(&ch.to, &sub(&path, "to"));
            if from.is_none() || to.is_none() {
                self.channels_incomplete = true;
            }
            if from.is_some() && from == to {
                self.problem(
                    sub(&path, "to"),
                    format!(
                        "a channel must join two different actors; both ends are {}",
                        ch.from
                    ),
                );
            }
            let detection = self.opt_num(
                ch.detection.as_ref(),
                0.0,
                &sub(&path, "detection"),
                Domain::Probability,
            );
            let seizure = self.opt_num(
                ch.seizure.as_ref(),
                0.0,
                &sub(&path, "seizure"),
                Domain::Probability,
            );
            let mut watched_by = Vec::new();
            for (i, w) in ch.watched_by.iter().enumerate() {
                if let Some(w) = self.actor(w, &format!("{path}.watched_by[{i}]")) {
                    watched_by.push(w);
                }
            }
            if ch.goods.is_empty() {
                self.problem(
                    sub(&path, "goods"),
                    "the channel carries no goods; list the goods it carries",
                );
            }
            let c = m.channels.next_id();
            let mut carried: Vec<GoodId> = Vec::new();
            for (i, good) in ch.goods.iter().enumerate() {
                let Some(g) = self.good(good, &format!("{path}.goods[{i}]")) else {
                    continue;
                };
                if carried.contains(&g) {
                    self.problem(
                        format!("{path}.goods[{i}]"),
                        format!("{good} is listed twice"),
                    );
                    continue;
                }
                carried.push(g);
            }
            let mut caps: Vec<(GoodId, u32)> = Vec::new();
            for (good, n) in ch.capacity.iter() {
                let cpath = format!("{path}.capacity[{good}]");
                let Some(g) = self.good(good, &cpath) else {
                    continue;
                };
                if !carried.contains(&g) {
                    self.problem(&cpath, format!("a capacity is given for {good}, but the channel does not carry it; add it to `goods` or remove the capacity"));
                    continue;
                }
                if caps.iter().any(|c| c.0 == g) {
                    self.problem(&cpath, format!("{good} is listed twice"));
                    continue;
                }
                let slot = self.num(n, &cpath, Domain::NonNegative);
                caps.push((g, slot));
            }
            if let (Some(from), Some(to)) = (from, to) {
                for &g in &carried {
                    m.lanes.push(LaneDef {
                        channel: c,
                        good: g,
                        from,
                        to,
                        from_cell: m.cell(from, g),
                        to_cell: m.cell(to, g),
                        capacity: caps.iter().find(|x| x.0 == g).map(|x| x.1),
                        seizable: m.goods[g].kind != crate::model::GoodKind::Service,
                    });
                }
            }
            m.channels.push(ChannelDef {
                id: ch.id.clone(),
                from: from.unwrap_or(ActorId::new(0)),
                to: to.unwrap_or(ActorId::new(0)),
                detection,
                seizure,
                watched_by,
            });
        }

        for (l, lane) in m.lanes.iter_ids() {
            match m
                .routes
                .iter_mut()
                .find(|r| r.from == lane.from && r.to == lane.to && r.good == lane.good)
            {
                Some(r) => r.lanes.push(l),
                None => {
                    _ = m.routes.push(RouteDef {
                        from: lane.from,
                        to: lane.to,
                        good: lane.good,
                        lanes: vec![l],
                    })
                }
            }
        }

        for (i, r) in sc.relations.iter().enumerate() {
            let path = format!("relations[{}->{}]", r.from, r.to);
            let from = self.actor(&r.from, &sub(&path, "from"));
            let to = self.actor(&r.to, &sub(&path, "to"));
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            if from == to {
                self.problem(&path, "a relation joins two different actors");
                continue;
            }
            if sc.relations[..i]
                .iter()
                .any(|o| o.from == r.from && o.to == r.to)
            {
                self.problem(&path, format!("the relation from {} to {} is declared twice; relations are one per direction", r.from, r.to));
                continue;
            }
            let trust = self.num(&r.trust, &sub(&path, "trust"), Domain::Probability);
            let kept = self.opt_num(
                r.kept.as_ref(),
                0.0,
                &sub(&path, "kept"),
                Domain::Probability,
            );
            let seized = self.opt_num(
                r.seized.as_ref(),
                0.0,
                &sub(&path, "seized"),
                Domain::Probability,
            );
            let exposed = self.opt_num(
                r.exposed.as_ref(),
                0.0,
                &sub(&path, "exposed"),
                Domain::Probability,
            );
            let drift = self.opt_num(
                r.drift.as_ref(),
                0.0,
                &sub(&path, "drift"),
                Domain::Probability,
            );
            let lanes_in = m
                .lanes
                .ids()
                .filter(|&l| m.lanes[l].from == to && m.lanes[l].to == from)
                .collect();
            let lanes_any = m
                .lanes
                .ids()
                .filter(|&l| {
                    let ln = &m.lanes[l];
                    (ln.from == from && ln.to == to) || (ln.from == to && ln.to == from)
                })
                .collect();
            m.relations.push(RelationDef {
                from,
                to,
                trust,
                kept,
                seized,
                exposed,
                drift,
                lanes_in,
                lanes_any,
            });
        }
    }

    /// Builds trade links and aid flows from offers, channels and needs.
    pub(super) fn flows(&mut self, m: &mut Model) {
        let sc = self.sc;
        for o in m.offers.ids() {
            let offer = m.offers[o].clone();
            let giver = offer.actor;
            let g = offer.good;
            let Some(raw) = sc.actors[giver.index()]
                .offers
                .iter()
                .find(|x| x.good == sc.goods[g.index()].id)
            else {
                continue;
            };
            let opath = format!(
                "actors[{}].offers[{}]",
                sc.actors[giver.index()].id,
                sc.goods[g.index()].id
            );
            let explicit: Vec<ActorId> = raw
                .to
                .iter()
                .filter_map(|t| m.actors.position(|a| &a.id == t))
                .filter(|&t| t != giver)
                .collect();
            let takers: Vec<ActorId> = if raw.to.is_empty() {
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
                explicit.clone()
            };
            let mut flows_made = 0;
            for t in takers {
                let lanes: Vec<LaneId> = m
                    .lanes
                    .ids()
                    .filter(|&l| {
                        m.lanes[l].from == giver && m.lanes[l].to == t && m.lanes[l].good == g
                    })
                    .collect();
                let (gid, tid, good) = (
                    &sc.actors[giver.index()].id,
                    &sc.actors[t.index()].id,
                    &sc.goods[g.index()].id,
                );
                if lanes.is_empty() {
                    if self.channels_incomplete {
                        continue;
                    }
                    self.problem(sub(&opath, "to"), format!("{gid} offers {good} to {tid}, but no channel carries {good} from {gid} to {tid}; add a channel or remove {tid} from `to`"));
                    continue;
                }
                let (giver_cell, taker_cell) = (m.cell(giver, g), m.cell(t, g));
                let Some(taker_need) = m.need_at[taker_cell] else {
                    if !raw.to.is_empty() {
                        self.warn(format!("{gid} offers {good} to {tid}, but {tid} has no need for {good}, so nothing will flow"));
                    }
                    continue;
                };
                let giver_need = m.need_at[giver_cell];
                let relation = m.relations.position(|r| r.from == giver && r.to == t);
                let flow = FlowDef {
                    giver,
                    taker: t,
                    good: g,
                    offer: o,
                    relation,
                    lanes,
                    taker_need,
                    giver_need,
                    giver_cell,
                    taker_cell,
                    stocked: m.goods[g].stocked(),
                };
                flows_made += 1;
                if offer.aid {
                    m.aids.push(flow);
                    continue;
                }
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
            if flows_made == 0 && raw.to.is_empty() {
                self.warn(format!(
                    "{} offers {}, but no actor that needs it is reachable by a channel carrying it",
                    sc.actors[giver.index()].id, sc.goods[g.index()].id
                ));
            }
        }
        let mut links = std::mem::take(&mut m.links).into_vec();
        links.retain(|l| {
            let one_sided = l.ab.is_empty() || l.ba.is_empty();
            if one_sided {
                let (giver, taker) = if l.ab.is_empty() { (l.b, l.a) } else { (l.a, l.b) };
                self.warnings.push(format!(
                    "{} offers {} goods it needs, but {} offers nothing {} needs through a channel back, so the two cannot trade; declare the offers with terms: Aid for one-way giving",
                    sc.actors[giver.index()].id, sc.actors[taker.index()].id, sc.actors[taker.index()].id, sc.actors[giver.index()].id
                ));
            }
            !one_sided
        });
        m.links = links.into();
    }
}
