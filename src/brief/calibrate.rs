//! The briefing of a calibration: what the model was fitted to, how well it reproduces each
//! figure, and what the figures taught about each assumption.

use super::{BriefError, InlineChart, Reproduce, file_name, source_lines, write_page};
use crate::calibrate::fit::Calibration;
use crate::number::{exact_count, phrase, sig3};
use crate::plot::calibrate::{FitCheck, FitRow, NarrowRow, Narrowing};
use crate::plot::{self, Frame, Saved};
use crate::report::calibrate::CalibrationFile;
use crate::report::table::clip;
use askama::Template;
use std::path::Path;

/// Draws the calibration charts into `dir/charts` and writes `briefing.html` into `dir`.
pub fn write(
    dir: &Path,
    file: &CalibrationFile,
    cal: &Calibration,
    elapsed: f64,
) -> Result<(), BriefError> {
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir)
        .map_err(|e| format!("cannot create {}: {e}", charts_dir.display()))?;
    let err = |e: plot::PlotError| format!("cannot draw a chart: {e}");
    let fit = plot::save(&fit_chart(file), &charts_dir).map_err(err)?;
    let narrow = plot::save(&narrowing(file), &charts_dir).map_err(err)?;
    write_page(
        &page(file, cal, &fit, &narrow, elapsed),
        &dir.join("briefing.html"),
    )
}

/// Every chart's source line.
fn source(file: &CalibrationFile) -> Vec<String> {
    source_lines(
        &file.generator,
        &file.scenario.name,
        &file.scenario.file,
        &file.scenario.sha256,
        &format!(
            "{} runs, targets {}",
            exact_count(file.runs),
            file_name(&file.targets_file)
        ),
        file.seed,
        "",
    )
}

/// Observed figures against the calibrated model, in percent of each observed value.
fn fit_chart(file: &CalibrationFile) -> FitCheck {
    let rows = file
        .targets
        .iter()
        .filter_map(|r| {
            let (t, c) = (&r.target, r.check.as_ref()?);
            let pct = |v: f64| {
                if t.observed != 0.0 {
                    100.0 * v / t.observed.abs()
                } else {
                    0.0
                }
            };
            let half = 1.645 * t.sd;
            // An upper bound is drawn from zero to the bound; a point's error range stops at
            // the values the outcome can take.
            let (lo, hi) = t.range.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
            let low = if t.at_most { 0.0 } else { t.observed - half };
            let high = t.observed + if t.at_most { 0.0 } else { half };
            Some(FitRow {
                name: clip(&t.name, 48),
                observed: (pct(low.clamp(lo, hi)), pct(high.clamp(lo, hi))),
                model: [pct(c.p5), pct(c.median), pct(c.p95)],
                inside: c.inside,
                label: if t.at_most {
                    format!("at most {}", phrase(t.observed, &t.unit))
                } else {
                    phrase(t.observed, &t.unit)
                },
            })
        })
        .collect();
    FitCheck {
        rows,
        frame: Frame {
            title: format!(
                "{}: the calibrated model against public figures",
                file.scenario.name
            ),
            subtitle: "Each figure's 90% range against 90% of runs drawn from the posterior."
                .into(),
            source: source(file),
        },
    }
}

/// Prior against posterior for each assumption, on the prior's 99% range.
fn narrowing(file: &CalibrationFile) -> Narrowing {
    let rows = file
        .calibrated
        .iter()
        .map(|p| {
            let s = &p.summary;
            let [lo, hi] = s.prior_kept;
            let span = (hi - lo).abs().max(f64::MIN_POSITIVE);
            let at = |q: [f64; 3]| q.map(|v| (100.0 * (v - lo) / span).clamp(0.0, 100.0));
            NarrowRow {
                name: clip(&s.name, 42),
                prior: at(s.prior_quantiles),
                posterior: at(s.posterior_quantiles),
                ends: (phrase(lo, &s.unit), phrase(hi, &s.unit)),
            }
        })
        .collect();
    Narrowing {
        rows,
        frame: Frame {
            title: "What the public figures taught about the assumptions".into(),
            subtitle: "Each uncertain assumption's prior and posterior 90% ranges and medians."
                .into(),
            source: source(file),
        },
    }
}

/// The briefing, laid out by `templates/calibrate.html`.
#[derive(Template)]
#[template(path = "calibrate.html")]
struct Page<'a> {
    title: String,
    question: String,
    generator: &'a str,
    file: &'a str,
    targets_file: &'a str,
    runs: String,
    seed: u64,
    verdict: String,
    fit_chart: InlineChart<'a>,
    narrow_chart: InlineChart<'a>,
    targets: Vec<TargetView>,
    params: Vec<ParamView>,
    method: &'static str,
    reproduce: Reproduce,
}

