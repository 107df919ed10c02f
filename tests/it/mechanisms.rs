//! Each mechanism of the model (docs/model.md, section 3) shown on a small scenario of its own
//! under `tests/data/mechanisms/`: every test here would fail if its mechanism were missing.

use crate::helpers::{compile_text, model, root};
use stratex::engine::Runner;
use stratex::engine::rng::Streams;
use stratex::model::Model;
use stratex::model::params::Setting;

fn mechanism(name: &str) -> Model {
    model(&root().join(format!("tests/data/mechanisms/{name}.ron")))
}

/// The baseline setting with lever `id` at `value`.
fn with(m: &Model, id: &str, value: f64) -> Setting {
    let mut s = m.baseline();
    let i = m.levers.iter().position(|l| l.id == id).expect("lever");
    s.levers[i] = value;
    s
}

fn outcome(m: &Model, id: &str) -> usize {
    m.outcomes.iter().position(|o| o.id == id).expect("outcome")
}

/// Every outcome at every step of runs `0..runs` (seed from the scenario): `[run][outcome][step]`.
fn series(m: &Model, setting: &Setting, runs: u64) -> Vec<Vec<Vec<f64>>> {
    let streams = Streams::new(m.default_seed);
    let mut r = Runner::new(m);
    r.enable_checks();
    let width = m.steps + 1;
    let mut s = vec![0.0; r.series_len()];
    let mut drawn = vec![0.0; m.drawn_names().len()];
    (0..runs)
        .map(|run| {
            r.run(setting, &streams, run, &mut s, &mut drawn);
            let report = r.check_report().expect("checks on");
            assert_eq!(report.failures, 0, "run {run}: {:?}", report.messages);
            s.chunks(width).map(|c| c.to_vec()).collect()
        })
        .collect()
}

