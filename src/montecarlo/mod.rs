//! Many runs in parallel, with results that do not depend on how they were scheduled.
//!
//! [`execute`] runs a contiguous range of run indices through the one parallel driver
//! ([`drive`]), in chunks. Each run draws from its own streams (seed, run index), writes one row
//! (drawn uncertainties, final outcomes) at its own position in its chunk, and adds its per-step
//! series to the aggregate of the thread that ran it. Chunks go to the [`RowSink`] in run order
//! while the pool computes the next; thread aggregates merge exactly at the end. So rows, bands
//! and statistics are byte-identical for any thread count, and memory is bounded by the chunk
//! size and the number of outcomes and steps, whatever the number of runs.

pub mod aggregate;
pub mod compare;
pub mod drive;
pub mod ensemble;
pub mod state;

pub use aggregate::Aggregate;
pub use drive::{Discard, RowSink};

use crate::engine::rng::Streams;
use crate::engine::{Runner, lane_totals_len};
use crate::model::{Model, Setting};
use drive::{Batch, Work};
use std::io;
use std::sync::atomic::AtomicBool;

/// Runs per chunk: the unit in which rows are written, progress is reported and a stop takes
/// effect; small enough to bound memory (two chunks' rows are held at most), large enough that
/// the pool's threads seldom wait for each other at a chunk's end.
pub const CHUNK: u64 = 2048;

/// Where a run's uncertainty uniforms come from when they are not drawn at random: a sampling
/// design (Latin hypercube, Sobol, Saltelli's scheme, fixed points for a tornado).
pub trait Design: Sync {
    /// Fills `u` (one uniform per draw of the model) for job run `k`, and returns the run index
    /// whose event and shipping stream the run uses (so rows of a design can share one).
    fn row(&self, k: u64, u: &mut [f64]) -> u64;
}

/// A batch of runs of one model under one setting.
#[derive(Clone, Copy)]
pub struct Job<'a> {
    pub model: &'a Model,
    pub setting: &'a Setting,
    pub seed: u64,
    /// First run index.
    pub first_run: u64,
    /// Number of runs.
    pub runs: u64,
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Uncertainty uniforms from a design instead of the random stream.
    pub design: Option<&'a dyn Design>,
}

/// How a batch ended.
#[derive(Debug)]
pub struct Outcome {
    pub aggregate: Aggregate,
    /// Runs completed (all of them unless stopped).
    pub completed: u64,
    /// Whether `stop` was raised before all runs finished.
    pub stopped: bool,
}

/// An aggregate of no runs of `model`: its outcomes at every recorded step, and the totals of
/// each of its lanes ([`Runner::lane_totals`]).
pub fn empty_aggregate(model: &Model) -> Aggregate {
    Aggregate::new(
        model.outcomes.len(),
        model.steps + 1,
        lane_totals_len(model),
    )
}

/// Whether `a` is shaped like an aggregate of `model` ([`empty_aggregate`]), so that the two
/// merge.
pub fn fits(model: &Model, a: &Aggregate) -> bool {
    a.outcomes() == model.outcomes.len()
        && a.width() == model.steps + 1
        && a.extras() == lane_totals_len(model)
}

/// Width of a row: drawn values then final outcome values.
pub fn row_width(model: &Model) -> usize {
    model.drawn_names().len() + model.outcomes.len()
}

/// Most runs a worker buffers before adding them to its aggregate column by column. Each column's
/// sketch bins are scattered over memory larger than the cache; the more runs share one pass, the
/// more values each bin fetched serves. For the flagship (9.3 KB of series a run) aggregation's
/// share of the CPU samples over 20,000 runs was 18-19% at 64 runs, 15-17% at 256, 12.4-14% at
/// 1,024, 13-14% at 2,048 and 14-15% at 4,096 (perf, 1 and 2 threads, 2026-11-27).
const BATCH: usize = 1024;

/// Most memory the buffers of all workers may take together: with many threads (a cluster node)
/// each worker buffers fewer runs, so memory stays bounded whatever the thread count.
const BATCH_BYTES: usize = 64 << 20;

