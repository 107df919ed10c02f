//! Same scenario, seed and runs: byte-identical results on any thread count and in any order.

use crate::helpers::{Scratch, compile_text, model, root, stratex, text};
use std::io;
use std::sync::atomic::AtomicBool;
use stratex::engine::Runner;
use stratex::engine::rng::Streams;
use stratex::montecarlo::{self, Job, RowSink};

/// Collects rows in memory.
struct Rows(Vec<(u64, Vec<f64>)>);

impl RowSink for Rows {
    fn rows(&mut self, first_run: u64, rows: &[f64], width: usize) -> io::Result<()> {
        for (i, r) in rows.chunks(width).enumerate() {
            self.0.push((first_run + i as u64, r.to_vec()));
        }
        Ok(())
    }
}

fn bits(rows: &Rows) -> Vec<(u64, Vec<u64>)> {
    rows.0
        .iter()
        .map(|(i, r)| (*i, r.iter().map(|v| v.to_bits()).collect()))
        .collect()
}

#[test]
fn thread_count_does_not_change_rows_or_aggregates() {
    let m = model(&root().join("scenarios/nk_russia.ron"));
    let setting = m.baseline();
    let stop = AtomicBool::new(false);
    let mut results = Vec::new();
    for threads in [1, 2, 3] {
        let job = Job {
            model: &m,
            setting: &setting,
            seed: 7,
            first_run: 0,
            runs: 2300,
            threads,
            design: None,
        };
        let mut rows = Rows(Vec::new());
        let out = montecarlo::execute(&job, &mut rows, &mut |_, _| {}, &stop).unwrap();
        assert_eq!(out.completed, 2300);
        let stats: Vec<u64> = (0..m.outcomes.len())
            .flat_map(|o| {
                let s = out.aggregate.stats(o);
                [s.mean, s.sd, s.p5, s.p50, s.p95].map(f64::to_bits)
            })
            .collect();
        let bands: Vec<u64> = (0..m.outcomes.len())
            .flat_map(|o| (0..=m.steps).map(move |t| (o, t)))
            .flat_map(|(o, t)| {
                let b = out.aggregate.band(o, t);
                [b.p5, b.p50, b.p95, b.mean].map(f64::to_bits)
            })
            .collect();
        results.push((bits(&rows), stats, bands));
    }
    assert_eq!(results[0].0.len(), 2300);
    assert!(
        results[0].0.windows(2).all(|w| w[0].0 + 1 == w[1].0),
        "rows in run order"
    );
    assert_eq!(results[0], results[1], "1 vs 2 threads");
    assert_eq!(results[0], results[2], "1 vs 3 threads");
}

