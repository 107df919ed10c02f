//! NSGA-II (Deb et al. 2002) as an ask/tell state machine with an epsilon-dominance archive.
//!
//! [`Nsga2::ask`] is a pure function of the state (it draws only from the generation's own
//! stream, see [`super::variation`]), and [`Nsga2::tell`] is deterministic, so a state saved
//! between a `tell` and the next `ask` and restored later continues bit for bit like one never
//! stopped, whatever evaluates the candidates and on however many threads.

use serde::{Deserialize, Serialize};

use super::archive::Archive;
use super::sorting::{crowded_cmp, crowding, fronts};
use super::space::Space;
use super::variation::{below, mutate, polynomial, sbx, stream, uniform};

/// The parameters of the search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Candidates per generation, and the size of the population kept between generations.
    pub population: usize,
    /// Probability that a pair of parents is crossed (otherwise the children are copies).
    pub crossover: f64,
    /// Distribution index of simulated binary crossover (larger: children nearer the parents).
    pub eta_c: f64,
    /// Distribution index of polynomial mutation (larger: smaller steps).
    pub eta_m: f64,
    /// Per-gene mutation probability; `None` means `1 / genes`.
    pub mutation: Option<f64>,
}

impl Default for Settings {
    /// Deb's customary values: population 100, crossover 0.9, eta_c 15, eta_m 20, 1/genes.
    fn default() -> Settings {
        Settings {
            population: 100,
            crossover: 0.9,
            eta_c: 15.0,
            eta_m: 20.0,
            mutation: None,
        }
    }
}

/// A point to evaluate: its lever values `x` and the positions they were decoded from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub x: Vec<f64>,
    pub position: Vec<f64>,
}

/// An evaluated point. Objectives are minimised; `violation` is 0 for a feasible point and
/// positive for an infeasible one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluated {
    pub x: Vec<f64>,
    pub position: Vec<f64>,
    pub objectives: Vec<f64>,
    pub violation: f64,
}

impl Evaluated {
    /// An evaluated point with its numbers made comparable: a NaN objective becomes `+inf` (the
    /// worst value), a NaN violation `+inf` (the worst infeasibility) and a negative violation 0.
    pub fn new(x: Vec<f64>, position: Vec<f64>, objectives: Vec<f64>, violation: f64) -> Self {
        let objectives = objectives
            .into_iter()
            .map(|f| if f.is_nan() { f64::INFINITY } else { f })
            .collect();
        let violation = if violation.is_nan() {
            f64::INFINITY
        } else {
            violation.max(0.0)
        };
        Evaluated {
            x,
            position,
            objectives,
            violation,
        }
    }
}

/// The search state: everything `ask` and `tell` need, and nothing else (serialise it to save
/// a search, deserialise it to resume).
///
/// Resuming is exact only through a format that stores every `f64` bit for bit, such as
/// postcard (state.bin's format). serde_json as this crate builds it (without its
/// `float_roundtrip` feature) can read a number back one ulp off, and the resumed search then
/// drifts from the uninterrupted one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Nsga2 {
    space: Space,
    settings: Settings,
    seed: u64,
    island: u64,
    generation: u64,
    population: Vec<Evaluated>,
    archive: Archive,
}

impl Nsga2 {
    /// A search of `space` that has evaluated nothing yet. Islands with different `island`
    /// numbers under one `seed` draw from independent streams. `epsilons` are the archive's
    /// box widths, one per objective (see [`Archive`]). A space that fails
    /// [`Space::problem`] does not make the search panic, but its candidates can hold NaN.
    pub fn new(
        space: Space,
        settings: Settings,
        seed: u64,
        island: u64,
        epsilons: Vec<f64>,
    ) -> Self {
        Nsga2 {
            space,
            settings,
            seed,
            island,
            generation: 0,
            population: Vec::new(),
            archive: Archive::new(epsilons),
        }
    }

