//! Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC), on the unit cube.
//!
//! Every calibrated uncertainty is one uniform `u` in (0, 1) through its quantile function, so
//! its prior is uniform on (0, 1) whatever its distribution. The sampler works on `z = logit(u)`
//! and follows Beaumont et al. (2009, "Adaptive approximate Bayesian computation"), the
//! population Monte Carlo form of Toni et al. (2009):
//!
//! 1. Generation 0: `N` draws from the prior, each simulated once.
//! 2. Generation `t`: the tolerance `ε_t` is the `alpha`-quantile of the previous generation's
//!    distances, but never below the stopping tolerance. Candidates are a parent drawn by weight
//!    and moved by a Gaussian kernel with twice the population's weighted covariance (in `z`); a
//!    candidate is kept if its distance is at most `ε_t`, in the order proposed, until `N` are
//!    kept. Weights are `prior(z) / Σ_j w_j K(z | z_j)`.
//! 3. The sampler stops once `ε_t` reaches the stopping tolerance (the 99.9% point of a
//!    chi-square with one degree of freedom per target), or when fewer than 1% of a generation's
//!    candidates are kept, or when the run budget is spent.
//! 4. Tempering to the stated observation errors (an SMC sampler, Del Moral, Doucet and Jasra
//!    2012): the targets run from the last generation's `prior(z) 1(d <= ε)` to
//!    `prior(z) 1(d <= ε) exp(-d^2 / 2)` through `exp(-β d^2 / 2)`, `β` from 0 to 1. Each step
//!    takes the largest `β` that keeps the effective sample size of the reweighted population
//!    at half the particles (found by bisection), resamples by weight (systematic resampling)
//!    and moves every particle `moves` times by Metropolis-Hastings (ABC-MCMC, Marjoram et al.
//!    2003): a Gaussian random walk in `z` with `2.38^2 / k` times the population's covariance
//!    (Roberts, Gelman and Gilks 1997), each candidate simulated once and kept with chance
//!    `min(1, target(new) / target(old))`. Weighting the last generation by the likelihood in
//!    one go leaves a handful of particles when it is sharp; tempering keeps many distinct
//!    particles of equal weight, with the same final target.
//!
//! The distance is `sqrt(Σ_k ((s_k - o_k) / σ_k)^2)`: each simulated summary `s_k` against its
//! observed value `o_k`, in units of the observation's stated uncertainty `σ_k`. Step 4 brings in
//! the factor `exp(-d^2 / 2)`: the result approximates the posterior under the
//! stated observation errors (Wilkinson 2013, "Approximate Bayesian computation gives exact
//! results under the assumption of model error"), not a posterior that depends on where the
//! tolerance schedule stopped.
//!
//! Everything random comes from one ChaCha8 stream of the seed, drawn on the calling thread in a
//! fixed order; simulations run in parallel but come back in proposal order. So a fit is the same
//! bit for bit on any number of threads.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use std::io;

/// How the sampler runs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Particles per generation (`N`).
    pub particles: usize,
    /// Quantile of the last generation's distances that sets the next tolerance.
    pub alpha: f64,
    /// Most generations after generation 0.
    pub max_generations: usize,
    /// Most simulations in all.
    pub max_runs: u64,
    pub seed: u64,
    /// Metropolis-Hastings steps per particle at each tempering step (step 4; 0 reweights by
    /// the likelihood in one go instead).
    pub moves: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            particles: 1000,
            alpha: 0.5,
            max_generations: 20,
            max_runs: 400_000,
            seed: 1,
            moves: 10,
        }
    }
}

/// Runs simulations for the sampler.
pub trait Simulator {
    /// Simulates each of the `thetas.len() / k` parameter vectors once (each `k` uniforms in
    /// (0, 1)), with streams no earlier batch used (`first` counts the simulations before this
    /// batch), and returns their summaries, `m` per vector, in the same order.
    fn simulate(&mut self, first: u64, thetas: &[f64], k: usize) -> io::Result<Vec<f64>>;
}

