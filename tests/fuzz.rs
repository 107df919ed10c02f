//! Fuzzing scenario files: parse, validate and a short run, over mutated inputs.
//!
//! `cargo test --test fuzz` replays every input kept in `tests/fuzz/corpus/` (inputs that
//! reached new behaviour) and `tests/fuzz/findings/` (inputs that once broke something): each
//! must end in a clear error or in runs whose state stays finite and passes the engine's
//! invariant checks every step, without a panic and within the time limit.
//!
//! `STRATEX_FUZZ_SECONDS=600 cargo test --release --test fuzz` also fuzzes for ten minutes:
//! it mutates the seed scenarios and the corpus (numbers and strings swapped for extreme ones,
//! spans deleted, duplicated and spliced, bytes flipped, deep nesting, invalid UTF-8), keeps
//! inputs whose outcome is new, and writes anything that panics, hangs or breaks an invariant to
//! `tests/fuzz/findings/`. `STRATEX_FUZZ_SEED` fixes the mutation stream; `STRATEX_FUZZ_SAVE=1`
//! adds to the corpus, for each behaviour first seen, the smallest input that showed it, cut
//! down (comment lines, then runs of lines) to at most 6 KB while it still shows it, for up to
//! `STRATEX_FUZZ_MINIMISE_SECONDS` (300); of those, at most `STRATEX_FUZZ_KEEP` (300) files,
//! chosen greedily to cover the most new behaviours.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use stratex::engine::Runner;
use stratex::engine::rng::Streams;
use stratex::scenario::Location;

/// An input that takes longer than this is a hang.
const HANG: Duration = Duration::from_secs(20);
/// Models bigger than this (cells times steps) are validated but not run: their run time is
/// proportional to their declared size, which the limits bound, so it is not a hang.
const RUN_WORK: u64 = 3_000_000;
/// Largest input kept in the corpus, to keep the repository small.
const KEEP_BYTES: usize = 6_000;

/// Scenarios every replay starts with and every fuzzing session mutates.
const SEEDS: [&str; 3] = [
    "scenarios/nk_russia.ron",
    "scenarios/two_actor_barter.ron",
    "tests/data/golden.ron",
];
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What went wrong with an input.
enum Finding {
    Panic(String),
    Broken(String),
}

impl std::fmt::Debug for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::Panic(m) => write!(f, "panic: {m}"),
            Finding::Broken(m) => write!(f, "broken: {m}"),
        }
    }
}

/// Byte ranges `start..end` of tokens.
type Spans = Vec<(usize, usize)>;

/// The error as printed, if every problem has a message and prints on one line.
fn readable(e: &stratex::scenario::ScenarioError) -> Result<String, Finding> {
    if e.problems.iter().any(|p| p.message.trim().is_empty()) {
        return Err(Finding::Broken("an error with no message".into()));
    }
    let text = e.to_string();
    if text.lines().count() != e.problems.len() + 1 {
        return Err(Finding::Broken(format!(
            "an error message over several lines: {text}"
        )));
    }
    Ok(text)
}

/// Parses, validates and (if valid and small) runs `bytes`; returns the features of what
/// happened (kinds of error, shapes of model run), for telling new behaviour from old.
fn exercise(bytes: &[u8]) -> Result<Vec<String>, Finding> {
    let path = Path::new("fuzz.ron");
    let source = match stratex::scenario::from_bytes(path, bytes.to_vec()) {
        Ok(s) => s,
        Err(e) => {
            let text = readable(&e)?;
            let first = text.lines().next().unwrap_or_default();
            return Ok(vec![format!("load: {}", shape(first))]);
        }
    };
    let model = match stratex::model::compile(path, &source.scenario) {
        Ok(m) => m,
        Err(e) => {
            readable(&e)?;
            // One feature per problem: the list it is in and the kind of message. Not the
            // whole path: a hostile id in it would make every mutated input look new.
            let words = words_of(bytes);
            return Ok(e
                .problems
                .iter()
                .map(|p| {
                    let list = match &p.at {
                        Location::Field(path) => path
                            .chars()
                            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                            .collect(),
                        _ => String::new(),
                    };
                    format!(
                        "compile: {list}: {}",
                        shape(&mask_words(&p.message, &words))
                    )
                })
                .collect());
        }
    };
    let work = (model.cells() as u64).saturating_mul(model.steps as u64 + 1);
    if work > RUN_WORK {
        return Ok(vec!["valid, too big to run here".into()]);
    }
    let mut runner = Runner::new(&model);
    runner.enable_checks();
    let mut series = vec![0.0; runner.series_len()];
    let mut drawn = vec![0.0; model.drawn_names().len()];
    let streams = Streams::new(model.default_seed);
    for setting in std::iter::once(model.baseline()).chain(
        stratex::model::grid::one_at_a_time(&model)
            .into_iter()
            .skip(1)
            .take(2)
            .map(|l| l.setting),
    ) {
        for run in 0..2 {
            runner.run(&setting, &streams, run, &mut series, &mut drawn);
            if let Some(v) = series.iter().chain(&drawn).find(|v| !v.is_finite()) {
                return Err(Finding::Broken(format!("run {run} produced {v}")));
            }
        }
    }
    let report = runner.check_report().expect("checks on");
    if report.failures > 0 {
        return Err(Finding::Broken(format!(
            "invariant checks failed: {report:?}"
        )));
    }
    Ok(vec![format!(
        "ran: {} outcomes, {} events, {} links, {} aid flows",
        model.outcomes.len().min(4),
        model.events.len().min(4),
        model.links.len().min(3),
        model.aids.len().min(3)
    )])
}

