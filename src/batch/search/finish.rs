//! The end of a search: the islands' archives merged into one Pareto set, every policy in it
//! (and today's) run again on the ensemble for its robustness, the few worth considering
//! picked out, and the futures in which each fails described by scenario discovery.

use super::state::SearchState;
use super::{Evaluator, Problem};
use crate::batch::{BatchError, Loaded};
use crate::model::{Better, Model};
use crate::montecarlo::ensemble::EnsembleValues;
use crate::report::Fitted;
use crate::report::search::{
    BoxLimit, Highlight, Policy, SearchConstraint, SearchFile, SearchLever, SearchObjective,
    SearchSettings, Vulnerability,
};
use crate::report::summary::ScenarioInfo;
use crate::search::robustness::{self, Robustness};
use crate::search::{Archive, Evaluated, Gene};

/// The search's results, and the runs the robustness pass simulated.
pub fn finish(
    loaded: &Loaded,
    problem: &Problem,
    st: &SearchState,
    fitted: Option<Fitted>,
    ev: &mut Evaluator<'_, '_>,
) -> Result<(SearchFile, u64), BatchError> {
    let model = &loaded.model;
    let id = &st.identity;
    let s = &id.settings;
    let scale = st
        .scale
        .as_ref()
        .ok_or_else(|| BatchError::input("the search has not begun"))?;
    let members = pareto_set(st, &scale.epsilons);
    let feasible = members.iter().all(|e| e.violation == 0.0);
    // Today's policy first, then the Pareto set: one ensemble, so regret compares them draw by
    // draw.
    let mut xs = vec![problem.baseline()];
    xs.extend(members.iter().map(|e| e.x.clone()));
    let before = ev.simulated;
    let values = ev
        .run(&xs, true)?
        .ok_or_else(|| BatchError::Failed("the search was stopped while measuring its Pareto set's robustness; run it again with --resume".into()))?;
    let runs = ev.simulated - before;
    let policies = robustness_of(problem, &values, s.tail, &xs);
    let mut pareto: Vec<Policy> = policies[1..].to_vec();
    for (k, p) in pareto.iter_mut().enumerate() {
        p.label = format!("P{}", k + 1);
    }
    let mut baseline = policies[0].clone();
    baseline.label = "baseline".into();
    let names: Vec<String> = problem
        .objectives
        .iter()
        .map(|o| model.outcomes[o.outcome].name.clone())
        .collect();
    let highlights = highlights(problem, &pareto, &baseline, &names);
    let vulnerabilities = vulnerabilities(model, problem, &values, &highlights);
    let actor = &model.actors[problem.owner];
    let mut convergence: Vec<_> = st.islands.iter().flat_map(|i| i.history.clone()).collect();
    convergence.sort_by_key(|c| (c.island, c.generation));
    let file = SearchFile {
        generator: crate::report::part::PartInfo::generator(),
        scenario: ScenarioInfo::of(model, &id.file, &id.sha256),
        actor: actor.id.clone(),
        actor_name: actor.name.clone(),
        question: problem.question.clone(),
        settings: SearchSettings {
            algorithm:
                "NSGA-II (Deb et al. 2002) with an epsilon-dominance archive (Laumanns et al. 2002)"
                    .into(),
            seed: s.seed,
            runs: s.runs,
            population: s.population,
            generations: s.generations,
            islands: s.islands,
            epsilon: s.epsilon,
            epsilons: scale.epsilons.clone(),
            tail: s.tail,
            score: s.score.name().into(),
            evaluations: s.islands * (s.generations + 1) * s.population as u64,
        },
        levers: levers(model, problem),
        objectives: problem
            .objectives
            .iter()
            .map(|o| {
                let d = &model.outcomes[o.outcome];
                SearchObjective {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    unit: d.unit.clone(),
                    better: o.better,
                    meets: o.meets,
                }
            })
            .collect(),
        constraints: problem
            .constraints
            .iter()
            .map(|c| {
                let d = &model.outcomes[c.outcome];
                SearchConstraint {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    unit: d.unit.clone(),
                    at_least: c.at_least,
                    bound: c.bound,
                }
            })
            .collect(),
        baseline,
        pareto,
        convergence,
        highlights,
        vulnerabilities,
        feasible,
        reproduce: id.reproduce.clone(),
        fitted,
    };
    Ok((file, runs))
}