/// One generation of the sampler.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Generation {
    /// Tolerance (infinite for generation 0, the prior).
    pub epsilon: f64,
    /// Candidates simulated and kept.
    pub proposed: u64,
    pub accepted: u64,
    /// Effective sample size of the weights, `1 / Σ w^2`.
    pub ess: f64,
}

/// Why the sampler stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// The tolerance reached the stopping tolerance.
    Reached,
    /// Fewer than 1% of a generation's candidates were kept: the targets are hard to reach.
    Stalled,
    /// The run budget or the generation limit was spent first.
    Budget,
    /// Some target is out of reach: no draw from the prior came within [`REACH`] uncertainties
    /// of it (the targets are listed in [`Fit::unreachable`]). Nothing was fitted.
    Unreachable,
}

/// How close (in units of its uncertainty) some prior draw must come to each target for the
/// fit to go ahead.
pub const REACH: f64 = 3.0;

/// The fitted population.
#[derive(Clone, Debug)]
pub struct Fit {
    /// Number of parameters and of summaries.
    pub k: usize,
    pub m: usize,
    /// Particles (`N x k` uniforms), their normalised weights, distances and summaries (`N x m`).
    pub particles: Vec<f64>,
    pub weights: Vec<f64>,
    pub distances: Vec<f64>,
    pub summaries: Vec<f64>,
    pub generations: Vec<Generation>,
    /// Simulations run in all.
    pub runs: u64,
    pub stop: Stop,
    /// The tolerance the sampler aimed for.
    pub target_epsilon: f64,
    /// Each summary's smallest and largest value among the prior draws (generation 0).
    pub prior_range: Vec<(f64, f64)>,
    /// Targets no prior draw came within [`REACH`] uncertainties of.
    pub unreachable: Vec<usize>,
    /// Effective sample size the last generation would have if weighted by the likelihood in
    /// one go: what tempering (step 4) avoids.
    pub importance_ess: f64,
    /// The tempering steps (step 4).
    pub tempering: Vec<Temper>,
}

impl Fit {
    /// Effective sample size of the final weights.
    pub fn ess(&self) -> f64 {
        ess(&self.weights)
    }