/// The words (runs of letters, digits, `_` and `-`) in an input's strings: its ids and names.
fn words_of(bytes: &[u8]) -> BTreeSet<&[u8]> {
    tokens(bytes)
        .1
        .into_iter()
        .flat_map(|(s, e)| {
            bytes[s..e.min(bytes.len())]
                .split(|c| !(c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-'))
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// `msg` with every word that occurs in the input replaced by `#`: ids and names are the
/// input's, not the kind of message.
fn mask_words(msg: &str, words: &BTreeSet<&[u8]>) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            out.push_str(if words.contains(word.as_bytes()) {
                "#"
            } else {
                word
            });
            word.clear();
        }
    };
    for c in msg.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A message with its specifics (file, numbers, names, field indices) masked, so that messages
/// of one kind share a feature.
fn shape(msg: &str) -> String {
    let msg = msg.strip_prefix("error: ").unwrap_or(msg);
    let msg = msg.strip_prefix("fuzz.ron: ").unwrap_or(msg);
    let mut out = String::new();
    let mut skip_until: Option<char> = None;
    let mut last_digit = false;
    let mut escaped = false;
    for c in msg.chars() {
        // The kind of a message is in its first clause; lists of known names follow.
        if skip_until.is_none() && (matches!(c, ';' | '?') || (c == '.' && !last_digit)) {
            break;
        }
        if let Some(end) = skip_until {
            if escaped {
                escaped = false;
                continue;
            }
            if c == '\\' {
                escaped = true;
                continue;
            }
            if c == end {
                out.push(c);
                skip_until = None;
            }
            continue;
        }
        match c {
            '"' => {
                out.push(c);
                skip_until = Some('"');
            }
            '[' => {
                out.push(c);
                skip_until = Some(']');
            }
            '`' => {
                out.push(c);
                skip_until = Some('`');
            }
            '\'' => {
                out.push(c);
                skip_until = Some('\'');
            }
            c if c.is_ascii_digit() => {
                if !last_digit {
                    out.push('#');
                }
                last_digit = true;
                continue;
            }
            c => out.push(c),
        }
        last_digit = false;
    }
    // Runs of masked words are one mask.
    let mut squeezed = String::new();
    for part in out.split_whitespace() {
        if part == "#" && (squeezed.ends_with(" #") || squeezed == "#") {
            continue;
        }
        if !squeezed.is_empty() {
            squeezed.push(' ');
        }
        squeezed.push_str(part);
    }
    squeezed.chars().take(90).collect()
}

/// Runs `exercise`, turning a panic into a finding.
fn guarded(bytes: &[u8]) -> Result<Vec<String>, Finding> {
    match catch_unwind(AssertUnwindSafe(|| exercise(bytes))) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic".into());
            Err(Finding::Panic(msg))
        }
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.is_file());
    v.sort();
    v
}

fn hex_hash(bytes: &[u8]) -> String {
    stratex::scenario::sha256_hex(bytes)[..16].to_string()
}

// ---- mutations ---------------------------------------------------------------------------

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "-1",
    "1",
    "2",
    "0.5",
    "0.999999",
    "1.0000001",
    "1e-9",
    "1e-320",
    "5e-324",
    "1e15",
    "1e16",
    "1e308",
    "-1e308",
    "1e999",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "NaN",
    "inf",
    "-inf",
    "100000",
    "99999999999",
];
const STRINGS: &[&str] = &[
    "",
    " ",
    "x",
    "../../etc/passwd",
    "/tmp/x",
    "C:\\\\Windows",
    "a\\u{0}b",
    "tab\\there",
    "line\\nbreak",
    "Корея",
    "北朝鮮",
    "\\u{202e}evil",
    "\\u{1F680}",
    "shells",
    "russia",
    "dprk",
    "food",
    "a-b_c",
    "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww",
];
const SNIPPETS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "Some(",
    "None",
    "Param(\"x\")",
    "Param(\"seize\")",
    "Uniform(min: 1, max: 0)",
    "Normal(mean: 0, sd: -1)",
    "Beta(alpha: 0, beta: 0)",
    "LogNormal(median: 1e300, sigma: 1e300)",
    "Triangular(min: 5, mode: 1, max: 0)",
    "Normal(mean: 1e15, sd: 1e15)",
    "Uniform(min: -1e15, max: 1e15)",
    "Param(\"output\")",
    "Concave(0.5)",
    "Concave(100)",
    "Log",
    "Linear",
    "Material",
    "Service",
    "Currency",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((",
    "/*",
    "*/",
    "//",
    "\"",
    "r#\"",
    "'",
    "\u{0}",
    "é",
    "\u{FEFF}",
    "true",
    "false",
    "()",
];

fn pick<'a>(rng: &mut ChaCha8Rng, xs: &[&'a str]) -> &'a str {
    xs[(rng.next_u32() as usize) % xs.len()]
}

fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (rng.next_u64() % n as u64) as usize
    }
}

/// Spans of number literals and of string contents in `b`.
fn tokens(b: &[u8]) -> (Spans, Spans) {
    let (mut nums, mut strs) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            strs.push((start, j.min(b.len())));
            i = j + 1;
        } else if b[i].is_ascii_digit()
            || (b[i] == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == b'.'
                    || b[i] == b'_'
                    || ((b[i] == b'-' || b[i] == b'+') && matches!(b[i - 1], b'e' | b'E')))
            {
                i += 1;
            }
            nums.push((start, i));
        } else {
            i += 1;
        }
    }
    (nums, strs)
}

fn mutate(rng: &mut ChaCha8Rng, input: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
    let mut b = input.to_vec();
    let rounds = 1 + below(rng, 6);
    for _ in 0..rounds {
        let (nums, strs) = tokens(&b);
        match below(rng, 10) {
            0 | 1 if !nums.is_empty() => {
                let (s, e) = nums[below(rng, nums.len())];
                b.splice(s..e, pick(rng, NUMBERS).bytes());
            }
            2 if !strs.is_empty() => {
                let (s, e) = strs[below(rng, strs.len())];
                b.splice(s..e, pick(rng, STRINGS).bytes());
            }
            3 if !b.is_empty() => {
                let s = below(rng, b.len());
                let e = (s + 1 + below(rng, 60)).min(b.len());
                b.drain(s..e);
            }
            4 if !b.is_empty() => {
                // Duplicate a line (another actor, good, need, event...).
                let s = below(rng, b.len());
                let ls = b[..s]
                    .iter()
                    .rposition(|&c| c == b'\n')
                    .map_or(0, |p| p + 1);
                let le = b[s..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |p| s + p + 1);
                let line = b[ls..le].to_vec();
                let times = 1 + below(rng, 3);
                for _ in 0..times {
                    b.splice(le..le, line.iter().copied());
                }
            }
            5 => {
                let at = below(rng, b.len() + 1);
                b.splice(at..at, pick(rng, SNIPPETS).bytes());
            }
            6 if !b.is_empty() => {
                let at = below(rng, b.len());
                b[at] ^= 1 << below(rng, 8);
            }
            7 if !others.is_empty() => {
                let o = &others[below(rng, others.len())];
                if !o.is_empty() {
                    let s = below(rng, o.len());
                    let e = (s + 1 + below(rng, 200)).min(o.len());
                    let at = below(rng, b.len() + 1);
                    b.splice(at..at, o[s..e].iter().copied());
                }
            }
            8 if b.len() > 2 => {
                // Swap two lines.
                let text = b
                    .split(|&c| c == b'\n')
                    .map(<[u8]>::to_vec)
                    .collect::<Vec<_>>();
                let mut lines = text;
                let (i, j) = (below(rng, lines.len()), below(rng, lines.len()));
                lines.swap(i, j);
                b = lines.join(&b'\n');
            }
            _ => {
                let at = below(rng, b.len() + 1);
                let n = 1 + below(rng, 4);
                let junk: Vec<u8> = (0..n).map(|_| rng.next_u32() as u8).collect();
                b.splice(at..at, junk);
            }
        }
        if b.len() > 200_000 {
            b.truncate(200_000);
        }
    }
    b
}

