//! `flows.csv` has one row per lane: on a route carried by two channels, one watched and seized
//! and one not, each channel's sent, seized, delivered and weeks seen are reported apart, and
//! agree with the run's outcomes.

use crate::helpers::{Scratch, stratex, text};
use std::collections::BTreeMap;

const HEADER: &str = "channel,from,to,good,unit,sent_mean,seized_mean,delivered_mean,\
                      weeks_seen_mean,delivered_p5,delivered_p25,delivered_p50,delivered_p75,\
                      delivered_p95";

/// Runs `tests/data/flows.ron` into a scratch folder; returns flows.csv's lines after its `#`
/// line, and summary.json.
fn run_flows(dir: &Scratch) -> (Vec<String>, serde_json::Value) {
    let out_dir = dir.path("out");
    let out = stratex(&[
        "run",
        "tests/data/flows.ron",
        "--out",
        out_dir.to_str().unwrap(),
        "-q",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let flows = std::fs::read_to_string(out_dir.join("flows.csv")).unwrap();
    let summary = std::fs::read_to_string(out_dir.join("summary.json")).unwrap();
    let lines = flows.lines().skip(1).map(str::to_string).collect();
    (lines, serde_json::from_str(&summary).unwrap())
}

/// One lane's row: its text fields, then its numbers by column name.
fn row(header: &[&str], line: &str) -> (Vec<String>, BTreeMap<String, f64>) {
    let fields: Vec<&str> = line.split(',').collect();
    assert_eq!(fields.len(), header.len(), "{line}");
    let texts = fields[..5].iter().map(|s| s.to_string()).collect();
    let numbers = header[5..]
        .iter()
        .zip(&fields[5..])
        .map(|(h, v)| (h.to_string(), v.parse().unwrap()))
        .collect();
    (texts, numbers)
}

fn outcome_mean(summary: &serde_json::Value, id: &str) -> f64 {
    let outcomes = summary["outcomes"].as_array().unwrap();
    let o = outcomes.iter().find(|o| o["id"] == id).unwrap();
    o["mean"].as_f64().unwrap()
}

#[test]
fn flows_csv_has_one_row_per_lane_with_seizures_where_they_happened() {
    let dir = Scratch::new("flows");
    let (lines, summary) = run_flows(&dir);
    assert_eq!(lines[0], HEADER);
    let header: Vec<&str> = HEADER.split(',').collect();
    let rows: Vec<_> = lines[1..].iter().map(|l| row(&header, l)).collect();
    let names: Vec<Vec<String>> = rows.iter().map(|(t, _)| t.clone()).collect();
    let lane = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
    assert_eq!(
        names,
        [
            lane("sea,dprk,russia,shells,rounds"),
            lane("rail,dprk,russia,shells,rounds"),
            lane("back,russia,dprk,food,t"),
        ],
        "one row per lane, in the scenario's channel order"
    );
    for (names, n) in &rows {
        // Whole goods and no draws: every run is the same, so the means are exact.
        assert_eq!(
            n["sent_mean"],
            n["seized_mean"] + n["delivered_mean"],
            "{names:?}"
        );
        assert!(n["sent_mean"] > 0.0, "{names:?} carried nothing");
        for p in ["p5", "p25", "p50", "p75", "p95"] {
            assert_eq!(
                n[&format!("delivered_{p}")],
                n["delivered_mean"],
                "{names:?}"
            );
        }
    }
    let (sea, rail, back) = (&rows[0].1, &rows[1].1, &rows[2].1);
    // The railway is full every week (30 rounds); the sea lane carries the rest of the 100
    // rounds offered, is seen every week (detection 1) and loses half of it.
    assert_eq!(rail["sent_mean"], 300.0);
    assert_eq!(sea["sent_mean"], 700.0);
    assert_eq!(sea["seized_mean"], 350.0);
    assert_eq!(
        sea["weeks_seen_mean"], 10.0,
        "seen in every week it carried"
    );
    for unwatched in [rail, back] {
        assert_eq!(unwatched["seized_mean"], 0.0);
        assert_eq!(unwatched["weeks_seen_mean"], 0.0);
    }
    // The lanes add up to the route's outcomes.
    let route = |k: &str| sea[k] + rail[k];
    assert_eq!(route("delivered_mean"), outcome_mean(&summary, "delivered"));
    assert_eq!(route("seized_mean"), outcome_mean(&summary, "seized"));
}

#[test]
fn a_flows_csv_of_another_layout_is_refused_by_brief_with_the_reason() {
    let dir = Scratch::new("flows-old");
    run_flows(&dir);
    let file = dir.path("out").join("flows.csv");
    let written = std::fs::read_to_string(&file).unwrap();
    let old = written.replacen(HEADER, "from,to,good,unit,mean,p5,p25,p50,p75,p95", 1);
    std::fs::write(&file, old).unwrap();
    let out = stratex(&["brief", dir.path("out").to_str().unwrap()]);
    let err = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("flows.csv has the columns from,to,good") && err.contains("another version"),
        "{err}"
    );
}