#[test]
fn a_run_depends_only_on_seed_and_run_index() {
    let m = model(&root().join("scenarios/nk_russia.ron"));
    let s = m.baseline();
    let streams = Streams::new(99);
    let mut a = Runner::new(&m);
    let mut b = Runner::new(&m);
    let n = a.series_len();
    let d = m.drawn_names().len();
    let (mut sa, mut sb, mut da, mut db) = (vec![0.0; n], vec![0.0; n], vec![0.0; d], vec![0.0; d]);
    // Runner a has run other runs first, one of them under other lever values (other losses,
    // costs and curves for what a runner keeps from step to step); b is fresh.
    let mut other = s.clone();
    for (v, lever) in other.levers.iter_mut().zip(&m.levers) {
        *v = *lever.values.last().unwrap_or(&lever.baseline);
    }
    assert_ne!(other, s, "the flagship has levers with other values");
    for run in 0..5 {
        let setting = if run == 3 { &other } else { &s };
        a.run(setting, &streams, run, &mut sa, &mut da);
    }
    a.run(&s, &streams, 42, &mut sa, &mut da);
    b.run(&s, &streams, 42, &mut sb, &mut db);
    assert_eq!(
        sa.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        sb.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
    assert_eq!(da, db);
    // And the other way round: a run under the other levers (lanes that lose part of what they
    // carry, so another lane order and other arriving shares) after baseline runs.
    a.run(&other, &streams, 43, &mut sa, &mut da);
    Runner::new(&m).run(&other, &streams, 43, &mut sb, &mut db);
    assert_eq!(
        sa.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        sb.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
    // Another seed gives another run.
    b.run(&s, &Streams::new(100), 42, &mut sb, &mut db);
    assert_ne!(da, db);
}

#[test]
fn a_run_without_event_multipliers_does_not_reuse_the_previous_runs_curves() {
    // The two-actor barter with the farmer's worth of cloth drawn per run: supplies are the same
    // in every run, so only the run start tells a runner that its kept bargaining state is stale.
    let src = std::fs::read_to_string(root().join("scenarios/two_actor_barter.ron")).unwrap();
    let farmer_cloth = "Need(good: \"cloth\", quantity: 50, value: 1, curve: Log),";
    assert!(src.contains(farmer_cloth));
    let src = src.replacen(
        farmer_cloth,
        "Need(good: \"cloth\", quantity: 50, value: Uniform(min: 0.5, max: 2), curve: Log),",
        1,
    );
    let m = compile_text(&src).expect("the edited barter compiles");
    assert!(m.adjusts.is_empty(), "no adjustments");
    let s = m.baseline();
    let streams = Streams::new(5);
    let (mut a, mut b) = (Runner::new(&m), Runner::new(&m));
    let n = a.series_len();
    let d = m.drawn_names().len();
    let (mut sa, mut sb, mut da, mut db) = (vec![0.0; n], vec![0.0; n], vec![0.0; d], vec![0.0; d]);
    for run in 0..3 {
        a.run(&s, &streams, run, &mut sa, &mut da);
    }
    a.run(&s, &streams, 9, &mut sa, &mut da);
    b.run(&s, &streams, 9, &mut sb, &mut db);
    assert_eq!(da, db);
    assert_eq!(
        sa.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        sb.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn stepping_by_hand_equals_a_whole_run() {
    let m = model(&root().join("scenarios/nk_russia.ron"));
    let s = m.baseline();
    let streams = Streams::new(7);
    let mut r = Runner::new(&m);
    let n = r.series_len();
    let d = m.drawn_names().len();
    let (mut whole, mut stepped, mut dw, mut ds) =
        (vec![0.0; n], vec![0.0; n], vec![0.0; d], vec![0.0; d]);
    r.run(&s, &streams, 3, &mut whole, &mut dw);
    let mut rng = r.start(&s, &streams, 3, &mut stepped, &mut ds);
    let mut steps = 0;
    while r.step(&mut rng, &mut stepped) {
        steps += 1;
    }
    assert_eq!(steps, m.steps);
    assert!(!r.step(&mut rng, &mut stepped), "no step past the end");
    assert_eq!(
        whole.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        stepped.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
    assert_eq!(dw, ds);
}

#[test]
fn cli_threads_1_and_2_write_identical_files() {
    let dir = Scratch::new("threads");
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path(&format!("t{threads}"));
        let o = stratex(&[
            "run",
            "scenarios/nk_russia.ron",
            "--runs",
            "2500",
            "--seed",
            "11",
            "--threads",
            threads,
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        files.push(
            ["runs.csv", "timeseries.csv", "summary.json"]
                .map(|f| std::fs::read(out.join(f)).unwrap()),
        );
    }
    for (i, name) in ["runs.csv", "timeseries.csv", "summary.json"]
        .iter()
        .enumerate()
    {
        assert!(
            files[0][i] == files[1][i],
            "{name} differs between --threads 1 and --threads 2"
        );
    }
    // run-info.json holds the timing and thread count, and is the only file allowed to differ.
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path("t2/run-info.json")).unwrap()).unwrap();
    assert_eq!(info["threads"], 2);
}
