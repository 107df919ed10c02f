//! Shards and merge: sharded runs and comparisons merge into the unsharded files byte for byte;
//! every way of giving the wrong shards is refused with a clear error and nothing written.

use crate::helpers::{Scratch, stratex, text};
use std::path::Path;

const FILES: [&str; 4] = ["summary.json", "runs.csv", "timeseries.csv", "flows.csv"];

fn ok(args: &[&str]) {
    let out = stratex(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        text(&out.stderr)
    );
}

fn refused(args: &[&str], wanted: &str) {
    let out = stratex(args);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        err.contains(wanted),
        "{args:?}: expected {wanted:?} in {err}"
    );
}

fn same_files(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(
            x == y,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn sharded_runs_merge_into_the_unsharded_files() {
    let dir = Scratch::new("shards");
    let p = |n: &str| dir.path(n).display().to_string();
    let scenario = "scenarios/nk_russia.ron";
    ok(&["run", scenario, "--runs", "301", "--out", &p("whole"), "-q"]);
    // Shards of unequal size, run with different thread counts, given in any order.
    for (k, threads) in [(3, "1"), (1, "2"), (2, "1")] {
        let shard = format!("{k}/3");
        let out = p(&format!("s{k}"));
        ok(&[
            "run",
            scenario,
            "--runs",
            "301",
            "--shard",
            &shard,
            "--threads",
            threads,
            "--out",
            &out,
            "-q",
        ]);
    }
    ok(&[
        "merge",
        &p("s2"),
        &p("s3"),
        &p("s1"),
        "--out",
        &p("merged"),
        "-q",
    ]);
    same_files(&dir.path("whole"), &dir.path("merged"), &FILES);

    // A shard's runs.csv says which runs it holds and how to make it.
    let first = std::fs::read_to_string(dir.path("s2/runs.csv")).unwrap();
    let header = first.lines().next().unwrap();
    assert!(header.contains("shard 2 of 3: runs 100 to 199"), "{header}");
    assert!(header.contains("--shard 2/3"), "{header}");

    // A briefing of one shard would show a third of the batch as if it were all of it.
    refused(
        &["brief", &p("s2")],
        "holds shard 2 of 3; combine the shards",
    );
}

#[test]
fn sharded_comparisons_merge_into_the_unsharded_files() {
    let dir = Scratch::new("cmp-shards");
    let p = |n: &str| dir.path(n).display().to_string();
    let scenario = "scenarios/nk_russia.ron";
    let common = ["--runs", "90", "--lever", "interdiction=0,0.5", "-q"];
    let mut args = vec!["compare", scenario, "--out"];
    let whole = p("whole");
    args.push(&whole);
    args.extend(common);
    ok(&args);
    for k in 1..=2 {
        let (shard, out) = (format!("{k}/2"), p(&format!("c{k}")));
        let mut a = vec!["compare", scenario, "--shard", &shard, "--out", &out];
        a.extend(common);
        ok(&a);
    }
    ok(&["merge", &p("c2"), &p("c1"), "--out", &p("merged"), "-q"]);
    same_files(
        &dir.path("whole"),
        &dir.path("merged"),
        &["comparison.json", "comparison.csv"],
    );
}

#[test]
fn wrong_sets_of_shards_are_refused_and_nothing_is_written() {
    let dir = Scratch::new("bad-shards");
    let p = |n: &str| dir.path(n).display().to_string();
    let g = "tests/data/golden.ron";
    for k in 1..=3 {
        ok(&[
            "run",
            g,
            "--runs",
            "30",
            "--shard",
            &format!("{k}/3"),
            "--out",
            &p(&format!("s{k}")),
            "-q",
        ]);
    }
    ok(&[
        "run",
        g,
        "--runs",
        "30",
        "--seed",
        "9",
        "--shard",
        "3/3",
        "--out",
        &p("other_seed"),
        "-q",
    ]);
    ok(&[
        "run",
        g,
        "--runs",
        "30",
        "--shard",
        "3/3",
        "--set",
        "seize=1",
        "--out",
        &p("other_set"),
        "-q",
    ]);
    ok(&["run", g, "--runs", "30", "--out", &p("whole"), "-q"]);
    let merged = p("merged");

    refused(
        &["merge", &p("s1"), &p("s3"), "--out", &merged],
        "shard 2 of 3 is missing",
    );
    refused(
        &[
            "merge",
            &p("s1"),
            &p("s2"),
            &p("s2"),
            &p("s3"),
            "--out",
            &merged,
        ],
        "shard 2 of 3 is given twice",
    );
    refused(
        &[
            "merge",
            &p("s1"),
            &p("s2"),
            &p("other_seed"),
            "--out",
            &merged,
        ],
        "seed 5 vs 9",
    );
    refused(
        &[
            "merge",
            &p("s1"),
            &p("s2"),
            &p("other_set"),
            "--out",
            &merged,
        ],
        "--set",
    );
    refused(
        &["merge", &p("whole"), "--out", &merged],
        "not a partial result",
    );
    refused(
        &["merge", &p("s1"), &p("s2"), &p("s3"), "--out", &p("s1")],
        "is one of the shard folders",
    );

    // Another version, another scenario, a damaged state file.
    let copy = |name: &str| {
        let to = dir.path(name);
        std::fs::create_dir_all(&to).unwrap();
        for e in std::fs::read_dir(dir.path("s3")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
        to
    };
    let v = copy("other_version");
    let part = std::fs::read_to_string(v.join("part.json")).unwrap();
    std::fs::write(
        v.join("part.json"),
        part.replace("stratex 0.", "stratex 99."),
    )
    .unwrap();
    refused(
        &[
            "merge",
            &p("s1"),
            &p("s2"),
            &p("other_version"),
            "--out",
            &merged,
        ],
        "stratex version",
    );
    let s = copy("other_scenario");
    let text = std::fs::read_to_string(s.join("scenario.ron")).unwrap();
    std::fs::write(s.join("scenario.ron"), text.replace("Golden", "Golden2")).unwrap();
    refused(
        &[
            "merge",
            &p("s1"),
            &p("s2"),
            &p("other_scenario"),
            "--out",
            &merged,
        ],
        "SHA-256",
    );
    let d = copy("damaged");
    let mut bytes = std::fs::read(d.join("state.bin")).unwrap();
    bytes[100] ^= 0x40;
    std::fs::write(d.join("state.bin"), bytes).unwrap();
    refused(
        &["merge", &p("s1"), &p("s2"), &p("damaged"), "--out", &merged],
        "damaged",
    );

    assert!(
        !dir.path("merged").exists(),
        "nothing may be written on error"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "staging folders left behind");
    ok(&[
        "merge",
        &p("s3"),
        &p("s2"),
        &p("s1"),
        "--out",
        &merged,
        "-q",
    ]);
    same_files(&dir.path("whole"), &dir.path("merged"), &FILES);
}

#[test]
fn shard_flags_are_checked() {
    let g = "tests/data/golden.ron";
    for bad in ["0/3", "4/3", "3", "a/b", "2/0"] {
        let out = stratex(&["run", g, "--shard", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            text(&out.stderr).contains("K/N"),
            "{bad}: {}",
            text(&out.stderr)
        );
    }
    refused(
        &["run", g, "--runs", "3", "--shard", "1/4"],
        "at most 3 shards",
    );
    refused(
        &["run", g, "--shard", "1/2", "--brief"],
        "--brief cannot be used with --shard",
    );
}