    /// Particles that differ from every other: after resample-move, how many of the
    /// population's equal-weight particles are distinct.
    pub fn distinct(&self) -> usize {
        let mut rows: Vec<&[f64]> = self.particles.chunks(self.k.max(1)).collect();
        rows.sort_by(|a, b| {
            a.iter()
                .zip(b.iter())
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        rows.dedup();
        rows.len()
    }
}

/// One tempering step (step 4).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Temper {
    /// The likelihood's exponent reached.
    pub beta: f64,
    /// Share of candidates kept in each of the step's sweeps.
    pub acceptance: Vec<f64>,
}

/// A population: particles in `z = logit(u)`, weights, distances and summaries.
struct Population {
    z: Vec<f64>,
    w: Vec<f64>,
    d: Vec<f64>,
    s: Vec<f64>,
}

/// Fits `k` parameters to `observed` summaries with uncertainties `sd` (all positive).
pub fn fit(
    sim: &mut dyn Simulator,
    observed: &[f64],
    sd: &[f64],
    k: usize,
    settings: &Settings,
) -> io::Result<Fit> {
    let n = settings.particles.max(2);
    let m = observed.len();
    let target_epsilon = chi_square_quantile_999(m).sqrt();
    let mut rng = ChaCha8Rng::from_seed(seed_key(settings.seed));
    let distance = |s: &[f64]| -> f64 {
        s.iter()
            .zip(observed)
            .zip(sd)
            .map(|((s, o), sd)| ((s - o) / sd).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let mut pop = prior(sim, &mut rng, n, k, &distance)?;
    let mut runs = n as u64;
    let mut generations = vec![Generation {
        epsilon: f64::INFINITY,
        proposed: n as u64,
        accepted: n as u64,
        ess: n as f64,
    }];
    let prior_range = ranges(&pop.s, m);
    let unreachable: Vec<usize> = (0..m)
        .filter(|&j| (0..n).all(|i| ((pop.s[i * m + j] - observed[j]) / sd[j]).abs() > REACH))
        .collect();
    let mut stop = Stop::Unreachable;
    if unreachable.is_empty() {
        let mut run = Sequence {
            sim,
            rng: &mut rng,
            k,
            m,
            target_epsilon,
            runs: &mut runs,
            generations: &mut generations,
        };
        (pop, stop) = run.refine(pop, settings, &distance)?;
    }
    // Under the stated observation errors: each particle's weight times its Gaussian likelihood,
    // reached by tempering.
    let importance_ess = ess(&reweighted(&pop, 1.0));
    let mut tempering = Vec::new();
    if stop != Stop::Unreachable && settings.moves > 0 {
        let mut mover = Mover {
            sim,
            rng: &mut rng,
            k,
            epsilon: generations.last().map_or(f64::INFINITY, |g| g.epsilon),
            runs: &mut runs,
            max_runs: settings.max_runs,
        };
        (pop, tempering) = mover.temper(pop, settings.moves, &distance)?;
    } else {
        pop.w = reweighted(&pop, 1.0);
    }
    Ok(Fit {
        k,
        m,
        particles: pop.z.iter().map(|&z| logistic(z)).collect(),
        weights: pop.w,
        distances: pop.d,
        summaries: pop.s,
        generations,
        runs,
        stop,
        target_epsilon,
        prior_range,
        unreachable,
        importance_ess,
        tempering,
    })
}

/// Step 4, tempering: what it needs.
struct Mover<'a> {
    sim: &'a mut dyn Simulator,
    rng: &'a mut ChaCha8Rng,
    k: usize,
    /// The last generation's tolerance, which every move keeps to.
    epsilon: f64,
    runs: &'a mut u64,
    max_runs: u64,
}

impl Mover<'_> {
    /// Tempers `pop` (at `β = 0`) to `β = 1`, `sweeps` moves per step. If the run budget runs
    /// out first, the rest of the way is one reweighting. Returns the population and the steps.
    fn temper(
        &mut self,
        mut pop: Population,
        sweeps: usize,
        distance: &dyn Fn(&[f64]) -> f64,
    ) -> io::Result<(Population, Vec<Temper>)> {
        let n = pop.w.len();
        let mut beta = 0.0;
        let mut steps = Vec::new();
        while beta < 1.0 {
            let next = next_beta(&pop, beta, 0.5 * n as f64);
            let w = reweighted(&pop, next - beta);
            let affordable = self.max_runs.saturating_sub(*self.runs) >= (sweeps * n) as u64;
            if !affordable || steps.len() >= MAX_TEMPER_STEPS {
                pop.w = reweighted(&pop, 1.0 - beta);
                break;
            }
            pop.w = w;
            beta = next;
            pop = resample(&pop, self.k, open_uniform(self.rng));
            let acceptance = self.moves(&mut pop, beta, sweeps, distance)?;
            steps.push(Temper { beta, acceptance });
        }
        Ok((pop, steps))
    }

    /// Moves every particle of the equal-weight `pop` `sweeps` times, targeting
    /// `prior(z) 1(d <= ε) exp(-β d^2 / 2)`; returns each sweep's acceptance.
    fn moves(
        &mut self,
        pop: &mut Population,
        beta: f64,
        sweeps: usize,
        distance: &dyn Fn(&[f64]) -> f64,
    ) -> io::Result<Vec<f64>> {
        let k = self.k;
        let n = pop.w.len();
        let m = pop.s.len() / n.max(1);
        let log_target =
            |z: &[f64], d: f64| z.iter().map(|&z| log_prior(z)).sum::<f64>() - 0.5 * beta * d * d;
        let mut acceptance = Vec::with_capacity(sweeps);
        for _ in 0..sweeps {
            let Some(kernel) = Kernel::of(pop, k, 2.38 * 2.38 / k as f64) else {
                break;
            };
            let mut z = Vec::with_capacity(n * k);
            for i in 0..n {
                z.extend(kernel.perturb(&pop.z[i * k..(i + 1) * k], self.rng));
            }
            let u: Vec<f64> = z.iter().map(|&z| logistic(z)).collect();
            let s = self.sim.simulate(*self.runs, &u, k)?;
            *self.runs += n as u64;
            let mut kept = 0usize;
            for i in 0..n {
                let (zi, si) = (&z[i * k..(i + 1) * k], &s[i * m..(i + 1) * m]);
                let d = distance(si);
                let ratio = log_target(zi, d) - log_target(&pop.z[i * k..(i + 1) * k], pop.d[i]);
                // The uniform is drawn for every candidate, kept or not, so the stream does not
                // depend on the outcome.
                let u = open_uniform(self.rng);
                if d <= self.epsilon && u.ln() < ratio {
                    pop.z[i * k..(i + 1) * k].copy_from_slice(zi);
                    pop.s[i * m..(i + 1) * m].copy_from_slice(si);
                    pop.d[i] = d;
                    kept += 1;
                }
            }
            acceptance.push(kept as f64 / n as f64);
        }
        Ok(acceptance)
    }
}

/// Most tempering steps; the bisection's half-ESS rule needs far fewer in practice.
const MAX_TEMPER_STEPS: usize = 50;

/// `pop`'s weights times `exp(-Δβ d^2 / 2)`, normalised.
fn reweighted(pop: &Population, delta: f64) -> Vec<f64> {
    let lowest = pop.d.iter().fold(f64::INFINITY, |a, &d| a.min(d * d));
    let mut w: Vec<f64> = pop
        .w
        .iter()
        .zip(&pop.d)
        // Shifted by the smallest d^2 so that a sharp likelihood does not underflow to zero.
        .map(|(w, d)| w * (-0.5 * delta * (d * d - lowest)).exp())
        .collect();
    normalise(&mut w);
    w
}

/// The largest `β` in `(beta, 1]` at which `pop`'s reweighted ESS is at least `floor`, by
/// bisection (to 1e-6); 1 if even that keeps it.
fn next_beta(pop: &Population, beta: f64, floor: f64) -> f64 {
    if ess(&reweighted(pop, 1.0 - beta)) >= floor {
        return 1.0;
    }
    let (mut lo, mut hi) = (beta, 1.0);
    while hi - lo > 1e-6 {
        let mid = 0.5 * (lo + hi);
        if ess(&reweighted(pop, mid - beta)) >= floor {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    // Always move forward, if only a little.
    lo.max(beta + 1e-6).min(1.0)
}

/// `pop` resampled by weight (systematic resampling from one uniform `u0`), with equal weights.
fn resample(pop: &Population, k: usize, u0: f64) -> Population {
    let n = pop.w.len();
    let m = pop.s.len() / n.max(1);
    let cumulative = cumulative(&pop.w);
    let mut out = Population {
        z: Vec::with_capacity(n * k),
        w: vec![1.0 / n as f64; n],
        d: Vec::with_capacity(n),
        s: Vec::with_capacity(n * m),
    };
    for i in 0..n {
        let j = pick(&cumulative, (i as f64 + u0) / n as f64);
        out.z.extend_from_slice(&pop.z[j * k..(j + 1) * k]);
        out.d.push(pop.d[j]);
        out.s.extend_from_slice(&pop.s[j * m..(j + 1) * m]);
    }
    out
}

/// The generations after the prior, and what they share.
struct Sequence<'a> {
    sim: &'a mut dyn Simulator,
    rng: &'a mut ChaCha8Rng,
    k: usize,
    m: usize,
    target_epsilon: f64,
    runs: &'a mut u64,
    generations: &'a mut Vec<Generation>,
}

impl Sequence<'_> {
    /// Runs generations from `pop` until the tolerance reaches its target, the sampler stalls or
    /// the budget is spent; returns the last population and why it stopped.
    fn refine(
        &mut self,
        mut pop: Population,
        settings: &Settings,
        distance: &dyn Fn(&[f64]) -> f64,
    ) -> io::Result<(Population, Stop)> {
        for _ in 0..settings.max_generations {
            let epsilon =
                weighted_quantile(&pop.d, &pop.w, settings.alpha).max(self.target_epsilon);
            let Some(kernel) = Kernel::of(&pop, self.k, 2.0) else {
                return Ok((pop, Stop::Stalled));
            };
            let mut args = NextArgs {
                sim: &mut *self.sim,
                rng: &mut *self.rng,
                pop: &pop,
                kernel: &kernel,
                k: self.k,
                m: self.m,
                epsilon,
                runs: &mut *self.runs,
                max_runs: settings.max_runs,
            };
            let Some((next, proposed)) = next_generation(&mut args, distance)? else {
                let spent = *self.runs >= settings.max_runs;
                return Ok((pop, if spent { Stop::Budget } else { Stop::Stalled }));
            };
            self.generations.push(Generation {
                epsilon,
                proposed,
                accepted: next.w.len() as u64,
                ess: ess(&next.w),
            });
            pop = next;
            if epsilon <= self.target_epsilon {
                return Ok((pop, Stop::Reached));
            }
        }
        Ok((pop, Stop::Budget))
    }
}

/// Each of the `m` summaries' smallest and largest value.
fn ranges(s: &[f64], m: usize) -> Vec<(f64, f64)> {
    (0..m)
        .map(|j| {
            s.iter()
                .skip(j)
                .step_by(m.max(1))
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                })
        })
        .collect()
}

