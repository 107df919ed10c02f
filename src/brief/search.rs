//! The decision briefing of a search (`stratex search --brief`): the bottom line first (the
//! question, the few policies worth considering, what each trades off, how robust each is and
//! in which futures it fails), then the charts, the whole Pareto set, the method and how to
//! reproduce it.

use super::{BriefError, InlineChart, Reproduce, file_name, write_page};
use crate::model::Better;
use crate::number::{exact_count, percent, phrase, sig3};
use crate::plot::Saved;
use crate::report::search::{Policy, SearchFile, SearchObjective, Vulnerability};
use askama::Template;
use std::path::Path;

/// Writes `briefing.html` into `dir`, inlining `charts` (drawn into `dir/charts/`).
pub fn write(
    dir: &Path,
    file: &SearchFile,
    charts: &[Saved],
    elapsed: f64,
) -> Result<(), BriefError> {
    write_page(&page(file, charts, elapsed), &dir.join("briefing.html"))
}

#[derive(Template)]
#[template(path = "search.html")]
struct Page<'a> {
    title: String,
    f: &'a SearchFile,
    generator: &'a str,
    file: &'a str,
    bottom_line: Vec<String>,
    trade_offs: Vec<String>,
    vulnerable: Vec<String>,
    header: Vec<String>,
    short_header: Vec<String>,
    lever_header: Vec<String>,
    highlighted: Vec<(String, String, Vec<String>)>,
    highlighted_levers: Vec<(String, Vec<String>)>,
    pareto: Vec<(String, Vec<String>)>,
    charts: Vec<(InlineChart<'a>, &'static str)>,
    method: Vec<String>,
    reproduce: Reproduce,
}

fn page<'a>(f: &'a SearchFile, charts: &'a [Saved], elapsed: f64) -> Page<'a> {
    let header = header(f);
    let short_header = short_header(f);
    Page {
        short_header,
        lever_header: f
            .levers
            .iter()
            .map(|l| format!("{} ({})", l.name, l.unit))
            .collect(),
        highlighted_levers: f
            .highlights
            .iter()
            .map(|h| &f.pareto[h.policy])
            .chain(std::iter::once(&f.baseline))
            .map(|p| (p.label.clone(), p.levers.iter().map(|v| sig3(*v)).collect()))
            .collect(),
        title: format!("Robust policies for {}: {}", f.actor_name, f.scenario.name),
        f,
        generator: &f.generator,
        file: file_name(&f.scenario.file),
        bottom_line: bottom_line(f),
        trade_offs: trade_offs(f),
        vulnerable: f
            .vulnerabilities
            .iter()
            .map(|v| vulnerability(f, v))
            .collect(),
        header,
        highlighted: f
            .highlights
            .iter()
            .map(|h| {
                let p = &f.pareto[h.policy];
                (p.label.clone(), role(f, h.policy), short_row(f, p))
            })
            .chain(std::iter::once((
                "baseline".to_string(),
                "today's policy".to_string(),
                short_row(f, &f.baseline),
            )))
            .collect(),
        pareto: f
            .pareto
            .iter()
            .map(|p| (p.label.clone(), row(f, p)))
            .collect(),
        charts: charts
            .iter()
            .map(|c| (c.into(), caption(&c.name)))
            .collect(),
        method: method(f),
        reproduce: Reproduce {
            command: f.reproduce.clone(),
            identical: &["search.json", "pareto.csv", "convergence.csv"],
            facts: vec![
                ("Program", f.generator.clone()),
                ("Scenario SHA-256", f.scenario.sha256.clone()),
                ("Algorithm", f.settings.algorithm.clone()),
                ("Elapsed", format!("{elapsed:.1} s")),
            ],
        },
    }
}

/// How to read each chart.
fn caption(name: &str) -> &'static str {
    match name {
        "search-tradeoff" => {
            "Each dot is a policy of the Pareto set (no other policy found does better on every objective), at its mean over the futures; whiskers reach its worst-tail value. Today's policy is marked for reference."
        }
        "search-parallel" => {
            "One line per policy across its lever settings (left) and its mean on each objective (right); on the objective axes, up is better. Highlighted policies are coloured."
        }
        "search-convergence" => {
            "The hypervolume of the archive (the share of objective space its policies dominate, scaled by the first generation's range) after each generation: a flat end means the search stopped finding better trade-offs."
        }
        _ => "",
    }
}

