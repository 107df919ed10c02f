//! `stratex calibrate` then `stratex run --posterior`: the calibrated uncertainty is drawn from
//! the fit, jointly and reproducibly; a posterior that does not fit the scenario is refused.

use crate::helpers::{Scratch, stratex, text};

const MINE: &str = "tests/data/calibrate/mine.ron";

fn ok(args: &[&str]) {
    let o = stratex(args);
    assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
}

/// Column `name` of a `runs.csv`.
fn column(csv: &str, name: &str) -> Vec<f64> {
    let mut lines = csv.lines().filter(|l| !l.starts_with('#'));
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header.iter().position(|h| *h == name).unwrap();
    lines
        .map(|l| l.split(',').nth(i).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn runs_draw_the_calibrated_uncertainty_from_the_posterior() {
    let dir = Scratch::new("posterior");
    let p = |n: &str| dir.path(n).to_str().unwrap().to_string();
    let targets = "tests/data/calibrate/mine.targets.ron";
    ok(&[
        "calibrate",
        MINE,
        "--targets",
        targets,
        "--particles",
        "200",
        "--out",
        &p("cal"),
        "-q",
    ]);
    let posterior = p("cal/posterior.csv");
    for t in ["1", "2"] {
        let out = p(&format!("run{t}"));
        ok(&[
            "run",
            MINE,
            "--posterior",
            &posterior,
            "--threads",
            t,
            "--out",
            &out,
            "-q",
        ]);
    }
    let one = std::fs::read_to_string(dir.path("run1/runs.csv")).unwrap();
    let two = std::fs::read_to_string(dir.path("run2/runs.csv")).unwrap();
    assert_eq!(one, two, "the same runs at 1 and 2 threads");
    // Observed 38-42 t over ten weeks: every rate drawn is near 4, where the prior spans 0-10.
    let rates = column(&one, "rate");
    assert_eq!(rates.len(), 500);
    assert!(rates.iter().all(|r| (3.5..=4.5).contains(r)), "{rates:?}");
    // The uncertainty that was not calibrated keeps its prior.
    let other = column(&one, "other");
    assert!(other.iter().any(|&x| x < 0.2) && other.iter().any(|&x| x > 0.8));
    // The result says how to reproduce it.
    let summary = std::fs::read_to_string(dir.path("run1/summary.json")).unwrap();
    assert!(
        summary.contains(&format!("--posterior {posterior}")),
        "{summary}"
    );

    // A posterior fitted to another prior is refused, naming both.
    let changed = std::fs::read_to_string(MINE)
        .unwrap()
        .replace("Uniform(min: 0, max: 10)", "Uniform(min: 0, max: 20)");
    let other_mine = dir.write("mine2.ron", &changed);
    let o = stratex(&[
        "run",
        other_mine.to_str().unwrap(),
        "--posterior",
        &posterior,
        "--out",
        &p("bad"),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("Uniform(min: 0, max: 10)") && err.contains("Uniform(min: 0, max: 20)"),
        "{err}"
    );
    assert!(!dir.path("bad").exists(), "nothing written");
    // compare draws from it too, the same particle for every setting of a paired run.
    let lever = dir.write(
        "mine_lever.ron",
        &std::fs::read_to_string(MINE).unwrap().replace(
            r#"production: {"ore": Param("rate")}"#,
            r#"production: {"ore": Mul(Param("rate"), Param("shifts"))}"#,
        ).replace(
            "    outcomes: [",
            "    levers: [Lever(id: \"shifts\", name: \"Shifts\", baseline: 1, values: [2])],\n    outcomes: [",
        ),
    );
    let cmp = p("cmp");
    ok(&[
        "compare",
        lever.to_str().unwrap(),
        "--posterior",
        &posterior,
        "--runs",
        "200",
        "--out",
        &cmp,
        "-q",
    ]);
    let json = std::fs::read_to_string(dir.path("cmp/comparison.json")).unwrap();
    assert!(
        json.contains("--posterior"),
        "the reproduce command records the posterior"
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let means: Vec<f64> = v["outcomes"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["mean"].as_f64().unwrap())
        .collect();
    // About 40 t at one shift (the fitted rate, not the prior's 50 on average), twice at two.
    assert!((35.0..45.0).contains(&means[0]), "{means:?}");
    assert!(
        (means[1] - 2.0 * means[0]).abs() < 1e-6 * means[0],
        "{means:?}"
    );
    // Shards do not record the posterior: refused rather than merged wrongly.
    let o = stratex(&[
        "run",
        MINE,
        "--posterior",
        &posterior,
        "--shard",
        "1/2",
        "--out",
        &p("shard"),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}

/// The weighted `q`-quantile of column `name` of a posterior.csv.
fn posterior_quantile(csv: &str, name: &str, q: f64) -> f64 {
    let (w, x) = (column(csv, "weight"), column(csv, name));
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let total: f64 = w.iter().sum();
    let mut acc = 0.0;
    for i in order {
        acc += w[i] / total;
        if acc >= q {
            return x[i];
        }
    }
    f64::NAN
}

#[test]
fn calibrate_recovers_known_parameters_of_a_synthetic_scenario() {
    // Twenty true weekly outputs; each observed as ten weeks' total plus a known error of sd 2
    // (fixed pseudo-random numbers). The truth must lie inside the 90% posterior interval in at
    // least 85% of repetitions (and not in all of them by a wide margin: see the last check).
    let dir = Scratch::new("recover");
    let errors = [
        0.3, -1.9, 2.4, -0.7, 1.1, -3.1, 0.2, 1.6, -0.4, -2.2, 3.5, 0.9, -1.2, 0.5, -0.1, 2.0,
        -2.8, 1.3, -0.6, 0.8,
    ];
    let (mut inside, mut widths) = (0, 0.0);
    for (i, e) in errors.iter().enumerate() {
        let truth = 1.0 + 0.4 * i as f64;
        let observed = 10.0 * truth + e;
        let targets = format!(
            r#"Targets(calibrate: ["rate"], targets: [Target(id: "ore", name: "Ore", outcome: "ore",
                observed: {observed}, sd: Some(2.0),
                source: Source(publisher: "stratex tests", title: "Synthetic", date: "2026"), note: "")])"#
        );
        let t = dir.write(&format!("t{i}.ron"), &targets);
        let out = dir.path(&format!("cal{i}"));
        ok(&[
            "calibrate",
            MINE,
            "--targets",
            t.to_str().unwrap(),
            "--particles",
            "300",
            "--seed",
            &i.to_string(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ]);
        let csv = std::fs::read_to_string(out.join("posterior.csv")).unwrap();
        let (lo, hi) = (
            posterior_quantile(&csv, "rate", 0.05),
            posterior_quantile(&csv, "rate", 0.95),
        );
        inside += usize::from(lo <= truth && truth <= hi);
        widths += hi - lo;
    }
    assert!(
        inside >= 17,
        "truth inside the 90% interval in {inside} of 20"
    );
    // Informative: an observation with sd 2 on ten weeks pins the rate to about ±0.33 (90%),
    // far narrower than the prior's 0-10.
    assert!(widths / 20.0 < 1.5, "mean 90% width {}", widths / 20.0);
}