    /// The candidates to evaluate next, `settings.population` of them. While the population is
    /// empty (generation 0) they are the `seeded` values first (snapped to the nearest legal
    /// values; at most `population` of them) and then uniformly random positions; afterwards
    /// they are offspring of the population: binary tournaments by (rank, crowding), SBX and
    /// polynomial mutation, with a child whose values equal a parent's mutated once more.
    pub fn ask(&self, seeded: &[Vec<f64>]) -> Vec<Candidate> {
        let mut rng = stream(self.seed, self.island, self.generation);
        let n = self.settings.population;
        let bounds: Vec<(f64, f64)> = self.space.genes.iter().map(|g| g.bounds()).collect();
        let candidate = |position: Vec<f64>| Candidate {
            x: self.space.decode(&position),
            position,
        };
        let mut out = Vec::with_capacity(n);
        if self.population.is_empty() {
            out.extend(
                seeded
                    .iter()
                    .take(n)
                    .map(|v| candidate(self.space.encode(v))),
            );
            while out.len() < n {
                let position = bounds
                    .iter()
                    .map(|(lo, hi)| lo + uniform(&mut rng) * (hi - lo))
                    .collect();
                out.push(candidate(position));
            }
            return out;
        }
        let (rank, crowd) = selection_keys(&self.population);
        let pick = |rng: &mut _| {
            let (i, j) = (below(rng, rank.len()), below(rng, rank.len()));
            // The first drawn wins ties, so the choice depends only on the stream.
            match crowded_cmp(rank[j], crowd[j], rank[i], crowd[i]) {
                std::cmp::Ordering::Less => j,
                _ => i,
            }
        };
        let s = &self.settings;
        let genes = bounds.len().max(1);
        let rate = s.mutation.unwrap_or(1.0 / genes as f64);
        while out.len() < n {
            let (a, b) = (
                &self.population[pick(&mut rng)],
                &self.population[pick(&mut rng)],
            );
            let (c1, c2) = if uniform(&mut rng) < s.crossover {
                sbx(&mut rng, &a.position, &b.position, &bounds, s.eta_c)
            } else {
                (a.position.clone(), b.position.clone())
            };
            for mut child in [c1, c2] {
                mutate(&mut rng, &mut child, &bounds, s.eta_m, rate);
                let mut x = self.space.decode(&child);
                if (x == a.x || x == b.x) && !bounds.is_empty() {
                    // A copy of a parent costs an evaluation and teaches nothing: move one gene.
                    let k = below(&mut rng, bounds.len());
                    let (lo, hi) = bounds[k];
                    if hi > lo {
                        child[k] = polynomial(&mut rng, child[k], lo, hi, s.eta_m);
                        x = self.space.decode(&child);
                    }
                }
                if out.len() < n {
                    out.push(Candidate { x, position: child });
                }
            }
        }
        out
    }

    /// Takes the evaluations of `asked`, in the order asked (pairs beyond the shorter of the two
    /// lists are ignored), offers them to the archive in that order, keeps the best
    /// `settings.population` of the population and the new points (by rank, then crowding
    /// distance, ties to the earlier point) and advances the generation.
    pub fn tell(&mut self, asked: Vec<Candidate>, evals: Vec<(Vec<f64>, f64)>) {
        let mut pool = std::mem::take(&mut self.population);
        for (c, (objectives, violation)) in asked.into_iter().zip(evals) {
            let e = Evaluated::new(c.x, c.position, objectives, violation);
            self.archive.offer(&e);
            pool.push(e);
        }
        self.population = survivors(pool, self.settings.population);
        self.generation += 1;
    }

    /// Generations told so far (the generation the next `ask` belongs to).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The current population, in a deterministic order.
    pub fn population(&self) -> &[Evaluated] {
        &self.population
    }

    /// The archive of the best points evaluated so far.
    pub fn archive(&self) -> &Archive {
        &self.archive
    }

    /// The decision space.
    pub fn space(&self) -> &Space {
        &self.space
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The master seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The island number (the stream within the seed).
    pub fn island(&self) -> u64 {
        self.island
    }
}

/// Each point's front number and crowding distance within its front.
fn selection_keys(points: &[Evaluated]) -> (Vec<usize>, Vec<f64>) {
    let mut rank = vec![0; points.len()];
    let mut crowd = vec![0.0; points.len()];
    for (r, front) in fronts(points).iter().enumerate() {
        for (&i, d) in front.iter().zip(crowding(points, front)) {
            rank[i] = r;
            crowd[i] = d;
        }
    }
    (rank, crowd)
}

/// NSGA-II's environmental selection: whole fronts while they fit, then the most crowded-apart
/// members of the next front (stable, so ties go to the earlier point). Survivors keep their
/// order in `pool`.
fn survivors(pool: Vec<Evaluated>, n: usize) -> Vec<Evaluated> {
    if pool.len() <= n {
        return pool;
    }
    let mut keep = vec![false; pool.len()];
    let mut kept = 0;
    for front in fronts(&pool) {
        if kept + front.len() <= n {
            front.iter().for_each(|&i| keep[i] = true);
            kept += front.len();
            continue;
        }
        let d = crowding(&pool, &front);
        let mut order: Vec<usize> = (0..front.len()).collect();
        order.sort_by(|&a, &b| d[b].total_cmp(&d[a]));
        order
            .iter()
            .take(n - kept)
            .for_each(|&k| keep[front[k]] = true);
        break;
    }
    pool.into_iter()
        .zip(keep)
        .filter_map(|(e, k)| k.then_some(e))
        .collect()
}