/// Generation 0: `n` draws from the prior, each simulated once.
fn prior(
    sim: &mut dyn Simulator,
    rng: &mut ChaCha8Rng,
    n: usize,
    k: usize,
    distance: &dyn Fn(&[f64]) -> f64,
) -> io::Result<Population> {
    let u: Vec<f64> = (0..n * k).map(|_| open_uniform(rng)).collect();
    let s = sim.simulate(0, &u, k)?;
    let m = s.len() / n.max(1);
    Ok(Population {
        z: u.iter().map(|&u| logit(u)).collect(),
        w: vec![1.0 / n as f64; n],
        d: s.chunks(m.max(1)).map(distance).collect(),
        s,
    })
}

/// What [`next_generation`] needs.
struct NextArgs<'a> {
    sim: &'a mut dyn Simulator,
    rng: &'a mut ChaCha8Rng,
    pop: &'a Population,
    kernel: &'a Kernel,
    k: usize,
    m: usize,
    epsilon: f64,
    runs: &'a mut u64,
    max_runs: u64,
}

/// Proposes, simulates and keeps candidates within `epsilon` until the population is full;
/// `None` if fewer than 1% are kept or the budget runs out. Returns the population and the
/// candidates proposed.
fn next_generation(
    a: &mut NextArgs,
    distance: &dyn Fn(&[f64]) -> f64,
) -> io::Result<Option<(Population, u64)>> {
    let n = a.pop.w.len();
    let (k, m) = (a.k, a.m);
    let cumulative = cumulative(&a.pop.w);
    let mut next = Population {
        z: Vec::with_capacity(n * k),
        w: Vec::with_capacity(n),
        d: Vec::with_capacity(n),
        s: Vec::with_capacity(n * m),
    };
    let mut proposed = 0u64;
    while next.d.len() < n {
        let batch = n.min((a.max_runs.saturating_sub(*a.runs)) as usize);
        let stalled = proposed >= 100 * n as u64 && next.d.len() * 100 < proposed as usize;
        if batch == 0 || stalled {
            return Ok(None);
        }
        let mut z = Vec::with_capacity(batch * k);
        for _ in 0..batch {
            let parent = pick(&cumulative, open_uniform(a.rng));
            let moved = a
                .kernel
                .perturb(&a.pop.z[parent * k..(parent + 1) * k], a.rng);
            z.extend(moved);
        }
        let u: Vec<f64> = z.iter().map(|&z| logistic(z)).collect();
        let s = a.sim.simulate(*a.runs, &u, k)?;
        *a.runs += batch as u64;
        proposed += batch as u64;
        for i in 0..batch {
            let si = &s[i * m..(i + 1) * m];
            let d = distance(si);
            if d <= a.epsilon && next.d.len() < n {
                next.z.extend_from_slice(&z[i * k..(i + 1) * k]);
                next.d.push(d);
                next.s.extend_from_slice(si);
            }
        }
    }
    if next.d.len() * 100 < proposed as usize {
        return Ok(None);
    }
    next.w = (0..n)
        .map(|i| {
            let zi = &next.z[i * k..(i + 1) * k];
            let prior: f64 = zi.iter().map(|&z| log_prior(z)).sum::<f64>().exp();
            let mix: f64 = (0..n)
                .map(|j| a.pop.w[j] * a.kernel.density(zi, &a.pop.z[j * k..(j + 1) * k]))
                .sum();
            if mix > 0.0 { prior / mix } else { 0.0 }
        })
        .collect();
    normalise(&mut next.w);
    Ok(Some((next, proposed)))
}

