//! Writing results without ever leaving a half-written or mixed set of files.
//!
//! All files of a result are written into a hidden staging folder beside the destination
//! (`.name.partial-<pid>`), then the staging folder replaces the destination in one rename. A
//! failed or interrupted run leaves the previous results untouched and removes its staging folder.
//! A destination that exists and was not made by stratex (no `.stratex` marker) is never replaced.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Name of the marker file stratex puts in every result folder.
pub const MARKER: &str = ".stratex";

/// A result folder being written.
pub struct Staging {
    dest: PathBuf,
    tmp: PathBuf,
    done: bool,
}

impl Staging {
    /// Prepares to write the result folder `dest`. Fails if `dest` exists, is not empty and was
    /// not made by stratex.
    pub fn new(dest: &Path) -> io::Result<Staging> {
        check_replaceable(dest)?;
        let parent = parent_of(dest);
        fs::create_dir_all(&parent)?;
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "results".into());
        let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp)?;
        }
        fs::create_dir(&tmp)?;
        fs::write(
            tmp.join(MARKER),
            concat!("made by stratex ", env!("CARGO_PKG_VERSION"), "\n"),
        )?;
        Ok(Staging {
            dest: dest.to_path_buf(),
            tmp,
            done: false,
        })
    }

    /// Path of a file inside the staging folder.
    pub fn path(&self, file: &str) -> PathBuf {
        self.tmp.join(file)
    }

    /// The staging folder itself.
    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// The final destination.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Moves the finished folder into place, replacing an earlier result.
    pub fn commit(mut self) -> io::Result<()> {
        check_replaceable(&self.dest)?;
        let old = if self.dest.exists() {
            let name = self
                .dest
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let old = parent_of(&self.dest).join(format!(".{name}.old-{}", std::process::id()));
            if old.exists() {
                fs::remove_dir_all(&old)?;
            }
            fs::rename(&self.dest, &old)?;
            Some(old)
        } else {
            None
        };
        if let Err(e) = fs::rename(&self.tmp, &self.dest) {
            if let Some(old) = &old {
                let _ = fs::rename(old, &self.dest);
            }
            return Err(e);
        }
        self.done = true;
        if let Some(old) = old {
            fs::remove_dir_all(old)?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

fn parent_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// An existing destination may be replaced only if it is an empty folder or a stratex result.
pub fn check_replaceable(dest: &Path) -> io::Result<()> {
    if !dest.exists() {
        return Ok(());
    }
    if !dest.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} exists and is not a folder; choose another --out",
                dest.display()
            ),
        ));
    }
    let empty = fs::read_dir(dest)?.next().is_none();
    if empty || dest.join(MARKER).is_file() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} exists and was not made by stratex (it has no {MARKER} marker), so it will not be replaced; choose another --out or empty it",
                dest.display()
            ),
        ))
    }
}
