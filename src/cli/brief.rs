//! `stratex brief`: charts and briefing.html for a result folder.

use super::Failure;
use std::path::Path;

pub fn brief(dir: &Path) -> Result<(), Failure> {
    if !dir.join("summary.json").is_file() {
        return Err(Failure::Input(format!(
            "error: {} has no summary.json; give a folder written by `stratex run` (for example output/nk_russia)",
            dir.display()
        )));
    }
    if dir.join(stratex::report::part::PART).is_file() {
        return Err(Failure::Input(format!(
            "error: {} holds a run that was stopped before its end; finish it with `stratex run SCENARIO --out {} --resume`, then draw the briefing",
            dir.display(),
            dir.display()
        )));
    }
    let pack = stratex::report::brief::write(dir).map_err(Failure::Other)?;
    say!(
        "wrote {} and {} charts (PNG and SVG) in {}",
        pack.html.display(),
        pack.charts.len(),
        dir.join("charts").display()
    );
    Ok(())
}
