//! The library's modules depend one way: each may use only the modules below it.
//!
//! Reads every source file under `src/` and checks each `crate::<module>` path in code (not in
//! comments) against the order below, so a dependency that points up the stack (and so a cycle)
//! fails here with the file and line that made it.

use std::path::{Path, PathBuf};

/// The library's top-level modules, lowest first: a module may use those on earlier lines.
/// Modules on one line are independent of each other.
const LAYERS: &[&[&str]] = &[
    &["stats", "number"],
    &["scenario"],
    &["model"],
    &["engine"],
    &["montecarlo"],
    &["sensitivity", "calibrate", "search"],
    &["report"],
    &["plot"],
    &["brief"],
    &["batch"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The modules a line of code names with `crate::`, including `crate::{a, b::c}` groups.
fn named_modules(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                found.push(name);
            }
        } else {
            found.push(
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
    }
    found
}

#[test]
fn modules_depend_only_on_the_layers_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    let mut unplaced = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        let top = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or_default()
            .trim_end_matches(".rs")
            .to_string();
        if matches!(top.as_str(), "lib" | "main" | "cli") {
            continue;
        }
        let Some(own) = layer(&top) else {
            unplaced.push(top);
            continue;
        };
        let text = std::fs::read_to_string(file).expect("a source file");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for used in named_modules(code) {
                match layer(&used) {
                    Some(l) if used == top || l < own => {}
                    Some(_) => wrong.push(format!(
                        "src/{}:{}: `{top}` uses `{used}`, which is not below it",
                        rel.display(),
                        n + 1
                    )),
                    None => {}
                }
            }
        }
    }
    unplaced.dedup();
    assert!(
        unplaced.is_empty(),
        "modules missing from LAYERS: {unplaced:?}"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_checker_sees_grouped_and_plain_paths() {
    assert_eq!(
        named_modules("use crate::{model::Model, stats};"),
        ["model", "stats"]
    );
    assert_eq!(
        named_modules("let x = crate::engine::Runner::new(m);"),
        ["engine"]
    );
}
