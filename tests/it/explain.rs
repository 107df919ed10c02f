//! `stratex explain`: an option's effect split by pathway, adding up exactly.

use crate::helpers::{Scratch, root, stratex, text};
use serde_json::Value;

fn explained(args: &[&str], dir: &Scratch, name: &str) -> Value {
    let out = dir.path(name);
    let mut all = vec!["explain"];
    all.extend_from_slice(args);
    all.extend(["--out", out.to_str().unwrap(), "-q"]);
    let o = stratex(&all);
    assert!(o.status.success(), "{}", text(&o.stderr));
    serde_json::from_slice(&std::fs::read(out.join("explain.json")).unwrap()).unwrap()
}

fn outcome<'a>(file: &'a Value, id: &str) -> &'a Value {
    file["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)
        .unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
fn a_known_decomposition_is_recovered_exactly() {
    // See the scenario's comment: 10 steps of 30 t fewer delivered; seizure -30 a step,
    // diversion +20, interaction -20, nothing direct, through valuation or through trust.
    let dir = Scratch::new("explain-known");
    let scenario = root().join("tests/data/mechanisms/pathways.ron");
    let file = explained(
        &[scenario.to_str().unwrap(), "--lever", "interdiction=0.5"],
        &dir,
        "e",
    );
    let o = outcome(&file, "delivered");
    assert_eq!(f(&o["total"]), -300.0);
    assert_eq!(f(&o["direct"]), 0.0);
    let parts: Vec<f64> = o["pathways"].as_array().unwrap().iter().map(f).collect();
    assert_eq!(
        parts,
        [-300.0, 200.0, 0.0, 0.0],
        "seizure, diversion, valuation, trust"
    );
    assert_eq!(f(&o["interaction"]), -200.0);
    let sum = f(&o["direct"]) + parts.iter().sum::<f64>() + f(&o["interaction"]);
    assert_eq!(sum, f(&o["total"]));
    // Rail carries 40 t a step more, all of it by diversion.
    let rail = outcome(&file, "by_rail");
    assert_eq!(f(&rail["total"]), 400.0);
    assert_eq!(f(&rail["pathways"][1]), 400.0);
    let csv = std::fs::read_to_string(dir.path("e").join("explain.csv")).unwrap();
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("outcome,outcome_name,unit,component,effect")
    );
}

#[test]
fn the_flagship_splits_interdiction_by_pathway_and_adds_up() {
    let dir = Scratch::new("explain-flagship");
    let file = explained(
        &[
            "scenarios/nk_russia.ron",
            "--lever",
            "interdiction=0.5",
            "--runs",
            "60",
        ],
        &dir,
        "e",
    );
    for o in file["outcomes"].as_array().unwrap() {
        let parts: f64 = o["pathways"].as_array().unwrap().iter().map(f).sum();
        let sum = f(&o["direct"]) + parts + f(&o["interaction"]);
        let total = f(&o["total"]);
        // Exact before rounding; each figure is rounded once, so at most a few ulps apart.
        assert!(
            (sum - total).abs() <= 1e-12 * total.abs().max(1.0),
            "{}: {sum} vs {total}",
            o["id"]
        );
    }
    let shells = outcome(&file, "shells_delivered");
    assert!(f(&shells["pathways"][0]) < 0.0, "seizure cuts deliveries");
    assert_eq!(
        f(&shells["direct"]),
        0.0,
        "with no pathway, interdiction does nothing"
    );
    // The option must differ from the baseline, and name a lever.
    let o = stratex(&[
        "explain",
        "scenarios/nk_russia.ron",
        "--lever",
        "interdiction=0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("equals the baseline"));
    let o = stratex(&[
        "explain",
        "scenarios/nk_russia.ron",
        "--lever",
        "interdction=0.5",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("did you mean \"interdiction\"?"));
}
