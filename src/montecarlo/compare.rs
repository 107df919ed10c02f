//! Paired comparison of policy settings with common random numbers.
//!
//! Run `r` of every setting uses the same random streams (seed, `r`): the same uncertain
//! parameters and the same event and shipping draws, in the same places. A setting's effect is
//! then measured run by run as a difference from the baseline's run `r`, so the noise both share
//! cancels: `Var(X - Y) = Var(X) + Var(Y) - 2 Cov(X, Y)`, and common random numbers make the
//! covariance large and positive. The paired interval is `mean(d) ± 1.96 sd(d) / sqrt(n)`; the
//! unpaired interval, reported alongside for comparison, is `± 1.96 sqrt(Var(X)/n + Var(Y)/n)`.
//!
//! Everything kept merges exactly (sketches and exact sums), so results do not depend on the
//! thread count.

use crate::engine::Runner;
use crate::engine::rng::Streams;
use crate::model::Better;
use crate::model::{Model, Setting};
use crate::montecarlo::drive::{Batch, Discard, Work, drive};
use crate::stats::exact::ExactSum;
use crate::stats::sketch::{Sketch, SketchRepr};
use crate::stats::summary::{Stats, sample_sd};
use serde::{Deserialize, Serialize};
use std::io;
use std::sync::atomic::AtomicBool;

/// Runs of all settings per chunk.
const CHUNK: u64 = 1024;

/// A paired comparison to run: every setting for runs `first_run .. first_run + runs`.
#[derive(Clone, Copy)]
pub struct PairedJob<'a> {
    pub model: &'a Model,
    /// The first setting is the baseline the others are compared with.
    pub settings: &'a [Setting],
    pub seed: u64,
    pub first_run: u64,
    pub runs: u64,
    pub threads: usize,
    /// Uncertainty uniforms from a design instead of the random stream (one row per paired
    /// run, shared by every setting).
    pub design: Option<&'a dyn super::Design>,
}

/// A setting's difference from the baseline in one outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    /// Mean of the run-by-run differences (setting minus baseline).
    pub mean: f64,
    /// 95% confidence interval of the mean difference, from the paired differences.
    pub ci95: [f64; 2],
    /// The interval if the runs were treated as unpaired (for comparison).
    pub ci95_unpaired: [f64; 2],
    /// Share of runs in which the setting did better than the baseline (ties count half).
    pub p_better: f64,
}

/// Accumulated results of a paired comparison.
#[derive(Clone, Debug)]
pub struct Comparison {
    settings: usize,
    outcomes: usize,
    runs: u64,
    /// Per (setting, outcome): sketch, sum and sum of squares of the final value.
    values: Vec<(Sketch, ExactSum, ExactSum)>,
    /// Per (setting, outcome): sum and sum of squares of the difference from the baseline.
    diffs: Vec<(ExactSum, ExactSum)>,
    /// Per (setting, outcome): runs better than the baseline, runs tied.
    better: Vec<[u64; 2]>,
}

/// Serialisable form of a [`Comparison`], for shards and interrupted comparisons.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ComparisonRepr {
    pub settings: usize,
    pub outcomes: usize,
    pub runs: u64,
    pub values: Vec<(SketchRepr, ExactSum, ExactSum)>,
    pub diffs: Vec<(ExactSum, ExactSum)>,
    pub better: Vec<[u64; 2]>,
}

impl Comparison {
    /// The saved form (see [`crate::montecarlo::state`]).
    pub fn to_repr(&self) -> ComparisonRepr {
        ComparisonRepr {
            settings: self.settings,
            outcomes: self.outcomes,
            runs: self.runs,
            values: self
                .values
                .iter()
                .map(|(k, s, q)| (k.to_repr(), s.normalised(), q.normalised()))
                .collect(),
            diffs: self
                .diffs
                .iter()
                .map(|(s, q)| (s.normalised(), q.normalised()))
                .collect(),
            better: self.better.clone(),
        }
    }

