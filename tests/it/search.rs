//! `stratex search`: the same Pareto set on any thread count, after a stop and resume, and from
//! shards merged; rule parameters and every kind of lever searched; the decision briefing; bad
//! requests refused.

use crate::helpers::{Scratch, root, stratex, text};
use std::cell::Cell;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use stratex::batch::search::{SearchEnd, SearchRequest, search};
use stratex::batch::{Control, Loaded};

/// The files a finished search writes that must not depend on how it was run.
const RESULTS: [&str; 3] = ["search.json", "pareto.csv", "convergence.csv"];

fn same_results(a: &Path, b: &Path) {
    for f in RESULTS {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(
            x == y,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

const FLAGSHIP: &str = "scenarios/nk_russia.ron";
const SMALL: [&str; 6] = ["--runs", "24", "--population", "8", "--generations", "3"];

fn run(args: &[&str]) -> std::process::Output {
    let out = stratex(args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    out
}

#[test]
fn a_search_gives_the_same_pareto_set_at_one_and_two_threads() {
    let dir = Scratch::new("search-threads");
    let (one, two) = (dir.path("one"), dir.path("two"));
    for (threads, out) in [("1", &one), ("2", &two)] {
        let out = out.display().to_string();
        let mut args = vec![
            "search",
            FLAGSHIP,
            "--for",
            "usa",
            "--threads",
            threads,
            "--out",
            &out,
            "-q",
        ];
        args.extend(SMALL);
        run(&args);
    }
    same_results(&one, &two);
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(one.join("search.json")).unwrap()).unwrap();
    let pareto = file["pareto"].as_array().unwrap();
    assert!(!pareto.is_empty(), "a Pareto set of US policies");
    // Only the United States' levers are searched, in every kind the flagship declares.
    let kinds: Vec<&str> = file["levers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "integer",
            "continuous",
            "continuous",
            "continuous",
            "listed"
        ]
    );
    for p in pareto {
        let levers = p["levers"].as_array().unwrap();
        let publicity = levers[0].as_f64().unwrap();
        assert_eq!(publicity.fract(), 0.0, "whole-number lever: {publicity}");
        assert!(
            [0.0, 5e7, 1.5e8].contains(&levers[4].as_f64().unwrap()),
            "listed lever"
        );
        for r in p["robustness"].as_array().unwrap() {
            let regret = r["regret_mean"].as_f64().unwrap();
            assert!(regret >= 0.0, "regret is a shortfall: {regret}");
        }
    }
}

/// Runs `req` on the rule scenario through the library, raising the stop after `stop_after`
/// evaluations (never if `None`).
fn library_search(req: &SearchRequest, stop_after: Option<usize>) -> SearchEnd {
    let loaded = Loaded::load(&root().join("tests/data/search/rule.ron")).unwrap();
    let stop = AtomicBool::new(false);
    let calls = Cell::new(0);
    let mut progress = |_: u64, _: u64| {
        calls.set(calls.get() + 1);
        if stop_after.is_some_and(|n| calls.get() >= n) {
            stop.store(true, Ordering::SeqCst);
        }
    };
    let done = search(
        &loaded,
        req,
        Control {
            progress: &mut progress,
            stop: &stop,
        },
    )
    .unwrap();
    done.end
}

#[test]
fn a_stopped_and_resumed_search_equals_an_uninterrupted_one() {
    let dir = Scratch::new("search-resume");
    let request = |out: &Path, resume: bool| SearchRequest {
        actor: "buyer".into(),
        runs: Some(30),
        population: Some(10),
        generations: Some(6),
        islands: Some(2),
        out: Some(out.to_path_buf()),
        resume,
        ..SearchRequest::default()
    };
    let whole = dir.path("whole");
    assert!(matches!(
        library_search(&request(&whole, false), None),
        SearchEnd::Finished(_)
    ));
    // Stopped twice, at different generations, then finished.
    let stopped = dir.path("stopped");
    assert!(matches!(
        library_search(&request(&stopped, false), Some(3)),
        SearchEnd::Stopped { .. }
    ));
    assert!(
        stopped.join("search-state.bin").is_file(),
        "the stop is saved"
    );
    assert!(
        !stopped.join("pareto.csv").exists(),
        "nothing half-done is reported"
    );
    assert!(matches!(
        library_search(&request(&stopped, true), Some(2)),
        SearchEnd::Stopped { .. }
    ));
    assert!(matches!(
        library_search(&request(&stopped, true), None),
        SearchEnd::Finished(_)
    ));
    same_results(&whole, &stopped);
    // Resuming with other settings is refused.
    let mut other = request(&stopped, true);
    other.seed = Some(99);
    let loaded = Loaded::load(&root().join("tests/data/search/rule.ron")).unwrap();
    let stop = AtomicBool::new(false);
    let err = search(
        &loaded,
        &other,
        Control {
            progress: &mut |_, _| {},
            stop: &stop,
        },
    );
    assert!(err.is_err());
}

#[test]
fn shards_of_a_search_merge_into_the_search_one_process_runs() {
    let dir = Scratch::new("search-shards");
    let scenario = "tests/data/search/rule.ron";
    let base = [
        "--for",
        "buyer",
        "--runs",
        "30",
        "--population",
        "10",
        "--generations",
        "5",
        "--islands",
        "3",
        "-q",
    ];
    let whole = dir.path("whole").display().to_string();
    let mut args = vec!["search", scenario, "--out", &whole];
    args.extend(base);
    run(&args);
    let shards: Vec<String> = (1..=2)
        .map(|k| dir.path(&format!("s{k}")).display().to_string())
        .collect();
    for (k, out) in shards.iter().enumerate() {
        let shard = format!("{}/2", k + 1);
        let mut args = vec!["search", scenario, "--shard", &shard, "--out", out];
        args.extend(base);
        run(&args);
    }
    let merged = dir.path("merged").display().to_string();
    run(&["merge", &shards[1], &shards[0], "--out", &merged, "-q"]);
    same_results(Path::new(&whole), Path::new(&merged));
    // A shard missing is refused.
    let err = stratex(&[
        "merge",
        &shards[0],
        "--out",
        &dir.path("half").display().to_string(),
    ]);
    assert_eq!(err.status.code(), Some(2));
    assert!(
        text(&err.stderr).contains("shards missing: 2/2"),
        "{}",
        text(&err.stderr)
    );
}

#[test]
fn a_rule_s_threshold_and_lag_are_searched_as_levers() {
    let dir = Scratch::new("search-rule");
    let out = dir.path("rule").display().to_string();
    run(&[
        "search",
        "tests/data/search/rule.ron",
        "--for",
        "buyer",
        "--runs",
        "40",
        "--population",
        "12",
        "--generations",
        "10",
        "--out",
        &out,
        "-q",
    ]);
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path("rule").join("search.json")).unwrap(),
    )
    .unwrap();
    let pareto = file["pareto"].as_array().unwrap();
    assert!(
        pareto.len() >= 3,
        "a trade-off between seizing and acting: {}",
        pareto.len()
    );
    let mut seized: Vec<(f64, f64)> = pareto
        .iter()
        .map(|p| {
            let r = p["robustness"].as_array().unwrap();
            (
                r[0]["mean"].as_f64().unwrap(),
                r[1]["mean"].as_f64().unwrap(),
            )
        })
        .collect();
    // Along the set, seizing more costs starting the interdiction in more futures.
    seized.sort_by(|a, b| a.0.total_cmp(&b.0));
    for w in seized.windows(2) {
        assert!(w[1].1 >= w[0].1, "no policy is beaten on both: {seized:?}");
    }
    for p in pareto {
        let l = p["levers"].as_array().unwrap();
        let (threshold, lag) = (l[0].as_f64().unwrap(), l[1].as_f64().unwrap());
        assert!((20.0..=250.0).contains(&threshold));
        assert!(
            lag.fract() == 0.0 && (0.0..=8.0).contains(&lag),
            "lag {lag}"
        );
        let satisficing = p["robustness"][0]["satisficing"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&satisficing));
    }
}