/// A perturbation kernel: a Gaussian with a multiple of the population's weighted covariance.
struct Kernel {
    /// Lower Cholesky factor of the covariance, row-major `k x k`.
    l: Vec<f64>,
    k: usize,
}

impl Kernel {
    /// The kernel with `scale` times `pop`'s covariance; `None` if that is degenerate beyond
    /// repair.
    fn of(pop: &Population, k: usize, scale: f64) -> Option<Kernel> {
        let n = pop.w.len();
        let mut mean = vec![0.0; k];
        for (w, z) in pop.w.iter().zip(pop.z.chunks(k)) {
            for (m, z) in mean.iter_mut().zip(z) {
                *m += w * z;
            }
        }
        let mut cov = vec![0.0; k * k];
        for i in 0..n {
            for a in 0..k {
                let da = pop.z[i * k + a] - mean[a];
                for b in 0..k {
                    cov[a * k + b] += scale * pop.w[i] * da * (pop.z[i * k + b] - mean[b]);
                }
            }
        }
        // A little jitter keeps a collapsed dimension explorable.
        for a in 0..k {
            cov[a * k + a] += 1e-6;
        }
        cholesky(&cov, k).map(|l| Kernel { l, k })
    }

    /// `z` moved by one draw of the kernel.
    fn perturb(&self, z: &[f64], rng: &mut ChaCha8Rng) -> Vec<f64> {
        let k = self.k;
        let e: Vec<f64> = (0..k).map(|_| standard_normal(rng)).collect();
        (0..k)
            .map(|a| z[a] + (0..=a).map(|b| self.l[a * k + b] * e[b]).sum::<f64>())
            .collect()
    }