/// Cuts `input` down while `keeps` holds: first without comment lines, then by deleting runs of
/// lines, longest first (a simplified delta debugging), at most 400 tries.
fn minimise(input: &[u8], keeps: &mut dyn FnMut(&[u8]) -> bool) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = input.split_inclusive(|&c| c == b'\n').collect();
    let join = |ls: &[&[u8]]| ls.concat();
    let code: Vec<&[u8]> = lines
        .iter()
        .copied()
        .filter(|l| !l.trim_ascii_start().starts_with(b"//"))
        .collect();
    let mut tries = 1;
    if code.len() < lines.len() && keeps(&join(&code)) {
        lines = code;
    }
    let mut chunk = lines.len() / 2;
    while chunk >= 1 && tries < 400 {
        let mut i = 0;
        while i < lines.len() && tries < 400 {
            let end = (i + chunk).min(lines.len());
            let candidate: Vec<&[u8]> = lines[..i].iter().chain(&lines[end..]).copied().collect();
            tries += 1;
            if keeps(&join(&candidate)) {
                lines = candidate;
            } else {
                i = end;
            }
        }
        chunk /= 2;
    }
    join(&lines)
}

// ---- driver ------------------------------------------------------------------------------

fn save(dir: &Path, prefix: &str, bytes: &[u8]) -> PathBuf {
    std::fs::create_dir_all(dir).expect("create folder");
    let p = dir.join(format!("{prefix}-{}.ron", hex_hash(bytes)));
    std::fs::write(&p, bytes).expect("write input");
    p
}

