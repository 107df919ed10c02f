//! The sheets of the workbooks `--xlsx` writes: `results.xlsx` of a run, `comparison.xlsx` of
//! a comparison. Each is a list of [`Sheet`]s written by [`super::xlsx::write`]; a new sheet is
//! one more [`Sheet`] in a list here.

use super::Fitted;
use super::compare::ComparisonFile;
use super::sheet::{Cell, Sheet};
use super::summary::{ScenarioInfo, Summary};

/// The workbook of a run: `summary` (each outcome's id, name, unit, mean, p5, p50, p95),
/// `flows` (the rows of `flows.csv`, given as `flows`) and `reproduce`.
pub fn run(summary: &Summary, flows: Sheet) -> Vec<Sheet> {
    let columns = ["outcome", "name", "unit", "mean", "p5", "p50", "p95"];
    let mut outcomes = Sheet::new("summary", columns);
    for o in &summary.outcomes {
        let mut row: Vec<Cell> = [&o.id, &o.name, &o.unit]
            .map(|t| Cell::text(t.as_str()))
            .into();
        row.extend([o.stats.mean, o.stats.p5, o.stats.p50, o.stats.p95].map(Cell::Number));
        outcomes.rows.push(row);
    }
    let mut fields = scenario_fields(&summary.generator, &summary.scenario, summary.seed);
    fields.push(("runs", Cell::Whole(summary.runs)));
    if !summary.complete {
        fields.push(("runs finished", Cell::Whole(summary.runs_finished)));
    }
    fields.push(("reproduce", Cell::text(summary.reproduce.as_str())));
    fields.extend(posterior_fields(summary.fitted.as_ref()));
    vec![outcomes, flows, Sheet::fields("reproduce", fields)]
}

/// The workbook of a comparison: `summary` (the best setting per outcome, as the terminal's
/// first table: its change in the mean from the baseline with the paired 95% interval, and
/// the share of runs it does better in), `comparison` (the rows of `comparison.csv`) and
/// `reproduce`.
pub fn compare(file: &ComparisonFile) -> Vec<Sheet> {
    let columns = [
        "outcome",
        "name",
        "unit",
        "best_setting",
        "change",
        "change_ci_low",
        "change_ci_high",
        "p_better",
    ];
    let mut best = Sheet::new("summary", columns);
    for o in &file.outcomes {
        let mut row: Vec<Cell> = [&o.id, &o.name, &o.unit]
            .map(|t| Cell::text(t.as_str()))
            .into();
        match file.best(o) {
            0 => row.extend([
                Cell::text("baseline: no setting does better"),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
            ]),
            b => {
                let r = &o.results[b];
                let d = &r.difference;
                row.push(Cell::text(r.setting.as_str()));
                row.extend([d.mean, d.ci95[0], d.ci95[1], d.p_better].map(Cell::Number));
            }
        }
        best.rows.push(row);
    }
    let mut fields = scenario_fields(&file.generator, &file.scenario, file.seed);
    fields.push(("paired runs per setting", Cell::Whole(file.runs)));
    fields.push(("settings", Cell::Whole(file.settings.len() as u64)));
    fields.push(("reproduce", Cell::text(file.reproduce.as_str())));
    fields.extend(posterior_fields(file.fitted.as_ref()));
    let mut sheets = vec![best];
    sheets.extend(tradeoff(file));
    sheets.push(file.rows());
    sheets.extend(across(file));
    sheets.push(Sheet::fields("reproduce", fields));
    sheets
}

/// The `tradeoff` sheet when the comparison names targets: one row per option, best first,
/// with its change (and 95% interval) in every target and cost.
fn tradeoff(file: &ComparisonFile) -> Option<Sheet> {
    let t = file.tradeoff()?;
    let mut columns = vec!["option".to_string()];
    for (i, o) in t.outcomes.iter().enumerate() {
        let role = if i < t.targets { "target" } else { "cost" };
        for part in ["change", "ci_low", "ci_high"] {
            columns.push(format!("{}_{part} ({role}, {})", o.id, o.unit));
        }
    }
    columns.push("p_better_first_target".into());
    let mut sheet = Sheet::new("tradeoff", columns);
    for &s in &t.order {
        let mut row = vec![Cell::text(file.settings[s].label.as_str())];
        for o in &t.outcomes {
            let d = &o.results[s].difference;
            row.extend([d.mean, d.ci95[0], d.ci95[1]].map(Cell::Number));
        }
        row.push(Cell::Number(t.outcomes[0].results[s].difference.p_better));
        sheet.rows.push(row);
    }
    Some(sheet)
}

/// The `across` sheet when the comparison was repeated across uncertainties: the rows of
/// `across.csv`.
fn across(file: &ComparisonFile) -> Option<Sheet> {
    (!file.robustness.is_empty()).then(|| super::across::Sweep::sheet(&file.robustness))
}

/// What every `reproduce` sheet starts with: the generator, the scenario and the seed.
fn scenario_fields(
    generator: &str,
    scenario: &ScenarioInfo,
    seed: u64,
) -> Vec<(&'static str, Cell)> {
    vec![
        ("generator", Cell::text(generator)),
        ("scenario", Cell::text(scenario.name.as_str())),
        ("scenario file", Cell::text(scenario.file.as_str())),
        ("sha256", Cell::text(scenario.sha256.as_str())),
        ("seed", Cell::Whole(seed)),
    ]
}

/// The posterior the calibrated uncertainties were drawn from, if any: its file and SHA-256.
fn posterior_fields(fitted: Option<&Fitted>) -> Vec<(&'static str, Cell)> {
    fitted.map_or_else(Vec::new, |f| {
        vec![
            ("posterior", Cell::text(f.file.as_str())),
            ("posterior sha256", Cell::text(f.sha256.as_str())),
        ]
    })
}