/// A target's row, in words.
struct TargetView {
    name: String,
    observed: String,
    model: String,
    inside: &'static str,
    implausibility: String,
    source: String,
    note: String,
}

/// An assumption's row, in words.
struct ParamView {
    name: String,
    prior: String,
    posterior: String,
    ruled_out: String,
}

fn page<'a>(
    file: &'a CalibrationFile,
    cal: &Calibration,
    fit: &'a Saved,
    narrow: &'a Saved,
    elapsed: f64,
) -> Page<'a> {
    let targets = file.targets.iter().map(target_view).collect();
    let params = file.calibrated.iter().map(param_view).collect();
    Page {
        title: format!("{}: calibration", file.scenario.name),
        question: file.scenario.description.clone(),
        generator: &file.generator,
        file: file_name(&file.scenario.file),
        targets_file: file_name(&file.targets_file),
        runs: exact_count(file.runs),
        seed: file.seed,
        verdict: verdict(file, cal),
        fit_chart: InlineChart::from(fit),
        narrow_chart: InlineChart::from(narrow),
        targets,
        params,
        method: crate::report::calibrate::METHOD,
        reproduce: Reproduce {
            command: file.reproduce.clone(),
            identical: &["posterior.csv", "calibration.json"],
            facts: vec![
                ("Program", file.generator.clone()),
                ("Scenario SHA-256", file.scenario.sha256.clone()),
                ("Targets SHA-256", file.targets_sha256.clone()),
                ("Seed", file.seed.to_string()),
                ("Runs", exact_count(file.runs)),
                (
                    "Particles",
                    format!(
                        "{} distinct of {} after {} tempering steps (weighting the last generation in one go would have left an effective {:.0})",
                        file.distinct_particles,
                        file.particles,
                        file.tempering.len(),
                        file.importance_ess
                    ),
                ),
                ("Elapsed", format!("{elapsed:.1} s")),
            ],
        },
    }
}

/// A target's row: the figure, the calibrated model's reproduction of it, its source.
fn target_view(r: &crate::report::calibrate::TargetRow) -> TargetView {
    let t = &r.target;
    let s = &t.source;
    let (model, inside, implausibility) = match &r.check {
        Some(c) => (
            format!(
                "{} ({} to {})",
                phrase(c.median, &t.unit),
                phrase(c.p5, &t.unit),
                phrase(c.p95, &t.unit)
            ),
            if c.inside { "yes" } else { "no" },
            sig3(c.implausibility),
        ),
        None => (String::new(), "", String::new()),
    };
    TargetView {
        name: t.name.clone(),
        observed: if t.at_most {
            format!("at most {}", phrase(t.observed, &t.unit))
        } else if t.point {
            format!(
                "{} ± {}",
                phrase(t.observed, &t.unit),
                phrase(t.sd, &t.unit)
            )
        } else {
            // A range as given: its sd is its width over 3.29.
            let half = 1.645 * t.sd;
            crate::number::range_phrase(t.observed - half, t.observed + half, &t.unit)
        },
        model,
        inside,
        implausibility,
        source: format!(
            "{}, “{}”, {}{}",
            s.publisher,
            s.title,
            s.date,
            s.url.as_ref().map_or(String::new(), |u| format!(", {u}"))
        ),
        note: t.note.clone(),
    }
}

/// An assumption's row: prior, posterior, what was ruled out.
fn param_view(p: &crate::report::calibrate::ParamRow) -> ParamView {
    let s = &p.summary;
    let q = |v: [f64; 3]| {
        format!(
            "{} ({} to {})",
            phrase(v[1], &s.unit),
            phrase(v[0], &s.unit),
            phrase(v[2], &s.unit)
        )
    };
    ParamView {
        name: s.name.clone(),
        prior: q(s.prior_quantiles),
        posterior: q(s.posterior_quantiles),
        ruled_out: p.ruled_out.clone(),
    }
}

/// The fit in one or two sentences: how many figures the calibrated model reproduces, which it
/// does not, and whether the sampler converged.
fn verdict(file: &CalibrationFile, cal: &Calibration) -> String {
    let n = cal.checks.len();
    let inside = cal.checks.iter().filter(|c| c.inside).count();
    let outside: Vec<&str> = file
        .targets
        .iter()
        .filter(|r| r.check.as_ref().is_some_and(|c| !c.inside))
        .map(|r| r.target.name.as_str())
        .collect();
    let mut s = format!(
        "The calibrated model's 90% band holds {inside} of the {n} figures it was fitted to"
    );
    if outside.is_empty() {
        s.push('.');
    } else {
        s.push_str(&format!("; it misses {}.", outside.join("; ")));
    }
    if !file.converged {
        s.push_str(" The sampler stopped before its final tolerance (the figures are hard to meet together): read the posterior as a rough fit.");
    }
    s
}
