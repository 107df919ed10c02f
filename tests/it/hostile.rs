//! Hostile scenario files: each is refused with a clear error (status 2, the file named, what is
//! wrong and what is allowed), never a panic, a hang or a runaway allocation; and nothing a
//! scenario says can make stratex write outside the chosen output folder.

use crate::bad_input::BASE;
use crate::helpers::{Scratch, stratex, text};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Writes `content` as `name` in a scratch folder and validates it; returns (status, stderr).
fn validate(dir: &Scratch, name: &str, content: &[u8]) -> (Option<i32>, String) {
    let p = dir.path(name);
    std::fs::write(&p, content).unwrap();
    let o = stratex(&["validate", &p.display().to_string()]);
    (o.status.code(), text(&o.stderr))
}

fn with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    BASE.replacen(from, to, 1)
}

/// `n` actors, each one line.
fn many_actors(n: usize) -> String {
    let actors: String = (0..n)
        .map(|i| format!("Actor(id: \"a{i}\", name: \"A{i}\"),\n"))
        .collect();
    with("    actors: [\n", &format!("    actors: [\n{actors}"))
}

#[test]
fn hostile_inputs_get_clear_errors() {
    let dir = Scratch::new("hostile");
    let n = 100_000;
    let deep_list = with(
        "value: 100)",
        &format!("value: {}{})", "[".repeat(n), "]".repeat(n)),
    );
    let deep_call = with(
        "value: 100)",
        &format!("value: {}", "Uniform(min: ".repeat(n)),
    );
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        (
            "deep nesting of lists",
            deep_list.into_bytes(),
            &["fuzz-free.ron:5:", "nests too deeply (more than 64 levels)"],
        ),
        (
            "deep nesting of distributions, unclosed",
            deep_call.into_bytes(),
            &["nests too deeply"],
        ),
        (
            "a number too large for a double",
            with("value: 100)", "value: 1e400)").into_bytes(),
            &["goods[shells].value", "inf is not allowed"],
        ),
        (
            "a huge but finite number",
            with("value: 100)", "value: 1e300)").into_bytes(),
            &["goods[shells].value", "within ±1e15"],
        ),
        (
            "an integer beyond 64 bits",
            with("steps: 3", "steps: 18446744073709551616").into_bytes(),
            &["fuzz-free.ron:3:", "whole number is out of range"],
        ),
        (
            "NaN",
            with("seizure: 0.1", "seizure: NaN").into_bytes(),
            &["channels[rail].seizure", "NaN is not allowed"],
        ),
        (
            "a probability above 1",
            with("seizure: 0.1", "seizure: 1.5").into_bytes(),
            &["channels[rail].seizure", "between 0 and 1"],
        ),
        (
            "a bounded distribution that can leave [0, 1] for a probability",
            with("seizure: 0.1", "seizure: Uniform(min: 0.5, max: 3)").into_bytes(),
            &[
                "channels[rail].seizure",
                "between 0 and 1",
                "can range from 0.5 to 3",
            ],
        ),
        (
            "a negative stock",
            with("stocks: {\"shells\": 1000}", "stocks: {\"shells\": -1000}").into_bytes(),
            &["actors[dprk].stocks[shells]", "zero or more"],
        ),
        (
            "1,000,000 actors (a 36 MB file)",
            many_actors(1_000_000).into_bytes(),
            &["scenario files are limited to 8388608 bytes"],
        ),
        (
            "20,000 actors",
            many_actors(20_000).into_bytes(),
            &["20002 actors; the limit is 10000"],
        ),
        (
            "a million steps",
            with("steps: 3", "steps: 1000000").into_bytes(),
            &["time.steps", "the limit is 100000 steps"],
        ),
        (
            "a run too big to finish",
            with("steps: 3", "steps: 99000")
                .replace(
                    "    actors: [\n",
                    &format!(
                        "    actors: [\n{}",
                        (0..4000)
                            .map(|i| format!("Actor(id: \"b{i}\", name: \"B{i}\"),\n"))
                            .collect::<String>()
                    ),
                )
                .into_bytes(),
            &["(the work of one run)"],
        ),
        (
            "a duplicate actor id",
            with("Actor(id: \"russia\"", "Actor(id: \"dprk\"").into_bytes(),
            &["actor id \"dprk\" is declared twice"],
        ),
        (
            "a duplicate good id",
            with("Good(id: \"food\"", "Good(id: \"shells\"").into_bytes(),
            &["good id \"shells\" is declared twice"],
        ),
        (
            "a control character in a name",
            with("name: \"North Korea\"", "name: \"North\\u{7}Korea\"").into_bytes(),
            &["actors[dprk].name", "control character"],
        ),
        (
            "a right-to-left override in a name",
            with("name: \"North Korea\"", "name: \"North \\u{202E}aeroK\"").into_bytes(),
            &["actors[dprk].name", "U+202E"],
        ),
        (
            "a path as an id",
            with("Actor(id: \"dprk\"", "Actor(id: \"../../etc/passwd\"").into_bytes(),
            &["contains '.'", "ids use only letters, digits, _ and -"],
        ),
        (
            "a name of 10,000 characters",
            with(
                "name: \"North Korea\"",
                &format!("name: \"{}\"", "N".repeat(10_000)),
            )
            .into_bytes(),
            &["actors[dprk].name", "the limit is 200"],
        ),
        (
            "invalid UTF-8",
            [BASE.as_bytes(), b"\xff\xfe"].concat(),
            &["not valid UTF-8"],
        ),
        (
            "a binary file",
            vec![0u8, 159, 146, 150, 0, 0, 7],
            &["not valid UTF-8"],
        ),
        ("an empty file", vec![], &["the file is empty"]),
    ];
    for (what, content, wanted) in cases {
        let (status, err) = validate(&dir, "fuzz-free.ron", &content);
        assert_eq!(status, Some(2), "{what}: status {status:?}\n{err}");
        assert!(!err.contains("panicked"), "{what}: {err}");
        for w in wanted {
            assert!(err.contains(w), "{what}: expected {w:?} in\n{err}");
        }
    }
}

