//! Briefings: charts and one self-contained HTML file per result, written for people.
//!
//! [`run::write`] writes the briefing of a `run` result folder, [`compare::write`] and
//! [`explore::write`] those of a comparison and an exploration. A briefing needs no network and
//! no script: charts are inline SVG, styles are inline, and it prints to PDF with one section per
//! page. A run's pack is written under temporary names and renamed into place, so an interrupted
//! brief never leaves a half-written pack.

pub mod compare;
pub mod explore;
pub mod run;

pub use run::write;

use crate::plot::{self, Saved};
use std::fmt::Write as _;
use std::path::PathBuf;

/// What [`run::write`] produced.
#[derive(Clone, Debug)]
pub struct Pack {
    pub html: PathBuf,
    pub charts: Vec<String>,
}

/// Why no briefing was written.
#[derive(Clone, Debug)]
pub enum BriefError {
    /// `dir` is not the finished result of a batch: no results at all, one shard, or a run
    /// stopped before its end. A briefing of part of a batch would mislead.
    NotFinished(String),
    /// Reading the results or writing the pack failed.
    Failed(String),
}

impl From<String> for BriefError {
    fn from(e: String) -> Self {
        BriefError::Failed(e)
    }
}

impl std::fmt::Display for BriefError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BriefError::NotFinished(m) | BriefError::Failed(m) => f.write_str(m),
        }
    }
}

/// A chart's source line: program, scenario and short SHA-256, runs, seed, levers.
pub fn source_lines(
    generator: &str,
    scenario: &str,
    file: &str,
    sha256: &str,
    runs: &str,
    seed: u64,
    levers: &str,
) -> Vec<String> {
    let short = sha256.get(..12).unwrap_or(sha256);
    let mut text = format!(
        "Source: {generator} · {scenario} ({}, sha256 {short}) · {runs} · seed {seed}",
        file_name(file)
    );
    if !levers.is_empty() {
        text.push_str(&format!(" · levers: {levers}"));
    }
    plot::source_lines(&text, 165)
}

/// The file name of a path, for display.
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// A number with its unit, in words (see [`crate::number::phrase`]).
pub fn words(v: f64, unit: &str) -> String {
    crate::number::phrase(v, unit)
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub const STYLE: &str = r#"
:root { --ink: #1e1e1e; --grey: #5f5f5f; --blue: #0072b2; --light: #e4e4e4; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink); max-width: 1120px; margin: 2rem auto; padding: 0 1.5rem; line-height: 1.45; }
h1 { font-size: 1.9rem; margin: 0 0 .4rem; }
h2 { font-size: 1.4rem; border-bottom: 2px solid var(--blue); padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.15rem; margin: 1.6rem 0 .4rem; }
.question { font-size: 1.2rem; border-left: 5px solid var(--blue); padding: .3rem 0 .3rem .9rem; margin: 1rem 0; }
.meta, figcaption, .note { color: var(--grey); font-size: .9rem; }
ul.findings li { margin: .35rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .8rem 0; }
th, td { border-bottom: 1px solid var(--light); padding: .35rem .5rem; text-align: right; vertical-align: top; }
th { border-bottom: 2px solid var(--ink); }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
figure { margin: 1rem 0 1.4rem; }
figure svg { width: 100%; height: auto; display: block; border: 1px solid var(--light); }
pre { font-family: "DejaVu Sans Mono", Menlo, monospace; font-size: .85rem; background: #f5f5f5; padding: .7rem; white-space: pre-wrap; word-break: break-all; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; font-size: .9rem; }
dt { color: var(--grey); } dd { margin: 0; word-break: break-all; }
@media print {
  @page { size: A4 landscape; margin: 11mm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  section { break-before: page; page-break-before: always; }
  header + section { break-before: avoid; page-break-before: avoid; }
  figure, tr, .keep { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure { margin: .4rem 0; }
  figure svg { max-height: 128mm; width: auto; max-width: 100%; margin: 0 auto; }
  .outcome figure + figure { break-before: page; page-break-before: always; }
  #annex + section { break-before: avoid; page-break-before: avoid; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// Removes the XML prolog plotters may write, so the SVG can sit inside HTML.
fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

pub fn figure(out: &mut String, chart: &Saved, caption: &str) {
    let _ = writeln!(
        out,
        "<figure id=\"chart-{name}\">{svg}<figcaption>{cap} Also as <a href=\"charts/{name}.png\">charts/{name}.png</a> and <a href=\"charts/{name}.svg\">charts/{name}.svg</a>.</figcaption></figure>",
        name = esc(&chart.name),
        svg = inline_svg(&chart.svg),
        cap = esc(caption)
    );
}
