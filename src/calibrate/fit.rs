//! Fitting a scenario: the ABC-SMC sampler run on the model through the parallel driver, and
//! the checks of the fit (posterior predictive, prior against posterior, what was ruled out).

use super::abc::{self, Fit, Settings, Simulator};
use super::posterior::{Draws, FitLine, Posterior, marginal_quantile, value_at};
use super::targets::Targets;
use crate::engine::rng::{Streams, uniform};
use crate::model::{Model, Setting};
use crate::montecarlo::{self, Design, Job, RowSink};
use serde::Serialize;
use std::io;
use std::sync::atomic::AtomicBool;

/// Runs simulated for the posterior-predictive check.
pub const CHECK_RUNS: u64 = 4096;

/// Run indices of the check start here, after any the sampler can use.
const CHECK_FIRST_RUN: u64 = 1 << 40;

/// A calibration and its checks.
pub struct Calibration {
    pub fit: Fit,
    pub posterior: Posterior,
    /// Per target: how the calibrated model reproduces it.
    pub checks: Vec<TargetCheck>,
    /// Per calibrated uncertainty: prior against posterior.
    pub params: Vec<ParamSummary>,
    /// Runs simulated in all (fit and check).
    pub runs: u64,
}

/// How the calibrated model reproduces one target.
#[derive(Clone, Debug, Serialize)]
pub struct TargetCheck {
    pub id: String,
    pub observed: f64,
    pub sd: f64,
    /// Whether `observed` is an upper bound (met when the model's median is at or under it).
    pub at_most: bool,
    /// The model's median and 90% band under the posterior.
    pub median: f64,
    pub p5: f64,
    pub p95: f64,
    pub mean: f64,
    pub model_sd: f64,
    /// Whether the observed value lies inside the model's 90% band (for an upper bound: the
    /// model's median is at or under it).
    pub inside: bool,
    /// `|observed - mean| / sqrt(sd^2 + model_sd^2)` (for an upper bound, only the excess) (Vernon et al. 2010): above 3, the model
    /// cannot account for the observation.
    pub implausibility: f64,
}

/// One calibrated uncertainty, prior against posterior, in its own unit.
#[derive(Clone, Debug, Serialize)]
pub struct ParamSummary {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub prior: String,
    /// 5th, 50th and 95th percentiles.
    pub prior_quantiles: [f64; 3],
    pub posterior_quantiles: [f64; 3],
    /// The posterior's 99% range: values outside it are ruled out by the targets.
    pub kept: [f64; 2],
    /// The prior's own 99% range, for comparison.
    pub prior_kept: [f64; 2],
}

/// Keeps rows in memory.
struct Collect(Vec<f64>);

impl RowSink for Collect {
    fn rows(&mut self, _: u64, rows: &[f64], _: usize) -> io::Result<()> {
        self.0.extend_from_slice(rows);
        Ok(())
    }
}

/// Runs with the calibrated uniforms of each particle proposed, the others from the run's own
/// stream; run `first + j` is particle `j`.
struct Particles<'a> {
    thetas: &'a [f64],
    k: usize,
    draws: &'a [usize],
    streams: &'a Streams,
    first: u64,
}

impl Design for Particles<'_> {
    fn row(&self, run: u64, u: &mut [f64]) -> u64 {
        let mut r = self.streams.uncertainty(run);
        for v in u.iter_mut() {
            *v = uniform(&mut r);
        }
        let j = (run - self.first) as usize;
        for (c, &d) in self.draws.iter().enumerate() {
            u[d] = self.thetas[j * self.k + c];
        }
        run
    }
}

/// The model as the sampler sees it: a batch of parameter vectors in, target summaries out.
struct ModelSim<'a> {
    model: &'a Model,
    setting: &'a Setting,
    targets: &'a Targets,
    draws: Vec<usize>,
    streams: Streams,
    seed: u64,
    threads: usize,
    progress: &'a mut dyn FnMut(u64),
}

impl ModelSim<'_> {
    /// Runs `runs` runs of `design` from run `first`; returns each run's target summaries.
    fn summaries(&mut self, design: &dyn Design, first: u64, runs: u64) -> io::Result<Vec<f64>> {
        let job = Job {
            model: self.model,
            setting: self.setting,
            seed: self.seed,
            first_run: first,
            runs,
            threads: self.threads,
            design: Some(design),
        };
        let width = montecarlo::row_width(self.model);
        let mut sink = Collect(Vec::with_capacity(runs as usize * width));
        montecarlo::execute(&job, &mut sink, &mut |_, _| {}, &AtomicBool::new(false))?;
        (self.progress)(runs);
        let nd = self.model.drawn_names().len();
        Ok(sink
            .0
            .chunks(width)
            .flat_map(|row| {
                self.targets
                    .targets
                    .iter()
                    .map(move |t| row[nd + t.outcome])
            })
            .collect())
    }
}

impl Simulator for ModelSim<'_> {
    fn simulate(&mut self, first: u64, thetas: &[f64], k: usize) -> io::Result<Vec<f64>> {
        let draws = self.draws.clone();
        let streams = self.streams.clone();
        let design = Particles {
            thetas,
            k,
            draws: &draws,
            streams: &streams,
            first,
        };
        let mut s = self.summaries(&design, first, (thetas.len() / k.max(1)) as u64)?;
        // An upper bound fits exactly at or under it: the distance counts only the excess.
        let m = self.targets.targets.len();
        for (j, t) in self.targets.targets.iter().enumerate() {
            if t.at_most {
                s.iter_mut()
                    .skip(j)
                    .step_by(m)
                    .for_each(|x| *x = x.max(t.observed));
            }
        }
        Ok(s)
    }
}

