//! `stratex compare` and `stratex explore` end to end, and why pairing matters.

use crate::bad_input::BASE;
use crate::helpers::{Scratch, compile_text, model, root, stratex, text};
use std::sync::atomic::AtomicBool;
use stratex::model::grid;
use stratex::montecarlo::compare::{PairedJob, execute_paired};
use stratex::montecarlo::{self, Discard, Job};
use stratex::sensitivity::design::Kind;
use stratex::sensitivity::explore::{Plan, explore};

/// The point of common random numbers, measured: on the same runs, the paired interval of a
/// lever's effect is far narrower than the unpaired one, and narrower than the interval from
/// two independent batches (different seeds) of the same size.
#[test]
fn paired_differences_have_narrower_intervals_than_unpaired_ones() {
    let m = model(&root().join("scenarios/nk_russia.ron"));
    let ask = grid::Ask {
        levers: &[("us_publicity".into(), vec![2.0])],
        grid: false,
        owner: None,
    };
    let settings = grid::settings(&m, &m.baseline(), &ask).unwrap();
    assert_eq!(settings.len(), 2);
    let plain: Vec<_> = settings.iter().map(|s| s.setting.clone()).collect();
    let runs = 600;
    let cmp = execute_paired(
        &PairedJob {
            model: &m,
            settings: &plain,
            seed: 3,
            first_run: 0,
            runs,
            threads: 2,
            design: None,
        },
        &mut |_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let o = m
        .outcomes
        .iter()
        .position(|o| o.id == "shells_delivered")
        .unwrap();
    let d = cmp.difference(1, o);
    let paired = d.ci95[1] - d.ci95[0];
    let unpaired = d.ci95_unpaired[1] - d.ci95_unpaired[0];
    assert!(
        paired < 0.5 * unpaired,
        "paired {paired} vs unpaired {unpaired}"
    );

    // Independent batches: baseline with one seed, the setting with another.
    let stop = AtomicBool::new(false);
    let stats = |setting: &stratex::model::Setting, seed: u64| {
        let job = Job {
            model: &m,
            setting,
            seed,
            first_run: 0,
            runs,
            threads: 2,
            design: None,
        };
        montecarlo::execute(&job, &mut Discard, &mut |_, _| {}, &stop)
            .unwrap()
            .aggregate
            .stats(o)
    };
    let (a, b) = (stats(&plain[0], 100), stats(&plain[1], 200));
    let independent = 2.0 * 1.96 * (a.sd * a.sd / runs as f64 + b.sd * b.sd / runs as f64).sqrt();
    assert!(
        paired < 0.5 * independent,
        "paired {paired} vs independent batches {independent}"
    );
    // Both estimate the same effect: publicity lowers deliveries.
    assert!(d.mean < 0.0 && d.ci95[1] < 0.0, "effect {d:?}");
    assert!(d.p_better > 0.6);
}

#[test]
fn compare_cli_writes_its_files_and_handles_grids() {
    let dir = Scratch::new("compare");
    let out = dir.path("cmp");
    let o = stratex(&[
        "run",
        "scenarios/nk_russia.ron",
        "--runs",
        "200",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let o = stratex(&[
        "compare",
        "scenarios/nk_russia.ron",
        "--runs",
        "200",
        "--out",
        out.to_str().unwrap(),
        "--lever",
        "interdiction=0,0.25",
        "--lever",
        "us_publicity=1,3",
        "--grid",
        "--brief",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("4 settings x 200 paired runs"), "{stdout}");
    assert!(
        stdout.contains("Best setting per outcome")
            && stdout.contains("us_publicity=3 interdiction=0.25"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("comparison.json")).unwrap()).unwrap();
    assert_eq!(json["settings"].as_array().unwrap().len(), 4);
    assert_eq!(json["settings"][0]["label"], "baseline");
    let first = &json["outcomes"][0]["results"];
    assert_eq!(first.as_array().unwrap().len(), 4);
    assert_eq!(
        first[0]["difference"]["mean"], 0.0,
        "the baseline differs from itself by 0"
    );
    for r in first.as_array().unwrap() {
        let ci = r["difference"]["ci95"].as_array().unwrap();
        let un = r["difference"]["ci95_unpaired"].as_array().unwrap();
        assert!(
            ci[0].as_f64().unwrap() <= ci[1].as_f64().unwrap()
                && un[0].as_f64().unwrap() <= un[1].as_f64().unwrap()
        );
        let rank = r["rank"].as_u64().unwrap();
        assert!((1..=4).contains(&rank));
    }
    let csv = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    assert_eq!(csv.lines().count(), 2 + 4 * 29);
    assert!(
        out.join("briefing.html").is_file()
            && out.join("charts/compare_shells_delivered.png").is_file()
    );
    assert!(
        out.join("charts/difference_us_publicity_3_interdiction_0.25.svg")
            .is_file()
    );

    // Without --lever, each listed value one at a time: 1 + 3 + 3 + 2 + 2 + 1 + 2 settings.
    let out2 = dir.path("cmp2");
    let o = stratex(&[
        "compare",
        "scenarios/nk_russia.ron",
        "--runs",
        "50",
        "--out",
        out2.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out2.join("comparison.json")).unwrap()).unwrap();
    assert_eq!(json["settings"].as_array().unwrap().len(), 14);

    // Bad levers are named, with the known ones; exit status 2.
    let o = stratex(&[
        "compare",
        "scenarios/nk_russia.ron",
        "--runs",
        "10",
        "--lever",
        "interdction=0.5",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("did you mean \"interdiction\"?"),
        "{}",
        text(&o.stderr)
    );
    let o = stratex(&[
        "compare",
        "scenarios/nk_russia.ron",
        "--runs",
        "10",
        "--lever",
        "interdiction=2",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("seizure must be between 0 and 1"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn explore_cli_answers_what_drives_and_where() {
    let dir = Scratch::new("explore");
    let out = dir.path("exp");
    let o = stratex(&[
        "explore",
        "scenarios/nk_russia.ron",
        "--samples",
        "128",
        "--tornado-runs",
        "32",
        "--where",
        "shells_delivered > 3.5e6",
        "--out",
        out.to_str().unwrap(),
        "--brief",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    for want in [
        "Tornado: Rounds delivered to Russia",
        "Sobol indices",
        "Scenario discovery (PRIM)",
        "Chosen box",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in\n{stdout}");
    }
    let tornado = std::fs::read_to_string(out.join("tornado.csv")).unwrap();
    assert_eq!(tornado.lines().count(), 2 + 29 * 55);
    let sobol = std::fs::read_to_string(out.join("sobol.csv")).unwrap();
    assert_eq!(sobol.lines().count(), 2 + 29 * 55);
    let prim: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("prim.json")).unwrap()).unwrap();
    assert!(prim["trajectory"].as_array().unwrap().len() > 2);
    assert!(!prim["restricted"].as_array().unwrap().is_empty());
    let chosen = prim["chosen"].as_u64().unwrap() as usize;
    let step = &prim["trajectory"][chosen];
    assert!(step["density"].as_f64().unwrap() > prim["base_rate"].as_f64().unwrap());
    for chart in [
        "tornado_shells_delivered.png",
        "sobol_shells_delivered.svg",
        "prim.png",
    ] {
        assert!(out.join("charts").join(chart).is_file(), "{chart}");
    }
    // Same seed, same results, whatever the thread count.
    let out2 = dir.path("exp2");
    let o = stratex(&[
        "explore",
        "scenarios/nk_russia.ron",
        "--samples",
        "128",
        "--tornado-runs",
        "32",
        "--where",
        "shells_delivered > 3.5e6",
        "--out",
        out2.to_str().unwrap(),
        "--threads",
        "1",
        "-q",
    ]);
    assert!(o.status.success());
    for f in ["tornado.csv", "sobol.csv", "prim.json"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(out2.join(f)).unwrap(),
            "{f} differs"
        );
    }
    // Bad conditions and designs are explained.
    let o = stratex(&[
        "explore",
        "scenarios/nk_russia.ron",
        "--where",
        "shels_delivered > 5",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("did you mean \"shells_delivered\"?"),
        "{}",
        text(&o.stderr)
    );
    let o = stratex(&["explore", "scenarios/nk_russia.ron", "--design", "halton"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("possible values: mc, lhs, sobol"),
        "{}",
        text(&o.stderr)
    );
}

/// [`BASE`] with `extra` more uncertain numbers: in-place uniforms added to one quantity
/// (as a balanced tree of `Add`, to stay within the nesting limit).
fn with_uncertain_numbers(extra: usize) -> String {
    fn sum(k: usize) -> String {
        match k {
            1 => "Uniform(min: 0, max: 0.01)".into(),
            _ => format!("Add({}, {})", sum(k / 2), sum(k - k / 2)),
        }
    }
    let need = "quantity: Param(\"need\")";
    assert!(BASE.contains(need));
    BASE.replace(
        need,
        &format!("quantity: Add(Param(\"need\"), {})", sum(extra)),
    )
}

#[test]
fn explore_sobol_design_takes_500_uncertain_numbers_and_explains_more() {
    let dir = Scratch::new("explore-wide");
    let run = |inputs: usize| {
        let file = dir.write("wide.ron", &with_uncertain_numbers(inputs - 1));
        let out = dir.path(&format!("wide{inputs}"));
        let (file, out) = (file.to_str().unwrap(), out.to_str().unwrap());
        let args = [
            "explore",
            file,
            "--samples",
            "16",
            "--tornado-runs",
            "1",
            "-q",
        ];
        stratex(&[&args[..], &["--out", out]].concat())
    };
    // Saltelli's scheme takes 2 x 500 dimensions: all of Joe and Kuo's table embedded here.
    let o = run(500);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = run(501);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("at most 500 uncertain numbers") && err.contains("use --design lhs"),
        "{err}"
    );

    // Called as a library, explore refuses before running anything.
    let m = compile_text(&with_uncertain_numbers(500)).unwrap();
    let plan = Plan {
        kind: Kind::Sobol,
        samples: 16,
        tornado_runs: 1,
        seed: 1,
        threads: 1,
        condition: None,
        marginals: None,
    };
    let mut progressed = false;
    let e = explore(&m, &m.baseline(), &plan, &mut |_, _| progressed = true).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(e.to_string().contains("1002 dimensions"), "{e}");
    assert!(!progressed);
}
