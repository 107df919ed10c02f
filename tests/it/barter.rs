//! The textbook two-actor barter: the engine must end where theory says.
//!
//! Each step a farmer with 100 t of grain and a weaver with 100 bolts of cloth, each valuing both
//! goods with `u(x) = 50 ln(1 + x / 50)` (times a weight), bargain once. Theory: the deal lies on
//! the contract curve (equal marginal rates of substitution: neither can gain without the other
//! losing) and, with equal bargaining power, maximises the product of the two gains (Nash).

use crate::helpers::{model, root};
use stratex::engine::Runner;
use stratex::engine::rng::Streams;
use stratex::model::Model;

/// Runs one run with the invariant checks on; returns (grain given, cloth given, farmer's gain,
/// weaver's gain) in the first step.
fn first_step(m: &Model) -> (f64, f64, f64, f64) {
    let mut r = Runner::new(m);
    r.enable_checks();
    let mut series = vec![0.0; r.series_len()];
    let mut drawn = vec![0.0; m.drawn_names().len()];
    r.run(&m.baseline(), &Streams::new(1), 0, &mut series, &mut drawn);
    let report = r.check_report().unwrap();
    assert_eq!(report.failures, 0, "{:?}", report.messages);
    assert_eq!(report.bargains, m.steps as u64, "one bargain a step");
    let w = m.steps + 1;
    let at = |o: usize| series[o * w + 1];
    (at(0), at(1), at(2), at(3))
}

fn u(x: f64) -> f64 {
    50.0 * (x / 50.0).ln_1p()
}

fn mv(x: f64) -> f64 {
    1.0 / (1.0 + x / 50.0)
}

#[test]
fn symmetric_barter_ends_at_the_centre_of_the_box() {
    let m = model(&root().join("scenarios/two_actor_barter.ron"));
    let (grain, cloth, gf, gw) = first_step(&m);
    assert!((grain - 50.0).abs() < 1e-6, "grain {grain}");
    assert!((cloth - 50.0).abs() < 1e-6, "cloth {cloth}");
    // Both gain, by exactly the textbook amount: 2 u(50) - u(100).
    let expected = 2.0 * u(50.0) - u(100.0);
    assert!(
        (gf - expected).abs() < 1e-6 && (gw - expected).abs() < 1e-6,
        "{gf} {gw} vs {expected}"
    );
    assert!(expected > 14.0);
}

#[test]
fn asymmetric_barter_matches_the_nash_bargaining_solution() {
    // The farmer now values cloth twice as much as grain.
    let path = root().join("scenarios/two_actor_barter.ron");
    let mut sc = stratex::scenario::load(&path).unwrap().scenario;
    let cloth_need = sc.actors[0]
        .needs
        .iter_mut()
        .find(|n| n.good == "cloth")
        .unwrap();
    cloth_need.value = 2.0.into();
    let m = stratex::model::compile(&path, &sc).unwrap();
    let (x, y, gf, gw) = first_step(&m);

    let gain_f = |x: f64, y: f64| u(100.0 - x) + 2.0 * u(y) - u(100.0);
    let gain_w = |x: f64, y: f64| u(x) + u(100.0 - y) - u(100.0);
    assert!((gf - gain_f(x, y)).abs() < 1e-6 && (gw - gain_w(x, y)).abs() < 1e-6);
    assert!(gf > 0.0 && gw > 0.0, "both must gain: {gf} {gw}");

    // On the contract curve: equal marginal rates of substitution (grain per cloth).
    let mrs_f = mv(100.0 - x) / (2.0 * mv(y));
    let mrs_w = mv(x) / mv(100.0 - y);
    assert!((mrs_f / mrs_w - 1.0).abs() < 1e-4, "MRS {mrs_f} vs {mrs_w}");

    // Neither can gain without the other losing: no small trade from here helps both.
    for k in 0..64 {
        let a = k as f64 * std::f64::consts::TAU / 64.0;
        let (dx, dy) = (0.05 * a.cos(), 0.05 * a.sin());
        let both = gain_f(x + dx, y + dy) > gf + 1e-9 && gain_w(x + dx, y + dy) > gw + 1e-9;
        assert!(!both, "a trade ({dx}, {dy}) would make both better off");
    }

    // The Nash product's maximum, found by brute force over the box, is where the engine ended.
    let nash = |x: f64, y: f64| {
        let (a, b) = (gain_f(x, y), gain_w(x, y));
        if a > 0.0 && b > 0.0 { a * b } else { 0.0 }
    };
    let (mut bx, mut by, mut step) = (50.0, 50.0, 10.0);
    while step > 1e-7 {
        let mut best = (nash(bx, by), bx, by);
        for i in -10..=10 {
            for j in -10..=10 {
                let (cx, cy) = (
                    (bx + i as f64 * step).clamp(0.0, 100.0),
                    (by + j as f64 * step).clamp(0.0, 100.0),
                );
                let v = nash(cx, cy);
                if v > best.0 {
                    best = (v, cx, cy);
                }
            }
        }
        (bx, by) = (best.1, best.2);
        step /= 4.0;
    }
    assert!(
        (x - bx).abs() < 0.01 && (y - by).abs() < 0.01,
        "engine ({x}, {y}) vs Nash ({bx}, {by})"
    );
}

