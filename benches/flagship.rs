//! Benchmarks of the flagship scenario (scenarios/nk_russia.ron, 52 weekly steps).
//!
//! `cargo bench --bench flagship` measures one step and one run on one thread, and a batch of
//! 2,000 runs through the Monte Carlo executor on 1 and 2 threads (aggregation included, rows
//! discarded). End-to-end figures (all files written) come from `stratex run`; see
//! docs/performance.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use stratex::engine::Runner;
use stratex::engine::rng::Streams;
use stratex::montecarlo::{self, Discard, Job};

fn flagship() -> stratex::model::Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/nk_russia.ron");
    let src = stratex::scenario::load(&path).expect("flagship loads");
    stratex::model::compile(&path, &src.scenario).expect("flagship compiles")
}

fn one_step(c: &mut Criterion) {
    let model = flagship();
    let setting = model.baseline();
    let streams = Streams::new(model.default_seed);
    let mut runner = Runner::new(&model);
    let mut series = vec![0.0; runner.series_len()];
    let mut drawn = vec![0.0; model.drawn_names().len()];
    let mut run = 0u64;
    // Steps of whole runs, timed without starting each run (drawing and binding its values).
    c.bench_function("flagship/one step", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut done = 0;
            while done < iters {
                let mut rng = runner.start(&setting, &streams, run, &mut series, &mut drawn);
                run += 1;
                let t = Instant::now();
                while done < iters && runner.step(&mut rng, &mut series) {
                    done += 1;
                }
                total += t.elapsed();
            }
            black_box(series[0]);
            total
        })
    });
}

fn one_run(c: &mut Criterion) {
    let model = flagship();
    let setting = model.baseline();
    let streams = Streams::new(model.default_seed);
    let mut runner = Runner::new(&model);
    let mut series = vec![0.0; runner.series_len()];
    let mut drawn = vec![0.0; model.drawn_names().len()];
    let mut run = 0u64;
    c.bench_function("flagship/one run", |b| {
        b.iter(|| {
            runner.run(&setting, &streams, run, &mut series, &mut drawn);
            run += 1;
            black_box(series[0])
        })
    });
}

fn batch(c: &mut Criterion) {
    let model = flagship();
    let setting = model.baseline();
    let stop = AtomicBool::new(false);
    let mut group = c.benchmark_group("flagship/batch of 2,000 runs");
    group.sample_size(10);
    group.throughput(Throughput::Elements(2000));
    for threads in [1, 2] {
        group.bench_function(
            format!("{threads} thread{}", if threads == 1 { "" } else { "s" }),
            |b| {
                b.iter(|| {
                    let job = Job {
                        model: &model,
                        setting: &setting,
                        seed: 1,
                        first_run: 0,
                        runs: 2000,
                        threads,
                        design: None,
                    };
                    let out = montecarlo::execute(&job, &mut Discard, &mut |_, _| {}, &stop)
                        .expect("runs");
                    black_box(out.completed)
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, one_step, one_run, batch);
criterion_main!(benches);
