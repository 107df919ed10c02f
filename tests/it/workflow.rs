//! `stratex compare` as an analyst asks it: options one at a time, one decision maker's
//! levers, fixed assumptions, a robustness sweep with its flip, units an analyst reads.

use crate::helpers::{Scratch, stratex, text};
use serde_json::Value;
use std::path::Path;

const FLAGSHIP: &str = "scenarios/nk_russia.ron";

/// Runs `stratex compare FLAGSHIP --out DIR args...`, asserting success; returns stdout.
fn compare(out: &Path, args: &[&str]) -> String {
    let mut all = vec!["compare", FLAGSHIP, "--out", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let o = stratex(&all);
    assert!(o.status.success(), "{}", text(&o.stderr));
    text(&o.stdout)
}

fn json(dir: &Path, file: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(file)).unwrap()).unwrap()
}

fn labels(dir: &Path) -> Vec<String> {
    json(dir, "comparison.json")["settings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn lever_values_are_tried_one_at_a_time_unless_a_grid_is_asked_for() {
    let dir = Scratch::new("one-at-a-time");
    let levers = [
        "--lever",
        "us_publicity=3",
        "--lever",
        "interdiction=0.25,0.5",
    ];
    let alone = dir.path("alone");
    compare(&alone, &[&["--runs", "20", "-q"][..], &levers].concat());
    assert_eq!(
        labels(&alone),
        [
            "baseline",
            "us_publicity=3",
            "interdiction=0.25",
            "interdiction=0.5"
        ]
    );
    let grid = dir.path("grid");
    compare(
        &grid,
        &[&["--runs", "20", "-q", "--grid"][..], &levers].concat(),
    );
    assert_eq!(
        labels(&grid),
        [
            "baseline",
            "us_publicity=3 interdiction=0.25",
            "us_publicity=3 interdiction=0.5"
        ]
    );
}

#[test]
fn long_setting_labels_stay_distinct_in_the_terminal() {
    let dir = Scratch::new("labels");
    let out = dir.path("c");
    let stdout = compare(
        &out,
        &[
            "--runs",
            "20",
            "--grid",
            "--lever",
            "us_publicity=2,3",
            "--lever",
            "interdiction=0.25,0.5",
            "--lever",
            "pressure_on_china=0.25,0.5",
        ],
    );
    // Every row of the change matrix names its setting by a label no other row shares.
    let block: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("setting "))
        .skip(2)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(block.len(), labels(&out).len() - 1, "{stdout}");
    let names: std::collections::BTreeSet<&str> = block
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(names.len(), block.len(), "{stdout}");
    // And the legend spells each code out in full.
    for l in &labels(&out)[1..] {
        assert!(stdout.contains(l.as_str()), "{l} missing: {stdout}");
    }
}