    /// The kernel's density at `x` around `centre`, up to a constant factor.
    fn density(&self, x: &[f64], centre: &[f64]) -> f64 {
        let k = self.k;
        // Solve L y = x - centre; the density is exp(-|y|^2 / 2).
        let mut y = vec![0.0; k];
        for a in 0..k {
            let v = x[a] - centre[a] - (0..a).map(|b| self.l[a * k + b] * y[b]).sum::<f64>();
            y[a] = v / self.l[a * k + a];
        }
        (-0.5 * y.iter().map(|v| v * v).sum::<f64>()).exp()
    }
}

/// The lower Cholesky factor of a symmetric `k x k` matrix, or `None` if it is not positive
/// definite.
fn cholesky(a: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let s: f64 = (0..j).map(|p| l[i * k + p] * l[j * k + p]).sum();
            if i == j {
                let v = a[i * k + i] - s;
                if v.is_nan() || v <= 0.0 {
                    return None;
                }
                l[i * k + i] = v.sqrt();
            } else {
                l[i * k + j] = (a[i * k + j] - s) / l[j * k + j];
            }
        }
    }
    Some(l)
}

/// Log density of `z = logit(u)` when `u` is uniform on (0, 1): `ln(u (1 - u))`.
fn log_prior(z: f64) -> f64 {
    -z.abs() - 2.0 * (-z.abs()).exp().ln_1p()
}

pub(crate) fn logit(u: f64) -> f64 {
    let u = u.clamp(1e-12, 1.0 - 1e-12);
    (u / (1.0 - u)).ln()
}