/// Each run's value of outcome `o` at the last step.
fn finals(all: &[Vec<Vec<f64>>], o: usize) -> Vec<f64> {
    all.iter().map(|run| *run[o].last().unwrap()).collect()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn firing_falls_when_deliveries_are_cut_in_runs_that_run_short() {
    let m = mechanism("stocks");
    let (fired, short) = (outcome(&m, "fired"), outcome(&m, "short"));
    let base = series(&m, &with(&m, "exports", 1.0), 200);
    let cut = series(&m, &with(&m, "exports", 0.0), 200);
    let (fired_base, fired_cut) = (finals(&base, fired), finals(&cut, fired));
    let short_cut = finals(&cut, short);
    let (mut ran_short, mut stayed) = (0, 0);
    for run in 0..200 {
        // Same draws in both settings (common random numbers): the same starting stock.
        assert!(fired_cut[run] <= fired_base[run] + 1e-9, "run {run}");
        if short_cut[run] > 0.0 {
            ran_short += 1;
            assert!(
                fired_base[run] > fired_cut[run] + short_cut[run] * 0.5,
                "run {run}: deliveries cut, stock ran short, yet firing did not fall: {} vs {}",
                fired_base[run],
                fired_cut[run]
            );
        } else {
            stayed += 1;
            assert_eq!(fired_base[run], fired_cut[run], "run {run}: never short");
        }
    }
    assert!(
        ran_short > 20 && stayed > 20,
        "{ran_short} short, {stayed} not"
    );
    // What could not be fired is the shortfall: firing plus shortfall is the demand, 150 a week.
    for run in 0..200 {
        let demand = fired_cut[run] + short_cut[run];
        assert!(
            (demand - 150.0 * m.steps as f64).abs() < 1e-6,
            "run {run}: {demand}"
        );
    }
}

#[test]
fn a_stock_need_buys_toward_its_target_and_a_shortfall_feeds_back() {
    let m = mechanism("stocks");
    let (bought, steps_short) = (outcome(&m, "bought"), outcome(&m, "shortsteps"));
    // The buyer values shells by how far its stock is below its target, so it buys more in the
    // runs that start with less: compare the runs below and above the median starting stock.
    let streams = Streams::new(m.default_seed);
    let mut r = Runner::new(&m);
    let mut s = vec![0.0; r.series_len()];
    let mut drawn = vec![0.0; m.drawn_names().len()];
    let setting = with(&m, "exports", 1.0);
    let mut by_stock: Vec<(f64, f64)> = (0..200)
        .map(|run| {
            r.run(&setting, &streams, run, &mut s, &mut drawn);
            (drawn[0], s[bought * (m.steps + 1) + m.steps])
        })
        .collect();
    by_stock.sort_by(|a, b| a.0.total_cmp(&b.0));
    let low: Vec<f64> = by_stock[..100].iter().map(|x| x.1).collect();
    let high: Vec<f64> = by_stock[100..].iter().map(|x| x.1).collect();
    assert!(
        mean(&low) > mean(&high) + 500.0,
        "{} vs {}",
        mean(&low),
        mean(&high)
    );
    // The rule on the shortfall fires the step after one that went short: in the runs short
    // before the last step, and in no other.
    let cut = series(&m, &with(&m, "exports", 0.0), 200);
    let short = outcome(&m, "short");
    for (run, all) in cut.iter().enumerate() {
        let n = all[steps_short][m.steps];
        assert_eq!(n > 0.0, all[short][m.steps - 1] > 0.0, "run {run}");
        assert!(n < m.steps as f64);
    }
}

#[test]
fn a_decision_flips_when_a_lever_changes_its_cost() {
    let m = mechanism("decision");
    let (vetoes, seized) = (outcome(&m, "vetoes"), outcome(&m, "seized"));
    let cheap = series(&m, &with(&m, "veto_cost", 1000.0), 200);
    let dear = series(&m, &with(&m, "veto_cost", 3000.0), 200);
    // Worth +1000 against 0 with noise 10: shield nearly always; worth -1000: nearly never.
    assert!(mean(&finals(&cheap, vetoes)) > 19.9);
    assert!(mean(&finals(&dear, vetoes)) < 0.1);
    // And what the choice does follows it: detection 0.9 instead of 0.1 seizes more.
    assert!(mean(&finals(&dear, seized)) > 3.0 * mean(&finals(&cheap, seized)));
}

#[test]
fn a_rule_fires_only_after_its_signal_crosses_and_its_lag_passes() {
    let m = mechanism("rule");
    let (seized, started) = (outcome(&m, "seized"), outcome(&m, "started"));
    // Deliveries grow by 10 a week (10 t in week 1, 20 in week 2...): last week's exceed 55 first
    // in week 7; three weeks' lag: interdiction starts in week 10, on a seizure share whose
    // baseline is 0 (an effect switching on a parameter that was 0).
    for run in series(&m, &with(&m, "threshold", 55.0), 50) {
        let first = run[seized].iter().position(|&x| x > 0.0);
        assert_eq!(first, Some(10));
        assert_eq!(run[seized][10], 0.5 * 100.0);
        assert_eq!(run[started][9], 0.0);
        assert_eq!(run[started][10], 1.0);
    }
    // A threshold never crossed: the rule never fires, nothing is seized.
    for run in series(&m, &with(&m, "threshold", 1000.0), 50) {
        assert!(run[seized].iter().all(|&x| x == 0.0));
        assert!(run[started].iter().all(|&x| x == 0.0));
    }
}

#[test]
fn an_effect_changes_its_own_parameter_only() {
    // rule.ron's channel declares neither a seizure nor a toll: both are the default 0, one
    // number. The rule's effect sets the seizure; the toll must stay 0.
    let text = std::fs::read_to_string(root().join("tests/data/mechanisms/rule.ron")).unwrap();
    let tolls = r#"Outcome(id: "tolls", name: "Tolls", unit: "USD", better: Higher, measure: Tolls(from: "seller", to: "buyer")),"#;
    let m = compile_text(&text.replace(
        "    outcomes: [",
        &format!("    outcomes: [\n        {tolls}"),
    ))
    .unwrap();
    let (seized, tolls) = (outcome(&m, "seized"), outcome(&m, "tolls"));
    for run in series(&m, &with(&m, "threshold", 55.0), 10) {
        assert!(run[seized][m.steps] > 0.0);
        assert!(run[tolls].iter().all(|&x| x == 0.0), "{:?}", run[tolls]);
    }
}

#[test]
fn an_indivisible_good_never_moves_a_fraction() {
    let m = mechanism("sanctions");
    let fighters = outcome(&m, "fighters");
    for (lever, values) in [("enforcement", [0.0, 0.5]), ("sea_detection", [0.05, 0.5])] {
        for v in values {
            let all = series(&m, &with(&m, lever, v), 300);
            for run in &all {
                assert!(run[fighters].iter().all(|x| x.fract() == 0.0), "{run:?}");
            }
            // Fighters do move: 0.7 a week accrue to whole aircraft.
            assert!(mean(&finals(&all, fighters)) >= 10.0);
        }
    }
}

#[test]
fn sanctions_cost_and_caps_bind() {
    let m = mechanism("sanctions");
    let fuel = outcome(&m, "fuel");
    let free = mean(&finals(&series(&m, &with(&m, "toll", 0.0), 300), fuel));
    let tolled = series(&m, &with(&m, "toll", 0.5), 300);
    let (paid, tolled) = (
        finals(&tolled, outcome(&m, "tolls")),
        mean(&finals(&tolled, fuel)),
    );
    assert!(
        tolled < 0.95 * free,
        "a toll of half the value: {tolled} vs {free}"
    );
    assert!(paid.iter().all(|&p| p > 0.0));
    // The cap is exceeded; enforcing it (at 50% a step over the cap) seizes fuel afterwards.
    let lax = series(&m, &with(&m, "enforcement", 0.0), 300);
    let enforced = series(&m, &with(&m, "enforcement", 0.5), 300);
    assert!(
        finals(&lax, outcome(&m, "breaches"))
            .iter()
            .all(|&b| b >= 1.0)
    );
    assert!(
        finals(&lax, outcome(&m, "seized"))
            .iter()
            .all(|&s| s == 0.0)
    );
    assert!(
        finals(&enforced, outcome(&m, "enforced"))
            .iter()
            .all(|&n| n >= 1.0)
    );
    assert!(mean(&finals(&enforced, outcome(&m, "seized"))) > 0.0);
}

#[test]
fn exposure_can_deter_or_backfire_and_grows_with_volume() {
    let m = mechanism("sanctions");
    let trust = outcome(&m, "trust");
    let at = |v: f64| mean(&finals(&series(&m, &with(&m, "publicity", v), 300), trust));
    let (backfire, none, deter) = (at(-0.2), at(0.0), at(0.2));
    assert!(deter < none && none < backfire, "{deter} {none} {backfire}");
    // Seen at most once a week whatever the number of goods shipped; more with more detection.
    let seen = outcome(&m, "seen");
    let low = series(&m, &with(&m, "sea_detection", 0.05), 300);
    let high = series(&m, &with(&m, "sea_detection", 0.5), 300);
    assert!(finals(&high, seen).iter().all(|&w| w <= m.steps as f64));
    assert!(mean(&finals(&high, seen)) > 2.0 * mean(&finals(&low, seen)));
}

#[test]
fn technology_received_becomes_capacity_after_its_lag() {
    let m = mechanism("technology");
    let (successes, attempts, drones) = (
        outcome(&m, "successes"),
        outcome(&m, "attempts"),
        outcome(&m, "drones"),
    );
    let helped = series(&m, &with(&m, "help_rate", 1.0), 2000);
    let alone = series(&m, &with(&m, "help_rate", 0.0), 2000);
    let rate = |all: &[Vec<Vec<f64>>]| mean(&finals(all, successes)) / mean(&finals(all, attempts));
    // Alone: 30% of launches succeed; with the help, up to 90% once 300 engineer-weeks are in.
    assert!((rate(&alone) - 0.3).abs() < 0.05, "{}", rate(&alone));
    assert!(rate(&helped) > 0.6, "{}", rate(&helped));
    assert!(mean(&finals(&helped, drones)) > 1.2 * mean(&finals(&alone, drones)));
}

/// Two-sample Kolmogorov–Smirnov statistic.
fn ks(a: &[f64], b: &[f64]) -> f64 {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
    }
    d
}

