//! Printing a page to PDF with headless Chromium, when it is installed.

use super::BriefError;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a print may take before it is given up.
const TIMEOUT: Duration = Duration::from_secs(120);

/// The Chromium to print with: `$STRATEX_CHROMIUM`, else the first of `chromium`,
/// `chromium-browser`, `google-chrome` on the `PATH`.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("STRATEX_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// Prints `html` to `pdf`; returns whether it did (`false`: no Chromium found, nothing
/// written). A Chromium that fails or hangs is an error, and no PDF is left behind.
pub fn print(html: &Path, pdf: &Path) -> Result<bool, BriefError> {
    let Some(browser) = chromium() else {
        return Ok(false);
    };
    let html = std::fs::canonicalize(html)
        .map_err(|e| BriefError::Failed(format!("cannot find {}: {e}", html.display())))?;
    let profile = pdf.with_extension("chromium-profile");
    let mut child = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| BriefError::Failed(format!("cannot start {}: {e}", browser.display())))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "{} did not finish within {} s",
                    browser.display(),
                    TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => break Err(e.to_string()),
        }
    };
    let _ = std::fs::remove_dir_all(&profile);
    match status {
        Ok(s) if s.success() && pdf.is_file() => Ok(true),
        Ok(s) => {
            let _ = std::fs::remove_file(pdf);
            Err(BriefError::Failed(format!(
                "{} could not print {} to PDF ({s})",
                browser.display(),
                html.display()
            )))
        }
        Err(e) => {
            let _ = std::fs::remove_file(pdf);
            Err(BriefError::Failed(e))
        }
    }
}
