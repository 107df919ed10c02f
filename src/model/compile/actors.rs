//! Goods, actors, and each actor's stocks, production, consumption, needs and offers.

use super::{Ctx, sub};
use crate::model::params::Domain;
use crate::model::{
    ActorDef, ActorId, Cell, CurveDef, GoodDef, GoodId, IdVec, Model, NeedDef, OfferDef, OfferId,
};
use crate::scenario::format::{Actor, Curve, Need, Offer, Terms};
use crate::scenario::num::Num;
use crate::scenario::table::Table;

impl Ctx<'_> {
    pub(super) fn goods_and_actors(&mut self, m: &mut Model) {
        let sc = self.sc;
        self.goods(m);
        let cells = sc.actors.len() * m.goods.len();
        m.need_at = IdVec::filled(None, cells);
        let mut offer_at: IdVec<Cell, Option<OfferId>> = IdVec::filled(None, cells);
        for (a, actor) in ActorId::all(sc.actors.len()).zip(&sc.actors) {
            let path = format!("actors[{}]", actor.id);
            self.actor_def(m, a, actor, &path);
            for need in &actor.needs {
                self.need_def(m, a, actor, need, &path);
            }
            for offer in &actor.offers {
                self.offer_def(m, &mut offer_at, a, actor, offer, &path);
            }
        }
    }

    fn goods(&mut self, m: &mut Model) {
        for g in &self.sc.goods {
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
                whole: g.whole,
            });
        }
    }

    /// The actor itself, with its stocks, production and consumption.
    fn actor_def(&mut self, m: &mut Model, a: ActorId, actor: &Actor, path: &str) {
        self.name(&sub(path, "name"), &actor.name);
        let power = self.opt_num(
            actor.power.as_ref(),
            1.0,
            &sub(path, "power"),
            Domain::Positive,
        );
        m.actors.push(ActorDef {
            id: actor.id.clone(),
            name: actor.name.clone(),
            power,
        });
        let stocks = self.cell_table(m, a, &actor.stocks, &sub(path, "stocks"), true);
        m.stocks.extend(stocks);
        let prod = self.cell_table(m, a, &actor.production, &sub(path, "production"), false);
        m.production.extend(prod);
        let cons = self.cell_table(m, a, &actor.consumption, &sub(path, "consumption"), true);
        m.consumption.extend(cons);
    }

    /// One need of actor `a` (declared under `path`), at most one per good.
    fn need_def(&mut self, m: &mut Model, a: ActorId, actor: &Actor, need: &Need, path: &str) {
        let npath = format!("{path}.needs[{}]", need.good);
        let Some(g) = self.good(&need.good, &sub(&npath, "good")) else {
            return;
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
            return;
        }
        let (quantity, stock) = match (&need.quantity, &need.stock) {
            (Some(q), None) => (
                self.num(q, &sub(&npath, "quantity"), Domain::Positive),
                false,
            ),
            (None, Some(s)) => {
                if !m.goods[g].stocked() {
                    self.problem(sub(&npath, "stock"), format!("{} is a service, which is never stocked; give its need as a quantity per step", need.good));
                }
                (self.num(s, &sub(&npath, "stock"), Domain::Positive), true)
            }
            _ => {
                self.problem(&npath, "give either quantity (what the actor wants per step) or stock (the stock it wants to hold), not both or neither");
                (self.constant(1.0), false)
            }
        };
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
            stock,
        }));
    }

    /// One offer of actor `a` (declared under `path`), at most one per good (`offer_at`).
    fn offer_def(
        &mut self,
        m: &mut Model,
        offer_at: &mut IdVec<Cell, Option<OfferId>>,
        a: ActorId,
        actor: &Actor,
        offer: &Offer,
        path: &str,
    ) {
        let opath = format!("{path}.offers[{}]", offer.good);
        let Some(g) = self.good(&offer.good, &sub(&opath, "good")) else {
            return;
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
            return;
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
            // A slot of its own, so an effect on the cost leaves the good's value as it is.
            None => self.prog.push(crate::model::params::Op::Clamp {
                src: m.goods[g].value,
                lo: 0.0,
                hi: crate::model::params::LIMIT,
            }),
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
}
