//! Bad scenarios: each gets a clear message naming where the problem is, and the CLI exits with
//! status 2 without writing anything.

use crate::helpers::{Scratch, compile_text, stratex, text};
use stratex::scenario::Location;

/// A small valid scenario; each case below breaks it in one way.
pub const BASE: &str = r#"Scenario(
    name: "Test",
    time: Time(steps: 3, unit: "week"),
    goods: [
        Good(id: "shells", name: "Shells", unit: "rounds", kind: Material, value: 100),
        Good(id: "food", name: "Food", unit: "t", kind: Material, value: 300),
        Good(id: "veto", name: "Veto cover", unit: "cover-weeks", kind: Service),
    ],
    actors: [
        Actor(id: "dprk", name: "North Korea", stocks: {"shells": 1000},
            needs: [Need(good: "food", quantity: 10, value: 1000), Need(good: "veto", quantity: 1, value: 50)],
            offers: [Offer(good: "shells", to: ["russia"], max_per_step: 100)]),
        Actor(id: "russia", name: "Russia", stocks: {"food": 1000}, production: {"veto": 1},
            needs: [Need(good: "shells", quantity: Param("need"), value: 5000)],
            offers: [Offer(good: "food", to: ["dprk"], max_per_step: 50), Offer(good: "veto", cost: 10)]),
    ],
    channels: [
        Channel(id: "rail", from: "dprk", to: "russia", goods: ["shells"], detection: Param("watch"), seizure: 0.1),
        Channel(id: "back", from: "russia", to: "dprk", goods: ["food", "veto"]),
    ],
    relations: [Relation(from: "dprk", to: "russia", trust: 0.8)],
    events: [
        Event(id: "summit", name: "Summit", chance: 0.1),
        Event(id: "deal", name: "Deal", chance: 0.5, when: [Fired("summit")]),
    ],
    uncertainties: [Uncertainty(id: "need", name: "Need", dist: Triangular(min: 50, mode: 100, max: 150))],
    levers: [Lever(id: "watch", name: "Watch", baseline: 0.5, values: [0.2, 0.9])],
    outcomes: [Outcome(id: "delivered", name: "Delivered", unit: "rounds", better: Lower,
        measure: Delivered(from: "dprk", to: "russia", good: "shells"))],
)"#;

