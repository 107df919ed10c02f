//! The briefing of an exploration: what drives the outcomes (tornado, Sobol indices) and where
//! a condition holds (PRIM).

use super::{STYLE, esc, figure, file_name, source_lines};
use crate::number::{exact_count, sig3};
use crate::plot::explore::{PrimChart, SobolChart, SobolRow, Tornado, TornadoBar};
use crate::plot::{self, Frame, Saved};
use crate::report::VERSION;
use crate::report::explore::{METHOD, Report, TOP};
use crate::report::table::clip;
use std::fmt::Write as _;
use std::path::Path;

/// Draws the charts and writes `briefing.html` into `dir`.
pub fn write(report: &Report, dir: &Path, elapsed: f64) -> Result<(), String> {
    let f = report.found;
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir)
        .map_err(|e| format!("cannot create {}: {e}", charts_dir.display()))?;
    let levers: Vec<String> = report
        .levers
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let src = source_lines(
        &format!("stratex {VERSION}"),
        &report.scenario.name,
        &report.scenario.file,
        &report.scenario.sha256,
        &format!(
            "{} runs ({} design)",
            exact_count(f.runs),
            report.plan.kind.name()
        ),
        report.plan.seed,
        &levers.join(", "),
    );
    let err = |e: plot::PlotError| format!("cannot draw a chart: {e}");
    let mut charts: Vec<(usize, Saved, Saved)> = Vec::new();
    for &o in &report.focus {
        let oc = &report.model.outcomes[o];
        let tornado = Tornado {
            id: oc.id.clone(),
            name: oc.name.clone(),
            unit: oc.unit.clone(),
            centre: f.centre[o],
            bars: f.tornado[o]
                .iter()
                .take(TOP)
                .map(|b| TornadoBar {
                    label: clip(&report.input_label(b.input), 46),
                    low: b.low,
                    high: b.high,
                })
                .collect(),
            frame: Frame {
                title: format!("What drives {}: one input at a time", oc.name),
                subtitle: format!(
                    "Mean outcome with one input at its 10th or 90th percentile and all others at their medians ({} runs per point).",
                    exact_count(report.plan.tornado_runs)
                ),
                source: src.clone(),
            },
        };
        let sobol = SobolChart {
            id: oc.id.clone(),
            rows: report
                .sorted_sobol(o)
                .into_iter()
                .take(TOP)
                .map(|i| {
                    let x = &f.sobol[o][i];
                    SobolRow {
                        label: clip(&report.input_label(i), 46),
                        first: (x.first, x.first_ci[0], x.first_ci[1]),
                        total: (x.total, x.total_ci[0], x.total_ci[1]),
                    }
                })
                .collect(),
            frame: Frame {
                title: format!("What drives {}: shares of its variance", oc.name),
                subtitle: format!(
                    "Sobol indices from Saltelli's scheme ({} base samples, {} design) with 95% bootstrap intervals.",
                    exact_count(report.plan.samples as u64),
                    report.plan.kind.name()
                ),
                source: src.clone(),
            },
        };
        charts.push((
            o,
            plot::save(&tornado, &charts_dir).map_err(err)?,
            plot::save(&sobol, &charts_dir).map_err(err)?,
        ));
    }
    let prim_chart = match (&f.prim, &report.plan.condition) {
        (Some(p), Some(c)) => {
            let ranges = p
                .restricted()
                .into_iter()
                .map(|(k, lo, hi)| {
                    let (flo, fhi) = p.full[k];
                    let span = (fhi - flo).max(f64::MIN_POSITIVE);
                    (
                        clip(&report.input_name(k), 34),
                        (lo - flo) / span,
                        (hi - flo) / span,
                        format!("{} to {}", sig3(lo), sig3(hi)),
                    )
                })
                .collect();
            let chart = PrimChart {
                trajectory: p
                    .trajectory
                    .iter()
                    .map(|s| (s.coverage, s.density))
                    .collect(),
                chosen: p.chosen,
                ranges,
                frame: Frame {
                    title: format!("Where {}", report.condition_words(c)),
                    subtitle: format!(
                        "PRIM on {} sampled runs: the condition holds in {:.0}% of them overall.",
                        exact_count(2 * report.plan.samples as u64),
                        100.0 * p.base_rate
                    ),
                    source: src.clone(),
                },
            };
            Some(plot::save(&chart, &charts_dir).map_err(err)?)
        }
        _ => None,
    };

    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>{t}: what drives the results</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{t}: what drives the results</h1>\n<p class=\"question\">{q}</p>\n<p class=\"meta\">{runs} runs with the {d} design, seed {seed}. Prepared with stratex {VERSION} from <code>{f}</code>.</p>\n</header>\n",
        t = esc(&report.scenario.name),
        q = esc(&report.scenario.description),
        runs = exact_count(f.runs),
        d = report.plan.kind.name(),
        seed = report.plan.seed,
        f = esc(file_name(&report.scenario.file)),
    );
    for (o, tornado, sobol) in &charts {
        let oc = &report.model.outcomes[*o];
        let _ = write!(
            h,
            "<section id=\"drivers-{}\">\n<h2>What drives {}</h2>\n",
            esc(&oc.id),
            esc(&oc.name)
        );
        figure(
            &mut h,
            tornado,
            "Each bar: the outcome's mean with one input at its 10th (blue) or 90th (orange) percentile.",
        );
        figure(
            &mut h,
            sobol,
            "Sobol indices: the share of the outcome's variance each input explains alone (first order) and with its interactions (total order).",
        );
        h.push_str("</section>\n");
    }
    if let (Some(chart), Some(c), Some(p)) = (&prim_chart, &report.plan.condition, &f.prim) {
        let _ = write!(
            h,
            "<section id=\"discovery\">\n<h2>Under what conditions: {}</h2>\n",
            esc(&report.condition_words(c))
        );
        let _ = writeln!(h, "<pre>{}</pre>", esc(&report.prim_text(c, p)));
        figure(
            &mut h,
            chart,
            "Left: each peeling step trades coverage for density; the circled step is the chosen box. Right: the chosen box's ranges within each input's sampled range.",
        );
        h.push_str("</section>\n");
    }
    let _ = write!(
        h,
        "<section id=\"reproduce\">\n<h2>Reproducibility</h2>\n<pre>{}</pre>\n<dl>\n<dt>Program</dt><dd>stratex {VERSION}</dd>\n<dt>Scenario SHA-256</dt><dd>{}</dd>\n<dt>Lever settings</dt><dd>{}</dd>\n<dt>Elapsed</dt><dd>{:.1} s</dd>\n<dt>Method</dt><dd>{}</dd>\n</dl>\n</section>\n</body>\n</html>\n",
        esc(&report.reproduce),
        esc(&report.scenario.sha256),
        esc(&levers.join(", ")),
        elapsed,
        esc(METHOD)
    );
    std::fs::write(dir.join("briefing.html"), h)
        .map_err(|e| format!("cannot write briefing.html: {e}"))
}
