//! The briefing of a comparison: which setting does best, what each changes, every outcome
//! under every setting.

use super::{BriefError, InlineChart, Reproduce, file_name, source_lines, write_page};
use crate::model::Better;
use crate::montecarlo::compare::Difference;
use crate::number::{change_phrase, change_range, exact_count, phrase, sig3, signed_phrase};
use crate::plot::compare::{Boxes, DiffRow, Differences, Verdict};
use crate::plot::{self, Frame, Saved};
use crate::report::compare::{
    ComparisonFile, METHOD, OutcomeComparison, SettingInfo, SettingResult, excludes_zero,
};
use crate::report::table::clip;
use askama::Template;

mod summary;
use std::path::Path;

/// A setting's label as part of a file name: ASCII letters, digits, `.` and `-` kept, every
/// other character `_`.
fn slug(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A change in `o`'s mean judged in `o`'s better direction; unclear while the paired 95%
/// interval holds 0.
fn verdict(o: &OutcomeComparison, d: &Difference) -> Verdict {
    if !excludes_zero(d) {
        return Verdict::Unclear;
    }
    let up = d.mean > 0.0;
    match (o.better, up) {
        (Better::Higher, true) | (Better::Lower, false) => Verdict::Better,
        _ => Verdict::Worse,
    }
}

/// Draws the comparison charts into `dir/charts` and writes `briefing.html` into `dir`, opening
/// with the one-page summary; with `one_page`, writes only the summary: `summary.html` and,
/// when headless Chromium is found, `summary.pdf`.
pub fn write(
    dir: &Path,
    file: &ComparisonFile,
    elapsed: f64,
    one_page: bool,
) -> Result<(), BriefError> {
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir)
        .map_err(|e| format!("cannot create {}: {e}", charts_dir.display()))?;
    let err = |e: plot::PlotError| format!("cannot draw a chart: {e}");
    let ranked = summary::ranked(file);
    let key = summary::chart(&ranked, &charts_dir).map_err(err)?;
    let summary = summary::Summary::new(&ranked, &key, file.targets.is_empty());
    if one_page {
        let page = summary::Page {
            title: format!("{}: the answer on one page", file.scenario.name),
            s: summary,
        };
        let html = dir.join("summary.html");
        write_page(&page, &html)?;
        super::pdf::print(&html, &dir.join("summary.pdf"))?;
        return Ok(());
    }
    let differences = file
        .settings
        .iter()
        .enumerate()
        .skip(1)
        .map(|(s, setting)| plot::save(&differences(file, s, setting), &charts_dir).map_err(err))
        .collect::<Result<Vec<_>, _>>()?;
    let boxes = file
        .outcomes
        .iter()
        .map(|o| plot::save(&boxes(file, o), &charts_dir).map_err(err))
        .collect::<Result<Vec<_>, _>>()?;
    write_page(
        &page(file, &differences, &boxes, elapsed, summary),
        &dir.join("briefing.html"),
    )
}

/// A chart's source line, naming the levers of the setting it shows (none: `levers` empty).
fn source(file: &ComparisonFile, levers: &str) -> Vec<String> {
    source_lines(
        &file.generator,
        &file.scenario.name,
        &file.scenario.file,
        &file.scenario.sha256,
        &format!(
            "{} settings x {} paired runs",
            file.settings.len(),
            exact_count(file.runs)
        ),
        file.seed,
        levers,
    )
}

/// What setting `s` changes in every outcome, relative to the baseline's mean.
fn differences(file: &ComparisonFile, s: usize, setting: &SettingInfo) -> Differences {
    let rows = file
        .outcomes
        .iter()
        .map(|o| {
            let d = &o.results[s].difference;
            let base = o.results[0].stats.mean;
            DiffRow {
                name: clip(&o.name, 44),
                relative: (base != 0.0).then(|| {
                    let k = 100.0 / base.abs();
                    (d.mean * k, d.ci95[0] * k, d.ci95[1] * k)
                }),
                note: format!("baseline 0; change {}", signed_phrase(d.mean, &o.unit)),
                verdict: verdict(o, d),
            }
        })
        .collect();
    Differences {
        slug: slug(&setting.label),
        rows,
        frame: Frame {
            title: format!("What {} changes", setting.label),
            subtitle: format!(
                "Change in each outcome's mean from the baseline with the paired 95% interval, over {} runs with common random numbers.",
                exact_count(file.runs)
            ),
            source: source(file, &setting.label),
        },
    }
}

