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
    // A shard made with --posterior merges into the whole batch, byte for byte.
    for k in ["1", "2"] {
        ok(&[
            "run",
            MINE,
            "--posterior",
            &posterior,
            "--shard",
            &format!("{k}/2"),
            "--out",
            &p(&format!("shard{k}")),
            "-q",
        ]);
    }
    ok(&[
        "merge",
        &p("shard1"),
        &p("shard2"),
        "--out",
        &p("merged"),
        "-q",
    ]);
    for f in ["runs.csv", "summary.json"] {
        assert_eq!(
            std::fs::read_to_string(dir.path(&format!("merged/{f}"))).unwrap(),
            std::fs::read_to_string(dir.path(&format!("run1/{f}"))).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn the_scenario_names_its_posterior_and_prior_turns_it_off() {
    let dir = Scratch::new("posterior-field");
    let p = |n: &str| dir.path(n).to_str().unwrap().to_string();
    ok(&[
        "calibrate",
        MINE,
        "--targets",
        "tests/data/calibrate/mine.targets.ron",
        "--particles",
        "200",
        "--out",
        &p("cal"),
        "-q",
    ]);
    // The posterior's path is relative to the scenario file.
    let fitted = dir.write(
        "fitted.ron",
        &std::fs::read_to_string(MINE).unwrap().replace(
            "    seed: 9,",
            "    seed: 9,\n    posterior: \"cal/posterior.csv\",",
        ),
    );
    let fitted = fitted.to_str().unwrap();
    ok(&["run", fitted, "--out", &p("whole"), "-q"]);
    let runs = std::fs::read_to_string(dir.path("whole/runs.csv")).unwrap();
    assert!(
        column(&runs, "rate")
            .iter()
            .all(|r| (3.5..=4.5).contains(r))
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path("whole/summary.json")).unwrap())
            .unwrap();
    assert!(
        summary["fitted"]["file"]
            .as_str()
            .unwrap()
            .ends_with("cal/posterior.csv"),
        "{summary}"
    );
    assert_eq!(summary["fitted"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(summary["fitted"]["fit"][0]["id"], "ore");
    assert_eq!(summary["fitted"]["fit"][0]["inside"], true);
    // --prior draws the stated prior, and says so in the reproduce command.
    ok(&["run", fitted, "--prior", "--out", &p("prior"), "-q"]);
    let rates = column(
        &std::fs::read_to_string(dir.path("prior/runs.csv")).unwrap(),
        "rate",
    );
    assert!(rates.iter().any(|&r| r < 2.0) && rates.iter().any(|&r| r > 6.0));
    let summary = std::fs::read_to_string(dir.path("prior/summary.json")).unwrap();
    assert!(summary.contains("--prior") && !summary.contains("\"fitted\""));
    // Shards of the calibrated scenario merge into the whole; a shard run with --prior is
    // another batch, and merging it is refused.
    for k in ["1", "2"] {
        ok(&[
            "run",
            fitted,
            "--shard",
            &format!("{k}/2"),
            "--out",
            &p(k),
            "-q",
        ]);
    }
    ok(&["merge", &p("1"), &p("2"), "--out", &p("merged"), "-q"]);
    assert_eq!(
        std::fs::read_to_string(dir.path("merged/runs.csv")).unwrap(),
        runs
    );
    ok(&[
        "run",
        fitted,
        "--prior",
        "--shard",
        "2/2",
        "--out",
        &p("2p"),
        "-q",
    ]);
    let o = stratex(&["merge", &p("1"), &p("2p"), "--out", &p("bad"), "-q"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("posterior"), "{}", text(&o.stderr));
    // explore spans the calibrated input's posterior marginal: its 10th and 90th percentiles
    // lie near 4, where the prior's are 1 and 9; --prior spans the prior again.
    let tornado = |flags: &[&str], out: &str| {
        let mut args = vec!["explore", fitted, "--samples", "16", "--tornado-runs", "4"];
        args.extend_from_slice(flags);
        args.extend(["--out", out, "-q"]);
        ok(&args);
        let csv = std::fs::read_to_string(dir.path(out).join("tornado.csv")).unwrap();
        let row: Vec<f64> = csv
            .lines()
            .find(|l| l.starts_with("ore,rate,"))
            .unwrap()
            .split(',')
            .skip(2)
            .take(2)
            .map(|v| v.parse().unwrap())
            .collect();
        (row[0], row[1])
    };
    let (lo, hi) = tornado(&[], &p("explore"));
    assert!(3.5 < lo && lo < hi && hi < 4.5, "{lo} to {hi}");
    assert_eq!(tornado(&["--prior"], &p("explore-prior")), (1.0, 9.0));
    let json = std::fs::read_to_string(dir.path("explore/explore.json")).unwrap();
    assert!(json.contains("\"fitted\""));
    // A posterior the scenario names but that is missing: the field, the file and a way out.
    let missing = dir.write(
        "missing.ron",
        &std::fs::read_to_string(MINE).unwrap().replace(
            "    seed: 9,",
            "    seed: 9,\n    posterior: \"nowhere.csv\",",
        ),
    );
    let o = stratex(&["run", missing.to_str().unwrap(), "--out", &p("bad"), "-q"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("`posterior`") && err.contains("nowhere.csv") && err.contains("--prior"),
        "{err}"
    );
    assert!(!dir.path("bad").exists());
}

#[test]
fn targets_read_a_measure_over_a_period_and_upper_bounds() {
    let dir = Scratch::new("targets-period");
    let p = |n: &str| dir.path(n).to_str().unwrap().to_string();
    let source = r#"source: Source(publisher: "stratex tests", title: "Synthetic", date: "2026")"#;
    // Weeks 3 to 7 (five weeks) produced 19-21 t: the rate is about 4.
    let period = dir.write(
        "period.ron",
        &format!(
            r#"Targets(calibrate: ["rate"], targets: [Target(id: "mid", name: "Ore in weeks 3-7",
                measure: Produced(actor: "miner", good: "ore"), unit: "t", since: 3, at: 7,
                observed: Between(min: 19, max: 21), {source})])"#
        ),
    );
    ok(&[
        "calibrate",
        MINE,
        "--targets",
        period.to_str().unwrap(),
        "--particles",
        "300",
        "--out",
        &p("period"),
        "-q",
    ]);
    let csv = std::fs::read_to_string(dir.path("period/posterior.csv")).unwrap();
    let median = posterior_quantile(&csv, "rate", 0.5);
    assert!((3.8..=4.2).contains(&median), "median rate {median}");
    // At most 30 t in ten weeks, give or take 1 t: any rate up to 3 fits exactly, and the
    // prior's 0-10 shrinks to about 0-3.
    let bound = dir.write(
        "bound.ron",
        &format!(
            r#"Targets(calibrate: ["rate"], targets: [Target(id: "cap", name: "Ore", outcome: "ore",
                observed: AtMost(max: 30), sd: Some(1), {source})])"#
        ),
    );
    ok(&[
        "calibrate",
        MINE,
        "--targets",
        bound.to_str().unwrap(),
        "--particles",
        "300",
        "--out",
        &p("bound"),
        "-q",
    ]);
    let csv = std::fs::read_to_string(dir.path("bound/posterior.csv")).unwrap();
    let (lo, hi) = (
        posterior_quantile(&csv, "rate", 0.05),
        posterior_quantile(&csv, "rate", 0.95),
    );
    assert!(lo < 0.5 && (2.7..=3.3).contains(&hi), "{lo} to {hi}");
    assert!(csv.contains(r#""at_most":true"#) && csv.contains(r#""inside":true"#));
    // Mistakes are named at the target, all together.
    let bad = dir.write(
        "bad.ron",
        &format!(
            r#"Targets(calibrate: ["rate"], targets: [
                Target(id: "both", name: "x", outcome: "ore", measure: Step, observed: 1, sd: Some(1), {source}),
                Target(id: "late", name: "x", outcome: "ore", at: 11, observed: 1, sd: Some(1), {source}),
                Target(id: "who", name: "x", measure: Produced(actor: "nobody", good: "ore"), unit: "t", observed: 1, sd: Some(1), {source}),
            ])"#
        ),
    );
    let o = stratex(&[
        "calibrate",
        MINE,
        "--targets",
        bad.to_str().unwrap(),
        "--out",
        &p("bad"),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    for needle in [
        "targets[both]",
        "targets[late].at",
        "targets[who]",
        "nobody",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
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

#[test]
fn a_calibration_is_the_same_on_any_thread_count() {
    let dir = Scratch::new("calibrate-threads");
    for t in ["1", "2"] {
        ok(&[
            "calibrate",
            MINE,
            "--targets",
            "tests/data/calibrate/mine.targets.ron",
            "--particles",
            "200",
            "--threads",
            t,
            "--out",
            dir.path(t).to_str().unwrap(),
            "-q",
        ]);
    }
    for f in ["posterior.csv", "calibration.json"] {
        assert_eq!(
            std::fs::read(dir.path("1").join(f)).unwrap(),
            std::fs::read(dir.path("2").join(f)).unwrap(),
            "{f}"
        );
    }
}
