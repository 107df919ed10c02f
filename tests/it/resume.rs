//! Ctrl-C during a run: the finished runs are kept in a result marked incomplete, and
//! `--resume` completes it to exactly the files of an uninterrupted run.

use crate::helpers::{Scratch, root, stratex, text};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn an_interrupted_then_resumed_run_equals_an_uninterrupted_one() {
    let dir = Scratch::new("resume");
    let out = dir.path("run");
    let out_s = out.display().to_string();
    let scenario = "scenarios/nk_russia.ron";
    let child = Command::new(env!("CARGO_BIN_EXE_stratex"))
        .args([
            "run",
            scenario,
            "--runs",
            "12000",
            "--threads",
            "1",
            "--out",
            &out_s,
        ])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start stratex");
    // Wait until the first chunk of rows reaches the staging folder, then press Ctrl-C.
    let staging = dir
        .path(&format!(".run.partial-{}", child.id()))
        .join("runs.csv");
    let start = Instant::now();
    while std::fs::metadata(&staging).map_or(true, |m| m.len() < 100_000) {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no rows written"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let signalled = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("send SIGINT");
    assert!(signalled.success());
    let stopped = child.wait_with_output().expect("wait for stratex");
    let err = text(&stopped.stderr);
    assert_eq!(stopped.status.code(), Some(130), "{err}");
    assert!(
        err.contains("--resume"),
        "the message says how to continue: {err}"
    );

    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"complete\": false"), "{summary}");
    let part: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("part.json")).unwrap()).unwrap();
    let done = part["completed"].as_u64().unwrap();
    assert!(done > 0 && done < 12000, "stopped part-way: {done}");
    let rows = std::fs::read_to_string(out.join("runs.csv"))
        .unwrap()
        .lines()
        .count() as u64;
    assert_eq!(rows, done + 2, "runs.csv holds exactly the finished runs");

    // A briefing of part of a batch would mislead.
    let brief = stratex(&["brief", &out_s]);
    assert_eq!(brief.status.code(), Some(2));
    assert!(
        text(&brief.stderr).contains("`stratex run SCENARIO --out")
            && text(&brief.stderr).contains("--resume"),
        "{}",
        text(&brief.stderr)
    );

    // Resuming with other settings is refused; with the same ones it completes.
    let other = stratex(&["run", scenario, "--seed", "1", "--out", &out_s, "--resume"]);
    assert_eq!(other.status.code(), Some(2));
    assert!(
        text(&other.stderr).contains("--seed"),
        "{}",
        text(&other.stderr)
    );
    let resumed = stratex(&[
        "run",
        scenario,
        "--threads",
        "2",
        "--out",
        &out_s,
        "--resume",
        "-q",
    ]);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    assert!(
        !out.join("part.json").exists(),
        "a finished run keeps no partial state"
    );

    let whole = dir.path("whole").display().to_string();
    let full = stratex(&["run", scenario, "--runs", "12000", "--out", &whole, "-q"]);
    assert!(full.status.success());
    for f in ["summary.json", "runs.csv", "timeseries.csv", "flows.csv"] {
        let a = std::fs::read(out.join(f)).unwrap();
        let b = std::fs::read(dir.path("whole").join(f)).unwrap();
        assert!(a == b, "{f} differs after resuming");
    }
    let again = stratex(&["run", scenario, "--out", &out_s, "--resume"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("holds a finished run"));
}