#[test]
fn more_bargaining_power_wins_a_bigger_share() {
    let path = root().join("scenarios/two_actor_barter.ron");
    let mut sc = stratex::scenario::load(&path).unwrap().scenario;
    sc.actors[0].power = Some(3.0.into());
    let m = stratex::model::compile(&path, &sc).unwrap();
    let (x, y, gf, gw) = first_step(&m);
    assert!(
        gf > gw,
        "the stronger farmer should gain more: {gf} vs {gw}"
    );
    assert!(
        y > x,
        "the stronger farmer should get more cloth than it gives grain: {x} {y}"
    );
}

/// The two-actor barter's file, as text to edit.
fn barter_text() -> String {
    std::fs::read_to_string(root().join("scenarios/two_actor_barter.ron")).unwrap()
}

/// Runs run 0 of the scenario `text` with the invariant checks on; returns its first outcome's
/// value at steps 0 to the last.
fn first_outcome(text: &str) -> Vec<f64> {
    let m = crate::helpers::compile_text(text).expect("the edited barter compiles");
    let mut r = Runner::new(&m);
    r.enable_checks();
    let mut series = vec![0.0; r.series_len()];
    let mut drawn = vec![0.0; m.drawn_names().len()];
    r.run(&m.baseline(), &Streams::new(1), 0, &mut series, &mut drawn);
    assert_eq!(r.check_report().unwrap().failures, 0);
    series[..=m.steps].to_vec()
}

/// Grain delivered to the weaver in each season (the first outcome, which is cumulative).
fn deliveries(text: &str) -> Vec<f64> {
    let total = first_outcome(text);
    (1..total.len()).map(|t| total[t] - total[t - 1]).collect()
}

/// Asserts that a run where something changes at the second season (`shifted`) delivers, from
/// that season, what a run with the change from the start does, and differs before it.
fn same_from_the_second_season(shifted: &[f64], from_start: &[f64], before: &str) {
    assert!(
        (shifted[0] - from_start[0]).abs() > 1.0,
        "before the event {before}: {shifted:?} {from_start:?}"
    );
    for t in 1..shifted.len() {
        // The rate search stops within 1e-4 of the root, from a different start in each case.
        assert!(
            (shifted[t] - from_start[t]).abs() <= 1e-3 * from_start[t].abs(),
            "season {}: {} against {}",
            t + 1,
            shifted[t],
            from_start[t]
        );
    }
}

