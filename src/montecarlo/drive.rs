//! The one parallel driver every batch command uses: runs handed to a rayon pool chunk by chunk,
//! rows delivered in run order, a stop taking effect at a chunk boundary.
//!
//! A chunk's runs are computed with a parallel iterator on the pool; each run writes its row at
//! its own position in the chunk's buffer and adds to the accumulator of the pool thread that ran
//! it. While the pool computes chunk `k + 1`, the calling thread (outside the pool) hands chunk
//! `k`'s rows to the sink, so writing overlaps computing and no pool thread ever waits on
//! anything but its own work. Accumulators merge exactly, so what a batch produces does not
//! depend on the thread count or on which thread ran which run.

use rayon::ThreadPool;
use rayon::prelude::*;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// What a batch does with each run: a per-thread worker (buffers and accumulators allocated once)
/// and the run itself.
pub trait Work: Sync {
    /// One pool thread's state: its runner, buffers and accumulators.
    type Worker: Send;
    /// Values each run writes to its row (0 for none).
    fn row_width(&self) -> usize;
    /// A fresh worker; called once per pool thread, before any run.
    fn worker(&self) -> Self::Worker;
    /// Runs run `run`, writing its row (of [`Work::row_width`] values) into `row`.
    fn run(&self, worker: &mut Self::Worker, run: u64, row: &mut [f64]);
    /// Called once per worker after the last run, on the pool (for work still buffered).
    fn finish(&self, _worker: &mut Self::Worker) {}
}

/// Receives rows in run order: for each run, its row of [`Work::row_width`] values.
pub trait RowSink: Send {
    fn rows(&mut self, first_run: u64, rows: &[f64], width: usize) -> io::Result<()>;
}

/// A sink that discards rows (benchmarks, analyses that only need accumulators).
pub struct Discard;

impl RowSink for Discard {
    fn rows(&mut self, _: u64, _: &[f64], _: usize) -> io::Result<()> {
        Ok(())
    }
}

/// The runs of a batch and how to report on them.
pub struct Batch<'a> {
    /// First run index and number of runs.
    pub first_run: u64,
    pub runs: u64,
    /// Runs per chunk: the unit in which rows are delivered, progress is reported and a stop
    /// takes effect.
    pub chunk: u64,
    pub threads: usize,
    /// Called with (runs delivered, runs in the batch) after each chunk.
    pub progress: &'a mut dyn FnMut(u64, u64),
    /// Raised to stop: no chunk is begun after it is seen; chunks begun finish.
    pub stop: &'a AtomicBool,
}

/// How a driven batch ended: every worker (to merge their accumulators) and the runs completed,
/// always the first `completed` runs of the batch.
pub struct Driven<W> {
    pub workers: Vec<W>,
    pub completed: u64,
}

/// The pool of `threads` worker threads, built once per thread count for the whole process.
pub fn pool(threads: usize) -> io::Result<&'static ThreadPool> {
    static POOLS: OnceLock<Mutex<Vec<(usize, &'static ThreadPool)>>> = OnceLock::new();
    let threads = threads.max(1);
    let mut pools = lock(POOLS.get_or_init(|| Mutex::new(Vec::new())));
    if let Some((_, p)) = pools.iter().find(|(n, _)| *n == threads) {
        return Ok(p);
    }
    let built = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("stratex-{i}"))
        .build()
        .map_err(io::Error::other)?;
    // Pools live as long as the process, like rayon's global pool: a batch command uses one.
    let p: &'static ThreadPool = Box::leak(Box::new(built));
    pools.push((threads, p));
    Ok(p)
}

/// A lock that a panic elsewhere does not poison for good: the data are per-thread accumulators
/// that a panic leaves unread (the panic propagates to the caller).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `batch`'s runs of `work`, handing each chunk's rows to `sink` in run order.
///
/// If the sink fails, no chunk is begun after that and the error is returned; nothing after the
/// failed chunk reaches the sink. If `stop` is raised, the chunks begun finish, are delivered, and
/// the runs completed are reported (whole chunks from the first run).
pub fn drive<W: Work>(
    work: &W,
    batch: &mut Batch,
    sink: &mut dyn RowSink,
) -> io::Result<Driven<W::Worker>> {
    let pool = pool(batch.threads)?;
    let workers: Vec<Mutex<W::Worker>> = (0..pool.current_num_threads())
        .map(|_| Mutex::new(work.worker()))
        .collect();
    let width = work.row_width();
    let chunks = batch.runs.div_ceil(batch.chunk.max(1));
    let len = |c: u64| (batch.runs - c * batch.chunk).min(batch.chunk) as usize;
    let mut ready = vec![0.0; batch.chunk as usize * width];
    let mut next = vec![0.0; batch.chunk as usize * width];
    let mut completed = 0u64;
    let mut written: io::Result<()> = Ok(());
    if chunks > 0 && !batch.stop.load(Ordering::SeqCst) {
        pool.install(|| compute(work, &workers, batch.first_run, &mut ready, len(0), width));
        for c in 0..chunks {
            let n = len(c);
            let more = c + 1 < chunks && !batch.stop.load(Ordering::SeqCst);
            let first = batch.first_run + c * batch.chunk;
            pool.in_place_scope(|s| {
                if more {
                    let (next, workers) = (&mut next, &workers);
                    let first_next = first + batch.chunk;
                    let n_next = len(c + 1);
                    s.spawn(move |_| compute(work, workers, first_next, next, n_next, width));
                }
                written = sink.rows(first, &ready[..n * width], width);
            });
            if written.is_err() {
                break;
            }
            completed += n as u64;
            (batch.progress)(completed, batch.runs);
            if !more {
                break;
            }
            std::mem::swap(&mut ready, &mut next);
        }
    }
    pool.install(|| {
        workers.par_iter().for_each(|w| work.finish(&mut lock(w)));
    });
    written?;
    Ok(Driven {
        workers: workers
            .into_iter()
            .map(|w| w.into_inner().unwrap_or_else(|p| p.into_inner()))
            .collect(),
        completed,
    })
}

/// Computes `n` runs from `first` in parallel, run `first + i` writing `rows[i * width..]`. Each
/// run uses the worker of the pool thread it lands on (uncontended: one thread per worker).
fn compute<W: Work>(
    work: &W,
    workers: &[Mutex<W::Worker>],
    first: u64,
    rows: &mut [f64],
    n: usize,
    width: usize,
) {
    let one = |i: usize, row: &mut [f64]| {
        let t = rayon::current_thread_index().unwrap_or(0);
        work.run(&mut lock(&workers[t]), first + i as u64, row);
    };
    if width == 0 {
        (0..n)
            .into_par_iter()
            .with_min_len(4)
            .for_each(|i| one(i, &mut []));
    } else {
        rows[..n * width]
            .par_chunks_mut(width)
            .with_min_len(4)
            .enumerate()
            .for_each(|(i, row)| one(i, row));
    }
}
