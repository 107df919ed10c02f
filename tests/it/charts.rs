//! Charts and the briefing pack: every PNG decodes at 1600x900 with something drawn in its plot
//! area, every SVG carries its title and axis labels, and briefing.html is well-formed,
//! self-contained, references every chart and shows the scenario's text only as text.

use crate::helpers::{Scratch, root, stratex, text};
use std::path::Path;
use std::sync::OnceLock;

/// One briefing of the flagship, shared by the tests in this file (kept in cargo's scratch
/// folder for integration tests, so it can be looked at after a failure).
fn pack() -> &'static Path {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("brief-pack-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let o = stratex(&[
            "run",
            "scenarios/nk_russia.ron",
            "--runs",
            "400",
            "--out",
            out.to_str().unwrap(),
            "--brief",
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(
            text(&o.stdout).contains("briefing.html"),
            "{}",
            text(&o.stdout)
        );
        out
    })
}

fn charts(ext: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(pack().join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

/// All text inside an SVG document, unescaped.
fn svg_text(svg: &str) -> String {
    let doc = roxmltree::Document::parse(svg).expect("SVG is well-formed XML");
    doc.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_chart_kind_is_written_for_every_outcome() {
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pack().join("summary.json")).unwrap()).unwrap();
    let ids: Vec<String> = summary["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    let names: Vec<String> = charts("png")
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains(&"overview".to_string()) && names.contains(&"flows".to_string()));
    for id in &ids {
        assert!(
            names.contains(&format!("distribution_{id}")),
            "no distribution chart for {id}"
        );
        assert!(
            names.contains(&format!("fan_{id}")),
            "no fan chart for {id}"
        );
    }
    assert_eq!(names.len(), 2 + 2 * ids.len());
    assert_eq!(charts("svg").len(), names.len());
}

#[test]
fn pngs_decode_at_slide_size_with_a_drawn_plot_area() {
    for path in charts("png") {
        let decoder = png::Decoder::new(std::fs::File::open(&path).unwrap());
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (1600, 900), "{}", path.display());
        let channels = info.line_size / info.width as usize;
        // The plot area (below the title and legend, above the source line) holds ink. An
        // empty plot has only its y axis there (about 600 pixels); a line that stays at zero
        // for most of the run, with a mean that rises at the end, has about 1,900.
        let mut inked = 0usize;
        for y in 160..760 {
            for x in 120..1540 {
                let i = y * info.line_size + x * channels;
                if buf[i..i + 3].iter().any(|&c| c < 200) {
                    inked += 1;
                }
            }
        }
        assert!(
            inked > 1_200,
            "{}: only {inked} drawn pixels in the plot area",
            path.display()
        );
    }
}

#[test]
fn svgs_carry_titles_axis_labels_and_the_source_line() {
    for path in charts("svg") {
        let svg = std::fs::read_to_string(&path).unwrap();
        let words = svg_text(&svg);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(words.contains("Source: stratex"), "{name}: no source line");
        assert!(
            words.contains("seed 20240121") && words.contains("400 runs"),
            "{name}: source line lacks seed or runs"
        );
        assert!(
            words.contains("levers: us_publicity=1"),
            "{name}: source line lacks lever values"
        );
        if name.starts_with("distribution_") {
            assert!(
                words.contains("Share of runs (%)"),
                "{name}: no y axis label"
            );
        }
        if name.starts_with("fan_") {
            assert!(
                words.contains("Weeks since the start"),
                "{name}: no time axis label in the scenario's unit"
            );
        }
        if name == "distribution_shells_delivered" || name == "fan_shells_delivered" {
            assert!(
                words.contains("Rounds delivered to Russia"),
                "{name}: no title"
            );
            assert!(
                words.contains("Rounds delivered to Russia (rounds)"),
                "{name}: axis label without unit"
            );
        }
        if name == "flows" {
            assert!(
                words.contains("Who gave what to whom") && words.contains("North Korea → Russia")
            );
        }
        if name == "overview" {
            assert!(
                words.contains("all outcomes at a glance")
                    && words.contains("Satellites put in orbit")
            );
        }
    }
}

/// A briefing parsed as XML, which it must be.
fn xml(html: &str) -> roxmltree::Document<'_> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(html, options).expect("briefing.html is well-formed")
}