/// An outcome's final value under every setting.
fn boxes(file: &ComparisonFile, o: &OutcomeComparison) -> Boxes {
    Boxes {
        id: o.id.clone(),
        name: o.name.clone(),
        unit: o.unit.clone(),
        labels: o.results.iter().map(|r| clip(&r.setting, 40)).collect(),
        stats: o.results.iter().map(|r| r.stats.clone()).collect(),
        frame: Frame {
            title: format!("{}: every setting", o.name),
            subtitle: format!(
                "Distribution of the final value under each setting ({} runs each; {} is better).",
                exact_count(file.runs),
                if o.better == Better::Higher {
                    "higher"
                } else {
                    "lower"
                }
            ),
            source: source(file, ""),
        },
    }
}

/// The briefing of a comparison, laid out by `templates/compare.html`.
#[derive(Template)]
#[template(path = "compare.html")]
struct Page<'a> {
    /// The page's title, also its heading.
    title: String,
    f: &'a ComparisonFile,
    /// The scenario file's name, without its folder.
    file: &'a str,
    /// Paired runs per setting, with thousands separators.
    runs: String,
    /// One "what it changes" chart per setting but the baseline.
    differences: Vec<InlineChart<'a>>,
    /// Each setting's label and lever values, as "id = value, ...".
    settings: Vec<(&'a str, String)>,
    outcomes: Vec<OutcomeView<'a>>,
    reproduce: Reproduce,
    /// The one-page summary the briefing opens with.
    s: summary::Summary<'a>,
}

/// An outcome under every setting.
struct OutcomeView<'a> {
    o: &'a OutcomeComparison,
    chart: InlineChart<'a>,
    /// One row per setting, the baseline first.
    rows: Vec<Row<'a>>,
    /// The best setting's row; `None` when no setting beats the baseline.
    best: Option<Row<'a>>,
    /// What the best setting costs (see [`ComparisonFile::cost_of`]).
    cost: String,
}

/// A setting's numbers in one outcome, in words.
#[derive(Clone)]
struct Row<'a> {
    setting: &'a str,
    median: String,
    mean: String,
    /// Change in the mean from the baseline, signed.
    change: String,
    /// The change's paired 95% interval.
    interval: String,
    /// Percentage of runs in which the setting does better than the baseline.
    better_in: String,
    rank: usize,
}

/// The briefing's contents; `boxes` holds one chart per outcome, in the file's order.
fn page<'a>(
    file: &'a ComparisonFile,
    differences: &'a [Saved],
    boxes: &'a [Saved],
    elapsed: f64,
    s: summary::Summary<'a>,
) -> Page<'a> {
    let outcomes = file
        .outcomes
        .iter()
        .zip(boxes)
        .map(|(o, chart)| {
            let rows: Vec<Row> = o.results.iter().map(|r| row(o, r)).collect();
            let best = file.best(o);
            OutcomeView {
                o,
                chart: chart.into(),
                best: (best != 0).then(|| rows[best].clone()),
                cost: if best == 0 {
                    String::new()
                } else {
                    file.cost_of(best, &o.id)
                },
                rows,
            }
        })
        .collect();
    let settings = file
        .settings
        .iter()
        .map(|s| {
            let levers: Vec<String> = s.levers.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            (s.label.as_str(), levers.join(", "))
        })
        .collect();
    let facts = vec![
        ("Program", file.generator.clone()),
        ("Scenario SHA-256", file.scenario.sha256.clone()),
        ("Seed", file.seed.to_string()),
        ("Paired runs per setting", exact_count(file.runs)),
        ("Elapsed", format!("{elapsed:.1} s")),
        ("Method", METHOD.to_string()),
    ];
    Page {
        title: format!("{}: comparing policy settings", file.scenario.name),
        f: file,
        file: file_name(&file.scenario.file),
        runs: exact_count(file.runs),
        differences: differences.iter().map(InlineChart::from).collect(),
        settings,
        outcomes,
        reproduce: Reproduce {
            command: file.reproduce.clone(),
            identical: &[],
            facts,
        },
        s,
    }
}

/// Setting `r`'s numbers in outcome `o`, in `o`'s unit.
fn row<'a>(o: &OutcomeComparison, r: &'a SettingResult) -> Row<'a> {
    let d = &r.difference;
    Row {
        setting: &r.setting,
        median: phrase(r.stats.p50, &o.unit),
        mean: phrase(r.stats.mean, &o.unit),
        change: change_phrase(d.mean, &o.unit),
        interval: change_range(d.ci95[0], d.ci95[1], &o.unit),
        better_in: sig3(100.0 * d.p_better),
        rank: r.rank,
    }
}
