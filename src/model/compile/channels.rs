//! Channels, the lanes they open (one per good carried), and relations.

use super::{Ctx, sub};
use crate::model::params::Domain;
use crate::model::{ActorId, ChannelDef, ChannelId, GoodId, GoodKind, LaneDef, Model, RelationDef};
use crate::scenario::format::{Channel, Relation};
use crate::scenario::num::Num;

impl Ctx<'_> {
    pub(super) fn channels_and_relations(&mut self, m: &mut Model) {
        let sc = self.sc;
        for ch in &sc.channels {
            self.channel_def(m, ch);
        }
        for (i, r) in sc.relations.iter().enumerate() {
            self.relation_def(m, i, r);
        }
    }

    /// One channel, with a lane for each good it carries (when both ends are known).
    fn channel_def(&mut self, m: &mut Model, ch: &Channel) {
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
        let volume = ch
            .detection_volume
            .as_ref()
            .map(|n| self.num(n, &sub(&path, "detection_volume"), Domain::Positive));
        let toll = self.opt_num(
            ch.toll.as_ref(),
            0.0,
            &sub(&path, "toll"),
            Domain::NonNegative,
        );
        let mut watched_by = Vec::new();
        for (i, w) in ch.watched_by.iter().enumerate() {
            if let Some(w) = self.actor(w, &format!("{path}.watched_by[{i}]")) {
                watched_by.push(w);
            }
        }
        let carried = self.carried(ch, &path);
        let caps = self.capacities(ch, &carried, &path);
        let c = m.channels.next_id();
        if let (Some(from), Some(to)) = (from, to) {
            Self::lanes(m, c, from, to, &carried, &caps);
        }
        m.channels.push(ChannelDef {
            id: ch.id.clone(),
            from: from.unwrap_or(ActorId::new(0)),
            to: to.unwrap_or(ActorId::new(0)),
            detection,
            seizure,
            volume,
            toll,
            watched_by,
        });
    }

    /// The goods a channel carries, each once.
    fn carried(&mut self, ch: &Channel, path: &str) -> Vec<GoodId> {
        if ch.goods.is_empty() {
            self.problem(
                sub(path, "goods"),
                "the channel carries no goods; list the goods it carries",
            );
        }
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
        carried
    }

    /// A channel's capacities, each for a good it carries.
    fn capacities(&mut self, ch: &Channel, carried: &[GoodId], path: &str) -> Vec<(GoodId, u32)> {
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
        caps
    }

    /// Channel `c`'s lanes, one per good carried, in the order the goods are listed.
    fn lanes(
        m: &mut Model,
        c: ChannelId,
        from: ActorId,
        to: ActorId,
        carried: &[GoodId],
        caps: &[(GoodId, u32)],
    ) {
        for &g in carried {
            m.lanes.push(LaneDef {
                channel: c,
                good: g,
                from,
                to,
                from_cell: m.cell(from, g),
                to_cell: m.cell(to, g),
                capacity: caps.iter().find(|x| x.0 == g).map(|x| x.1),
                seizable: m.goods[g].kind != GoodKind::Service,
            });
        }
    }

    /// Relation number `i` of the file, with the lanes whose shipments move its trust.
    fn relation_def(&mut self, m: &mut Model, i: usize, r: &Relation) {
        let sc = self.sc;
        let path = format!("relations[{}->{}]", r.from, r.to);
        let from = self.actor(&r.from, &sub(&path, "from"));
        let to = self.actor(&r.to, &sub(&path, "to"));
        let (Some(from), Some(to)) = (from, to) else {
            return;
        };
        if from == to {
            self.problem(&path, "a relation joins two different actors");
            return;
        }
        if sc.relations[..i]
            .iter()
            .any(|o| o.from == r.from && o.to == r.to)
        {
            self.problem(
                &path,
                format!(
                    "the relation from {} to {} is declared twice; relations are one per direction",
                    r.from, r.to
                ),
            );
            return;
        }
        let trust = self.num(&r.trust, &sub(&path, "trust"), Domain::Probability);
        let mut rate = |field: &str, n: Option<&Num>| {
            self.opt_num(n, 0.0, &sub(&path, field), Domain::Probability)
        };
        let kept = rate("kept", r.kept.as_ref());
        let seized = rate("seized", r.seized.as_ref());
        let drift = rate("drift", r.drift.as_ref());
        // Exposure may deter (trust lost) or backfire (trust gained): -1 to 1.
        let exposed = self.opt_num(
            r.exposed.as_ref(),
            0.0,
            &sub(&path, "exposed"),
            Domain::Signed,
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
