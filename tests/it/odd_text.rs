//! Text with commas, double quotes and line breaks in what a scenario names (its name, an
//! outcome's name, a unit, the scenario file's own path) survives every result CSV: written,
//! read back by `stratex brief`, and copied by `--resume` and `stratex merge`, with the right
//! values and byte for byte the files of one uninterrupted run.
//!
//! Names and units refuse control characters, so a line break reaches the files only through
//! the scenario's path, which every `#` line quotes.

use crate::bad_input::BASE;
use crate::helpers::{Scratch, text};
use std::path::Path;
use std::process::Command;
use stratex::report::read::ResultFolder;
use stratex::stats::histogram::Histogram;

const FILES: [&str; 4] = ["summary.json", "runs.csv", "timeseries.csv", "flows.csv"];
const RUNS: &str = "600";
const NAME: &str = r#"Odd, "quoted" scenario"#;
const OUTCOME: &str = r#"Delivered, "net""#;
const UNIT: &str = r#"rounds, "155 mm""#;

/// The test scenario: BASE with odd text in its name, an outcome's name and a unit.
fn odd_scenario() -> String {
    let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\\\""));
    let swaps = [
        ("name: \"Test\"", format!("name: {}", quoted(NAME))),
        (
            "unit: \"rounds\", kind",
            format!("unit: {}, kind", quoted(UNIT)),
        ),
        (
            "name: \"Delivered\", unit: \"rounds\"",
            format!("name: {}, unit: {}", quoted(OUTCOME), quoted(UNIT)),
        ),
    ];
    swaps.iter().fold(BASE.to_string(), |text, (from, to)| {
        assert!(text.contains(from), "{from}");
        text.replacen(from, to, 1)
    })
}

/// Runs stratex in `dir`, failing the test if it fails.
fn ok(dir: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_stratex"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run stratex");
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
}

fn same_files(a: &Path, b: &Path) {
    for f in FILES {
        let same = std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap();
        assert!(
            same,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// The files of one run start with one `#` line, then the column names.
fn check_layout(whole: &Path) {
    for (file, columns) in [
        ("runs.csv", "run,need,delivered"),
        ("timeseries.csv", "outcome,step,p5,p25,p50,p75,p95,mean"),
        (
            "flows.csv",
            "channel,from,to,good,unit,sent_mean,seized_mean,delivered_mean,weeks_seen_mean,\
             delivered_p5,delivered_p25,delivered_p50,delivered_p75,delivered_p95",
        ),
    ] {
        let content = std::fs::read_to_string(whole.join(file)).unwrap();
        let lines: Vec<&str> = content.lines().collect();
        assert!(lines[0].starts_with("# stratex"), "{file}: {}", lines[0]);
        assert!(
            lines[0].contains(r#""name"\nfile.ron"#),
            "{file}: {}",
            lines[0]
        );
        assert_eq!(lines[1], columns, "{file}");
    }
}

/// What the briefing reads back is what was written.
fn check_read_back(whole: &Path) {
    let folder = ResultFolder::load(whole).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(folder.summary.scenario.name, NAME);
    assert_eq!(folder.summary.outcomes[0].name, OUTCOME);
    assert_eq!(folder.bands[0].len(), 4, "steps 0 to 3");
    let flows = std::fs::read_to_string(whole.join("flows.csv")).unwrap();
    let shells = flows
        .lines()
        .find(|l| l.starts_with("rail,dprk,russia,shells,"))
        .expect("the shells lane");
    // The unit quoted, its quotes doubled; the numbers after it plain.
    let quoted = r#","rounds, ""155 mm""","#;
    let (_, numbers) = shells.split_once(quoted).expect("the unit, quoted");
    let numbers: Vec<f64> = numbers.split(',').map(|n| n.parse().unwrap()).collect();
    let row = folder.flows.iter().find(|f| f.good == "shells").unwrap();
    assert_eq!(row.unit, UNIT);
    let read = [
        row.sent_mean,
        row.seized_mean,
        row.delivered_mean,
        row.seen_mean,
        row.delivered_p5,
        row.delivered_p50,
        row.delivered_p95,
    ];
    let written = [0, 1, 2, 3, 4, 6, 8].map(|k| numbers[k]);
    assert_eq!(read, written);
    let histograms = folder.histograms().unwrap_or_else(|e| panic!("{e}"));
    let n = match &histograms[0] {
        Histogram::Discrete { n, .. } | Histogram::Continuous { n, .. } => *n,
    };
    assert_eq!(n.to_string(), RUNS, "every row of runs.csv read");
}

#[test]
fn odd_text_round_trips_through_every_result_csv() {
    let dir = Scratch::new("odd-text");
    let file = "odd, \"name\"\nfile.ron";
    std::fs::write(dir.path(file), odd_scenario()).unwrap();
    let run = |out: &str, more: &[&str]| {
        let mut args = vec!["run", file, "--runs", RUNS, "--out", out, "-q"];
        args.extend(more);
        ok(&dir.0, &args);
    };
    run("whole", &[]);
    let whole = dir.path("whole");
    check_layout(&whole);
    check_read_back(&whole);
    ok(&dir.0, &["brief", "whole"]);
    let chart = std::fs::read_to_string(whole.join("charts/flows.svg")).unwrap();
    assert!(chart.contains("155 mm"), "the unit is on the flows chart");

    // Shards merged.
    run("s1", &["--shard", "1/2"]);
    run("s2", &["--shard", "2/2"]);
    ok(&dir.0, &["merge", "s2", "s1", "--out", "merged"]);
    same_files(&whole, &dir.path("merged"));

    // A run stopped after its first half (shard 1's runs, made whole-batch), then resumed.
    let stopped = dir.path("stopped");
    std::fs::rename(dir.path("s1"), &stopped).unwrap();
    let part = stopped.join("part.json");
    let mut info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&part).unwrap()).unwrap();
    info["shard"] = serde_json::Value::Null;
    info["count"] = info["runs"].clone();
    std::fs::write(&part, info.to_string()).unwrap();
    run("stopped", &["--resume"]);
    same_files(&whole, &stopped);
}
