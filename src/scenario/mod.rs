//! Reading scenario files.
//!
//! [`load`] reads a RON file into the raw [`format::Scenario`], reporting syntax and type errors
//! with line and column. Checking references, ranges and units happens when the scenario is
//! compiled into the model (`model::compile`).

pub mod error;
pub mod format;
pub mod num;
pub mod table;

pub use error::{Location, Problem, ScenarioError};
pub use format::Scenario;
pub use num::{Expr, Num};

use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Read;
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
/// Only a regular file (or a symbolic link to one) is read, and never more than
/// [`MAX_FILE_BYTES`] + 1 bytes of it (see [`read_bounded`]).
pub fn load(path: &Path) -> Result<Source, ScenarioError> {
    let bytes = read_bounded(path)
        .map_err(|why| ScenarioError::single(path, Location::File, why.to_string()))?;
    from_bytes(path, bytes)
}

/// The bytes of the regular file at `path`, at most [`MAX_FILE_BYTES`] of them.
///
/// Guarantees, whatever `path` names: no wait on a named pipe, nothing opened that is not a
/// regular file when it is checked, and at most [`MAX_FILE_BYTES`] + 1 bytes read, even from a
/// file that grows or a special file that reports a length of 0. The error says what `path` is
/// and what is allowed.
pub fn read_bounded(path: &Path) -> Result<Vec<u8>, FileError> {
    let cannot = FileError::Unreadable;
    // Checked before opening: opening a device can have effects of its own.
    let meta = std::fs::metadata(path).map_err(cannot)?;
    regular_and_small(&meta)?;
    let file = open_without_waiting(path).map_err(cannot)?;
    // Checked again on what was opened: the path may have been replaced in between.
    let meta = file.metadata().map_err(cannot)?;
    regular_and_small(&meta)?;
    let limit = MAX_FILE_BYTES + 1;
    let mut bytes = Vec::with_capacity(meta.len().min(limit) as usize);
    file.take(limit).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(FileError::Grew);
    }
    Ok(bytes)
}

/// Why a file a user named was not read. Its message completes a sentence that starts with the
/// file's path ("scenario.ron: is a folder; ...").
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The path could not be opened or read.
    #[error("cannot read the file: {0}")]
    Unreadable(std::io::Error),
    /// The path names a folder.
    #[error("is a folder; give the path of a .ron scenario file")]
    Folder,
    /// The path names a named pipe, a device or a socket, which stratex never reads.
    #[error(
        "is {0}, not a regular file; give the path of a .ron scenario file (a regular file, or a symbolic link to one)"
    )]
    Special(&'static str),
    /// The file is larger than [`MAX_FILE_BYTES`].
    #[error("is {0} bytes; scenario files are limited to {MAX_FILE_BYTES} bytes")]
    TooLarge(u64),
    /// The file grew past the limit while it was being read.
    #[error(
        "has grown past {MAX_FILE_BYTES} bytes while being read; scenario files are limited to {MAX_FILE_BYTES} bytes"
    )]
    Grew,
}

/// Refuses anything but a regular file of at most [`MAX_FILE_BYTES`] bytes.
fn regular_and_small(meta: &std::fs::Metadata) -> Result<(), FileError> {
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err(FileError::Folder);
    }
    if !kind.is_file() {
        return Err(FileError::Special(special_kind(&kind)));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge(meta.len()));
    }
    Ok(())
}

/// What a file that is neither a regular file nor a folder is, in words.
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    let _ = kind;
    "a special file"
}

/// Opens `path` for reading without ever waiting: a named pipe swapped in after the check would
/// otherwise block the open until a writer comes, and a pseudo-file that has nothing to give
/// (such as `/proc/kmsg`) would block the read. It cannot become our controlling terminal.
fn open_without_waiting(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path)
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
        .with_default_extension(
            ron::extensions::Extensions::IMPLICIT_SOME
                | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
        )
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
            "this whole number is out of range: steps, runs and seeds are whole numbers from 0 to 18446744073709551615 (and the limits in docs/scenario-format.md)".to_string()
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