/// An objective's name with its direction.
fn objective_words(o: &SearchObjective) -> String {
    format!(
        "{} ({} is better)",
        o.name,
        if o.better == Better::Lower {
            "lower"
        } else {
            "higher"
        }
    )
}

/// Where `p` departs from today's policy, lever by lever (noting a lever at an end of its
/// range): what makes it different.
fn settings_words(f: &SearchFile, p: &Policy) -> String {
    let parts: Vec<String> = f
        .levers
        .iter()
        .zip(&p.levers)
        .filter(|(l, v)| **v != l.baseline)
        .map(|(l, v)| {
            let at = if *v == l.max {
                ", its most"
            } else if *v == l.min {
                ", its least"
            } else {
                ""
            };
            format!(
                "{} {}{at} (today {})",
                l.name,
                phrase(*v, &l.unit),
                phrase(l.baseline, &l.unit)
            )
        })
        .collect();
    if parts.is_empty() {
        "keeps every lever as today".into()
    } else {
        format!("departs from today's policy in: {}", parts.join("; "))
    }
}

/// What policy `k` is, in words.
fn role(f: &SearchFile, k: usize) -> String {
    let h = f.highlights.iter().find(|h| h.policy == k);
    match h {
        Some(h) if !h.most_robust_on.is_empty() => format!(
            "most robust on {}",
            h.most_robust_on
                .iter()
                .map(|o| f.objectives[*o].name.clone())
                .collect::<Vec<_>>()
                .join(" and ")
        ),
        Some(_) => "best compromise".into(),
        None => String::new(),
    }
}

/// How robust `p` is on objective `o`, in words.
fn robustness_words(f: &SearchFile, p: &Policy, o: usize) -> String {
    let obj = &f.objectives[o];
    let r = &p.robustness[o];
    let mut s = String::new();
    if let (Some(share), Some(t)) = (r.satisficing, obj.meets) {
        let cmp = if obj.better == Better::Lower {
            "at most"
        } else {
            "at least"
        };
        s.push_str(&format!(
            "{cmp} {} in {} of futures, ",
            phrase(t, &obj.unit),
            percent(share)
        ));
    }
    s.push_str(&format!(
        "{} in the worst {} of futures, {} on average",
        phrase(r.worst, &obj.unit),
        percent(f.settings.tail),
        phrase(r.mean, &obj.unit)
    ));
    s
}

/// The bottom line: the size of the Pareto set, then per objective the policy most robust on
/// it, how robust (against today's policy) and what makes it so (its levers); then the best
/// compromise.
fn bottom_line(f: &SearchFile) -> Vec<String> {
    if f.pareto.is_empty() {
        return vec!["The search found no policy; see the method below.".into()];
    }
    let mut out = vec![format!(
        "{} policies of {} make up the Pareto set: none can do better on one objective without doing worse on another. Each was run on the same {} futures.",
        f.pareto.len(),
        f.actor_name,
        exact_count(f.settings.runs)
    )];
    if !f.feasible {
        out.push(
            "No policy found meets every constraint: the set shows the policies that come closest."
                .into(),
        );
    }
    for h in &f.highlights {
        let p = &f.pareto[h.policy];
        if h.most_robust_on.is_empty() {
            let regret = p
                .robustness
                .iter()
                .zip(&f.objectives)
                .map(|(r, o)| format!("{} {}", o.name, phrase(r.regret_mean, &o.unit)))
                .collect::<Vec<_>>()
                .join("; ");
            out.push(format!(
                "Best compromise: {}, whose shortfall from the best policy in each future is the smallest across the objectives (mean regret: {regret}). It {}.",
                p.label,
                settings_words(f, p)
            ));
            continue;
        }
        for &o in &h.most_robust_on {
            let obj = &f.objectives[o];
            let ranked = if obj.meets.is_some() {
                "meets the threshold in the most futures"
            } else {
                "has the best worst case"
            };
            out.push(format!(
                "Most robust on {}: {}, which {ranked}: {} (today's policy: {}). It {}.",
                objective_words(obj),
                p.label,
                robustness_words(f, p, o),
                robustness_words(f, &f.baseline, o),
                settings_words(f, p)
            ));
        }
    }
    out
}