#[test]
fn briefing_is_well_formed_self_contained_and_complete() {
    let html = std::fs::read_to_string(pack().join("briefing.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    let doc = xml(&html);
    // Every chart appears, inline, in a figure with its own id.
    for path in charts("png") {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let id = format!("chart-{name}");
        let fig = doc
            .descendants()
            .find(|n| n.attribute("id") == Some(id.as_str()));
        let fig = fig.unwrap_or_else(|| panic!("briefing.html does not include {name}"));
        assert!(
            fig.descendants().any(|n| n.tag_name().name() == "svg"),
            "{name} is not inline"
        );
    }
    // Nothing is fetched: no scripts, stylesheets, images or fonts from elsewhere.
    for node in doc.descendants().filter(|n| n.is_element()) {
        let tag = node.tag_name().name();
        assert!(
            !matches!(tag, "script" | "link" | "img" | "iframe" | "object"),
            "<{tag}> in briefing.html"
        );
        for attr in node.attributes() {
            if matches!(attr.name(), "href" | "src") {
                let v = attr.value();
                assert!(
                    v.starts_with("charts/") || v.starts_with('#'),
                    "external reference {v}"
                );
            }
        }
    }
    assert!(!html.contains("url(") && !html.contains("@import"));
    // The parts a minister's office expects, in order.
    let order = [
        "findings",
        "overview",
        "flows",
        "levers",
        "assumptions",
        "reproduce",
        "annex",
        "outcome-shells_delivered",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|id| {
            html.find(&format!("id=\"{id}\""))
                .unwrap_or_else(|| panic!("no section {id}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "sections out of order"
    );
    let question = "do North Korean artillery rounds and missiles sustain";
    assert!(
        html.find(question).unwrap() < positions[0],
        "the question comes first"
    );
    for want in [
        "Rounds delivered to Russia</strong>: ",
        "million rounds in the median run; in 90% of runs between",
        "Summit held</strong>: in ",
        "stratex run scenarios/nk_russia.ron --runs 400 --seed 20240121",
        "Runs per second",
        "Triangular(min: 70000, mode: 140000, max: 315000)",
        "US publicity about transfers",
        "@media print",
        "break-before: page",
    ] {
        assert!(html.contains(want), "briefing.html lacks {want:?}");
    }
}

#[test]
fn brief_works_on_an_existing_result_folder_and_rejects_other_folders() {
    let dir = Scratch::new("brief-cmd");
    let out = dir.path("barter");
    let o = stratex(&[
        "run",
        "scenarios/two_actor_barter.ron",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success());
    assert!(!out.join("briefing.html").exists());
    let o = stratex(&["brief", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(out.join("briefing.html").is_file() && out.join("charts/overview.png").is_file());
    let fan = std::fs::read_to_string(out.join("charts/fan_grain_to_weaver.svg")).unwrap();
    assert!(
        svg_text(&fan).contains("Seasons since the start"),
        "the time axis uses the scenario's unit"
    );
    // No staging leftovers.
    assert!(
        std::fs::read_dir(&out).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains("partial"))
    );

    let o = stratex(&["brief", dir.0.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("has no summary.json"),
        "{}",
        text(&o.stderr)
    );
}

/// A scenario file is not trusted to write HTML: its names reach the briefing as text, never as
/// elements or scripts.
#[test]
fn briefing_shows_markup_in_scenario_text_as_text() {
    let dir = Scratch::new("brief-markup");
    let name = r#"Barter <script>alert("x")</script> & <b>co</b>"#;
    let outcome = "Grain <i>delivered</i> & 'kept'";
    let src = std::fs::read_to_string(root().join("scenarios/two_actor_barter.ron"))
        .unwrap()
        .replacen(
            "name: \"Two-actor barter (Edgeworth box)\"",
            &format!("name: {name:?}"),
            1,
        )
        .replacen(
            "name: \"Grain delivered to the weaver\"",
            &format!("name: {outcome:?}"),
            1,
        );
    let file = dir.path("markup.ron");
    std::fs::write(&file, src).unwrap();
    let out = dir.path("out");
    let o = stratex(&[
        "run",
        file.to_str().unwrap(),
        "--runs",
        "20",
        "--out",
        out.to_str().unwrap(),
        "--brief",
        "-q",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let html = std::fs::read_to_string(out.join("briefing.html")).unwrap();
    let doc = xml(&html);
    let tags = |t: &str| doc.descendants().filter(|n| n.has_tag_name(t)).count();
    assert_eq!(
        (tags("script"), tags("b"), tags("i")),
        (0, 0, 0),
        "markup in the scenario became elements"
    );
    let text_of = |n: roxmltree::Node| {
        n.descendants()
            .filter(|d| d.is_text())
            .filter_map(|d| d.text())
            .collect::<String>()
    };
    let h1 = doc.descendants().find(|n| n.has_tag_name("h1")).unwrap();
    assert_eq!(text_of(h1), name);
    let section = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("outcome-grain_to_weaver"))
        .unwrap();
    let h2 = section
        .descendants()
        .find(|n| n.has_tag_name("h2"))
        .unwrap();
    assert_eq!(text_of(h2), outcome);
}