#[test]
fn for_an_actor_compares_only_its_levers() {
    let dir = Scratch::new("for-actor");
    let out = dir.path("usa");
    let stdout = compare(&out, &["--runs", "20", "--for", "usa"]);
    let all = labels(&out);
    assert!(all.iter().all(|l| !l.contains("dprk_munitions")), "{all:?}");
    // usa's levers list 3 + 3 + 2 + 2 + 2 values besides their baselines.
    assert_eq!(all.len(), 1 + 12, "{all:?}");
    assert!(stdout.contains("among usa's options"), "{stdout}");
    let o = stratex(&[
        "compare",
        FLAGSHIP,
        "--runs",
        "5",
        "--for",
        "usa",
        "--lever",
        "dprk_munitions=0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("dprk's, not usa's") && err.contains("interdiction"),
        "{err}"
    );
    let o = stratex(&["compare", FLAGSHIP, "--runs", "5", "--for", "usaa"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("did you mean \"usa\"?"));
}

#[test]
fn set_fixes_an_assumption_in_every_setting_like_run_does() {
    let dir = Scratch::new("compare-set");
    let out = dir.path("c");
    compare(
        &out,
        &[
            "--runs",
            "40",
            "--lever",
            "interdiction=0.5",
            "--set",
            "publicity_effect=0.02",
        ],
    );
    let run = dir.path("r");
    let o = stratex(&[
        "run",
        FLAGSHIP,
        "--runs",
        "40",
        "--set",
        "publicity_effect=0.02",
        "-q",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let cmp = json(&out, "comparison.json");
    let summary = json(&run, "summary.json");
    // The comparison's baseline is the same 40 runs as `run` with the same --set.
    let base = cmp["outcomes"][0]["results"][0]["mean"].as_f64().unwrap();
    let ran = summary["outcomes"][0]["mean"].as_f64().unwrap();
    assert_eq!(base, ran);
    assert!(
        cmp["reproduce"]
            .as_str()
            .unwrap()
            .contains("--set publicity_effect=0.02")
    );
    // A --set outside the distribution's support is refused, as in run.
    let o = stratex(&[
        "compare",
        FLAGSHIP,
        "--runs",
        "5",
        "--set",
        "publicity_effect=0.2",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("-0.02 to 0.03"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn across_finds_where_the_best_option_flips_and_says_so() {
    let dir = Scratch::new("across");
    let out = dir.path("c");
    let question = [
        "--runs",
        "200",
        "--for",
        "usa",
        "--lever",
        "us_publicity=3",
        "--lever",
        "interdiction=0.25",
        "--target",
        "shells_delivered",
        "--cost",
        "food_need_met",
    ];
    let stdout = compare(
        &out,
        &[
            &question[..],
            &["--across", "publicity_effect=-0.02,0,0.01,0.02,0.03"],
        ]
        .concat(),
    );
    let cmp = json(&out, "comparison.json");
    let sweep = &cmp["robustness"][0];
    assert_eq!(sweep["points"].as_array().unwrap().len(), 5);
    let flips = sweep["flips"].as_array().unwrap();
    assert_eq!(flips.len(), 1, "{sweep}");
    let f = &flips[0];
    let [lo, hi] = [0, 1].map(|i| f["bracket"][i].as_f64().unwrap());
    assert!(
        hi - lo <= 0.01 * 0.05 + 1e-12,
        "bisection to 1% of the span: {lo} {hi}"
    );
    assert!(stdout.contains("Flip: ") && stdout.contains("Caveat: The answer depends on"));
    assert!(out.join("across.csv").is_file());
    // The bracket is real: compared on their own at its ends (with --set), the two options
    // swap places.
    let at = |v: f64| {
        let d = dir.path(&format!("at{v}"));
        let set = format!("publicity_effect={v}");
        compare(&d, &[&question[..], &["--set", &set, "-q"]].concat());
        let c = json(&d, "comparison.json");
        let o = c["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == "shells_delivered")
            .unwrap()
            .clone();
        let change = |s: usize| o["results"][s]["difference"]["mean"].as_f64().unwrap();
        (change(1), change(2))
    };
    let (publicity, interdiction) = at(lo);
    assert!(
        interdiction < publicity,
        "below: {publicity} {interdiction}"
    );
    let (publicity, interdiction) = at(hi);
    assert!(
        publicity < interdiction,
        "above: {publicity} {interdiction}"
    );
    assert_eq!(f["below"], "interdiction=0.25");
    assert_eq!(f["above"], "us_publicity=3");
}

#[test]
fn across_needs_a_target_and_an_uncertainty() {
    for (args, says) in [
        (
            vec!["--across", "publicity_effect=0,0.01"],
            "--across needs --target",
        ),
        (
            vec![
                "--target",
                "shells_delivered",
                "--across",
                "interdiction=0,0.5",
            ],
            "is a lever",
        ),
        (
            vec![
                "--target",
                "shells_delivered",
                "--across",
                "publicity_effect=0,0.5",
            ],
            "outside what its distribution",
        ),
        (
            vec!["--target", "shels_delivered"],
            "did you mean \"shells_delivered\"?",
        ),
    ] {
        let all = [
            &["compare", FLAGSHIP, "--runs", "5", "--for", "usa"][..],
            &args,
        ]
        .concat();
        let o = stratex(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            text(&o.stderr).contains(says),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
}

#[test]
fn changes_of_percentages_are_in_points_and_tiny_changes_are_not_flagged() {
    let dir = Scratch::new("points");
    let out = dir.path("c");
    let stdout = compare(&out, &["--runs", "100", "--lever", "interdiction=0.5"]);
    let cmp = json(&out, "comparison.json");
    let share = cmp["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "dprk_share_of_supply")
        .unwrap();
    let d = share["results"][1]["difference"]["mean"].as_f64().unwrap();
    // The best-setting table gives the change in points, as the outcome is a percentage.
    let line = stdout
        .lines()
        .find(|l| l.starts_with("North Korea's share"))
        .unwrap();
    assert!(
        line.contains(&format!("{} points", stratex::number::sig3(d))),
        "{line}"
    );
    // The matrix flags exactly the changes whose interval excludes 0 and that reach the
    // display threshold (its rows are the only lines that start with the setting's label).
    let flagged = cmp["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| {
            let base = o["results"][0]["mean"].as_f64().unwrap();
            let d = &o["results"][1]["difference"];
            let m = d["mean"].as_f64().unwrap();
            let [lo, hi] = [0, 1].map(|i| d["ci95"][i].as_f64().unwrap());
            let points = o["unit"].as_str().unwrap().starts_with('%');
            let threshold = if points { 0.1 } else { 0.005 * base.abs() };
            (lo > 0.0 || hi < 0.0) && m.abs() >= threshold
        })
        .count();
    let stars: usize = stdout
        .lines()
        .filter(|l| l.starts_with("interdiction=0.5 "))
        .map(|l| l.matches('*').count())
        .sum();
    assert_eq!(stars, flagged, "{stdout}");
}

#[test]
fn the_one_page_summary_states_the_answer_and_the_flip_on_one_page() {
    let dir = Scratch::new("one-page");
    let out = dir.path("c");
    compare(
        &out,
        &[
            "--runs",
            "200",
            "--for",
            "usa",
            "--lever",
            "us_publicity=3",
            "--lever",
            "interdiction=0.25",
            "--target",
            "shells_delivered",
            "--cost",
            "food_need_met",
            "--across",
            "publicity_effect=-0.02,0,0.01,0.02,0.03",
            "--brief",
            "one-page",
            "-q",
        ],
    );
    let html = std::fs::read_to_string(out.join("summary.html")).unwrap();
    assert!(
        html.contains("<strong>Question.</strong> Which of usa&#39;s options"),
        "{html}"
    );
    assert!(html.contains("<strong>Answer.</strong> interdiction=0.25 does most"));
    assert!(html.contains("does better below publicity_effect = 0.02"));
    assert!(html.contains("charts/across_publicity_effect.svg"));
    assert!(
        !out.join("briefing.html").exists(),
        "one-page writes only the summary"
    );
    match stratex::brief::pdf::chromium() {
        Some(_) => {
            let pdf = out.join("summary.pdf");
            let info = std::process::Command::new("pdfinfo").arg(&pdf).output();
            match info {
                Ok(o) => assert!(
                    text(&o.stdout)
                        .lines()
                        .any(|l| l.split_whitespace().eq(["Pages:", "1"])),
                    "{}",
                    text(&o.stdout)
                ),
                Err(_) => assert!(
                    std::env::var_os("STRATEX_REQUIRE_CHROMIUM").is_none(),
                    "pdfinfo is missing"
                ),
            }
        }
        None if std::env::var_os("STRATEX_REQUIRE_CHROMIUM").is_some() => {
            panic!("STRATEX_REQUIRE_CHROMIUM is set but no chromium was found")
        }
        None => eprintln!("*** SKIPPED the PDF check: no chromium on the PATH ***"),
    }
    // The full briefing opens with the same summary, then the annex.
    let full = dir.path("full");
    compare(
        &full,
        &[
            "--runs",
            "50",
            "--for",
            "usa",
            "--lever",
            "interdiction=0.25",
            "--lever",
            "pressure_on_china=0.5",
            "--target",
            "shells_delivered",
            "--brief",
            "-q",
        ],
    );
    let html = std::fs::read_to_string(full.join("briefing.html")).unwrap();
    let summary = html.find("id=\"summary\"").unwrap();
    let annex = html.find("Annex: the full comparison").unwrap();
    assert!(summary < annex);
    assert!(
        html.contains("Not tested for robustness"),
        "without --across the caveat says so"
    );
    assert!(html.contains("What the levers mean") && html.contains("Share of a seen week"));
    // The best-setting table says what each best setting costs.
    assert!(html.contains("At a cost of"), "{html}");
    assert!(full.join("charts/tradeoff.svg").is_file());
}
