//! Results for spreadsheets: the workbooks `--xlsx` writes and the CSVs of `--csv-provenance
//! sidecar`, opened by LibreOffice as a spreadsheet user's program would open them; and every
//! reader of our CSVs taking either layout.
//!
//! The LibreOffice tests need `soffice` (Debian's libreoffice-calc-nogui). Without it they say
//! loudly that they skipped, or fail when `STRATEX_REQUIRE_SOFFICE` is set (as CI sets it).

use crate::helpers::{Scratch, root, stratex, text};
use std::path::{Path, PathBuf};
use std::process::Command;

/// LibreOffice's CSV export: comma, double quote, UTF-8, and (the 7th token) every text cell
/// quoted, so a number stays told apart from text; the last token, -1, writes every sheet to
/// `<file>-<sheet>.csv` (LibreOffice 7.2 and later).
const EXPORT_ALL: &str =
    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,false,false,false,-1";

fn ok(args: &[&str]) {
    let out = stratex(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        text(&out.stderr)
    );
}

/// Whether `soffice` can be used: if not, fails when `STRATEX_REQUIRE_SOFFICE` is set, and
/// otherwise says loudly that `test` is skipped.
fn have_soffice(test: &str) -> bool {
    let found = Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("STRATEX_REQUIRE_SOFFICE").is_none(),
            "STRATEX_REQUIRE_SOFFICE is set but soffice cannot be run; install libreoffice-calc-nogui"
        );
        eprintln!(
            "\n*** SKIPPED {test}: soffice (LibreOffice) is not installed; install libreoffice-calc-nogui, or set STRATEX_REQUIRE_SOFFICE=1 to make this a failure ***\n"
        );
    }
    found
}

/// Converts `file` with LibreOffice headless into `dir/out`, with a profile of its own in
/// `dir` (so tests running at once do not share one), reading it with `infilter` if given.
fn soffice(dir: &Scratch, file: &Path, convert_to: &str, infilter: Option<&str>) -> PathBuf {
    let out = dir.path("converted");
    let profile = format!("file://{}", dir.path("lo-profile").display());
    let mut c = Command::new("soffice");
    c.arg(format!("-env:UserInstallation={profile}"))
        .arg("--headless");
    if let Some(f) = infilter {
        c.arg(format!("--infilter={f}"));
    }
    let o = c
        .args(["--convert-to", convert_to, "--outdir"])
        .arg(&out)
        .arg(file)
        .output()
        .expect("run soffice");
    assert!(
        o.status.success(),
        "soffice failed on {}: {}{}",
        file.display(),
        text(&o.stdout),
        text(&o.stderr)
    );
    out
}

/// The rows of a CSV file LibreOffice wrote: each field's text, and whether it was quoted (a
/// text cell, with [`EXPORT_ALL`]). Our test data holds no line breaks within a field.
fn rows(path: &Path) -> Vec<Vec<(String, bool)>> {
    let t = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("LibreOffice did not write {}: {e}", path.display()));
    t.lines().map(fields).collect()
}

/// The fields of one CSV line, each with whether it was quoted.
fn fields(line: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let quoted = chars.peek() == Some(&'"');
        let mut field = String::new();
        if quoted {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') | None => break,
                    Some(c) => field.push(c),
                }
            }
        }
        let mut last = true;
        for c in chars.by_ref() {
            if c == ',' {
                last = false;
                break;
            }
            field.push(c);
        }
        out.push((field, quoted));
        if last {
            return out;
        }
    }
}

fn names(row: &[(String, bool)]) -> Vec<&str> {
    row.iter().map(|(s, _)| s.as_str()).collect()
}

