//! Many runs in parallel, with results that do not depend on how they were scheduled.
//!
//! [`execute`] runs a contiguous range of run indices on a rayon pool, in chunks. Each run draws
//! from its own streams (seed, run index), writes one row (drawn uncertainties, final outcomes)
//! into the chunk's buffer at its own position, and adds its per-step series to the aggregate of
//! the thread that ran it. Chunks go to the [`RowSink`] in run order on a writer thread while the
//! next chunk computes; thread aggregates merge exactly at the end. So rows, bands and statistics
//! are byte-identical for any thread count, and memory is bounded by the chunk size and the
//! number of outcomes and steps, whatever the number of runs.

pub mod aggregate;
pub mod compare;
pub mod state;

pub use aggregate::{Aggregate, Band};

use crate::engine::Runner;
use crate::engine::rng::Streams;
use crate::model::{Model, Setting};
use rayon::prelude::*;
use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;

/// Runs per chunk: large enough to keep threads busy, small enough to bound memory.
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

/// Receives rows in run order: for each run, its drawn values ([`Model::drawn_names`]) then its
/// outcomes' final values.
pub trait RowSink: Send {
    fn rows(&mut self, first_run: u64, rows: &[f64], width: usize) -> io::Result<()>;
}

/// A sink that discards rows (benchmarks, comparisons that only need aggregates).
pub struct Discard;

impl RowSink for Discard {
    fn rows(&mut self, _: u64, _: &[f64], _: usize) -> io::Result<()> {
        Ok(())
    }
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
    /// Series and route totals of up to `batch` runs not yet aggregated.
    series: Vec<f64>,
    routes: Vec<f64>,
    pending: usize,
    /// Runs buffered before they are aggregated ([`batch_runs`]).
    batch: usize,
    u: Vec<f64>,
}

impl Worker<'_> {
    fn flush(&mut self) {
        if self.pending > 0 {
            self.aggregate
                .add_batch(&self.series, &self.routes, self.pending);
            self.pending = 0;
        }
    }
}

/// Runs `job`, sending rows to `sink` and calling `progress(done, total)` after each chunk.
///
/// If `stop` becomes true, finishes the chunk under way and returns what completed (whole
/// chunks, so the completed runs are always `first_run .. first_run + completed`).
pub fn execute(
    job: &Job,
    sink: &mut dyn RowSink,
    progress: &mut dyn FnMut(u64, u64),
    stop: &AtomicBool,
) -> io::Result<Outcome> {
    let model = job.model;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(job.threads.max(1))
        .build()
        .map_err(io::Error::other)?;
    let width = model.steps + 1;
    let drawn = model.drawn_names().len();
    let rw = row_width(model);
    let threads = pool.current_num_threads();
    let batch = batch_runs(model.outcomes.len() * width, threads);
    let workers: Vec<Mutex<Worker>> = (0..threads)
        .map(|_| {
            let runner = Runner::new(model);
            let series = vec![0.0; batch * runner.series_len()];
            let routes = vec![0.0; batch * runner.routes_len()];
            Mutex::new(Worker {
                runner,
                aggregate: Aggregate::new(model.outcomes.len(), width, model.routes.len()),
                series,
                routes,
                pending: 0,
                batch,
                u: vec![0.5; model.program.draws as usize],
            })
        })
        .collect();
    let streams = Streams::new(job.seed);
    let end = job.first_run + job.runs;
    let mut completed = 0u64;
    let mut stopped = false;

    let written: io::Result<()> = std::thread::scope(|scope| {
        let (full_tx, full_rx) = sync_channel::<(u64, usize, Vec<f64>)>(1);
        let (free_tx, free_rx) = sync_channel::<Vec<f64>>(2);
        for _ in 0..2 {
            free_tx
                .send(vec![0.0; CHUNK as usize * rw])
                .expect("channel has room");
        }
        let writer = scope.spawn(move || -> io::Result<()> {
            for (first, n, buf) in full_rx {
                sink.rows(first, &buf[..n * rw], rw)?;
                if free_tx.send(buf).is_err() {
                    break;
                }
            }
            Ok(())
        });
        let mut next = job.first_run;
        while next < end {
            if stop.load(Ordering::SeqCst) {
                stopped = true;
                break;
            }
            let Ok(mut buf) = free_rx.recv() else { break };
            let n = (end - next).min(CHUNK) as usize;
            pool.install(|| {
                buf[..n * rw]
                    .par_chunks_mut(rw.max(1))
                    .enumerate()
                    .for_each(|(i, row)| {
                        let slot = rayon::current_thread_index().unwrap_or(0) % workers.len();
                        let mut guard = workers[slot].lock().expect("worker lock");
                        let w = &mut *guard;
                        let run = next + i as u64;
                        let (d, finals) = row.split_at_mut(drawn);
                        let len = w.runner.series_len();
                        let nr = w.runner.routes_len();
                        let slot = w.pending;
                        let series = &mut w.series[slot * len..(slot + 1) * len];
                        match job.design {
                            Some(design) => {
                                let dynamics = design.row(run, &mut w.u);
                                w.runner.run_design(
                                    job.setting,
                                    &w.u,
                                    &streams,
                                    dynamics,
                                    series,
                                    d,
                                );
                            }
                            None => w.runner.run(job.setting, &streams, run, series, d),
                        }
                        for (o, f) in finals.iter_mut().enumerate() {
                            *f = series[o * width + width - 1];
                        }
                        w.runner
                            .route_totals(&mut w.routes[slot * nr..(slot + 1) * nr]);
                        w.pending += 1;
                        if w.pending == w.batch {
                            w.flush();
                        }
                    });
            });
            if full_tx.send((next, n, buf)).is_err() {
                break;
            }
            next += n as u64;
            completed += n as u64;
            progress(completed, job.runs);
        }
        drop(full_tx);
        writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the result writer stopped unexpectedly")))
    });
    written?;

    // The runs still buffered are aggregated on the workers' own threads, side by side: for a
    // job of a few thousand runs that is most of its aggregation.
    pool.install(|| {
        workers
            .par_iter()
            .for_each(|w| w.lock().expect("worker lock").flush());
    });
    let mut aggregate = Aggregate::new(model.outcomes.len(), width, model.routes.len());
    for w in workers {
        aggregate.merge(&w.into_inner().expect("worker lock").aggregate);
    }
    Ok(Outcome {
        aggregate,
        completed,
        stopped,
    })
}

#[cfg(test)]
mod tests {
    use super::{BATCH, BATCH_BYTES, batch_runs};

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
