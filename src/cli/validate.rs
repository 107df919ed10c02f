//! `stratex validate`: the shape of a scenario, or every problem in it.

use super::Failure;
use std::path::Path;
use stratex::model::{ActorId, GoodId, Model};
use stratex::number::exact_count;

pub fn validate(path: &Path) -> Result<(), Failure> {
    let loaded = stratex::batch::Loaded::load(path)?;
    say_raw!("{}", describe(path, &loaded.model));
    Ok(())
}

fn list(title: &str, items: Vec<String>) -> String {
    let mut s = format!("{title} ({}):\n", items.len());
    for i in items {
        s.push_str(&format!("  {i}\n"));
    }
    s
}

fn describe(path: &Path, m: &Model) -> String {
    let mut s = format!(
        "{}: valid. \"{}\": {} {}, {} runs and seed {} by default\n\n",
        path.display(),
        m.name,
        m.steps,
        m.plural,
        exact_count(m.default_runs),
        m.default_seed
    );
    s += &actors_and_goods(m);
    s += &connections(m);
    s += &list(
        "events",
        m.events
            .iter()
            .map(|e| format!("{} ({})", e.id, e.name))
            .collect(),
    );
    s += &levers_and_uncertainties(m);
    s += &outcomes(m);
    s
}

fn actors_and_goods(m: &Model) -> String {
    let mut s = list(
        "actors",
        m.actors
            .iter()
            .map(|a| format!("{} ({})", a.id, a.name))
            .collect(),
    );
    s += &list(
        "goods",
        m.goods
            .iter()
            .map(|g| format!("{} ({}, {}, {:?})", g.id, g.name, g.unit, g.kind).to_lowercase_kind())
            .collect(),
    );
    s
}

/// Channels, trade links, aid flows and relations.
fn connections(m: &Model) -> String {
    let actor = |i: ActorId| m.actors[i].id.clone();
    let good = |i: GoodId| m.goods[i].id.clone();
    let mut s = list(
        "channels",
        m.channels
            .iter_ids()
            .map(|(c, ch)| {
                let goods: Vec<String> = m
                    .lanes
                    .iter()
                    .filter(|l| l.channel == c)
                    .map(|l| good(l.good))
                    .collect();
                let watchers: Vec<String> = ch.watched_by.iter().map(|&w| actor(w)).collect();
                let watch = if watchers.is_empty() {
                    String::new()
                } else {
                    format!(", watched by {}", watchers.join(", "))
                };
                format!(
                    "{}: {} -> {} carrying {}{watch}",
                    ch.id,
                    actor(ch.from),
                    actor(ch.to),
                    goods.join(", ")
                )
            })
            .collect(),
    );
    s += &list(
        "trade links",
        m.links
            .iter()
            .map(|l| {
                let ab: Vec<String> = l.ab.iter().map(|f| good(f.good)).collect();
                let ba: Vec<String> = l.ba.iter().map(|f| good(f.good)).collect();
                format!(
                    "{} <-> {}: {} for {}",
                    actor(l.a),
                    actor(l.b),
                    ab.join(", "),
                    ba.join(", ")
                )
            })
            .collect(),
    );
    s += &list(
        "aid flows",
        m.aids
            .iter()
            .map(|f| format!("{} -> {}: {}", actor(f.giver), actor(f.taker), good(f.good)))
            .collect(),
    );
    s += &list(
        "relations",
        m.relations
            .iter()
            .map(|r| format!("{} -> {}", actor(r.from), actor(r.to)))
            .collect(),
    );
    s
}

fn levers_and_uncertainties(m: &Model) -> String {
    let lever_ranges: Vec<(f64, f64)> = m.levers.iter().map(|l| l.span()).collect();
    let mut s = list(
        "levers",
        m.levers
            .iter()
            .zip(&lever_ranges)
            .map(|(l, (lo, hi))| {
                let vals: Vec<String> = l.values.iter().map(|v| v.to_string()).collect();
                let owner = l
                    .owner
                    .map_or(String::new(), |a| format!("; owner {}", m.actors[a].id));
                let mut line = format!(
                    "{} ({}, {}{owner}): baseline {}, compare [{}], range {lo} to {hi}",
                    l.id,
                    l.name,
                    unit_or_none(&l.unit),
                    l.baseline,
                    vals.join(", ")
                );
                if !l.description.is_empty() {
                    line.push_str(&format!("\n      {}", l.description));
                }
                line
            })
            .collect(),
    );
    let intervals = m.program.intervals(&lever_ranges, &[]);
    s += &list(
        "uncertainties",
        m.uncertainties
            .iter()
            .map(|u| {
                let iv = intervals[u.slot as usize];
                let range = if iv.soft {
                    "unbounded tail".to_string()
                } else {
                    format!("range {} to {}", iv.lo, iv.hi)
                };
                format!(
                    "{} ({}, {}): {}, {range}",
                    u.id,
                    u.name,
                    unit_or_none(&u.unit),
                    u.describe
                )
            })
            .collect(),
    );
    s
}

/// A unit as listed: "no unit" when empty.
fn unit_or_none(unit: &str) -> &str {
    if unit.is_empty() { "no unit" } else { unit }
}

/// Outcomes, questions, numbers drawn in place and the model's warnings.
fn outcomes(m: &Model) -> String {
    let mut s = list(
        "outcomes",
        m.outcomes
            .iter()
            .map(|o| {
                format!(
                    "{} ({}, {}; {:?} is better)",
                    o.id, o.name, o.unit, o.better
                )
                .to_lowercase_kind()
            })
            .collect(),
    );
    s += &list(
        "questions",
        m.questions
            .iter()
            .map(|q| {
                let outcomes: Vec<&str> = q
                    .outcomes
                    .iter()
                    .map(|&o| m.outcomes[o].id.as_str())
                    .collect();
                format!("{}: {} [{}]", q.id, q.text, outcomes.join(", "))
            })
            .collect(),
    );
    if !m.inline_draws.is_empty() {
        s += &list(
            "numbers drawn in place",
            m.inline_draws.iter().map(|(p, _)| p.clone()).collect(),
        );
    }
    if !m.warnings.is_empty() {
        s += &list("warnings", m.warnings.clone());
    }
    s
}

trait LowerKind {
    fn to_lowercase_kind(self) -> String;
}

impl LowerKind for String {
    /// Debug names of enums (`Material`, `Higher`) read better in lower case in prose.
    fn to_lowercase_kind(self) -> String {
        ["Material", "Service", "Currency", "Higher", "Lower"]
            .iter()
            .fold(self, |s, k| s.replace(k, &k.to_lowercase()))
    }
}