pub(crate) fn logistic(z: f64) -> f64 {
    (1.0 / (1.0 + (-z).exp())).clamp(1e-12, 1.0 - 1e-12)
}

/// A uniform strictly inside (0, 1), as the engine draws them.
fn open_uniform(rng: &mut ChaCha8Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal draw (inverse transform, so one uniform each).
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    crate::stats::dist::normal_quantile(open_uniform(rng))
}

fn seed_key(seed: u64) -> [u8; 32] {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..24].copy_from_slice(b"stratex:abc-smc!");
    key
}

fn normalise(w: &mut [f64]) {
    let total: f64 = w.iter().sum();
    if total > 0.0 {
        for v in w.iter_mut() {
            *v /= total;
        }
    } else {
        let n = w.len() as f64;
        w.iter_mut().for_each(|v| *v = 1.0 / n);
    }
}

pub(crate) fn ess(w: &[f64]) -> f64 {
    let s: f64 = w.iter().map(|v| v * v).sum();
    if s > 0.0 { 1.0 / s } else { 0.0 }
}

fn cumulative(w: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    w.iter()
        .map(|v| {
            acc += v;
            acc
        })
        .collect()
}

/// The index whose cumulative weight first reaches `u` (times the total).
pub(crate) fn pick(cumulative: &[f64], u: f64) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    let target = u * total;
    cumulative
        .partition_point(|&c| c < target)
        .min(cumulative.len().saturating_sub(1))
}

/// The weighted `q`-quantile of `x` (the smallest value whose cumulative weight reaches `q`).
pub(crate) fn weighted_quantile(x: &[f64], w: &[f64], q: f64) -> f64 {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(a.cmp(&b)));
    let total: f64 = w.iter().sum();
    let mut acc = 0.0;
    for &i in &order {
        acc += w[i];
        if acc >= q * total {
            return x[i];
        }
    }
    order.last().map_or(f64::NAN, |&i| x[i])
}