/// Runs each of `workers` workers buffers, for runs of `series_len` values each.
fn batch_runs(series_len: usize, workers: usize) -> usize {
    let run_bytes = std::mem::size_of::<f64>() * series_len.max(1);
    (BATCH_BYTES / (run_bytes * workers.max(1))).clamp(1, BATCH)
}

struct Worker<'m> {
    runner: Runner<'m>,
    aggregate: Aggregate,
    /// Series and lane totals of up to `batch` runs not yet aggregated.
    series: Vec<f64>,
    lanes: Vec<f64>,
    pending: usize,
    /// Runs buffered before they are aggregated ([`batch_runs`]).
    batch: usize,
    u: Vec<f64>,
}

impl Worker<'_> {
    /// Adds the runs buffered so far to the worker's aggregate and empties the buffer.
    fn flush(&mut self) {
        if self.pending > 0 {
            self.aggregate
                .add_batch(&self.series, &self.lanes, self.pending);
            self.pending = 0;
        }
    }

    /// Runs run `run` of `job`: its drawn values and final outcomes go to `row`, its series and
    /// lane totals to the worker's buffer, aggregated once the buffer is full.
    fn run(
        &mut self,
        job: &Job,
        streams: &Streams,
        run: u64,
        row: &mut [f64],
        drawn: usize,
        width: usize,
    ) {
        let (d, finals) = row.split_at_mut(drawn);
        let len = self.runner.series_len();
        let nl = self.runner.lane_totals_len();
        let slot = self.pending;
        let series = &mut self.series[slot * len..(slot + 1) * len];
        match job.design {
            Some(design) => {
                let dynamics = design.row(run, &mut self.u);
                self.runner
                    .run_design(job.setting, &self.u, streams, dynamics, series, d);
            }
            None => self.runner.run(job.setting, streams, run, series, d),
        }
        for (o, f) in finals.iter_mut().enumerate() {
            *f = series[o * width + width - 1];
        }
        self.runner
            .lane_totals(&mut self.lanes[slot * nl..(slot + 1) * nl]);
        self.pending += 1;
        if self.pending == self.batch {
            self.flush();
        }
    }
}

/// Runs of one job, as the driver sees them.
struct Runs<'a> {
    job: &'a Job<'a>,
    streams: Streams,
    /// Drawn values at the start of a row (outcomes' final values follow).
    drawn: usize,
    /// Recorded steps per outcome (steps + 1).
    width: usize,
    /// Runs each worker buffers before aggregating ([`batch_runs`]).
    batch: usize,
}

impl<'a> Work for Runs<'a> {
    type Worker = Worker<'a>;

    fn row_width(&self) -> usize {
        row_width(self.job.model)
    }

    fn worker(&self) -> Worker<'a> {
        let model = self.job.model;
        let runner = Runner::new(model);
        Worker {
            series: vec![0.0; self.batch * runner.series_len()],
            lanes: vec![0.0; self.batch * runner.lane_totals_len()],
            runner,
            aggregate: empty_aggregate(model),
            pending: 0,
            batch: self.batch,
            u: vec![0.5; model.program.draws as usize],
        }
    }

    fn run(&self, w: &mut Worker<'a>, run: u64, row: &mut [f64]) {
        w.run(self.job, &self.streams, run, row, self.drawn, self.width);
    }

    fn finish(&self, w: &mut Worker<'a>) {
        w.flush();
    }
}

