//! The command line end to end: what a user sees and what lands on disk.

use crate::helpers::{Scratch, stratex, text};

fn lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn run_prints_the_table_and_writes_three_result_files() {
    let dir = Scratch::new("cli");
    let out = dir.path("nk");
    let o = stratex(&[
        "run",
        "scenarios/nk_russia.ron",
        "--runs",
        "300",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    for want in [
        "outcome",
        "mean",
        "sd",
        "p5",
        "p50",
        "p95",
        "95% CI of mean",
        "unit",
        "Rounds delivered to Russia",
        "300 runs",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in\n{stdout}");
    }
    // Not a terminal: no progress bar, no noise.
    assert_eq!(
        text(&o.stderr),
        "",
        "stderr should be empty when it is not a terminal"
    );

    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["runs"], 300);
    assert_eq!(summary["seed"], 20240121);
    assert_eq!(
        summary["scenario"]["name"],
        "North Korea–Russia exchange, one year"
    );
    assert_eq!(summary["scenario"]["sha256"].as_str().unwrap().len(), 64);
    assert!(
        summary["generator"]
            .as_str()
            .unwrap()
            .starts_with("stratex ")
    );
    assert_eq!(
        summary["reproduce"],
        "stratex run scenarios/nk_russia.ron --runs 300 --seed 20240121"
    );
    assert_eq!(summary["levers"].as_array().unwrap().len(), 6);
    let outcomes = summary["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 29);
    for o in outcomes {
        for k in ["mean", "sd", "p5", "p50", "p95", "min", "max"] {
            assert!(o[k].is_number(), "{k} of {}", o["id"]);
        }
        let ci = o["ci95"].as_array().unwrap();
        assert!(ci[0].as_f64().unwrap() <= o["mean"].as_f64().unwrap());
        assert!(o["p5"].as_f64().unwrap() <= o["p50"].as_f64().unwrap());
        assert!(o["p50"].as_f64().unwrap() <= o["p95"].as_f64().unwrap());
    }

    let runs = lines(&out.join("runs.csv"));
    assert!(
        runs[0].starts_with("# stratex ") && runs[0].contains("reproduce: stratex run"),
        "{}",
        runs[0]
    );
    let header: Vec<&str> = runs[1].split(',').collect();
    assert_eq!(header[0], "run");
    assert!(header.contains(&"ru_shell_use") && header.contains(&"shells_delivered"));
    assert_eq!(runs.len(), 2 + 300);
    assert!(runs[2].starts_with("0,") && runs[301].starts_with("299,"));
    assert!(
        runs[2..]
            .iter()
            .all(|r| r.split(',').count() == header.len())
    );

    let ts = lines(&out.join("timeseries.csv"));
    assert_eq!(ts[1], "outcome,step,p5,p25,p50,p75,p95,mean");
    assert_eq!(ts.len(), 2 + 29 * 53);
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run-info.json")).unwrap()).unwrap();
    assert!(info["runs_per_second"].as_f64().unwrap() > 0.0);
    // Only result files are left: no staging folders beside the result.
    let leftovers: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn the_default_output_folder_is_named_after_the_scenario() {
    let dir = Scratch::new("default-out");
    std::fs::copy(
        crate::helpers::root().join("scenarios/two_actor_barter.ron"),
        dir.path("barter.ron"),
    )
    .unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_stratex"))
        .args(["run", "barter.ron", "--quiet"])
        .current_dir(&dir.0)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(dir.path("output/barter/summary.json").is_file());
    assert_eq!(text(&o.stdout), "", "--quiet prints nothing");
}

#[test]
fn rerunning_replaces_results_and_never_touches_foreign_folders() {
    let dir = Scratch::new("replace");
    let out = dir.path("res");
    let run = |seed: &str| {
        stratex(&[
            "run",
            "scenarios/two_actor_barter.ron",
            "--seed",
            seed,
            "--out",
            out.to_str().unwrap(),
            "-q",
        ])
    };
    assert!(run("1").status.success());
    assert!(run("2").status.success());
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"seed\": 2"));

    // A folder with other files in it is not ours: refuse, status 2, leave it alone.
    let foreign = dir.path("thesis");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("chapter1.txt"), "precious").unwrap();
    let o = stratex(&[
        "run",
        "scenarios/two_actor_barter.ron",
        "--out",
        foreign.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("was not made by stratex"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(foreign.join("chapter1.txt")).unwrap(),
        "precious"
    );
    assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 1);
}

#[test]
fn validate_prints_the_shape() {
    let o = stratex(&["validate", "scenarios/nk_russia.ron"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let s = text(&o.stdout);
    for want in [
        "valid",
        "actors (6)",
        "dprk (North Korea)",
        "goods (10)",
        "channels (7)",
        "levers (6)",
        // Each lever with its unit, owner, listed range and what it does (issue 23, item 10).
        "interdiction (Interdiction at sea, share seized; owner usa): baseline 0, compare [0.1, 0.25, 0.5], range 0 to 0.5",
        "Share of a seen week's sea shipments seized",
        "dprk_munitions (North Korea sends munitions, 0 or 1; owner dprk)",
        // Each uncertainty with its unit and the values it can take.
        "ru_shell_use (Russian artillery fire wanted, rounds/week): Triangular(min: 70000, mode: 140000, max: 315000), range 70000 to 315000",
        "uncertainties (55)",
        "outcomes (29)",
        "questions (7)",
        "trade links (2)",
        "dprk <-> russia",
        "aid flows (0)",
        "dprk <-> china: currency for food, fuel, goods",
    ] {
        assert!(s.contains(want), "missing {want:?} in\n{s}");
    }
}

#[test]
fn help_and_version_work() {
    let o = stratex(&["--help"]);
    assert!(o.status.success());
    assert!(text(&o.stdout).contains("run") && text(&o.stdout).contains("validate"));
    let o = stratex(&["--version"]);
    assert!(text(&o.stdout).contains(env!("CARGO_PKG_VERSION")));
    let o = stratex(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_closed_stdout_is_not_a_crash() {
    // `stratex run ... | head -1`: the reader goes away before stratex prints its table.
    let dir = Scratch::new("pipe");
    let out = dir.path("o").display().to_string();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stratex"))
        .args([
            "run",
            "tests/data/golden.ron",
            "--runs",
            "50",
            "--out",
            &out,
        ])
        .current_dir(crate::helpers::root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let done = child.wait_with_output().unwrap();
    assert!(done.status.success(), "{}", text(&done.stderr));
    assert!(!text(&done.stderr).contains("panicked"));
    assert!(dir.path("o/summary.json").is_file());
}