fn main() {
    // Panics are caught and reported as findings; keep their default messages quiet.
    std::panic::set_hook(Box::new(|_| {}));
    let corpus_dir = root().join("tests/fuzz/corpus");
    let findings_dir = root().join("tests/fuzz/findings");

    // Watchdog: an input that runs longer than HANG is saved and ends the process.
    let started = Arc::new(AtomicU64::new(u64::MAX));
    let current: Arc<Mutex<Vec<u8>>> = Arc::new(Mutex::new(Vec::new()));
    let clock = Instant::now();
    {
        let (started, current, findings_dir) =
            (started.clone(), current.clone(), findings_dir.clone());
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let s = started.load(Ordering::SeqCst);
                if s != u64::MAX && clock.elapsed().as_millis() as u64 - s > HANG.as_millis() as u64
                {
                    let bytes = current.lock().map(|b| b.clone()).unwrap_or_default();
                    let p = save(&findings_dir, "hang", &bytes);
                    eprintln!(
                        "FUZZ: an input ran for more than {HANG:?}; saved as {}",
                        p.display()
                    );
                    std::process::exit(1);
                }
            }
        });
    }
    let run_one = |bytes: &[u8]| -> Result<Vec<String>, Finding> {
        if let Ok(mut c) = current.lock() {
            c.clear();
            c.extend_from_slice(bytes);
        }
        started.store(clock.elapsed().as_millis() as u64, Ordering::SeqCst);
        let r = guarded(bytes);
        started.store(u64::MAX, Ordering::SeqCst);
        r
    };

    // 1. Replay: every kept input must be handled cleanly.
    let mut failures = 0;
    let mut seen = BTreeSet::new();
    // The seed scenarios first (the mechanisms' own scenarios among them, so every part of the
    // language is replayed), then the corpus and any findings.
    let seeds: Vec<PathBuf> = SEEDS
        .iter()
        .map(|f| root().join(f))
        .chain(files(&root().join("tests/data/mechanisms")))
        .collect();
    let kept: Vec<PathBuf> = seeds
        .iter()
        .cloned()
        .chain(files(&corpus_dir))
        .chain(files(&findings_dir))
        .collect();
    for p in &kept {
        let bytes = std::fs::read(p).expect("read kept input");
        match run_one(&bytes) {
            Ok(features) => seen.extend(features),
            Err(f) => {
                eprintln!("FUZZ: {} fails: {f:?}", p.display());
                failures += 1;
            }
        }
    }
    println!(
        "fuzz: replayed {} kept inputs ({} distinct features), {failures} failures",
        kept.len(),
        seen.len()
    );

    // 2. Fuzz, if asked.
    let seconds: u64 = std::env::var("STRATEX_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if seconds > 0 {
        let seed: u64 = std::env::var("STRATEX_FUZZ_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| clock.elapsed().as_nanos() as u64 ^ std::process::id() as u64);
        println!("fuzz: {seconds} s with STRATEX_FUZZ_SEED={seed}");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut pool: Vec<Vec<u8>> = vec![];
        for p in &kept {
            pool.push(std::fs::read(p).expect("read kept input"));
        }
        let save_new = std::env::var("STRATEX_FUZZ_SAVE").is_ok_and(|v| v == "1");
        // For each feature first reached in this session, the smallest input that reached it:
        // what gets saved, so the corpus stays small and each file earns its place.
        let mut smallest: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let mut session: BTreeSet<String> = BTreeSet::new();
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let (mut execs, mut new_inputs) = (0u64, 0usize);
        while Instant::now() < deadline {
            let base = pool[below(&mut rng, pool.len())].clone();
            let input = mutate(&mut rng, &base, &pool);
            execs += 1;
            match run_one(&input) {
                Ok(features) => {
                    let before = seen.len();
                    for f in features {
                        if seen.insert(f.clone()) {
                            session.insert(f.clone());
                        }
                        if !session.contains(&f) {
                            continue;
                        }
                        match smallest.get_mut(&f) {
                            Some(best) if input.len() < best.len() => best.clone_from(&input),
                            Some(_) => {}
                            None => {
                                smallest.insert(f, input.clone());
                            }
                        }
                    }
                    if seen.len() > before {
                        new_inputs += 1;
                        if pool.len() < 5_000 {
                            pool.push(input.clone());
                        }
                    }
                }
                Err(f) => {
                    let p = save(&findings_dir, "finding", &input);
                    eprintln!("FUZZ: {f:?}; input saved as {}", p.display());
                    failures += 1;
                }
            }
        }
        println!(
            "fuzz: {execs} inputs in {seconds} s ({:.0}/s), {new_inputs} with new features, {} distinct features, {failures} failures",
            execs as f64 / seconds as f64,
            seen.len()
        );
        if save_new {
            // Inputs too large to keep are cut down first, while they still show their feature.
            let budget = Instant::now()
                + Duration::from_secs(
                    std::env::var("STRATEX_FUZZ_MINIMISE_SECONDS")
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(300),
                );
            let (mut cut, mut big) = (0, 0);
            for (feature, input) in smallest.iter_mut() {
                if input.len() <= KEEP_BYTES {
                    continue;
                }
                big += 1;
                if Instant::now() < budget {
                    let small = minimise(input, &mut |candidate: &[u8]| match run_one(candidate) {
                        Ok(features) => features.contains(feature),
                        Err(f) => {
                            let p = save(&findings_dir, "finding", candidate);
                            eprintln!("FUZZ: {f:?}; input saved as {}", p.display());
                            failures += 1;
                            false
                        }
                    });
                    if small.len() <= KEEP_BYTES {
                        cut += 1;
                    }
                    *input = small;
                }
            }
            smallest.retain(|_, input| input.len() <= KEEP_BYTES);
            println!("fuzz: {cut} of {big} inputs over {KEEP_BYTES} bytes cut down below it");
            // Greedy cover: the fewest inputs that together show every new feature, smallest
            // first among equals.
            let candidates: BTreeSet<&Vec<u8>> = smallest.values().collect();
            let mut shows: Vec<(&Vec<u8>, BTreeSet<String>)> = candidates
                .into_iter()
                .filter_map(|input| {
                    let features = run_one(input).ok()?;
                    let new: BTreeSet<String> = features
                        .into_iter()
                        .filter(|f| session.contains(f))
                        .collect();
                    Some((input, new))
                })
                .collect();
            // At most this many new files a session: the corpus is for regression, and each
            // pick covers the most features still uncovered.
            let most: usize = std::env::var("STRATEX_FUZZ_KEEP")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(300);
            let mut keep = Vec::new();
            while keep.len() < most {
                let Some(best) = (0..shows.len())
                    .filter(|&i| !shows[i].1.is_empty())
                    .max_by_key(|&i| (shows[i].1.len(), std::cmp::Reverse(shows[i].0.len())))
                else {
                    break;
                };
                let (input, covered) = shows.swap_remove(best);
                for (_, rest) in shows.iter_mut() {
                    rest.retain(|f| !covered.contains(f));
                }
                keep.push(input);
            }
            for input in &keep {
                save(&corpus_dir, "input", input);
            }
            println!(
                "fuzz: saved {} inputs to {}",
                keep.len(),
                corpus_dir.display()
            );
        }
    }
    if std::env::var("STRATEX_FUZZ_DUMP").is_ok() {
        for f in &seen {
            println!("feature: {f}");
        }
    }
    if failures > 0 {
        eprintln!("FUZZ: {failures} inputs panicked, hung or broke an invariant");
        std::process::exit(1);
    }
}