/// The 99.9% point of a chi-square distribution with `m` degrees of freedom (Wilson and
/// Hilferty's approximation: 11.16 for one degree of freedom where the exact value is 10.83, and
/// closer with more; the stopping tolerance needs no more precision).
fn chi_square_quantile_999(m: usize) -> f64 {
    let m = m.max(1) as f64;
    let z = 3.090_232_306_167_813;
    let h = 2.0 / (9.0 * m);
    m * (1.0 - h + z * h.sqrt()).powi(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy simulator: two parameters, three noisy summaries.
    struct Toy {
        noise: f64,
        seed: u64,
    }

    impl Toy {
        fn summaries(&self, u: &[f64], stream: u64) -> Vec<f64> {
            let mut r = ChaCha8Rng::from_seed(seed_key(self.seed ^ stream.wrapping_mul(0x9e37)));
            let mut e = || self.noise * standard_normal(&mut r);
            let (a, b) = (10.0 * u[0], 4.0 * u[1]);
            vec![a + e(), a + b + e(), 2.0 * b + e()]
        }
    }

    impl Simulator for Toy {
        fn simulate(&mut self, first: u64, thetas: &[f64], k: usize) -> io::Result<Vec<f64>> {
            Ok(thetas
                .chunks(k)
                .enumerate()
                .flat_map(|(i, u)| self.summaries(u, first + i as u64))
                .collect())
        }
    }

    fn interval(fit: &Fit, p: usize) -> (f64, f64) {
        let x: Vec<f64> = (0..fit.weights.len())
            .map(|i| fit.particles[i * fit.k + p])
            .collect();
        (
            weighted_quantile(&x, &fit.weights, 0.05),
            weighted_quantile(&x, &fit.weights, 0.95),
        )
    }

    #[test]
    fn posterior_intervals_cover_the_truth_at_their_stated_rate() {
        // Observations are the simulator at a true point plus the stated observation error, so
        // the 90% intervals should hold the truth about 90% of the time.
        let (noise, sd) = (0.3, 0.5);
        let mut inside = 0;
        let mut total = 0;
        for rep in 0..30u64 {
            let mut r = ChaCha8Rng::from_seed(seed_key(1000 + rep));
            let truth = [
                0.1 + 0.8 * open_uniform(&mut r),
                0.1 + 0.8 * open_uniform(&mut r),
            ];
            let toy = Toy { noise, seed: rep };
            let mut obs = toy.summaries(&truth, u64::MAX - rep);
            for o in obs.iter_mut() {
                *o += sd * standard_normal(&mut r);
            }
            let sds = vec![sd; 3];
            let mut sim = Toy {
                noise,
                seed: 77 + rep,
            };
            let settings = Settings {
                particles: 300,
                seed: rep,
                ..Settings::default()
            };
            let fit = fit(&mut sim, &obs, &sds, 2, &settings).unwrap();
            assert_eq!(fit.stop, Stop::Reached, "rep {rep}");
            for (p, t) in truth.iter().enumerate() {
                let (lo, hi) = interval(&fit, p);
                inside += usize::from(lo <= *t && *t <= hi);
                total += 1;
            }
        }
        let share = inside as f64 / total as f64;
        assert!(
            share >= 0.85,
            "90% intervals held the truth {share:.2} of the time"
        );
        assert!(share <= 0.99, "intervals far too wide: {share:.2}");
    }

    #[test]
    fn the_same_seed_gives_the_same_fit() {
        let obs = [5.0, 7.0, 4.0];
        let sd = [0.5; 3];
        let settings = Settings {
            particles: 100,
            ..Settings::default()
        };
        let a = fit(
            &mut Toy {
                noise: 0.2,
                seed: 3,
            },
            &obs,
            &sd,
            2,
            &settings,
        )
        .unwrap();
        let b = fit(
            &mut Toy {
                noise: 0.2,
                seed: 3,
            },
            &obs,
            &sd,
            2,
            &settings,
        )
        .unwrap();
        assert_eq!(a.particles, b.particles);
        assert_eq!(a.weights, b.weights);
    }

    #[test]
    fn an_unreachable_target_stalls_instead_of_hanging() {
        // The toy's first summary is at most 10 + noise; 100 cannot be reached.
        let obs = [100.0, 7.0, 4.0];
        let sd = [0.5; 3];
        let settings = Settings {
            particles: 100,
            max_runs: 100_000,
            ..Settings::default()
        };
        let fit = fit(
            &mut Toy {
                noise: 0.2,
                seed: 3,
            },
            &obs,
            &sd,
            2,
            &settings,
        )
        .unwrap();
        assert_eq!(fit.stop, Stop::Unreachable);
        assert_eq!(fit.unreachable, [0]);
        assert_eq!(fit.runs, 100, "only the prior was simulated");
        assert!(fit.prior_range[0].1 < 11.5);
        // Each target reachable alone, but not together: the sampler stops, within its budget.
        let obs = [9.5, 4.0, 7.5];
        let fit2 = super::fit(
            &mut Toy {
                noise: 0.2,
                seed: 3,
            },
            &obs,
            &sd,
            2,
            &settings,
        )
        .unwrap();
        assert!(fit2.unreachable.is_empty());
        assert_ne!(fit2.stop, Stop::Reached);
        assert!(fit2.runs <= 100_000);
    }

    #[test]
    fn helpers_do_what_they_say() {
        assert!((chi_square_quantile_999(1) - 10.83).abs() < 0.4);
        assert!((chi_square_quantile_999(10) - 29.59).abs() < 0.3);
        assert_eq!(pick(&[0.25, 0.5, 1.0], 0.3), 1);
        assert_eq!(
            weighted_quantile(&[3.0, 1.0, 2.0], &[1.0, 1.0, 1.0], 0.5),
            2.0
        );
        for z in [-3.0, 0.0, 2.5] {
            let u = logistic(z);
            assert!((log_prior(z) - (u * (1.0 - u)).ln()).abs() < 1e-12);
            assert!((logit(u) - z).abs() < 1e-9);
        }
        let l = cholesky(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        assert_eq!(l, vec![2.0, 0.0, 1.0, 2f64.sqrt()]);
    }
}