#[test]
fn a_need_changed_mid_run_bargains_like_one_set_that_way_from_the_start() {
    // Event multipliers change a need during a run; a runner keeps bargaining state from step to
    // step and must drop it then. From the step the weaver's need for grain falls to a fifth,
    // each step's deal must be the one struck when the need is a fifth from the start.
    let src = barter_text();
    let weaver_grain = "Need(good: \"grain\", quantity: 50, value: 1, curve: Log),\n                Need(good: \"cloth\", quantity: 50, value: 1, curve: Log),\n            ],\n            offers: [Offer(good: \"cloth\"";
    assert!(src.contains(weaver_grain));
    let shifted = src.replacen(
        "    outcomes: [",
        "    events: [\n        Event(id: \"shift\", name: \"The weaver needs less grain\", by: \"weaver\", once: true,\n            chance: 1, when: [Above(Step, 1)],\n            effects: [Need(actor: \"weaver\", good: \"grain\", factor: 0.2)]),\n    ],\n    outcomes: [",
        1,
    );
    let from_start = src.replacen(
        weaver_grain,
        &weaver_grain.replacen("quantity: 50", "quantity: 10", 1),
        1,
    );
    same_from_the_second_season(
        &deliveries(&shifted),
        &deliveries(&from_start),
        "the needs differ",
    );
}

#[test]
fn a_seizure_changed_mid_run_bargains_like_one_set_that_way_from_the_start() {
    // Grain goes east by road (a tenth seized, 30 t a season) or by river (three tenths seized).
    // From the second season an event raises the road's seizure fivefold, to half: the road is
    // now the worse lane. A runner keeps each flow's lane order and arriving shares from step to
    // step and must renew them then; each season's deal must be the one struck when the road
    // loses half from the start. Every shipment is seen, so what is seized is certain.
    let src = barter_text();
    let road = "Channel(id: \"road_east\", from: \"farmer\", to: \"weaver\", goods: [\"grain\"]),";
    assert!(src.contains(road));
    let lanes = |road_seizure: &str| {
        format!(
            "Channel(id: \"road_east\", from: \"farmer\", to: \"weaver\", goods: [\"grain\"], \
             capacity: {{\"grain\": 30}}, detection: 1, seizure: {road_seizure}),\n        \
             Channel(id: \"river_east\", from: \"farmer\", to: \"weaver\", goods: [\"grain\"], \
             detection: 1, seizure: 0.3),"
        )
    };
    let shifted = src.replacen(road, &lanes("0.1"), 1).replacen(
        "    outcomes: [",
        "    events: [\n        Event(id: \"crackdown\", name: \"The road is watched\", by: \"weaver\", once: true,\n            chance: 1, when: [Above(Step, 1)],\n            effects: [Seizure(channel: \"road_east\", factor: 5)]),\n    ],\n    outcomes: [",
        1,
    );
    let from_start = src.replacen(road, &lanes("0.5"), 1);
    same_from_the_second_season(
        &deliveries(&shifted),
        &deliveries(&from_start),
        "the road's seizures differ",
    );
}

#[test]
fn received_last_reads_the_previous_step_receipts() {
    // An event that fires whenever the weaver received more than 40 t of grain in the previous
    // season (it receives 50 t every season): never in the first season, every season after.
    let text = barter_text().replacen(
        "    outcomes: [",
        "    events: [\n        Event(id: \"fed\", name: \"The weaver was fed last season\", by: \"weaver\",\n            chance: 1, when: [Above(ReceivedLast(actor: \"weaver\", good: \"grain\"), 40)]),\n    ],\n    outcomes: [\n        Outcome(id: \"fed_seasons\", name: \"Seasons after a fed one\", unit: \"seasons\", better: Higher,\n            measure: Count(\"fed\")),",
        1,
    );
    // The new outcome is the first: its value at steps 0 to 4.
    let counts = first_outcome(&text);
    assert_eq!(counts, vec![0.0, 0.0, 1.0, 2.0, 3.0], "{counts:?}");
}