struct Case {
    name: &'static str,
    from: &'static str,
    to: &'static str,
    /// Every one of these must appear in the error text.
    expect: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "syntax: missing comma",
        from: "kind: Material, value: 100),\n        Good(id: \"food\"",
        to: "kind: Material, value: 100)\n        Good(id: \"food\"",
        expect: &["test.ron:", "expected"],
    },
    Case {
        name: "unknown field",
        from: "Actor(id: \"dprk\", name: \"North Korea\",",
        to: "Actor(id: \"dprk\", nmae: \"North Korea\",",
        expect: &["unknown field", "nmae"],
    },
    Case {
        name: "missing field",
        from: "Good(id: \"food\", name: \"Food\", unit: \"t\", kind: Material, value: 300)",
        to: "Good(id: \"food\", name: \"Food\", kind: Material, value: 300)",
        expect: &["missing field", "unit"],
    },
    Case {
        name: "probability above 1",
        from: "seizure: 0.1",
        to: "seizure: 1.5",
        expect: &["channels[rail].seizure", "between 0 and 1", "1.5"],
    },
    Case {
        name: "negative capacity",
        from: "goods: [\"shells\"], detection",
        to: "goods: [\"shells\"], capacity: {\"shells\": -5}, detection",
        expect: &["channels[rail].capacity[shells]", "zero or more", "-5"],
    },
    Case {
        name: "NaN",
        from: "stocks: {\"shells\": 1000}",
        to: "stocks: {\"shells\": NaN}",
        expect: &["actors[dprk].stocks[shells]", "NaN is not allowed"],
    },
    Case {
        name: "negative reserve",
        from: "Offer(good: \"shells\", to: [\"russia\"], max_per_step: 100)",
        to: "Offer(good: \"shells\", to: [\"russia\"], max_per_step: 100, reserve: -1)",
        expect: &["actors[dprk].offers[shells].reserve", "zero or more"],
    },
    Case {
        name: "channel to unknown actor",
        from: "Channel(id: \"back\", from: \"russia\"",
        to: "Channel(id: \"back\", from: \"rusia\"",
        expect: &[
            "channels[back].from",
            "unknown actor \"rusia\"",
            "did you mean \"russia\"?",
        ],
    },
    Case {
        name: "lever no parameter uses",
        from: "detection: Param(\"watch\")",
        to: "detection: 0.5",
        expect: &["levers[watch]", "no parameter uses it"],
    },
    Case {
        name: "uncertainty nothing uses",
        from: "quantity: Param(\"need\")",
        to: "quantity: 100",
        expect: &["uncertainties[need]", "no number uses it"],
    },
    Case {
        name: "duplicate actor id",
        from: "Actor(id: \"russia\"",
        to: "Actor(id: \"dprk\"",
        expect: &["actors[dprk]", "declared twice"],
    },
    Case {
        name: "unknown good in a need",
        from: "Need(good: \"food\"",
        to: "Need(good: \"fod\"",
        expect: &[
            "actors[dprk].needs[fod].good",
            "unknown good \"fod\"",
            "did you mean \"food\"?",
        ],
    },
    Case {
        name: "unknown Param",
        from: "Param(\"need\")",
        to: "Param(\"nede\")",
        expect: &[
            "unknown lever or uncertainty \"nede\"",
            "did you mean \"need\"?",
        ],
    },
    Case {
        name: "distribution field typo",
        from: "Triangular(min: 50, mode: 100, max: 150)",
        to: "Normal(mean: 100, sdd: 10)",
        expect: &[
            "uncertainties[need].dist",
            "Normal(...) takes mean, sd",
            "unknown field sdd",
            "missing sd",
        ],
    },
    Case {
        name: "text where a number goes",
        from: "quantity: 10,",
        to: "quantity: \"lots\",",
        expect: &[
            "actors[dprk].needs[food].quantity",
            "found the text \"lots\"",
        ],
    },
    Case {
        name: "offer without a channel",
        from: "Offer(good: \"food\", to: [\"dprk\"], max_per_step: 50)",
        to: "Offer(good: \"food\", to: [\"dprk\"], max_per_step: 50), Offer(good: \"shells\", to: [\"dprk\"])",
        expect: &[
            "actors[russia].offers[shells].to",
            "no channel carries shells from russia to dprk",
        ],
    },
    Case {
        name: "stock of a service",
        from: "stocks: {\"food\": 1000}",
        to: "stocks: {\"food\": 1000, \"veto\": 3}",
        expect: &["actors[russia].stocks[veto]", "is a service"],
    },
    Case {
        name: "bounds out of order",
        from: "Triangular(min: 50, mode: 100, max: 150)",
        to: "Triangular(min: 50, mode: 200, max: 150)",
        expect: &[
            "uncertainties[need].dist",
            "mode (200) is greater than max (150)",
        ],
    },
    Case {
        name: "event condition on a later event",
        from: "when: [Fired(\"summit\")]",
        to: "when: [Fired(\"deal\")]",
        expect: &["events[deal].when[0]", "must be declared before"],
    },
    Case {
        name: "trust effect without relation",
        from: "Event(id: \"summit\", name: \"Summit\", chance: 0.1)",
        to: "Event(id: \"summit\", name: \"Summit\", chance: 0.1, effects: [Trust(from: \"russia\", to: \"dprk\", add: 0.1)])",
        expect: &[
            "events[summit].effects[0]",
            "no relation from russia to dprk",
        ],
    },
    Case {
        name: "outcome on a route that does not exist",
        from: "measure: Delivered(from: \"dprk\", to: \"russia\", good: \"shells\")",
        to: "measure: Delivered(from: \"russia\", to: \"dprk\", good: \"shells\")",
        expect: &[
            "outcomes[delivered].measure",
            "no channel carries shells from russia to dprk",
        ],
    },
    Case {
        name: "zero steps",
        from: "Time(steps: 3,",
        to: "Time(steps: 0,",
        expect: &["time.steps", "at least 1"],
    },
    Case {
        name: "id with a space",
        from: "Good(id: \"food\"",
        to: "Good(id: \"fo od\"",
        expect: &["goods[1].id", "contains ' '"],
    },
    Case {
        name: "lever values leave the range",
        from: "values: [0.2, 0.9]",
        to: "values: [0.2, 1.9]",
        expect: &["channels[rail].detection", "between 0 and 1", "1.9"],
    },
    Case {
        name: "control character in a name",
        from: "name: \"Shells\"",
        to: "name: \"She\\tlls\"",
        expect: &["goods[shells].name", "control character"],
    },
    Case {
        name: "unknown distribution",
        from: "Triangular(min: 50, mode: 100, max: 150)",
        to: "Gamma(shape: 2, scale: 50)",
        expect: &["uncertainties[need].dist", "unknown number form `Gamma`"],
    },
];

fn broken(case: &Case) -> String {
    assert!(
        BASE.contains(case.from),
        "case {:?}: the base does not contain {:?}",
        case.name,
        case.from
    );
    BASE.replacen(case.from, case.to, 1)
}

