//! The briefing pack of a run: charts and one self-contained HTML file.
//!
//! [`write()`] reads a result folder and writes into it `charts/*.png`, `charts/*.svg` and
//! `briefing.html`, both under temporary names renamed into place.

use super::{BriefError, InlineChart, Pack, Reproduce, file_name, source_lines, words, write_page};
use crate::model::Better;
use crate::number::{between_phrase, exact_count, human, percent, range_phrase};
use crate::plot::{
    self, Distribution, Fan, FlowBar, FlowPanel, Flows, Frame, Overview, OverviewPanel, Saved,
};
use crate::report::read::ResultFolder;
use crate::report::summary::{LeverValue, OutcomeSummary, Summary};
use crate::report::{Fitted, answers, part};
use crate::stats::histogram::Histogram;
use askama::Template;
use std::path::Path;

/// Writes the charts and `briefing.html` for the result folder `dir`, which must hold the
/// finished results of a whole batch.
pub fn write(dir: &Path) -> Result<Pack, BriefError> {
    let shown = dir.display();
    if let Ok(part) = part::read(dir) {
        return Err(BriefError::NotFinished(match part.info.shard {
            Some([k, n]) => format!(
                "{shown} holds shard {k} of {n}; combine the shards with `stratex merge SHARD_DIR... --out DIR --brief` (or `stratex brief DIR` after the merge)"
            ),
            None => format!(
                "{shown} holds a batch stopped after {} of {} runs; finish it with `{} SCENARIO --out {shown} --resume`, then draw the briefing",
                part.info.completed,
                part.info.count,
                part.info.kind.command()
            ),
        }));
    }
    if !dir.join("summary.json").is_file() {
        return Err(BriefError::NotFinished(format!(
            "{shown} has no summary.json; give a folder written by `stratex run` (for example output/nk_russia)"
        )));
    }
    let folder = ResultFolder::load(dir)?;
    let hists = folder.histograms()?;
    let tmp = dir.join(format!(".charts.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    let result = draw_all(&folder, &hists, &tmp).and_then(|charts| {
        let final_html = dir.join("briefing.html");
        let tmp_html = dir.join(format!(".briefing.html.partial-{}", std::process::id()));
        write_page(&page(&folder, &charts), &tmp_html)?;
        let charts_dir = dir.join("charts");
        if charts_dir.exists() {
            std::fs::remove_dir_all(&charts_dir)
                .map_err(|e| format!("cannot replace {}: {e}", charts_dir.display()))?;
        }
        std::fs::rename(&tmp, &charts_dir)
            .map_err(|e| format!("cannot move charts into place: {e}"))?;
        std::fs::rename(&tmp_html, &final_html)
            .map_err(|e| format!("cannot move briefing.html into place: {e}"))?;
        Ok(Pack {
            html: final_html,
            charts: charts.iter().map(|c| c.name.clone()).collect(),
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// The source line every chart carries.
fn source(folder: &ResultFolder) -> Vec<String> {
    let s = &folder.summary;
    let levers: Vec<String> = s
        .levers
        .iter()
        .map(|l| format!("{}={}", l.id, l.value))
        .collect();
    source_lines(
        &s.generator,
        &s.scenario.name,
        &s.scenario.file,
        &s.scenario.sha256,
        &format!("{} runs", exact_count(s.runs)),
        s.seed,
        &levers.join(", "),
    )
}

/// Text every chart of a run uses in its frame.
struct ChartText {
    source: Vec<String>,
    /// The number of runs, with thousands separators.
    runs: String,
    /// The simulated period: "52 weeks".
    span: String,
}

/// Draws the overview, the flows (if any were recorded), then each outcome's distribution and
/// fan, into `dir`, in that order.
fn draw_all(
    folder: &ResultFolder,
    hists: &[Histogram],
    dir: &Path,
) -> Result<Vec<Saved>, BriefError> {
    let s = &folder.summary;
    let w = ChartText {
        source: source(folder),
        runs: exact_count(s.runs),
        span: format!("{} {}", s.scenario.steps, s.scenario.step_plural),
    };
    let err = |e: plot::PlotError| format!("cannot draw a chart: {e}");
    let mut saved = vec![plot::save(&overview(folder, &w), dir).map_err(err)?];
    if !folder.flows.is_empty() {
        saved.push(plot::save(&flows(folder, &w), dir).map_err(err)?);
    }
    for ((o, bands), hist) in s.outcomes.iter().zip(&folder.bands).zip(hists) {
        saved.push(plot::save(&distribution(o, hist, &w), dir).map_err(err)?);
        let fan = Fan {
            id: o.id.clone(),
            name: o.name.clone(),
            unit: o.unit.clone(),
            plural: s.scenario.step_plural.clone(),
            bands: bands.clone(),
            frame: Frame {
                title: format!("{} over {}", o.name, w.span),
                subtitle: format!(
                    "{} by {} across {} runs: median, middle half and 90% of runs. Flows add up from the start; levels are as they stand.",
                    plot::capitalise(&s.scenario.step_unit),
                    s.scenario.step_unit,
                    w.runs
                ),
                source: w.source.clone(),
            },
        };
        saved.push(plot::save(&fan, dir).map_err(err)?);
    }
    Ok(saved)
}

/// Every outcome's median and 90% band over time, one panel each.
fn overview(folder: &ResultFolder, w: &ChartText) -> Overview {
    let s = &folder.summary;
    Overview {
        panels: s
            .outcomes
            .iter()
            .zip(&folder.bands)
            .map(|(o, b)| OverviewPanel {
                name: o.name.clone(),
                unit: o.unit.clone(),
                bands: b.clone(),
            })
            .collect(),
        frame: Frame {
            title: format!("{}: all outcomes at a glance", s.scenario.name),
            subtitle: format!(
                "Median (line) and 90% band (shaded) of each outcome over {} ({} on the horizontal axes); {} runs.",
                w.span, s.scenario.step_plural, w.runs
            ),
            source: w.source.clone(),
        },
    }
}

/// Deliveries and seizures by good and lane: one panel per good, in the order goods first
/// appear in `flows.csv`, one bar per lane in file order, labelled `channel: good (from → to)`.
fn flows(folder: &ResultFolder, w: &ChartText) -> Flows {
    let mut panels: Vec<FlowPanel> = Vec::new();
    for f in &folder.flows {
        let bar = FlowBar {
            label: format!(
                "{}: {} ({} → {})",
                f.channel,
                f.good,
                folder.actor_name(&f.from),
                folder.actor_name(&f.to)
            ),
            delivered: f.delivered_mean,
            seized: f.seized_mean,
            p5: f.delivered_p5,
            p50: f.delivered_p50,
            p95: f.delivered_p95,
        };
        let name = folder.good_name(&f.good);
        match panels.iter_mut().find(|p| p.good == name) {
            Some(p) => p.bars.push(bar),
            None => panels.push(FlowPanel {
                good: name,
                unit: f.unit.clone(),
                bars: vec![bar],
            }),
        }
    }
    Flows {
        panels,
        frame: Frame {
            title: format!("Who gave what to whom, channel by channel, over {}", w.span),
            subtitle: format!(
                "Quantity of each good, in its own unit, delivered and seized on each channel: means of {} runs; the whisker spans 90% of runs' deliveries.",
                w.runs
            ),
            source: w.source.clone(),
        },
    }
}

/// An outcome's final value across runs.
fn distribution(o: &OutcomeSummary, hist: &Histogram, w: &ChartText) -> Distribution {
    let st = &o.stats;
    let happened = o.measure == "happened";
    let (span, runs) = (&w.span, &w.runs);
    Distribution {
        id: o.id.clone(),
        name: o.name.clone(),
        unit: o.unit.clone(),
        stats: st.clone(),
        hist: hist.clone(),
        yes: happened.then_some(o.scale),
        frame: Frame {
            title: o.name.clone(),
            subtitle: if happened {
                format!(
                    "Whether it happened within {span}: yes in {} of {runs} runs.",
                    percent(happened_share(o))
                )
            } else {
                format!(
                    "Value after {span} in each of {runs} runs: median {}; 90% of runs between {}.",
                    words(st.p50, &o.unit),
                    between_phrase(st.p5, st.p95, &o.unit)
                )
            },
            source: w.source.clone(),
        },
    }
}

/// Share of runs in which a yes/no outcome happened.
fn happened_share(o: &OutcomeSummary) -> f64 {
    if o.scale != 0.0 {
        o.stats.mean / o.scale
    } else {
        o.stats.mean
    }
}

/// The briefing of a run, laid out by `templates/run.html`.
#[derive(Template)]
#[template(path = "run.html")]
struct Page<'a> {
    /// The page's title, in the browser's tab and the PDF's metadata.
    title: String,
    s: &'a Summary,
    /// The scenario file's name, without its folder.
    file: &'a str,
    /// The number of runs, with thousands separators.
    runs: String,
    /// The scenario's step unit with a capital: "Month".
    step_unit_title: String,
    outcomes: Vec<OutcomeView<'a>>,
    overview: Option<InlineChart<'a>>,
    flows: Option<InlineChart<'a>>,
    levers: Vec<LeverView<'a>>,
    /// Uncertainties fixed instead of drawn, as "id = value, ..."; empty if none.
    fixed: String,
    reproduce: Reproduce,
    /// The scenario's questions, answered.
    answers: Vec<AnswerView>,
    /// What the calibrated model was fitted to, if the runs drew from a posterior.
    fitted: Option<FittedView>,
    /// Runs the drivers were read from.
    driver_runs: String,
}

/// A question answered in words.
struct AnswerView {
    question: String,
    sentences: Vec<String>,
    compare: Vec<String>,
}

/// The posterior the runs drew from and the figures it was fitted to.
struct FittedView {
    file: String,
    sha256: String,
    inside: usize,
    rows: Vec<FitRowView>,
}

/// One public figure against the calibrated model.
struct FitRowView {
    name: String,
    observed: String,
    model: String,
    inside: &'static str,
    source: String,
}

/// An outcome's numbers in words, and its charts.
struct OutcomeView<'a> {
    o: &'a OutcomeSummary,
    /// For a yes/no outcome, the share of runs in which it happened; the other numbers are
    /// then not shown.
    happened: Option<String>,
    median: String,
    mean: String,
    /// 5th to 95th percentile, as "X and Y"; `None` when they are equal.
    between: Option<String>,
    /// 5th to 95th percentile, as "X to Y".
    range: String,
    /// The mean's 95% confidence interval, as "X to Y".
    ci: String,
    better: &'static str,
    distribution: Option<InlineChart<'a>>,
    fan: Option<InlineChart<'a>>,
}

/// A lever's setting, its numbers as the briefing writes them.
struct LeverView<'a> {
    l: &'a LeverValue,
    value: String,
    baseline: String,
    /// The other settings to compare, as "a, b, c".
    others: String,
}

/// The briefing's contents: a chart missing from `charts` leaves out its figure (and the
/// section of the overview or flows).
fn page<'a>(folder: &'a ResultFolder, charts: &'a [Saved]) -> Page<'a> {
    let s = &folder.summary;
    let chart = |name: &str| {
        charts
            .iter()
            .find(|c| c.name == name)
            .map(InlineChart::from)
    };
    let outcomes = s
        .outcomes
        .iter()
        .map(|o| OutcomeView {
            distribution: chart(&format!("distribution_{}", o.id)),
            fan: chart(&format!("fan_{}", o.id)),
            ..outcome_view(o)
        })
        .collect();
    let levers = s
        .levers
        .iter()
        .map(|l| LeverView {
            l,
            value: human(l.value),
            baseline: human(l.baseline),
            others: l
                .values
                .iter()
                .map(|v| human(*v))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let fixed: Vec<String> = s
        .fixed
        .iter()
        .map(|f| format!("{} = {}", f.id, human(f.value)))
        .collect();
    Page {
        title: format!("{}: briefing", s.scenario.name),
        s,
        file: file_name(&s.scenario.file),
        runs: exact_count(s.runs),
        step_unit_title: plot::capitalise(&s.scenario.step_unit),
        outcomes,
        overview: chart("overview"),
        flows: chart("flows"),
        levers,
        fixed: fixed.join(", "),
        reproduce: reproduce(folder),
        answers: s
            .answers
            .iter()
            .map(|a| AnswerView {
                question: a.question.clone(),
                sentences: answers::sentences(a, s),
                compare: a.compare.clone(),
            })
            .collect(),
        fitted: s.fitted.as_ref().map(fitted_view),
        driver_runs: exact_count(s.runs_finished.min(answers::DRIVER_RUNS as u64)),
    }
}

/// The fit table of a calibrated run.
fn fitted_view(f: &Fitted) -> FittedView {
    FittedView {
        file: f.file.clone(),
        sha256: f.sha256.clone(),
        inside: f.fit.iter().filter(|l| l.inside).count(),
        rows: f
            .fit
            .iter()
            .map(|l| FitRowView {
                name: l.name.clone(),
                observed: if l.at_most {
                    format!("at most {}", words(l.observed[1], &l.unit))
                } else if let Some([v, sd]) = l.point {
                    format!("{} (sd {})", words(v, &l.unit), words(sd, &l.unit))
                } else {
                    range_phrase(l.observed[0], l.observed[1], &l.unit)
                },
                model: format!(
                    "{} ({})",
                    words(l.model[1], &l.unit),
                    range_phrase(l.model[0], l.model[2], &l.unit)
                ),
                inside: if l.inside { "yes" } else { "no" },
                source: l.source.clone(),
            })
            .collect(),
    }
}

/// An outcome's numbers in words, without its charts.
fn outcome_view(o: &OutcomeSummary) -> OutcomeView<'_> {
    let st = &o.stats;
    OutcomeView {
        o,
        happened: (o.measure == "happened").then(|| percent(happened_share(o))),
        median: words(st.p50, &o.unit),
        mean: words(st.mean, &o.unit),
        between: (st.p5 != st.p95).then(|| between_phrase(st.p5, st.p95, &o.unit)),
        range: range_phrase(st.p5, st.p95, &o.unit),
        ci: range_phrase(st.ci95[0], st.ci95[1], &o.unit),
        better: match o.better {
            Better::Higher => "higher",
            Better::Lower => "lower",
        },
        distribution: None,
        fan: None,
    }
}

/// The command and facts that reproduce the run; the timings only if `run-info.json` is there.
fn reproduce(folder: &ResultFolder) -> Reproduce {
    let s = &folder.summary;
    let mut facts = vec![
        ("Program", s.generator.clone()),
        ("Scenario file", s.scenario.file.clone()),
        ("Scenario SHA-256", s.scenario.sha256.clone()),
        ("Seed", s.seed.to_string()),
        ("Runs", exact_count(s.runs)),
    ];
    if let Some(info) = &folder.info {
        facts.extend([
            ("Elapsed", format!("{:.2} s", info.elapsed_seconds)),
            ("Runs per second", human(info.runs_per_second)),
            ("Threads", info.threads.to_string()),
            (
                "Host",
                format!("{} ({}, {} CPUs)", info.host, info.os, info.cpus),
            ),
        ]);
    }
    facts.push(("Statistics", s.method.clone()));
    Reproduce {
        command: s.reproduce.clone(),
        identical: &["summary.json", "runs.csv", "timeseries.csv"],
        facts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_words() {
        assert_eq!(words(3_310_000.0, "rounds"), "3.31 million rounds");
        assert_eq!(words(2_466_000.0, "rounds"), "2.47 million rounds");
        assert_eq!(words(68.72, "%"), "68.7%");
        assert_eq!(words(2.0, "launches"), "2 launches");
    }
}