/// What each highlighted policy gives up: its mean on each objective against the best mean in
/// the set; first, the objectives that barely move across the whole set.
fn trade_offs(f: &SearchFile) -> Vec<String> {
    let flat: Vec<String> = (0..f.objectives.len())
        .filter(|&o| barely_moves(f, o))
        .map(|o| {
            let obj = &f.objectives[o];
            let (lo, hi) = mean_span(f, o);
            format!(
                "{} barely moves across the set ({} to {} on average, less than {}): the choice is between the other objectives.",
                obj.name,
                phrase(lo, &obj.unit),
                phrase(hi, &obj.unit),
                phrase(display_threshold(obj, f.baseline.robustness[o].mean), &obj.unit)
            )
        })
        .collect();
    flat.into_iter()
        .chain(f.highlights.iter().map(|h| {
            let p = &f.pareto[h.policy];
            let costs: Vec<String> = f
                .objectives
                .iter()
                .enumerate()
                .filter(|(o, _)| !barely_moves(f, *o))
                .filter_map(|(o, obj)| {
                    let best = best_mean(f, o);
                    let mine = p.robustness[o].mean;
                    let worth = display_threshold(obj, f.baseline.robustness[o].mean);
                    ((mine - best).abs() >= worth).then(|| {
                        format!(
                            "{} {} on average (best in the set {})",
                            obj.name,
                            phrase(mine, &obj.unit),
                            phrase(best, &obj.unit)
                        )
                    })
                })
                .collect();
            if costs.is_empty() {
                format!(
                    "{} gives up nothing on average: it has the best mean on every objective.",
                    p.label
                )
            } else {
                format!("{} gives up: {}.", p.label, costs.join("; "))
            }
        }))
        .collect()
}

/// The smallest and largest mean on objective `o` in the Pareto set.
fn mean_span(f: &SearchFile, o: usize) -> (f64, f64) {
    f.pareto
        .iter()
        .map(|p| p.robustness[o].mean)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), m| {
            (a.min(m), b.max(m))
        })
}

/// The smallest difference worth a word, as a comparison's briefing flags it: 0.1 points for a
/// percentage, else 0.5% of today's mean.
fn display_threshold(o: &SearchObjective, today: f64) -> f64 {
    if crate::number::in_points(&o.unit) {
        crate::report::tradeoff::DISPLAY_POINTS
    } else {
        crate::report::tradeoff::DISPLAY_SHARE * today.abs()
    }
}

/// Whether objective `o`'s means span less than the display threshold across the set.
fn barely_moves(f: &SearchFile, o: usize) -> bool {
    let (lo, hi) = mean_span(f, o);
    hi - lo < display_threshold(&f.objectives[o], f.baseline.robustness[o].mean)
}

/// The best mean in the Pareto set on objective `o`.
fn best_mean(f: &SearchFile, o: usize) -> f64 {
    let means = f.pareto.iter().map(|p| p.robustness[o].mean);
    match f.objectives[o].better {
        Better::Lower => means.fold(f64::INFINITY, f64::min),
        Better::Higher => means.fold(f64::NEG_INFINITY, f64::max),
    }
}

/// A vulnerability in words.
fn vulnerability(f: &SearchFile, v: &Vulnerability) -> String {
    let p = &f.pareto[v.policy];
    let o = &f.objectives[v.objective];
    let condition = format!("{} on {}", v.condition, o.name);
    if v.conditions.is_empty() {
        return format!(
            "{} {condition} in {} of futures, with no range of the uncertainties that holds most of them.",
            p.label,
            percent(v.fails)
        );
    }
    let boxes: Vec<String> = v
        .conditions
        .iter()
        .map(|b| {
            format!(
                "{} is {} to {} (of {} to {})",
                b.name,
                sig3(b.low),
                sig3(b.high),
                sig3(b.full_low),
                sig3(b.full_high)
            )
        })
        .collect();
    format!(
        "{} {condition} in {} of futures, mostly where {}: {} of its failures are there, and it fails in {} of the futures there.",
        p.label,
        percent(v.fails),
        boxes.join(" and "),
        percent(v.coverage),
        percent(v.density)
    )
}