/// Every island's archive merged into one, in island order: the Pareto set, ordered by the
/// first objective's score (then the next, then the lever values).
fn pareto_set(st: &SearchState, epsilons: &[f64]) -> Vec<Evaluated> {
    let mut archive = Archive::new(epsilons.to_vec());
    for island in &st.islands {
        for e in island.nsga.archive().members() {
            archive.offer(e);
        }
    }
    let mut members: Vec<Evaluated> = archive.members().to_vec();
    members.sort_by(|a, b| {
        let key = |e: &Evaluated| {
            e.objectives
                .iter()
                .chain(&e.x)
                .copied()
                .collect::<Vec<f64>>()
        };
        let (ka, kb) = (key(a), key(b));
        ka.iter()
            .zip(&kb)
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    members
}

/// Each policy's robustness on each objective (regret against every policy run), and its
/// constrained outcomes' means.
fn robustness_of(
    problem: &Problem,
    values: &EnsembleValues,
    tail: f64,
    xs: &[Vec<f64>],
) -> Vec<Policy> {
    let n = values.settings;
    let per_objective: Vec<Vec<Vec<f64>>> = (0..problem.objectives.len())
        .map(|k| (0..n).map(|s| values.column(s, k)).collect())
        .collect();
    let m = problem.objectives.len();
    (0..n)
        .map(|s| {
            let robustness: Vec<Robustness> = problem
                .objectives
                .iter()
                .enumerate()
                .map(|(k, o)| robustness::of(&per_objective[k], s, o.better, tail, o.meets))
                .collect();
            let constrained: Vec<f64> = (0..problem.constraints.len())
                .map(|c| robustness::mean(&values.column(s, m + c)))
                .collect();
            let feasible = problem
                .constraints
                .iter()
                .zip(&constrained)
                .all(|(c, v)| super::violation(*v, c) == 0.0);
            Policy {
                label: String::new(),
                levers: xs[s].clone(),
                robustness,
                constrained,
                feasible,
            }
        })
        .collect()
}

/// The searched levers as the results describe them.
fn levers(model: &Model, problem: &Problem) -> Vec<SearchLever> {
    problem
        .levers
        .iter()
        .zip(&problem.space.genes)
        .map(|(&i, g)| {
            let l = &model.levers[i];
            let (kind, min, max, values) = match g {
                Gene::Real { min, max } => ("continuous", *min, *max, vec![]),
                Gene::Integer { min, max } => ("integer", *min as f64, *max as f64, vec![]),
                Gene::Listed(v) => {
                    let (lo, hi) = v
                        .iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                            (a.min(*x), b.max(*x))
                        });
                    ("listed", lo, hi, v.clone())
                }
            };
            SearchLever {
                id: l.id.clone(),
                name: l.name.clone(),
                unit: l.unit.clone(),
                description: l.description.clone(),
                baseline: l.baseline,
                kind: kind.into(),
                min,
                max,
                values,
            }
        })
        .collect()
}

/// Whether robustness `a` is better than `b` on an objective: a higher satisficing share, then
/// a better worst-tail value, then a better mean.
fn more_robust(a: &Robustness, b: &Robustness, better: Better) -> bool {
    let sign = match better {
        Better::Lower => 1.0,
        Better::Higher => -1.0,
    };
    let (sa, sb) = (a.satisficing.unwrap_or(0.0), b.satisficing.unwrap_or(0.0));
    if sa != sb {
        return sa > sb;
    }
    if a.worst != b.worst {
        return sign * a.worst < sign * b.worst;
    }
    sign * a.mean < sign * b.mean
}

