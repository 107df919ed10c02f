//! Briefings: charts and one self-contained HTML file per result, written for people.
//!
//! [`run::write`] writes the briefing of a `run` result folder, [`compare::write`] and
//! [`explore::write`] those of a comparison and an exploration. A briefing needs no network and
//! no script: charts are inline SVG, styles are inline, and it prints to PDF with one section per
//! page. The HTML comes from the askama templates in `templates/`, checked when the crate is
//! compiled: all text is escaped, and only the charts' SVG goes in as it is. A run's pack is
//! written under temporary names and renamed into place, so an interrupted brief never leaves a
//! half-written pack.

pub mod calibrate;
pub mod compare;
pub mod explore;
pub mod pdf;
pub mod run;
pub mod search;

pub use run::write;

use crate::plot::{self, Saved};
use askama::Template;
use std::path::{Path, PathBuf};

/// What [`run::write`] produced.
#[derive(Clone, Debug)]
pub struct Pack {
    pub html: PathBuf,
    pub charts: Vec<String>,
}

/// Why no briefing was written. Nothing in the folder was changed.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BriefError {
    /// `dir` is not the finished result of a batch: no results at all, one shard, or a run
    /// stopped before its end. A briefing of part of a batch would mislead.
    #[error("{0}")]
    NotFinished(String),
    /// Reading the results or writing the pack failed.
    #[error("{0}")]
    Failed(String),
}

impl From<String> for BriefError {
    fn from(e: String) -> Self {
        BriefError::Failed(e)
    }
}

impl From<crate::report::ReadError> for BriefError {
    fn from(e: crate::report::ReadError) -> Self {
        BriefError::Failed(e.0)
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

/// A chart as a briefing shows it: its file name (the `charts/` files are `<name>.png` and
/// `<name>.svg`) and its SVG with any XML prolog removed, so it can sit inside HTML.
struct InlineChart<'a> {
    name: &'a str,
    svg: &'a str,
}

impl<'a> From<&'a Saved> for InlineChart<'a> {
    fn from(saved: &'a Saved) -> Self {
        let svg = &saved.svg;
        InlineChart {
            name: &saved.name,
            svg: svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]),
        }
    }
}

/// A briefing's reproducibility section: the command that gives the same results, the files
/// it gives byte for byte (none named: the sentence saying so is left out), and facts about
/// the batch as term and value.
struct Reproduce {
    command: String,
    identical: &'static [&'static str],
    facts: Vec<(&'static str, String)>,
}

/// Renders a briefing's template to `path`.
fn write_page(page: &impl Template, path: &Path) -> Result<(), BriefError> {
    let html = page
        .render()
        .map_err(|e| format!("cannot lay out {}: {e}", path.display()))?;
    std::fs::write(path, html)
        .map_err(|e| BriefError::Failed(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shared figure part, alone.
    #[derive(Template)]
    #[template(
        source = r#"{% import "parts.html" as parts %}{% call parts::figure(chart, caption) %}"#,
        ext = "html"
    )]
    struct FigureOnly<'a> {
        chart: InlineChart<'a>,
        caption: &'a str,
    }

    #[test]
    fn figures_escape_text_but_not_the_svg() {
        let saved = Saved {
            name: "fan_x".into(),
            title: String::new(),
            svg: "<?xml version=\"1.0\"?>\n<svg><text>a &lt; b</text></svg>".into(),
        };
        let html = FigureOnly {
            chart: InlineChart::from(&saved),
            caption: "Guns & <b>\"butter\"</b>",
        }
        .render()
        .unwrap();
        assert!(html.contains("<figure id=\"chart-fan_x\"><svg><text>a &lt; b</text></svg>"));
        assert!(!html.contains("<?xml"), "the prolog is left out");
        assert!(html.contains("Guns &#38; &#60;b&#62;&#34;butter&#34;&#60;/b&#62;"));
        assert!(html.contains("<a href=\"charts/fan_x.svg\">charts/fan_x.svg</a>"));
    }
}