/// Runs `job`, sending rows to `sink` in run order and calling `progress(done, total)` after
/// each chunk of [`CHUNK`] runs.
///
/// If `stop` becomes true, no new chunk is begun, the chunks under way finish, and what completed
/// is returned (whole chunks, so the completed runs are always `first_run .. first_run +
/// completed`). If the sink fails, nothing more is written and its error is returned.
pub fn execute(
    job: &Job,
    sink: &mut dyn RowSink,
    progress: &mut dyn FnMut(u64, u64),
    stop: &AtomicBool,
) -> io::Result<Outcome> {
    let model = job.model;
    let width = model.steps + 1;
    let threads = drive::pool(job.threads)?.current_num_threads();
    let work = Runs {
        job,
        streams: Streams::new(job.seed),
        drawn: model.drawn_names().len(),
        width,
        batch: batch_runs(model.outcomes.len() * width, threads),
    };
    let mut batch = Batch {
        first_run: job.first_run,
        runs: job.runs,
        chunk: CHUNK,
        threads: job.threads,
        progress,
        stop,
    };
    let driven = drive::drive(&work, &mut batch, sink)?;
    let mut aggregate = empty_aggregate(model);
    for w in &driven.workers {
        aggregate.merge(&w.aggregate);
    }
    Ok(Outcome {
        aggregate,
        completed: driven.completed,
        stopped: driven.completed < job.runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    /// The two-actor example compiled, and its baseline setting (also for `compare`'s tests).
    pub(crate) fn example() -> (Model, Setting) {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/two_actor_barter.ron");
        let Ok(src) = crate::scenario::load(&path) else {
            panic!("the example loads")
        };
        let Ok(model) = crate::model::compile(&path, &src.scenario) else {
            panic!("the example compiles")
        };
        let setting = model.baseline();
        (model, setting)
    }

    fn job<'a>(model: &'a Model, setting: &'a Setting, runs: u64, threads: usize) -> Job<'a> {
        Job {
            model,
            setting,
            seed: 7,
            first_run: 0,
            runs,
            threads,
            design: None,
        }
    }

    /// Keeps the first run index of every chunk it is given; fails on the `fail_at`-th.
    struct Chunks {
        firsts: Vec<u64>,
        fail_at: usize,
    }

    impl RowSink for Chunks {
        fn rows(&mut self, first_run: u64, _: &[f64], _: usize) -> io::Result<()> {
            self.firsts.push(first_run);
            if self.firsts.len() == self.fail_at {
                return Err(io::Error::other("disk full"));
            }
            Ok(())
        }
    }

    #[test]
    fn a_sink_error_ends_the_job_with_that_error() {
        let (model, setting) = example();
        for threads in [1, 2, 3] {
            let mut sink = Chunks {
                firsts: vec![],
                fail_at: 2,
            };
            let job = job(&model, &setting, 5 * CHUNK + 7, threads);
            let err = execute(&job, &mut sink, &mut |_, _| {}, &AtomicBool::new(false))
                .expect_err("the sink's error");
            assert_eq!(err.to_string(), "disk full");
            assert_eq!(
                sink.firsts,
                [0, CHUNK],
                "nothing is written after the error"
            );
        }
    }

    #[test]
    fn a_stop_finishes_the_chunks_begun_and_nothing_more() {
        let (model, setting) = example();
        for threads in [1, 2, 3] {
            let stop = AtomicBool::new(false);
            let mut sink = Chunks {
                firsts: vec![],
                fail_at: 0,
            };
            let job = job(&model, &setting, 6 * CHUNK, threads);
            // Raised as the first chunk is written: the second may have begun, no third can have.
            let done = execute(
                &job,
                &mut sink,
                &mut |_, _| stop.store(true, Ordering::SeqCst),
                &stop,
            )
            .expect("no error");
            assert!(done.stopped);
            assert!(
                done.completed == CHUNK || done.completed == 2 * CHUNK,
                "{}",
                done.completed
            );
            assert_eq!(done.aggregate.runs(), done.completed);
            let written: Vec<u64> = (0..done.completed / CHUNK).map(|c| c * CHUNK).collect();
            assert_eq!(sink.firsts, written, "whole chunks, in run order");
        }
    }

    #[test]
    fn workers_buffer_within_one_budget() {
        // The flagship records 22 outcomes over 53 steps: 1,024 runs each on this machine's two
        // threads, fewer on a large node, never more than the budget together.
        let flagship = 22 * 53;
        assert_eq!(batch_runs(flagship, 2), BATCH);
        assert_eq!(batch_runs(flagship, 64), BATCH_BYTES / (8 * flagship * 64));
        for threads in [1, 2, 8, 64, 1000] {
            let runs = batch_runs(flagship, threads);
            assert!((1..=BATCH).contains(&runs));
            assert!(runs * 8 * flagship * threads <= BATCH_BYTES);
        }
        // A series too long for the budget still buffers one run at a time.
        assert_eq!(batch_runs(100_000_000, 1), 1);
    }
}
