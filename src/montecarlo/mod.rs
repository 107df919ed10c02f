//! Many runs in parallel, with results that do not depend on how they were scheduled.
//!
//! [`execute`] runs a contiguous range of run indices on a rayon pool, in chunks. Each run draws
//! from its own streams (seed, run index), writes one row (drawn uncertainties, final outcomes)
//! into its chunk's buffer at its own position, and adds its per-step series to the aggregate of
//! the thread that ran it. Chunks go to the [`RowSink`] in run order on the calling thread while
//! the workers go on with the next chunk; thread aggregates merge exactly at the end. So rows,
//! bands and statistics are byte-identical for any thread count, and memory is bounded by the
//! chunk size and the number of outcomes and steps, whatever the number of runs.

pub mod aggregate;
pub mod compare;
pub mod state;

pub use aggregate::Aggregate;

use crate::engine::Runner;
use crate::engine::rng::Streams;
use crate::model::{Model, Setting};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::channel;
use std::sync::{Condvar, Mutex};

/// Runs per chunk: the unit in which rows are written, progress is reported and a stop takes
/// effect; small enough to bound memory (two chunks' rows are held at most).
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
    /// Adds the runs buffered so far to the worker's aggregate and empties the buffer.
    fn flush(&mut self) {
        if self.pending > 0 {
            self.aggregate
                .add_batch(&self.series, &self.routes, self.pending);
            self.pending = 0;
        }
    }

    /// Runs run `run` of `job`: its drawn values and final outcomes go to `row`, its series and
    /// route totals to the worker's buffer, aggregated once the buffer is full.
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
        let nr = self.runner.routes_len();
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
            .route_totals(&mut self.routes[slot * nr..(slot + 1) * nr]);
        self.pending += 1;
        if self.pending == self.batch {
            self.flush();
        }
    }
}

/// Runs each worker claims at a time: small, so that at the end of a chunk no thread waits long
/// for another to finish its share.
const BLOCK: u64 = 32;

/// Chunks whose rows may be in memory at once: one being written while the next computes.
const RING: u64 = 2;

/// A job's runs (counted from its first) handed out in order, a few at a time, to workers that
/// run them in any order. A stop takes effect at a chunk boundary: once it is raised no chunk is
/// begun, and every chunk begun is handed out in full, so the runs completed are always the
/// first ones, a whole number of chunks (or all of them).
pub(crate) struct Handout {
    next: u64,
    /// Runs are handed out below this: the job's runs; once stopped, the end of the chunks begun;
    /// once closed, `next`.
    limit: u64,
    chunk: u64,
}

impl Handout {
    pub(crate) fn new(runs: u64, chunk: u64) -> Handout {
        Handout {
            next: 0,
            limit: runs,
            chunk,
        }
    }

    /// Whether nothing more will be handed out; a raised `stop` ends the handout here when the
    /// next run begins a chunk.
    pub(crate) fn finished(&mut self, stop: &AtomicBool) -> bool {
        if self.next % self.chunk == 0 && stop.load(Ordering::SeqCst) {
            self.limit = self.limit.min(self.next);
        }
        self.next >= self.limit
    }

    /// The chunk the next run belongs to.
    pub(crate) fn next_chunk(&self) -> u64 {
        self.next / self.chunk
    }

    /// The next runs, at most `block` and within one chunk: `(first, count)`. Only after
    /// [`Handout::finished`] said no.
    pub(crate) fn take(&mut self, block: u64) -> (u64, u64) {
        let first = self.next;
        let end = (first + block)
            .min((first / self.chunk + 1) * self.chunk)
            .min(self.limit);
        self.next = end;
        (first, end - first)
    }

    /// Hands out nothing more.
    pub(crate) fn close(&mut self) {
        self.limit = self.next;
    }
}

/// Which runs may still be claimed, shared by the workers and the writer.
struct Claims {
    handout: Handout,
    /// Chunks written, whose buffers may be filled again.
    written: u64,
}

/// Hands out no more runs and wakes every worker waiting for a chunk's buffer, so that each
/// finishes the runs it holds and stops.
fn hand_out_no_more(claims: &Mutex<Claims>, freed: &Condvar) {
    let mut c = claims
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    c.handout.close();
    freed.notify_all();
}

/// Stops the other workers when the one holding it unwinds: its claimed runs will never arrive,
/// so without this the others would wait for their chunk's buffer forever and a bug would hang
/// instead of surfacing as a panic.
struct HaltOnPanic<'a>(&'a Mutex<Claims>, &'a Condvar);

impl Drop for HaltOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            hand_out_no_more(self.0, self.1);
        }
    }
}

/// The rows of one chunk and how many of its runs have arrived.
struct ChunkRows {
    rows: Vec<f64>,
    arrived: usize,
}