/// The tables' header: levers, then each objective's mean, worst, satisficing share and mean
/// regret.
fn header(f: &SearchFile) -> Vec<String> {
    let mut h: Vec<String> = f
        .levers
        .iter()
        .map(|l| format!("{} ({})", l.name, l.unit))
        .collect();
    let tail = percent(f.settings.tail);
    for o in &f.objectives {
        h.push(format!("{}: mean ({})", o.name, o.unit));
        h.push(format!("worst {tail}"));
        if o.meets.is_some() {
            h.push("meets threshold".into());
        }
        h.push("mean regret".into());
    }
    h
}

/// The bottom line's robustness table: each objective's mean, worst and satisficing share.
fn short_header(f: &SearchFile) -> Vec<String> {
    let mut h: Vec<String> = Vec::new();
    let tail = percent(f.settings.tail);
    for o in &f.objectives {
        h.push(format!("{}: mean", o.name));
        h.push(format!("worst {tail}"));
        if o.meets.is_some() {
            h.push("meets threshold".into());
        }
    }
    h
}

fn short_row(f: &SearchFile, p: &Policy) -> Vec<String> {
    let mut r: Vec<String> = Vec::new();
    for (o, rb) in f.objectives.iter().zip(&p.robustness) {
        r.push(sig3(rb.mean));
        r.push(sig3(rb.worst));
        if o.meets.is_some() {
            r.push(rb.satisficing.map_or(String::new(), percent));
        }
    }
    r
}

fn row(f: &SearchFile, p: &Policy) -> Vec<String> {
    let mut r: Vec<String> = p.levers.iter().map(|v| sig3(*v)).collect();
    for (o, rb) in f.objectives.iter().zip(&p.robustness) {
        r.push(sig3(rb.mean));
        r.push(sig3(rb.worst));
        if o.meets.is_some() {
            r.push(rb.satisficing.map_or(String::new(), percent));
        }
        r.push(sig3(rb.regret_mean));
    }
    r
}

/// The method, in a few sentences.
fn method(f: &SearchFile) -> Vec<String> {
    let s = &f.settings;
    let ensemble = match &f.fitted {
        Some(fit) => format!(
            "draws of the uncertainties, the calibrated ones from the posterior in {}",
            fit.file
        ),
        None => "draws of the scenario's uncertainties from their stated distributions".into(),
    };
    let levers: Vec<String> = f
        .levers
        .iter()
        .map(|l| match l.kind.as_str() {
            "listed" => format!(
                "{} (one of {})",
                l.name,
                l.values
                    .iter()
                    .map(|v| sig3(*v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "integer" => format!(
                "{} (whole numbers {} to {})",
                l.name,
                sig3(l.min),
                sig3(l.max)
            ),
            _ => format!("{} ({} to {})", l.name, sig3(l.min), sig3(l.max)),
        })
        .collect();
    vec![
        format!("Searched: {}.", levers.join("; ")),
        format!(
            "Every policy was run on the same {} futures ({ensemble}), so policies are compared future by future (common random numbers).",
            exact_count(s.runs)
        ),
        format!(
            "Algorithm: {}; {} island{} of {} policies for {} generations after the first ({} policies evaluated); the archive keeps one policy per box of {} of each objective's first-generation spread. The search optimised each objective's {}.",
            s.algorithm,
            s.islands,
            if s.islands == 1 { "" } else { "s" },
            s.population,
            s.generations,
            exact_count(s.evaluations),
            percent(s.epsilon),
            if s.score == "worst" { format!("worst-{} value", percent(s.tail)) } else { "mean".into() }
        ),
        format!(
            "Robustness: the mean; the worst {} (the value the worst {} of futures reach); the share of futures meeting the threshold where one is set (satisficing); and regret, how far a policy falls short of the best of the Pareto set and today's policy in the same future.",
            percent(s.tail),
            percent(s.tail)
        ),
        "Vulnerabilities: scenario discovery (PRIM) on the futures in which the policy misses a threshold (or falls in its worst tail), as in stratex explore.".into(),
    ]
}