/// The first line of one of our CSVs (either layout), split into fields.
fn header_of(path: &Path) -> Vec<String> {
    let mut r = stratex::report::csv_file::CsvReader::open(path).unwrap();
    r.columns().unwrap().unwrap()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn xlsx_workbooks_open_in_libreoffice_with_their_sheets() {
    let test = "xlsx_workbooks_open_in_libreoffice_with_their_sheets";
    let dir = Scratch::new("xlsx");
    let p = |n: &str| dir.path(n).display().to_string();
    ok(&[
        "run",
        "scenarios/two_actor_barter.ron",
        "--runs",
        "200",
        "--xlsx",
        "--out",
        &p("run"),
        "-q",
    ]);
    ok(&[
        "compare",
        "scenarios/nk_russia.ron",
        "--lever",
        "interdiction=0,0.5",
        "--runs",
        "20",
        "--xlsx",
        "--out",
        &p("cmp"),
        "-q",
    ]);
    assert!(dir.path("run/results.xlsx").is_file() && dir.path("cmp/comparison.xlsx").is_file());
    if !have_soffice(test) {
        return;
    }

    // The run: summary, flows, reproduce.
    let out = soffice(&dir, &dir.path("run/results.xlsx"), EXPORT_ALL, None);
    let summary = json(&dir.path("run/summary.json"));
    let sheet = rows(&out.join("results-summary.csv"));
    assert_eq!(
        names(&sheet[0]),
        ["outcome", "name", "unit", "mean", "p5", "p50", "p95"]
    );
    let outcomes = summary["outcomes"].as_array().unwrap();
    assert_eq!(sheet.len(), 1 + outcomes.len());
    for (row, o) in sheet[1..].iter().zip(outcomes) {
        assert_eq!(row[0].0, o["id"].as_str().unwrap());
        assert_eq!(row[1].0, o["name"].as_str().unwrap());
        let (mean, quoted) = &row[3];
        assert!(!quoted, "the mean is a number, not text: {row:?}");
        let want = o["mean"].as_f64().unwrap();
        let got: f64 = mean.parse().unwrap();
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{got} vs {want}"
        );
    }
    let flows = rows(&out.join("results-flows.csv"));
    assert_eq!(names(&flows[0]), header_of(&dir.path("run/flows.csv")));
    let csv_rows = std::fs::read_to_string(dir.path("run/flows.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(
        flows.len() + 1,
        csv_rows,
        "flows.csv's rows, less its # line"
    );
    let reproduce = rows(&out.join("results-reproduce.csv"));
    assert_eq!(names(&reproduce[0]), ["field", "value"]);
    let field = |rows: &[Vec<(String, bool)>], name: &str| {
        rows.iter()
            .find(|r| r[0].0 == name)
            .map(|r| r[1].0.clone())
            .unwrap_or_else(|| panic!("no {name} in the reproduce sheet"))
    };
    assert_eq!(
        field(&reproduce, "reproduce"),
        summary["reproduce"].as_str().unwrap()
    );
    assert_eq!(field(&reproduce, "seed"), summary["seed"].to_string());

    // The comparison: summary, comparison (a column per lever), reproduce.
    let out = soffice(&dir, &dir.path("cmp/comparison.xlsx"), EXPORT_ALL, None);
    let cmp = json(&dir.path("cmp/comparison.json"));
    let best = rows(&out.join("comparison-summary.csv"));
    assert_eq!(
        names(&best[0]),
        [
            "outcome",
            "name",
            "unit",
            "best_setting",
            "change",
            "change_ci_low",
            "change_ci_high",
            "p_better"
        ]
    );
    assert_eq!(best.len(), 1 + cmp["outcomes"].as_array().unwrap().len());
    let table = rows(&out.join("comparison-comparison.csv"));
    let levers: Vec<&str> = cmp["settings"][0]["levers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l[0].as_str().unwrap())
        .collect();
    assert!(levers.len() > 1 && levers.contains(&"interdiction"));
    let header = names(&table[0]);
    assert_eq!(header, header_of(&dir.path("cmp/comparison.csv")));
    assert_eq!(header[0], "setting");
    assert_eq!(
        &header[1..=levers.len()],
        &levers[..],
        "a column per lever, in model order"
    );
    assert_eq!(
        &header[levers.len() + 1..levers.len() + 4],
        ["outcome", "outcome_name", "unit"]
    );
    let baseline = &table[1];
    assert_eq!(baseline[0].0, "baseline");
    for (i, l) in cmp["settings"][0]["levers"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let (value, quoted) = &baseline[1 + i];
        assert!(!quoted, "lever values are numbers: {value}");
        assert_eq!(value.parse::<f64>().unwrap(), l[1].as_f64().unwrap());
    }
    let first = &cmp["outcomes"][0];
    assert_eq!(
        baseline[levers.len() + 2].0,
        first["name"].as_str().unwrap()
    );
    assert_eq!(
        table.len(),
        1 + 2 * cmp["outcomes"].as_array().unwrap().len()
    );
    let reproduce = rows(&out.join("comparison-reproduce.csv"));
    assert_eq!(
        field(&reproduce, "reproduce"),
        cmp["reproduce"].as_str().unwrap()
    );
    assert!(field(&reproduce, "posterior").ends_with("nk_russia.posterior.csv"));
}

#[test]
fn sidecar_csvs_open_in_a_spreadsheet_with_their_names_first() {
    let test = "sidecar_csvs_open_in_a_spreadsheet_with_their_names_first";
    let dir = Scratch::new("sidecar");
    // An outcome name with an en dash, so the data holds one.
    let scenario = std::fs::read_to_string(root().join("scenarios/nk_russia.ron"))
        .unwrap()
        .replace("Rounds delivered to Russia", "Rounds delivered – to Russia");
    let file = dir.write("dash.ron", &scenario);
    let out = dir.path("cmp");
    ok(&[
        "compare",
        file.to_str().unwrap(),
        "--lever",
        "interdiction=0,0.5",
        "--runs",
        "20",
        "--prior",
        "--csv-provenance",
        "sidecar",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let csv = out.join("comparison.csv");
    let bytes = std::fs::read(&csv).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBFsetting,"),
        "a byte-order mark, then the column names"
    );
    let side = std::fs::read_to_string(out.join("comparison.csv.provenance.txt")).unwrap();
    let cmp = json(&out.join("comparison.json"));
    assert!(side.starts_with("# stratex ") && side.contains(cmp["reproduce"].as_str().unwrap()));
    if !have_soffice(test) {
        return;
    }
    let converted = soffice(
        &dir,
        &csv,
        "csv:Text - txt - csv (StarCalc):44,34,76,1",
        Some("CSV:44,34,76,1"),
    );
    let back = std::fs::read_to_string(converted.join("comparison.csv")).unwrap();
    let first = stratex::report::read::csv_fields(back.lines().next().unwrap());
    assert_eq!(
        first,
        header_of(&csv),
        "the column names, whole, in the first row"
    );
    assert!(
        back.contains("Rounds delivered – to Russia"),
        "the en dash survives: {}",
        back.lines().nth(1).unwrap_or("")
    );
}

#[test]
fn every_reader_takes_csvs_of_either_layout() {
    let dir = Scratch::new("layouts");
    let p = |n: &str| dir.path(n).display().to_string();
    let scenario = "scenarios/two_actor_barter.ron";
    let run = |out: &str, extra: &[&str]| {
        let mut args = vec!["run", scenario, "--runs", "301", "--out", out, "-q"];
        args.extend_from_slice(extra);
        ok(&args);
    };
    run(&p("line"), &[]);
    run(&p("side"), &["--csv-provenance", "sidecar"]);
    // The same text, either way: the sidecar holds exactly the `#` line.
    for f in ["runs.csv", "timeseries.csv", "flows.csv"] {
        let line = std::fs::read(dir.path("line").join(f)).unwrap();
        let mut side = std::fs::read(dir.path("side").join(format!("{f}.provenance.txt"))).unwrap();
        side.extend_from_slice(&std::fs::read(dir.path("side").join(f)).unwrap()[3..]);
        assert!(line == side, "{f}: the two layouts hold different text");
    }
    // Shards written either way merge into the line layout's files.
    run(&p("s1"), &["--shard", "1/2", "--csv-provenance", "sidecar"]);
    run(&p("s2"), &["--shard", "2/2"]);
    ok(&[
        "merge",
        &p("s1"),
        &p("s2"),
        "--xlsx",
        "--out",
        &p("merged"),
        "-q",
    ]);
    assert!(dir.path("merged/results.xlsx").is_file());
    // A shard is not a result: it writes no workbook, and says so.
    let o = stratex(&[
        "run",
        scenario,
        "--runs",
        "301",
        "--shard",
        "1/2",
        "--xlsx",
        "--out",
        &p("s3"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("give --xlsx to `stratex merge`"));
    for f in ["summary.json", "runs.csv", "timeseries.csv", "flows.csv"] {
        assert!(
            std::fs::read(dir.path("merged").join(f)).unwrap()
                == std::fs::read(dir.path("line").join(f)).unwrap(),
            "merged {f} differs"
        );
    }
    // The briefing reads a sidecar result.
    ok(&["brief", &p("side")]);
    assert!(dir.path("side/briefing.html").is_file());

    // A posterior written with a sidecar is the same posterior, with the same hash.
    let mine = "tests/data/calibrate/mine.ron";
    for (out, layout) in [("cal-line", "line"), ("cal-side", "sidecar")] {
        ok(&[
            "calibrate",
            mine,
            "--targets",
            "tests/data/calibrate/mine.targets.ron",
            "--particles",
            "200",
            "--csv-provenance",
            layout,
            "--out",
            &p(out),
            "-q",
        ]);
    }
    assert!(dir.path("cal-side/posterior.csv.provenance.txt").is_file());
    for (out, cal) in [("post-line", "cal-line"), ("post-side", "cal-side")] {
        let posterior = p(&format!("{cal}/posterior.csv"));
        ok(&[
            "run",
            mine,
            "--runs",
            "200",
            "--posterior",
            &posterior,
            "--out",
            &p(out),
            "-q",
        ]);
    }
    let fitted = |out: &str| json(&dir.path(out).join("summary.json"))["fitted"]["sha256"].clone();
    assert_eq!(fitted("post-line"), fitted("post-side"));
    // The same runs; only the `#` line differs, naming the posterior's path.
    let runs = |out: &str| {
        let t = std::fs::read_to_string(dir.path(out).join("runs.csv")).unwrap();
        t.split_once('\n').unwrap().1.to_string()
    };
    assert!(runs("post-line") == runs("post-side"));
    // Without its sidecar, the posterior is refused, saying which file is missing.
    std::fs::remove_file(dir.path("cal-side/posterior.csv.provenance.txt")).unwrap();
    let o = stratex(&[
        "run",
        mine,
        "--posterior",
        &p("cal-side/posterior.csv"),
        "--out",
        &p("no"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("posterior.csv.provenance.txt"));
}
