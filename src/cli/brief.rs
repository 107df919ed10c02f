//! `stratex brief`: charts and briefing.html for a result folder.

use super::Failure;
use std::path::Path;

pub fn brief(dir: &Path) -> Result<(), Failure> {
    let pack = stratex::brief::write(dir)?;
    say!(
        "wrote {} and {} charts (PNG and SVG) in {}",
        pack.html.display(),
        pack.charts.len(),
        dir.join("charts").display()
    );
    Ok(())
}
