//! Many settings on one ensemble: every setting runs the same draws (common random numbers),
//! and each draw's final value of chosen outcomes is kept, setting by setting.
//!
//! Draw `r` of every setting uses run `r`'s streams (or design row `r`), so two settings are
//! compared on exactly the same uncertain numbers, events and shipments. What comes back is a
//! pure function of the model, the settings, the seed and the draws: no thread count changes a
//! bit of it.

use crate::engine::Runner;
use crate::engine::rng::Streams;
use crate::model::{Model, Setting};
use crate::montecarlo::drive::{Batch, RowSink, Work, drive};
use std::io;
use std::sync::atomic::AtomicBool;

/// Draws per chunk: small, because each draw runs every setting.
const CHUNK: u64 = 8;

/// The settings to run on the ensemble and what to keep of each run.
#[derive(Clone, Copy)]
pub struct EnsembleJob<'a> {
    pub model: &'a Model,
    pub settings: &'a [Setting],
    /// Outcomes (indices into the model's) whose final values are kept.
    pub outcomes: &'a [usize],
    pub seed: u64,
    /// Draws `0 .. draws` of the seed.
    pub draws: u64,
    pub threads: usize,
    /// Uncertainty uniforms from a design (a posterior) instead of the random stream.
    pub design: Option<&'a dyn super::Design>,
    /// Also keep each draw's drawn values (see [`Model::drawn_names`]) under the first setting.
    pub drawn: bool,
}

/// Final values, `values[(d * settings + s) * outcomes + o]` for draw `d`, setting `s` and kept
/// outcome `o`.
#[derive(Clone, Debug)]
pub struct EnsembleValues {
    pub settings: usize,
    pub outcomes: usize,
    pub draws: u64,
    pub values: Vec<f64>,
    /// With [`EnsembleJob::drawn`]: `drawn[d * names + k]` is draw `d`'s value of drawn name `k`
    /// under the first setting; empty otherwise.
    pub drawn: Vec<f64>,
}

impl EnsembleValues {
    /// The final value of kept outcome `o` in draw `d` under setting `s`.
    pub fn get(&self, d: u64, s: usize, o: usize) -> f64 {
        self.values[(d as usize * self.settings + s) * self.outcomes + o]
    }

    /// Setting `s`'s values of kept outcome `o`, draw by draw.
    pub fn column(&self, s: usize, o: usize) -> Vec<f64> {
        (0..self.draws).map(|d| self.get(d, s, o)).collect()
    }
}

struct Worker<'m> {
    runner: Runner<'m>,
    series: Vec<f64>,
    drawn: Vec<f64>,
    u: Vec<f64>,
}

struct Ensemble<'a> {
    job: &'a EnsembleJob<'a>,
    streams: Streams,
}

impl<'a> Work for Ensemble<'a> {
    type Worker = Worker<'a>;

    fn row_width(&self) -> usize {
        self.job.settings.len() * self.job.outcomes.len() + self.drawn_width()
    }

    fn worker(&self) -> Worker<'a> {
        let m = self.job.model;
        let runner = Runner::new(m);
        Worker {
            series: vec![0.0; runner.series_len()],
            runner,
            drawn: vec![0.0; m.drawn_names().len()],
            u: vec![0.5; m.program.draws as usize],
        }
    }

    fn run(&self, w: &mut Worker<'a>, run: u64, row: &mut [f64]) {
        let job = self.job;
        let width = job.model.steps + 1;
        let dynamics = job.design.map(|d| d.row(run, &mut w.u));
        let kept = job.outcomes.len();
        for (s, setting) in job.settings.iter().enumerate() {
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
            for (k, &o) in job.outcomes.iter().enumerate() {
                row[s * kept + k] = w.series[o * width + width - 1];
            }
            if s == 0 && job.drawn {
                let at = job.settings.len() * kept;
                row[at..].copy_from_slice(&w.drawn);
            }
        }
    }
}

impl Ensemble<'_> {
    fn drawn_width(&self) -> usize {
        if self.job.drawn {
            self.job.model.drawn_names().len()
        } else {
            0
        }
    }
}

/// Collects rows in draw order.
struct Collect(Vec<f64>);

impl RowSink for Collect {
    fn rows(&mut self, _: u64, rows: &[f64], _: usize) -> io::Result<()> {
        self.0.extend_from_slice(rows);
        Ok(())
    }
}

/// Runs every setting on every draw. Calls `progress(draws done, draws)` after each chunk; when
/// `stop` is raised, returns `Ok(None)` (what ran is discarded: an ensemble is used whole).
pub fn evaluate(
    job: &EnsembleJob,
    progress: &mut dyn FnMut(u64, u64),
    stop: &AtomicBool,
) -> io::Result<Option<EnsembleValues>> {
    let work = Ensemble {
        job,
        streams: Streams::new(job.seed),
    };
    let mut batch = Batch {
        first_run: 0,
        runs: job.draws,
        chunk: CHUNK,
        threads: job.threads,
        progress,
        stop,
    };
    let width = work.row_width();
    let mut sink = Collect(Vec::with_capacity(job.draws as usize * width));
    let driven = drive(&work, &mut batch, &mut sink)?;
    if driven.completed != job.draws {
        return Ok(None);
    }
    // Rows are (values of every setting, then the drawn values): split them.
    let names = work.drawn_width();
    let kept = width - names;
    let mut values = Vec::with_capacity(job.draws as usize * kept);
    let mut drawn = Vec::with_capacity(job.draws as usize * names);
    for row in sink.0.chunks_exact(width.max(1)) {
        values.extend_from_slice(&row[..kept]);
        drawn.extend_from_slice(&row[kept..]);
    }
    Ok(Some(EnsembleValues {
        settings: job.settings.len(),
        outcomes: job.outcomes.len(),
        draws: job.draws,
        values,
        drawn,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::compare::{PairedJob, execute_paired};

    #[test]
    fn every_setting_sees_the_runs_a_paired_comparison_sees() {
        let (model, baseline) = crate::montecarlo::tests::example();
        let settings = [baseline.clone(), baseline];
        let outcomes: Vec<usize> = (0..model.outcomes.len()).collect();
        let job = |threads| EnsembleJob {
            model: &model,
            settings: &settings,
            outcomes: &outcomes,
            seed: 3,
            draws: 40,
            threads,
            design: None,
            drawn: true,
        };
        let stop = AtomicBool::new(false);
        let one = evaluate(&job(1), &mut |_, _| {}, &stop).unwrap().unwrap();
        let two = evaluate(&job(2), &mut |_, _| {}, &stop).unwrap().unwrap();
        let bits = |v: &EnsembleValues| v.values.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&one), bits(&two), "thread count changes nothing");
        let paired = PairedJob {
            model: &model,
            settings: &settings,
            seed: 3,
            first_run: 0,
            runs: 40,
            threads: 1,
            design: None,
        };
        let cmp = execute_paired(&paired, &mut |_, _| {}, &stop).unwrap();
        for o in 0..outcomes.len() {
            let sum: f64 = one.column(1, o).iter().sum();
            let want = cmp.stats(1, o).mean * 40.0;
            assert!(
                (sum - want).abs() <= 1e-9 * want.abs().max(1.0),
                "{o}: {sum} vs {want}"
            );
            assert_eq!(bits_of(&one.column(0, o)), bits_of(&one.column(1, o)));
        }
    }

    fn bits_of(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }
}
