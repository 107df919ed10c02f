//! Reading scenario files.
//!
//! [`load`] reads a RON file into the raw [`format::Scenario`], reporting syntax and type errors
//! with line and column. Checking references, ranges and units happens when the scenario is
//! compiled into a [`crate::model::Model`]; see [`crate::model::compile()`].

pub mod error;
pub mod format;
pub mod num;
pub mod table;

pub use error::{Location, Problem, ScenarioError};
pub use format::Scenario;
pub use num::{Expr, Num};

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Largest scenario file accepted, in bytes. Real scenarios are tens of kilobytes.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// A parsed scenario with the facts needed to reproduce a run from it.
#[derive(Clone, Debug)]
pub struct Source {
    /// The path as given.
    pub path: PathBuf,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The file's text, exactly as read (saved beside partial results so they can be merged
    /// or resumed even if the file changes).
    pub text: String,
    pub scenario: Scenario,
}

impl Source {
    /// The file name without directories, as recorded in results.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }

    /// The file name without extension, made safe to use as one folder name inside the output
    /// directory: never empty, `.` or `..`, never hidden, no separators or control characters.
    /// So a file called `...ron` or `.hidden.ron` cannot send results outside `output/`.
    pub fn stem(&self) -> String {
        let raw = self
            .path
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        safe_folder_name(&raw)
    }
}

/// `name` as a single, visible folder name (see [`Source::stem`]).
pub fn safe_folder_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim_start_matches('.').trim();
    if trimmed.is_empty() {
        "scenario".to_string()
    } else {
        trimmed.chars().take(100).collect()
    }
}

/// Reads and parses a scenario file.
///
/// Errors name the file and, for syntax and type errors, the line and column; only the first
/// syntax error in a file can be reported, because the parser cannot know what was meant after it.
pub fn load(path: &Path) -> Result<Source, ScenarioError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        ScenarioError::single(path, Location::File, format!("cannot read the file: {e}"))
    })?;
    if meta.is_dir() {
        return Err(ScenarioError::single(
            path,
            Location::File,
            "is a folder; give the path of a .ron scenario file",
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ScenarioError::single(
            path,
            Location::File,
            format!(
                "is {} bytes; scenario files are limited to {} bytes",
                meta.len(),
                MAX_FILE_BYTES
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        ScenarioError::single(path, Location::File, format!("cannot read the file: {e}"))
    })?;
    from_bytes(path, bytes)
}

/// Checks and parses the bytes of a scenario file; `path` is used in messages only. Does all
/// that [`load`] does after reading the file (size limit, UTF-8, syntax).
pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Source, ScenarioError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ScenarioError::single(
            path,
            Location::File,
            format!(
                "is {} bytes; scenario files are limited to {} bytes",
                bytes.len(),
                MAX_FILE_BYTES
            ),
        ));
    }
    let sha256 = hex(&Sha256::digest(&bytes));
    let text = String::from_utf8(bytes).map_err(|e| {
        let (line, column) = position_of_byte(&e.as_bytes()[..e.utf8_error().valid_up_to()]);
        ScenarioError::single(
            path,
            Location::Text { line, column },
            "the file is not valid UTF-8 text; save it as UTF-8",
        )
    })?;
    let scenario = parse(path, &text)?;
    Ok(Source {
        path: path.to_path_buf(),
        sha256,
        text,
        scenario,
    })
}

/// Parses scenario text; `path` is used only in error messages.
pub fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    if text.trim().is_empty() {
        return Err(ScenarioError::single(
            path,
            Location::File,
            "the file is empty; a scenario starts with Scenario( name: ..., time: ..., goods: [...], actors: [...] )",
        ));
    }
    let options = ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .with_recursion_limit(64);
    options.from_str::<Scenario>(text).map_err(|e| {
        ScenarioError::single(
            path,
            Location::Text {
                line: e.span.start.line,
                column: e.span.start.col,
            },
            explain_syntax(&e.code),
        )
    })
}

/// Rewords the parser's messages where they would puzzle someone who is not a Rust programmer.
fn explain_syntax(code: &ron::Error) -> String {
    let raw = code.to_string();
    match code {
        ron::Error::ExpectedDifferentStructName { expected, found } => {
            format!("expected `{expected}(...)` here but found `{found}(...)`; check the spelling")
        }
        ron::Error::ExpectedComma => {
            "expected a comma here: is the comma after the previous item missing?".to_string()
        }
        ron::Error::ExceededRecursionLimit => {
            "the file nests too deeply (more than 64 levels); scenarios need far fewer".to_string()
        }
        ron::Error::IntegerOutOfBounds => {
            "this whole number is out of range: steps, runs and seeds are whole numbers from 0 to 18446744073709551615 (and the limits in the README)".to_string()
        }
        _ => raw
            .replace("Unexpected missing field named", "missing field")
            .replace("Unexpected field named", "unknown field"),
    }
}

fn position_of_byte(prefix: &[u8]) -> (usize, usize) {
    let line = prefix.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = prefix.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, column)
}

/// Lower-case hex SHA-256 of `bytes`, as recorded for scenario files.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::safe_folder_name;

    #[test]
    fn folder_names_from_file_names_stay_inside_the_output_folder() {
        for (given, want) in [
            ("nk_russia", "nk_russia"),
            ("..", "scenario"),
            (".", "scenario"),
            ("", "scenario"),
            (".hidden", "hidden"),
            ("a/b", "a_b"),
            ("a\\b:c", "a_b_c"),
            ("tab\there", "tab_here"),
            ("Корея", "Корея"),
        ] {
            assert_eq!(safe_folder_name(given), want, "{given:?}");
        }
    }
}