/// The few policies worth considering: for each objective the most robust on it (one entry per
/// policy, naming every objective it leads), then the best compromise: the policy whose largest
/// mean regret, as a share of today's mean on that objective, is smallest.
fn highlights(
    problem: &Problem,
    pareto: &[Policy],
    baseline: &Policy,
    names: &[String],
) -> Vec<Highlight> {
    let mut out: Vec<Highlight> = Vec::new();
    if pareto.is_empty() {
        return out;
    }
    for (k, o) in problem.objectives.iter().enumerate() {
        let mut best = 0;
        for p in 1..pareto.len() {
            if more_robust(
                &pareto[p].robustness[k],
                &pareto[best].robustness[k],
                o.better,
            ) {
                best = p;
            }
        }
        match out.iter_mut().find(|h| h.policy == best) {
            Some(h) => h.most_robust_on.push(k),
            None => out.push(Highlight {
                policy: best,
                most_robust_on: vec![k],
                role: String::new(),
            }),
        }
    }
    // Regret as a share of today's mean (of the set's largest regret where today's mean is 0),
    // so an objective that barely moves does not decide the compromise.
    let scale: Vec<f64> = (0..problem.objectives.len())
        .map(|k| match baseline.robustness[k].mean.abs() {
            m if m > 0.0 => m,
            _ => pareto
                .iter()
                .map(|p| p.robustness[k].regret_mean)
                .fold(0.0, f64::max),
        })
        .collect();
    let relative = |p: &Policy| {
        p.robustness
            .iter()
            .zip(&scale)
            .map(|(r, w)| if *w > 0.0 { r.regret_mean / w } else { 0.0 })
            .fold(0.0, f64::max)
    };
    let compromise = (0..pareto.len())
        .min_by(|&a, &b| {
            relative(&pareto[a])
                .total_cmp(&relative(&pareto[b]))
                .then(a.cmp(&b))
        })
        .unwrap_or(0);
    if problem.objectives.len() > 1 && !out.iter().any(|h| h.policy == compromise) {
        out.push(Highlight {
            policy: compromise,
            most_robust_on: vec![],
            role: String::new(),
        });
    }
    for h in &mut out {
        h.role = if h.most_robust_on.is_empty() {
            "best compromise (smallest largest regret, as a share of today's mean)".into()
        } else {
            format!(
                "most robust on {}",
                h.most_robust_on
                    .iter()
                    .map(|&k| names[k].as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            )
        };
    }
    out
}

/// Fewest failing (and fewest passing) futures for scenario discovery to describe.
const MIN_CASES: usize = 10;
/// Most uncertainties a described box restricts: a box on more would fit the sample, not the
/// pattern.
const MAX_RESTRICTED: usize = 2;

/// For each highlighted policy and objective with a threshold, the futures in which it misses
/// the threshold, described by PRIM on the named uncertainties: the densest box on the peeling
/// trajectory that restricts at most [`MAX_RESTRICTED`] of them and holds at least half of the
/// failures. Skipped when fewer than [`MIN_CASES`] futures fail or pass.
fn vulnerabilities(
    model: &Model,
    problem: &Problem,
    values: &EnsembleValues,
    highlights: &[Highlight],
) -> Vec<Vulnerability> {
    let d = model.uncertainties.len();
    let names = model.drawn_names().len();
    if d == 0 {
        return vec![];
    }
    let draws = values.draws as usize;
    let x: Vec<f64> = (0..draws)
        .flat_map(|r| values.drawn[r * names..r * names + d].to_vec())
        .collect();
    let mut out = Vec::new();
    for h in highlights {
        // Setting 0 is today's policy; the Pareto set follows.
        let s = h.policy + 1;
        for (k, o) in problem.objectives.iter().enumerate() {
            let Some(t) = o.meets else { continue };
            let fails: Vec<bool> = values
                .column(s, k)
                .iter()
                .map(|v| !robustness::meets(*v, t, o.better))
                .collect();
            let failing = fails.iter().filter(|f| **f).count();
            if failing < MIN_CASES || draws - failing < MIN_CASES {
                continue;
            }
            let Some(p) = crate::sensitivity::prim::prim(&x, &fails, d, 0.05, 0.05, 0.5) else {
                continue;
            };
            let restricted = |st: &crate::sensitivity::prim::Step| {
                st.limits
                    .iter()
                    .filter(|(lo, hi)| lo.is_some() || hi.is_some())
                    .count()
            };
            let Some(step) = p
                .trajectory
                .iter()
                .filter(|st| st.coverage >= 0.5 && restricted(st) <= MAX_RESTRICTED)
                .fold(
                    None::<&crate::sensitivity::prim::Step>,
                    |best, st| match best {
                        Some(b) if b.density >= st.density => Some(b),
                        _ => Some(st),
                    },
                )
            else {
                continue;
            };
            out.push(Vulnerability {
                policy: h.policy,
                objective: k,
                condition: format!(
                    "misses {}",
                    crate::number::phrase(t, &model.outcomes[o.outcome].unit)
                ),
                fails: failing as f64 / draws as f64,
                conditions: step
                    .limits
                    .iter()
                    .enumerate()
                    .filter(|(_, (lo, hi))| lo.is_some() || hi.is_some())
                    .map(|(u, (lo, hi))| BoxLimit {
                        id: model.uncertainties[u].id.clone(),
                        name: model.uncertainties[u].name.clone(),
                        low: if lo.is_some() {
                            step.bounds[u].0
                        } else {
                            p.full[u].0
                        },
                        high: if hi.is_some() {
                            step.bounds[u].1
                        } else {
                            p.full[u].1
                        },
                        full_low: p.full[u].0,
                        full_high: p.full[u].1,
                    })
                    .collect(),
                coverage: step.coverage,
                density: step.density,
            });
        }
    }
    out
}