/// Runs `job`, sending rows to `sink` and calling `progress(done, total)` after each chunk.
///
/// Workers claim runs a few at a time, in run order, across chunk boundaries, so no thread waits
/// for the others at the end of a chunk; the calling thread writes the chunks in run order as they
/// complete. If `stop` becomes true, no new chunk is begun, the chunks under way finish, and what
/// completed is returned (whole chunks, so the completed runs are always `first_run ..
/// first_run + completed`).
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
    let mut workers: Vec<Worker> = (0..threads)
        .map(|_| {
            let runner = Runner::new(model);
            let series = vec![0.0; batch * runner.series_len()];
            let routes = vec![0.0; batch * runner.routes_len()];
            Worker {
                runner,
                aggregate: Aggregate::new(model.outcomes.len(), width, model.routes.len()),
                series,
                routes,
                pending: 0,
                batch,
                u: vec![0.5; model.program.draws as usize],
            }
        })
        .collect();
    let streams = Streams::new(job.seed);
    let claims = Mutex::new(Claims {
        handout: Handout::new(job.runs, CHUNK),
        written: 0,
    });
    // Signalled when a chunk's buffer is free again or the limit drops.
    let freed = Condvar::new();
    let chunks: Vec<Mutex<ChunkRows>> = (0..RING)
        .map(|_| {
            Mutex::new(ChunkRows {
                rows: vec![0.0; CHUNK as usize * rw],
                arrived: 0,
            })
        })
        .collect();
    let chunk_len = |c: u64| (job.runs - c * CHUNK).min(CHUNK) as usize;

    let (done_tx, done_rx) = channel::<u64>();
    let mut completed = 0u64;
    let mut write_result: io::Result<()> = Ok(());
    pool.in_place_scope(|scope| {
        for w in workers.iter_mut() {
            let done_tx = done_tx.clone();
            let (claims, freed, chunks, streams) = (&claims, &freed, &chunks, &streams);
            scope.spawn(move |_| {
                let _halt = HaltOnPanic(claims, freed);
                let mut rows = vec![0.0; BLOCK as usize * rw];
                loop {
                    // Claim the next runs, waiting while their chunk's buffer is still in use.
                    let (first, n) = {
                        let mut c = claims.lock().expect("claims lock");
                        loop {
                            if c.handout.finished(stop) {
                                break (0, 0);
                            }
                            if c.handout.next_chunk() < c.written + RING {
                                let (first, n) = c.handout.take(BLOCK);
                                break (first, n as usize);
                            }
                            c = freed.wait(c).expect("claims lock");
                        }
                    };
                    if n == 0 {
                        break;
                    }
                    for (i, row) in rows[..n * rw].chunks_exact_mut(rw.max(1)).enumerate() {
                        w.run(
                            job,
                            streams,
                            job.first_run + first + i as u64,
                            row,
                            drawn,
                            width,
                        );
                    }
                    let chunk = first / CHUNK;
                    let mut buf = chunks[(chunk % RING) as usize].lock().expect("rows lock");
                    let at = (first - chunk * CHUNK) as usize * rw;
                    buf.rows[at..at + n * rw].copy_from_slice(&rows[..n * rw]);
                    buf.arrived += n;
                    if buf.arrived == chunk_len(chunk) {
                        buf.arrived = 0;
                        // The receiver lives until every worker has finished.
                        let _ = done_tx.send(chunk);
                    }
                }
                // What is still buffered is aggregated here, on every worker's thread at once.
                w.flush();
            });
        }
        drop(done_tx);
        // This thread writes the chunks in run order as they complete (they may complete out of
        // order, at most `RING` apart).
        let mut ready = [false; RING as usize];
        let mut next_chunk = 0u64;
        for chunk in done_rx {
            ready[(chunk % RING) as usize] = true;
            while ready[(next_chunk % RING) as usize] {
                ready[(next_chunk % RING) as usize] = false;
                let n = chunk_len(next_chunk);
                if write_result.is_ok() {
                    let buf = chunks[(next_chunk % RING) as usize]
                        .lock()
                        .expect("rows lock");
                    write_result =
                        sink.rows(job.first_run + next_chunk * CHUNK, &buf.rows[..n * rw], rw);
                }
                if write_result.is_err() {
                    hand_out_no_more(&claims, &freed);
                } else {
                    completed += n as u64;
                    progress(completed, job.runs);
                }
                next_chunk += 1;
                claims.lock().expect("claims lock").written = next_chunk;
                freed.notify_all();
            }
        }
    });
    write_result?;

    let mut aggregate = Aggregate::new(model.outcomes.len(), width, model.routes.len());
    for w in &workers {
        aggregate.merge(&w.aggregate);
    }
    Ok(Outcome {
        aggregate,
        completed,
        stopped: completed < job.runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