    /// Rebuilds a comparison from [`Comparison::to_repr`]; `None` if inconsistent.
    pub fn from_repr(r: &ComparisonRepr) -> Option<Comparison> {
        let k = r.settings.checked_mul(r.outcomes)?;
        if r.values.len() != k || r.diffs.len() != k || r.better.len() != k {
            return None;
        }
        let values = r
            .values
            .iter()
            .map(|(k, s, q)| Sketch::from_repr(k).map(|k| (k, s.clone(), q.clone())))
            .collect::<Option<Vec<_>>>()?;
        let consistent = values.iter().all(|v| v.0.count() == r.runs)
            && r.better
                .iter()
                .all(|[b, t]| b.checked_add(*t).is_some_and(|n| n <= r.runs));
        consistent.then(|| Comparison {
            settings: r.settings,
            outcomes: r.outcomes,
            runs: r.runs,
            values,
            diffs: r.diffs.clone(),
            better: r.better.clone(),
        })
    }

    /// An empty comparison of `settings` settings and `outcomes` outcomes.
    pub fn new(settings: usize, outcomes: usize) -> Comparison {
        let k = settings * outcomes;
        Comparison {
            settings,
            outcomes,
            runs: 0,
            values: (0..k)
                .map(|_| (Sketch::new(), ExactSum::new(), ExactSum::new()))
                .collect(),
            diffs: (0..k).map(|_| (ExactSum::new(), ExactSum::new())).collect(),
            better: vec![[0, 0]; k],
        }
    }

    /// Adds one run: `finals[s * outcomes + o]` is setting `s`'s final value of outcome `o`.
    fn add(&mut self, finals: &[f64], directions: &[Better]) {
        for s in 0..self.settings {
            for o in 0..self.outcomes {
                let k = s * self.outcomes + o;
                let v = finals[k];
                let base = finals[o];
                let (sk, sum, sq) = &mut self.values[k];
                sk.add(v);
                sum.add(v);
                sq.add_square(v);
                let d = v - base;
                self.diffs[k].0.add(d);
                self.diffs[k].1.add_square(d);
                let better = match directions[o] {
                    Better::Higher => v > base,
                    Better::Lower => v < base,
                };
                if v == base {
                    self.better[k][1] += 1;
                } else if better {
                    self.better[k][0] += 1;
                }
            }
        }
        self.runs += 1;
    }

    /// Adds every run of `other` (same settings and outcomes).
    pub fn merge(&mut self, other: &Comparison) {
        assert_eq!(
            (self.settings, self.outcomes),
            (other.settings, other.outcomes)
        );
        self.runs += other.runs;
        for (a, b) in self.values.iter_mut().zip(&other.values) {
            a.0.merge(&b.0);
            a.1.merge(&b.1);
            a.2.merge(&b.2);
        }
        for (a, b) in self.diffs.iter_mut().zip(&other.diffs) {
            a.0.merge(&b.0);
            a.1.merge(&b.1);
        }
        for (a, b) in self.better.iter_mut().zip(&other.better) {
            a[0] += b[0];
            a[1] += b[1];
        }
    }

    /// Number of paired runs.
    pub fn runs(&self) -> u64 {
        self.runs
    }

    /// Settings and outcomes compared.
    pub fn shape(&self) -> (usize, usize) {
        (self.settings, self.outcomes)
    }

    /// The exact sum of setting `s`'s final values of outcome `o` over every run.
    pub fn sum(&self, s: usize, o: usize) -> &ExactSum {
        &self.values[s * self.outcomes + o].1
    }

    /// Statistics of setting `s`'s final value of outcome `o`.
    pub fn stats(&self, s: usize, o: usize) -> Stats {
        let (sk, sum, sq) = &self.values[s * self.outcomes + o];
        Stats::from_parts(sum, sq, sk)
    }

    /// Setting `s`'s difference from the baseline in outcome `o`.
    pub fn difference(&self, s: usize, o: usize) -> Difference {
        let k = s * self.outcomes + o;
        let n = self.runs as f64;
        let mean = self.diffs[k].0.value() / n;
        let sd = sample_sd(&self.diffs[k].0, &self.diffs[k].1, self.runs);
        let half = 1.96 * sd / n.sqrt();
        let (sa, sb) = (self.stats(s, o).sd, self.stats(0, o).sd);
        let half_unpaired = 1.96 * (sa * sa / n + sb * sb / n).sqrt();
        let [better, ties] = self.better[k];
        Difference {
            mean,
            ci95: [mean - half, mean + half],
            ci95_unpaired: [mean - half_unpaired, mean + half_unpaired],
            p_better: (better as f64 + 0.5 * ties as f64) / n,
        }
    }
}

/// One pool thread's runner and accumulators.
struct Worker<'m> {
    runner: Runner<'m>,
    comparison: Comparison,
    series: Vec<f64>,
    drawn: Vec<f64>,
    finals: Vec<f64>,
    /// A design row's uncertainty uniforms, shared by the settings of one paired run.
    u: Vec<f64>,
}