#[test]
fn the_base_scenario_is_valid() {
    compile_text(BASE).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn every_bad_scenario_gets_its_clear_message() {
    assert!(CASES.len() >= 15);
    let mut failures = Vec::new();
    for case in CASES {
        match compile_text(&broken(case)) {
            Ok(_) => failures.push(format!("{}: accepted", case.name)),
            Err(e) => {
                let shown = e.to_string();
                for want in case.expect {
                    if !shown.contains(want) {
                        failures.push(format!("{}: missing {want:?} in:\n{shown}", case.name));
                    }
                }
                assert!(
                    shown.contains("test.ron"),
                    "{}: the file is not named",
                    case.name
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn syntax_errors_give_line_and_column() {
    let e = compile_text(&broken(&CASES[0])).unwrap_err();
    // The comma is missing at the end of line 5; the parser notices at the start of line 6.
    assert!(
        matches!(e.problems[0].at, Location::Text { line: 6, column: 9 }),
        "{:?}",
        e.problems
    );
}

#[test]
fn an_empty_actor_list_and_no_outcomes_are_explained() {
    let minimal = r#"Scenario(name: "Empty", time: Time(steps: 1, unit: "week"),
        goods: [Good(id: "a", name: "A", unit: "u", kind: Material)], actors: [], outcomes: [])"#;
    let e = compile_text(minimal).unwrap_err().to_string();
    assert!(e.contains("declares no actors"), "{e}");
    assert!(e.contains("declares no outcomes"), "{e}");
}

#[test]
fn all_problems_in_a_file_are_reported_together() {
    let text = BASE
        .replacen("seizure: 0.1", "seizure: 1.5", 1)
        .replacen("from: \"russia\"", "from: \"rusia\"", 1)
        .replacen("quantity: 10,", "quantity: -10,", 1);
    let e = compile_text(&text).unwrap_err();
    assert_eq!(e.problems.len(), 3, "{e}");
    let shown = e.to_string();
    assert!(
        shown.ends_with("3 problems found; nothing was run"),
        "{shown}"
    );
}

#[test]
fn cli_exits_with_status_2_and_writes_nothing() {
    let dir = Scratch::new("bad");
    for case in CASES.iter().take(6) {
        let file = dir.write("bad.ron", &broken(case));
        let out = dir.path("out");
        let o = stratex(&[
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{}: {}",
            case.name,
            text(&o.stderr)
        );
        assert!(text(&o.stderr).contains("bad.ron"), "{}", text(&o.stderr));
        assert!(!text(&o.stderr).contains("panicked"));
        assert!(!out.exists(), "{}: an output folder was created", case.name);
        let v = stratex(&["validate", file.to_str().unwrap()]);
        assert_eq!(v.status.code(), Some(2));
    }
}

#[test]
fn unreadable_and_non_text_files_are_explained() {
    let dir = Scratch::new("files");
    let missing = dir.path("missing.ron");
    let o = stratex(&["validate", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("cannot read the file"),
        "{}",
        text(&o.stderr)
    );

    let binary = dir.path("binary.ron");
    std::fs::write(&binary, b"Scenario(name: \"\xff\xfe\")").unwrap();
    let o = stratex(&["validate", binary.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("not valid UTF-8"),
        "{}",
        text(&o.stderr)
    );

    let empty = dir.write("empty.ron", "  \n");
    let o = stratex(&["validate", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("the file is empty"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn bad_overrides_are_explained() {
    let dir = Scratch::new("sets");
    let file = dir.write("ok.ron", BASE);
    let out = dir.path("out");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        stratex(&args)
    };
    let o = run(&["--set", "wach=0.3"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("unknown lever or uncertainty \"wach\""),
        "{err}"
    );
    assert!(err.contains("did you mean \"watch\"?"), "{err}");
    assert!(
        err.contains("Known levers and uncertainties: watch, need"),
        "{err}"
    );

    let o = run(&["--set", "watch=3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("channels[rail].detection must be between 0 and 1"),
        "{}",
        text(&o.stderr)
    );

    let o = run(&["--set", "watch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("expected NAME=VALUE"),
        "{}",
        text(&o.stderr)
    );

    let o = run(&["--runs", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("--runs must be between 1"),
        "{}",
        text(&o.stderr)
    );
    assert!(!out.exists());
}

#[test]
fn a_set_outside_what_the_scenario_allows_is_refused_unless_allowed() {
    let dir = Scratch::new("outside");
    let out = dir.path("out");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "scenarios/nk_russia.ron",
            "--runs",
            "50",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        stratex(&args)
    };
    // Five times the top of the uncertainty's own distribution, and a lever beyond its list.
    let o = run(&["--set", "publicity_effect=0.2", "--set", "interdiction=0.9"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    for want in [
        "--set publicity_effect=0.2 is outside what its distribution, Triangular(min: -0.02, mode: 0.005, max: 0.03), can draw: -0.02 to 0.03",
        "--set interdiction=0.9 is outside the lever's listed range, 0 to 0.5",
        "--allow-outside",
    ] {
        assert!(err.contains(want), "missing {want:?} in {err}");
    }
    assert!(!out.exists(), "nothing written");
    // Inside the range: no complaint.
    let o = run(&[
        "--set",
        "publicity_effect=0.02",
        "--set",
        "interdiction=0.3",
        "-q",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // Accepted with a warning, and the reproduce command keeps the flag.
    let o = run(&["--set", "publicity_effect=0.2", "--allow-outside", "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("warning: --set publicity_effect=0.2 is outside"));
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(
        summary.contains("--set publicity_effect=0.2 --allow-outside"),
        "{summary}"
    );
}