#[test]
fn unicode_names_and_paths_in_names_are_only_text() {
    let dir = Scratch::new("names");
    // Unicode names are fine; a path in a display name is just text.
    let src = with("name: \"Test\"", "name: \"../../../tmp/escape\"").replacen(
        "name: \"North Korea\"",
        "name: \"Корея 北朝鮮 🚀\"",
        1,
    );
    // A file whose name would make a hidden or parent folder: results stay inside --out's
    // parent, in a visible folder.
    let file = dir.path("...ron");
    std::fs::write(&file, src).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_stratex"))
        .args(["run", &file.display().to_string(), "--runs", "5", "-q"])
        .current_dir(&dir.0)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(dir.path("output/scenario/summary.json").is_file());
    let summary = std::fs::read_to_string(dir.path("output/scenario/summary.json")).unwrap();
    assert!(summary.contains("Корея 北朝鮮 🚀"));
    assert!(summary.contains("../../../tmp/escape"));
    let outside: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        {
            let mut v = outside.clone();
            v.sort();
            v
        },
        vec!["...ron".to_string(), "output".to_string()],
        "nothing written beside the output folder"
    );
}

#[test]
fn batches_too_big_to_finish_are_refused() {
    let dir = Scratch::new("bigbatch");
    let p = dir.path("long.ron");
    std::fs::write(&p, with("steps: 3", "steps: 1000")).unwrap();
    let o = stratex(&["run", &p.display().to_string(), "--runs", "5000000000"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("run-steps"), "{err}");
    assert!(err.contains("--shard"), "{err}");
}

#[test]
fn unbounded_distributions_are_clamped_with_a_warning() {
    // Normal and LogNormal have unbounded tails; where they reach past a number's range the
    // draw is clamped at run time, and validation says how often.
    let dir = Scratch::new("clamp");
    let p = dir.path("normal.ron");
    std::fs::write(
        &p,
        with("seizure: 0.1", "seizure: Normal(mean: 0.5, sd: 1)"),
    )
    .unwrap();
    let o = stratex(&["validate", &p.display().to_string()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("channels[rail].seizure: about 62% of draws fall outside the allowed range (between 0 and 1) and are clamped"),
        "{out}"
    );
    let run = stratex(&[
        "run",
        &p.display().to_string(),
        "--runs",
        "50",
        "--out",
        &dir.path("o").display().to_string(),
        "-q",
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let rows = std::fs::read_to_string(dir.path("o/runs.csv")).unwrap();
    assert!(!rows.contains("NaN") && !rows.contains("inf"));
}

/// Runs stratex with `args`, killing it and failing if it is still running after `deadline`:
/// a command that hangs fails the test instead of hanging the suite. Returns (status, stderr).
fn stratex_within(args: &[&str], deadline: Duration) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stratex"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run stratex");
    let started = Instant::now();
    while child.try_wait().expect("wait for stratex").is_none() {
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`stratex {}` still running after {deadline:?}",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("collect stratex's output");
    (out.status.code(), text(&out.stderr))
}

/// Paths that are not regular files: a character device that reads without end, a named pipe
/// that nobody writes (opening it would wait forever), and a link to the device.
#[cfg(unix)]
#[test]
fn special_files_are_refused_without_waiting_or_reading() {
    let dir = Scratch::new("special");
    let fifo = dir.path("pipe.ron");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo failed");
    let link = dir.path("zero.ron");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let cases = [
        (PathBuf::from("/dev/zero"), "is a character device"),
        (fifo, "is a named pipe"),
        (link, "is a character device"),
        (dir.0.clone(), "is a folder"),
    ];
    let out = dir.path("out");
    for (path, kind) in &cases {
        let shown = path.display().to_string();
        for args in [
            vec!["validate", shown.as_str()],
            vec!["run", shown.as_str(), "--out", out.to_str().unwrap(), "-q"],
        ] {
            let (status, err) = stratex_within(&args, Duration::from_secs(10));
            let what = format!("`stratex {}`", args.join(" "));
            assert_eq!(status, Some(2), "{what}: status {status:?}\n{err}");
            for wanted in [
                shown.as_str(),
                *kind,
                "give the path of a .ron scenario file",
            ] {
                assert!(
                    err.contains(wanted),
                    "{what}: expected {wanted:?} in\n{err}"
                );
            }
            assert!(!err.contains("panicked"), "{what}: {err}");
            assert!(!out.exists(), "{what}: an output folder was created");
        }
    }
}