#[test]
fn a_constraint_keeps_the_pareto_set_within_its_bound() {
    let dir = Scratch::new("search-constraint");
    let out = dir.path("c").display().to_string();
    run(&[
        "search",
        "tests/data/search/rule.ron",
        "--for",
        "buyer",
        "--runs",
        "40",
        "--population",
        "12",
        "--generations",
        "8",
        "--objective",
        "seized",
        "--objective",
        "started",
        "--constraint",
        "started<=50",
        "--out",
        &out,
        "-q",
    ]);
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path("c").join("search.json")).unwrap())
            .unwrap();
    assert_eq!(file["feasible"], true);
    for p in file["pareto"].as_array().unwrap() {
        let started = p["constrained"][0].as_f64().unwrap();
        assert!(started <= 50.0, "{started}");
        assert_eq!(p["feasible"], true);
    }
}

#[test]
fn the_decision_briefing_says_which_policy_is_most_robust_on_what_and_why() {
    let dir = Scratch::new("search-brief");
    let out = dir.path("b");
    let out_s = out.display().to_string();
    let mut args = vec![
        "search", FLAGSHIP, "--for", "usa", "--out", &out_s, "--brief", "-q",
    ];
    args.extend(["--runs", "40", "--population", "12", "--generations", "4"]);
    run(&args);
    let html = std::fs::read_to_string(out.join("briefing.html")).unwrap();
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(&html, options).expect("the briefing is well-formed");
    for needle in [
        "Question.",
        "Most robust on Rounds delivered to Russia (lower is better)",
        "departs from today",
        "What each gives up",
        "in the worst 5% of futures",
        "Reproducibility",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    for chart in ["search-tradeoff", "search-parallel", "search-convergence"] {
        assert!(
            out.join("charts").join(format!("{chart}.png")).is_file(),
            "{chart}"
        );
        assert!(
            html.contains(&format!("id=\"chart-{chart}\"")),
            "{chart} inline"
        );
    }
}

#[test]
fn bad_search_requests_are_refused_with_what_is_allowed() {
    let cases: [(&[&str], &str); 7] = [
        (&["--for", "nobody"], "actor"),
        (&["--for", "dprk"], "declares no search for dprk"),
        (&["--for", "usa", "--objective", "nope"], "--objective nope"),
        (
            &["--for", "usa", "--constraint", "food_need_met>80"],
            "ID>=VALUE",
        ),
        (&["--for", "usa", "--population", "5"], "even number"),
        (&["--for", "usa", "--shard", "2/2"], "one shard per island"),
        (&["--for", "usa", "--tail", "60"], "--tail 60"),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["search", FLAGSHIP];
        args.extend(flags);
        let out = stratex(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{flags:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(expected),
            "{flags:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn bad_ranges_and_searches_in_a_scenario_are_reported_by_field() {
    let good = std::fs::read_to_string(root().join("tests/data/search/rule.ron")).unwrap();
    let cases = [
        (
            "range: (20, 250)",
            "range: (250, 20)",
            "levers[threshold].range",
        ),
        (
            "baseline: 150, range",
            "baseline: 300, range",
            "outside the lever's range",
        ),
        (
            "range: (0, 8), integer: true",
            "range: (0, 8.5), integer: true",
            "whole-number ends",
        ),
        (
            "baseline: 3, range",
            "baseline: 2.5, range",
            "not a whole number",
        ),
        (
            "Search(for: \"buyer\"",
            "Search(for: \"seller\"",
            "seller owns no lever",
        ),
        (
            "Objective(outcome: \"started\")",
            "Objective(outcome: \"stared\")",
            "searches[0].objectives[1].outcome",
        ),
        (
            "Objective(outcome: \"started\")",
            "Objective(outcome: \"seized\")",
            "already an objective",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(good.contains(from), "{from}");
        let bad = good.replacen(from, to, 1);
        let err = crate::helpers::compile_text(&bad)
            .expect_err(expected)
            .to_string();
        assert!(err.contains(expected), "{to}: {err}");
    }
}
