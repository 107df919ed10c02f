//! Errors in scenario files, written for the analyst who has to fix them.
//!
//! Every problem names the file and either the line and column (syntax) or the path of the bad
//! field (`actors[dprk].offers[shells].reserve`), says what is wrong and what is allowed, and,
//! for an unknown name, suggests the closest known one. All problems found in a file are
//! reported together.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a scenario a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A position in the text (1-based line and column).
    Text { line: usize, column: usize },
    /// The path of a field, e.g. `actors[dprk].offers[shells].reserve`.
    Field(String),
    /// The file as a whole (unreadable, too large, empty).
    File,
}

/// One thing wrong with a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub at: Location,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl Problem {
    /// A problem at a field path.
    pub fn field(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            at: Location::Field(path.into()),
            message: message.into(),
        }
    }
}

/// A scenario that cannot be run, with everything found wrong in it.
///
/// The CLI prints it and exits with status 2; nothing is written.
#[derive(Clone, Debug)]
pub struct ScenarioError {
    pub file: PathBuf,
    pub problems: Vec<Problem>,
}

impl ScenarioError {
    /// An error with a single problem.
    pub fn single(file: &Path, at: Location, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: file.to_path_buf(),
            problems: vec![Problem {
                at,
                message: message.into(),
            }],
        }
    }

    /// Whether any problem's message contains `needle` (for tests and tools).
    pub fn mentions(&self, needle: &str) -> bool {
        self.problems.iter().any(|p| {
            p.message.contains(needle) || matches!(&p.at, Location::Field(f) if f.contains(needle))
        })
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        for p in &self.problems {
            // Messages can hold names from the file; each problem stays on one line.
            let message = one_line(&p.message);
            match &p.at {
                Location::Text { line, column } => {
                    writeln!(f, "error: {file}:{line}:{column}: {}", message)?
                }
                Location::Field(path) => {
                    writeln!(f, "error: {file}: {}: {}", shown_path(path), message)?
                }
                Location::File => writeln!(f, "error: {file}: {}", message)?,
            }
        }
        let n = self.problems.len();
        write!(
            f,
            "{file}: {n} problem{} found; nothing was run",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for ScenarioError {}

/// The known name closest to `name`, if one is close enough to be a likely typo.
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let mut best: Option<(&str, usize)> = None;
    for k in known {
        let d = edit_distance(&lower, &k.to_lowercase());
        let limit = (k.chars().count().max(name.chars().count()) / 3).max(2);
        let prefix = k.to_lowercase().starts_with(&lower) || lower.starts_with(&k.to_lowercase());
        if (d <= limit || prefix) && best.is_none_or(|(_, bd)| d < bd) {
            best = Some((k, d));
        }
    }
    best.map(|(k, _)| k)
}

/// Unicode's explicit direction controls (embeddings, overrides, isolates and marks): invisible,
/// and able to reorder how the text around them is shown.
pub fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with control and text-direction characters, quotes and backslashes escaped (`\n`,
/// `\u{202e}`, `\"`), so that a hostile name cannot break an error message over lines, reorder
/// it on screen or end its quotes early.
pub fn escaped(text: &str) -> String {
    escape(text, |c| c == '"' || c == '\\')
}

/// `text` with control and text-direction characters escaped, and any character `also` picks.
fn escape(text: &str, also: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || is_direction_control(c) || also(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// A whole message on one line: control and text-direction characters escaped, quotes kept.
fn one_line(text: &str) -> String {
    escape(text, |_| false)
}

/// `text` cut to `most` characters (then "..." added) and escaped. Cut before escaping, so
/// that an escape sequence is never cut in half.
fn cut_escaped(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        return escaped(text);
    }
    let mut shown = escaped(&text.chars().take(most).collect::<String>());
    shown.push_str("...");
    shown
}

/// A field path as shown: escaped, and cut to 157 characters and "..." (an over-long id is
/// reported at its own entry; the path only has to say where).
fn shown_path(path: &str) -> String {
    cut_escaped(path, 157)
}

/// A name as quoted in a message: escaped, and cut to 40 characters with "..." if longer.
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", cut_escaped(name, 40))
}

/// A number as shown in a message: as written for ordinary sizes, in scientific notation
/// beyond ±1e15 so that `1e300` is not printed as 301 digits.
pub fn number(v: f64) -> String {
    if v.is_finite() && v.abs() >= 1e15 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// "unknown actor "rusia"; did you mean "russia"? Known: ..."
pub fn unknown(kind: &str, name: &str, known: &[&str]) -> String {
    let mut msg = format!("unknown {kind} {}", quoted(name));
    let sep = match closest(name, known.iter().copied()) {
        Some(c) => {
            msg.push_str(&format!("; did you mean {}?", quoted(c)));
            " "
        }
        None => ". ",
    };
    let kinds = plural(kind);
    if known.is_empty() {
        msg.push_str(&format!(" (the scenario declares no {kinds})"));
    } else {
        let shown: Vec<String> = known.iter().map(|k| cut_escaped(k, 40)).take(12).collect();
        let more = if known.len() > 12 {
            format!(", ... ({} in all)", known.len())
        } else {
            String::new()
        };
        msg.push_str(&format!("{sep}Known {kinds}: {}{more}", shown.join(", ")));
    }
    msg
}

fn plural(kind: &str) -> String {
    match kind {
        "lever or uncertainty" => "levers and uncertainties".to_string(),
        k if k.ends_with('y') => format!("{}ies", &k[..k.len() - 1]),
        k => format!("{k}s"),
    }
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let known = ["russia", "dprk", "china"];
        assert_eq!(closest("rusia", known), Some("russia"));
        assert_eq!(closest("DPRK", known), Some("dprk"));
        assert_eq!(closest("venezuela", known), None);
    }

    #[test]
    fn unknown_message_lists_known_names() {
        let m = unknown("actor", "rusia", &["russia", "dprk"]);
        assert!(m.contains("did you mean \"russia\"?"));
        assert!(m.contains("Known actors: russia, dprk"));
        assert!(unknown("uncertainty", "x", &["a"]).contains("Known uncertainties: a"));
    }

    #[test]
    fn hostile_names_stay_on_one_line_and_short() {
        let m = unknown("actor", "trade,\n    ],\u{202e}x", &["trader"]);
        assert!(!m.contains('\n') && !m.contains('\u{202e}'), "{m}");
        assert!(m.contains(r#""trade,\n    ],\u{202e}x""#), "{m}");
        assert!(unknown("actor", "a\"b", &[]).contains(r#""a\"b""#));
        let listed = unknown("actor", "mine", &["miner\n, x", "trader"]);
        assert!(!listed.contains('\n'), "{listed}");
        assert!(listed.contains(r#"did you mean "miner\n, x"?"#), "{listed}");
        let long = "w".repeat(500);
        assert!(quoted(&long).len() < 50);
        assert!(quoted(&long).ends_with("...\""));
    }

    #[test]
    fn huge_numbers_are_shown_in_scientific_notation() {
        assert_eq!(number(-1e308), "-1e308");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(f64::INFINITY), "inf");
        assert_eq!(number(1e15), "1e15");
    }

    #[test]
    fn field_paths_are_escaped_when_shown() {
        let e = ScenarioError::single(
            Path::new("s.ron"),
            Location::Field("outcomes[a\nb].to".into()),
            "lever \"x\ny\" is declared but no parameter uses it",
        );
        let text = e.to_string();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.contains(r"outcomes[a\nb].to"));
        let long = format!("actors[{}].stocks", "x".repeat(400));
        let e = ScenarioError::single(Path::new("s.ron"), Location::Field(long), "bad");
        assert!(e.to_string().len() < 220, "{e}");
    }
}
