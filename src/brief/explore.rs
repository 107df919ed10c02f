//! The briefing of an exploration: what drives the outcomes (tornado, Sobol indices) and where
//! a condition holds (PRIM).

use super::{BriefError, InlineChart, Reproduce, file_name, source_lines, write_page};
use crate::number::{exact_count, sig3};
use crate::plot::explore::{PrimChart, SobolChart, SobolRow, Tornado, TornadoBar};
use crate::plot::{self, Frame, Saved};
use crate::report::VERSION;
use crate::report::explore::{METHOD, Report, TOP};
use crate::report::table::clip;
use crate::sensitivity::explore::Condition;
use crate::sensitivity::prim::Prim;
use askama::Template;
use std::path::Path;

/// Draws the charts into `dir/charts` and writes `briefing.html` into `dir`.
pub fn write(report: &Report, dir: &Path, elapsed: f64) -> Result<(), BriefError> {
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir)
        .map_err(|e| format!("cannot create {}: {e}", charts_dir.display()))?;
    let src = source(report);
    let err = |e: plot::PlotError| format!("cannot draw a chart: {e}");
    let mut drivers = Vec::new();
    for &o in &report.focus {
        drivers.push((
            o,
            plot::save(&tornado(report, o, &src), &charts_dir).map_err(err)?,
            plot::save(&sobol(report, o, &src), &charts_dir).map_err(err)?,
        ));
    }
    let prim = match (&report.found.prim, &report.plan.condition) {
        (Some(p), Some(c)) => {
            Some(plot::save(&prim_chart(report, p, c, &src), &charts_dir).map_err(err)?)
        }
        _ => None,
    };
    write_page(
        &page(report, &drivers, prim.as_ref(), elapsed),
        &dir.join("briefing.html"),
    )
}

/// The lever settings of the exploration, as "id=value, ...".
fn levers(report: &Report) -> String {
    let levers: Vec<String> = report
        .levers
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    levers.join(", ")
}

/// The source line every chart carries.
fn source(report: &Report) -> Vec<String> {
    source_lines(
        &format!("stratex {VERSION}"),
        &report.scenario.name,
        &report.scenario.file,
        &report.scenario.sha256,
        &format!(
            "{} runs ({} design)",
            exact_count(report.found.runs),
            report.plan.kind.name()
        ),
        report.plan.seed,
        &levers(report),
    )
}

/// Outcome `o`'s mean with one input at a time at its 10th or 90th percentile.
fn tornado(report: &Report, o: usize, src: &[String]) -> Tornado {
    let oc = &report.model.outcomes[o];
    Tornado {
        id: oc.id.clone(),
        name: oc.name.clone(),
        unit: oc.unit.clone(),
        centre: report.found.centre[o],
        bars: report.found.tornado[o]
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
            source: src.to_vec(),
        },
    }
}

/// Outcome `o`'s Sobol indices, the inputs with the largest total order first.
fn sobol(report: &Report, o: usize, src: &[String]) -> SobolChart {
    let oc = &report.model.outcomes[o];
    SobolChart {
        id: oc.id.clone(),
        rows: report
            .sorted_sobol(o)
            .into_iter()
            .take(TOP)
            .map(|i| {
                let x = &report.found.sobol[o][i];
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
            source: src.to_vec(),
        },
    }
}

/// PRIM's peeling trajectory and the chosen box, each restricted input's range as a share of
/// its sampled range.
fn prim_chart(report: &Report, p: &Prim, c: &Condition, src: &[String]) -> PrimChart {
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
    PrimChart {
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
            source: src.to_vec(),
        },
    }
}

/// The briefing of an exploration, laid out by `templates/explore.html`.
#[derive(Template)]
#[template(path = "explore.html")]
struct Page<'a> {
    /// The page's title, also its heading.
    title: String,
    r: &'a Report<'a>,
    generator: String,
    /// The scenario file's name, without its folder.
    file: &'a str,
    /// All runs of the exploration, with thousands separators.
    runs: String,
    drivers: Vec<Drivers<'a>>,
    discovery: Option<Discovery<'a>>,
    reproduce: Reproduce,
}

/// What drives one outcome.
struct Drivers<'a> {
    id: &'a str,
    name: &'a str,
    tornado: InlineChart<'a>,
    sobol: InlineChart<'a>,
}

/// Where the condition holds: PRIM's chosen box in words and as a chart.
struct Discovery<'a> {
    condition: String,
    /// The terminal report's table of the box.
    boxes: String,
    chart: InlineChart<'a>,
}

/// The briefing's contents; `drivers` holds each focus outcome's index with its tornado and
/// Sobol charts, and the discovery section is left out without a PRIM chart.
fn page<'a>(
    report: &'a Report<'a>,
    drivers: &'a [(usize, Saved, Saved)],
    prim: Option<&'a Saved>,
    elapsed: f64,
) -> Page<'a> {
    let generator = format!("stratex {VERSION}");
    let discovery = match (prim, &report.plan.condition, &report.found.prim) {
        (Some(chart), Some(c), Some(p)) => Some(Discovery {
            condition: report.condition_words(c),
            boxes: report.prim_text(c, p),
            chart: chart.into(),
        }),
        _ => None,
    };
    let facts = vec![
        ("Program", generator.clone()),
        ("Scenario SHA-256", report.scenario.sha256.clone()),
        ("Lever settings", levers(report)),
        ("Elapsed", format!("{elapsed:.1} s")),
        ("Method", METHOD.to_string()),
    ];
    Page {
        title: format!("{}: what drives the results", report.scenario.name),
        r: report,
        generator,
        file: file_name(&report.scenario.file),
        runs: exact_count(report.found.runs),
        drivers: drivers
            .iter()
            .map(|(o, tornado, sobol)| {
                let oc = &report.model.outcomes[*o];
                Drivers {
                    id: &oc.id,
                    name: &oc.name,
                    tornado: tornado.into(),
                    sobol: sobol.into(),
                }
            })
            .collect(),
        discovery,
        reproduce: Reproduce {
            command: report.reproduce.clone(),
            identical: &[],
            facts,
        },
    }
}