/// What a calibration is asked to do.
pub struct Request<'a> {
    pub model: &'a Model,
    pub setting: &'a Setting,
    pub targets: &'a Targets,
    pub settings: Settings,
    pub threads: usize,
    /// Called with the runs done so far.
    pub progress: &'a mut dyn FnMut(u64),
}

/// Fits the targets' calibrated uncertainties and checks the fit.
pub fn calibrate(req: Request) -> io::Result<Calibration> {
    let targets = req.targets;
    let observed: Vec<f64> = targets.targets.iter().map(|t| t.observed).collect();
    let sd: Vec<f64> = targets.targets.iter().map(|t| t.sd).collect();
    let draws: Vec<usize> = targets.calibrated.iter().map(|c| c.draw).collect();
    let k = draws.len();
    let mut done = 0u64;
    let progress = req.progress;
    let mut count = |n: u64| {
        done += n;
        progress(done);
    };
    let mut sim = ModelSim {
        model: req.model,
        setting: req.setting,
        targets,
        draws: draws.clone(),
        streams: Streams::new(req.settings.seed),
        seed: req.settings.seed,
        threads: req.threads,
        progress: &mut count,
    };
    let fit = abc::fit(&mut sim, &observed, &sd, k, &req.settings)?;
    let mut posterior = Posterior::of(&fit, &targets.calibrated);
    let design = Draws::new(&posterior, draws.clone(), req.settings.seed);
    let checks = if fit.stop == abc::Stop::Unreachable {
        vec![]
    } else {
        let s = sim.summaries(&design, CHECK_FIRST_RUN, CHECK_RUNS)?;
        check_targets(targets, &s)
    };
    posterior.fit = fit_lines(targets, &checks);
    let params = summarise(req.model, req.setting, targets, &posterior, &draws);
    let runs = fit.runs + if checks.is_empty() { 0 } else { CHECK_RUNS };
    Ok(Calibration {
        fit,
        posterior,
        checks,
        params,
        runs,
    })
}

/// The posterior-predictive check of each target from the check runs' summaries.
fn check_targets(targets: &Targets, s: &[f64]) -> Vec<TargetCheck> {
    let m = targets.targets.len();
    targets
        .targets
        .iter()
        .enumerate()
        .map(|(j, t)| {
            let mut x: Vec<f64> = s.iter().skip(j).step_by(m).copied().collect();
            x.sort_by(f64::total_cmp);
            let n = x.len() as f64;
            let mean = x.iter().sum::<f64>() / n;
            let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
            let q = |p: f64| x[((p * (n - 1.0)).round() as usize).min(x.len() - 1)];
            let (p5, median, p95) = (q(0.05), q(0.5), q(0.95));
            // An upper bound is met when the model's median is under it, and only an excess of
            // the mean over it is implausible.
            let (inside, gap) = if t.at_most {
                (median <= t.observed, (mean - t.observed).max(0.0))
            } else {
                (
                    p5 <= t.observed && t.observed <= p95,
                    (t.observed - mean).abs(),
                )
            };
            TargetCheck {
                id: t.id.clone(),
                observed: t.observed,
                sd: t.sd,
                at_most: t.at_most,
                median,
                p5,
                p95,
                mean,
                model_sd: var.sqrt(),
                inside,
                implausibility: gap / (t.sd * t.sd + var).sqrt(),
            }
        })
        .collect()
}

/// The checks as the posterior file records them (see [`FitLine`]).
fn fit_lines(targets: &Targets, checks: &[TargetCheck]) -> Vec<FitLine> {
    // The observation's 90% range: a range's sd is its width over 3.29 (2 x 1.645), so this
    // gives the range back; a point gets +-1.645 sd.
    const Z90: f64 = 3.29 / 2.0;
    targets
        .targets
        .iter()
        .zip(checks)
        .map(|(t, c)| FitLine {
            id: t.id.clone(),
            name: t.name.clone(),
            unit: t.unit.clone(),
            observed: if t.at_most {
                [t.observed, t.observed]
            } else {
                [t.observed - Z90 * t.sd, t.observed + Z90 * t.sd]
            },
            at_most: t.at_most,
            point: t.point.then_some([t.observed, t.sd]),
            model: [c.p5, c.median, c.p95],
            inside: c.inside,
            source: format!(
                "{}, \u{201c}{}\u{201d}, {}",
                t.source.publisher, t.source.title, t.source.date
            ),
        })
        .collect()
}

/// Prior against posterior for each calibrated uncertainty, in its own unit.
fn summarise(
    model: &Model,
    setting: &Setting,
    targets: &Targets,
    posterior: &Posterior,
    draws: &[usize],
) -> Vec<ParamSummary> {
    targets
        .calibrated
        .iter()
        .enumerate()
        .map(|(c, cal)| {
            let slot = model
                .uncertainties
                .iter()
                .find(|u| u.id == cal.id)
                .map_or(0, |u| u.slot as usize);
            let at = |u: f64| value_at(model, setting, slot, draws[c], u);
            let post = |q: f64| at(marginal_quantile(posterior, c, q));
            ParamSummary {
                id: cal.id.clone(),
                name: cal.name.clone(),
                unit: cal.unit.clone(),
                prior: cal.prior.clone(),
                prior_quantiles: [at(0.05), at(0.5), at(0.95)],
                posterior_quantiles: [post(0.05), post(0.5), post(0.95)],
                kept: [post(0.005), post(0.995)],
                prior_kept: [at(0.005), at(0.995)],
            }
        })
        .collect()
}