/// Every setting's run of one run index, as the driver sees it.
struct Paired<'a> {
    job: &'a PairedJob<'a>,
    streams: Streams,
    directions: Vec<Better>,
}

impl<'a> Work for Paired<'a> {
    type Worker = Worker<'a>;

    fn row_width(&self) -> usize {
        0
    }

    fn worker(&self) -> Worker<'a> {
        let m = self.job.model;
        let runner = Runner::new(m);
        let settings = self.job.settings.len();
        Worker {
            series: vec![0.0; runner.series_len()],
            runner,
            comparison: Comparison::new(settings, m.outcomes.len()),
            drawn: vec![0.0; m.drawn_names().len()],
            finals: vec![0.0; settings * m.outcomes.len()],
            u: vec![0.5; m.program.draws as usize],
        }
    }

    fn run(&self, w: &mut Worker<'a>, run: u64, _: &mut [f64]) {
        let m = self.job.model;
        let (width, outcomes) = (m.steps + 1, m.outcomes.len());
        let dynamics = self.job.design.map(|d| d.row(run, &mut w.u));
        for (s, setting) in self.job.settings.iter().enumerate() {
            match dynamics {
                Some(k) => w.runner.run_design(
                    setting,
                    &w.u,
                    &self.streams,
                    k,
                    &mut w.series,
                    &mut w.drawn,
                ),
                None => w
                    .runner
                    .run(setting, &self.streams, run, &mut w.series, &mut w.drawn),
            }
            for o in 0..outcomes {
                w.finals[s * outcomes + o] = w.series[o * width + width - 1];
            }
        }
        w.comparison.add(&w.finals, &self.directions);
    }
}

/// Runs every setting for every run index and compares them with the first (the baseline).
/// Calls `progress(done, total)` after each chunk of run indices; when `stop` is raised, no new
/// chunk is begun and the chunks under way finish (the run indices completed are then
/// `first_run .. first_run + comparison.runs()`).
pub fn execute_paired(
    job: &PairedJob,
    progress: &mut dyn FnMut(u64, u64),
    stop: &AtomicBool,
) -> io::Result<Comparison> {
    let m = job.model;
    let work = Paired {
        job,
        streams: Streams::new(job.seed),
        directions: m.outcomes.iter().map(|o| o.better).collect(),
    };
    let mut batch = Batch {
        first_run: job.first_run,
        runs: job.runs,
        chunk: CHUNK,
        threads: job.threads,
        progress,
        stop,
    };
    let driven = drive(&work, &mut batch, &mut Discard)?;
    let mut total = Comparison::new(job.settings.len(), m.outcomes.len());
    for w in &driven.workers {
        total.merge(&w.comparison);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    #[test]
    fn a_stop_ends_on_a_chunk_boundary_with_the_first_runs_done() {
        let (model, baseline) = crate::montecarlo::tests::example();
        let settings = [baseline.clone(), baseline];
        let job = |runs, threads| PairedJob {
            design: None,
            model: &model,
            settings: &settings,
            seed: 7,
            first_run: 0,
            runs,
            threads,
        };
        for threads in [1, 2, 3] {
            let stop = AtomicBool::new(false);
            let mut reported = vec![];
            // Raised at the first report; the workers may be some chunks ahead by then (nothing
            // holds them back), but not the 64 of the job.
            let mut progress = |done, _| {
                reported.push(done);
                stop.store(true, Ordering::SeqCst);
            };
            let total = 64 * CHUNK;
            let cmp = execute_paired(&job(total, threads), &mut progress, &stop).expect("no error");
            let runs = cmp.runs();
            assert!(runs % CHUNK == 0 && runs >= CHUNK && runs < total, "{runs}");
            let chunks: Vec<u64> = (1..=runs / CHUNK).map(|c| c * CHUNK).collect();
            assert_eq!(reported, chunks, "progress after each whole chunk");
            // What finished is exactly the first `runs` run indices.
            let whole =
                execute_paired(&job(runs, threads), &mut |_, _| {}, &AtomicBool::new(false))
                    .expect("no error");
            assert_eq!(
                crate::montecarlo::state::encode_comparison(&cmp.to_repr()),
                crate::montecarlo::state::encode_comparison(&whole.to_repr()),
            );
        }
    }
}