fn round12(v: &[f64]) -> Vec<f64> {
    v.iter()
        .map(|&x| format!("{x:.11e}").parse::<f64>().unwrap())
        .collect()
}

/// The critical KS distance for two samples of `n` at significance 0.001.
fn ks_critical(n: usize) -> f64 {
    1.949 * (2.0 / n as f64).sqrt()
}

#[test]
fn permuting_a_files_lists_leaves_the_distributions_equal() {
    // permute_b.ron is permute_a.ron with its goods, actors, channels, relations, needs,
    // uncertainties and outcomes listed in other orders.
    let (a, b) = (mechanism("permute_a"), mechanism("permute_b"));
    let n = 10_000;
    let (ra, rb) = (series(&a, &a.baseline(), n), series(&b, &b.baseline(), n));
    let mut differ = false;
    for out in &a.outcomes {
        let (oa, ob) = (outcome(&a, &out.id), outcome(&b, &out.id));
        // Sums taken in another order can differ in the last bits, which would split one value
        // the outcome takes often into two: compare values to 12 significant digits.
        let (fa, fb) = (round12(&finals(&ra, oa)), round12(&finals(&rb, ob)));
        differ |= fa != fb;
        let d = ks(&fa, &fb);
        assert!(d < ks_critical(n as usize), "{}: KS {d:.4}", out.id);
    }
    // The runs themselves differ (the draws land elsewhere), so the equality is of
    // distributions, not a replay of the same numbers.
    assert!(differ);
}

#[test]
fn the_permutation_test_sees_a_small_real_difference() {
    // The same test rejects two scenarios that differ in one number (the chance of seeing a
    // shipment on North's sea channel, 0.3 against 0.25): its power is what makes the test
    // above mean something.
    let text = std::fs::read_to_string(root().join("tests/data/mechanisms/permute_a.ron")).unwrap();
    let a = mechanism("permute_a");
    let was =
        r#"Channel(id: "n_sea", from: "north", to: "buyer", goods: ["grain"], detection: 0.3"#;
    assert!(text.contains(was));
    let b = compile_text(&text.replace(was, &was.replace("0.3", "0.25"))).unwrap();
    let n = 10_000;
    let (ra, rb) = (series(&a, &a.baseline(), n), series(&b, &b.baseline(), n));
    let o = outcome(&a, "from_north");
    let d = ks(&finals(&ra, o), &finals(&rb, o));
    assert!(d > ks_critical(n as usize), "KS {d:.4}");
}
