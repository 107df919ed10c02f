//! The briefing pack of a run: charts and one self-contained HTML file.
//!
//! [`write()`] reads a result folder and writes into it `charts/*.png`, `charts/*.svg` and
//! `briefing.html`, both under temporary names renamed into place.

use super::{BriefError, Pack, STYLE, esc, figure, file_name, source_lines, words};
use crate::model::Better;
use crate::number::{exact_count, human};
use crate::plot::{
    self, Distribution, Fan, FlowBar, FlowPanel, Flows, Frame, Overview, OverviewPanel, Saved,
};
use crate::report::part;
use crate::report::read::ResultFolder;
use crate::report::summary::OutcomeSummary;
use crate::stats::histogram::Histogram;
use std::fmt::Write as _;
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
        let html = html(&folder, &charts);
        let final_html = dir.join("briefing.html");
        let tmp_html = dir.join(format!(".briefing.html.partial-{}", std::process::id()));
        std::fs::write(&tmp_html, html)
            .map_err(|e| format!("cannot write {}: {e}", tmp_html.display()))?;
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
    Ok(result?)
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

fn draw_all(folder: &ResultFolder, hists: &[Histogram], dir: &Path) -> Result<Vec<Saved>, String> {
    let s = &folder.summary;
    let src = source(folder);
    let runs = exact_count(s.runs);
    let span = format!("{} {}", s.scenario.steps, s.scenario.step_plural);
    let err = |e: plot::PlotError| format!("cannot draw a chart: {e}");
    let mut saved = Vec::new();

    let overview = Overview {
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
                "Median (line) and 90% band (shaded) of each outcome over {span} ({} on the horizontal axes); {runs} runs.",
                s.scenario.step_plural
            ),
            source: src.clone(),
        },
    };
    saved.push(plot::save(&overview, dir).map_err(err)?);

    if !folder.flows.is_empty() {
        let mut routes: Vec<(String, String)> = Vec::new();
        let mut panels: Vec<FlowPanel> = Vec::new();
        for f in &folder.flows {
            let key = (f.from.clone(), f.to.clone());
            let route = match routes.iter().position(|r| *r == key) {
                Some(i) => i,
                None => {
                    routes.push(key);
                    routes.len() - 1
                }
            };
            let bar = FlowBar {
                route,
                p5: f.p5,
                p50: f.p50,
                p95: f.p95,
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
        let flows = Flows {
            routes: routes
                .iter()
                .map(|(a, b)| format!("{} → {}", folder.actor_name(a), folder.actor_name(b)))
                .collect(),
            panels,
            frame: Frame {
                title: format!("Who gave what to whom over {span}"),
                subtitle: format!(
                    "Quantity delivered (after seizures) of each good, in its own unit, by route: median of {runs} runs, with the 5th to 95th percentile."
                ),
                source: src.clone(),
            },
        };
        saved.push(plot::save(&flows, dir).map_err(err)?);
    }

    for ((o, bands), hist) in s.outcomes.iter().zip(&folder.bands).zip(hists) {
        let st = &o.stats;
        let dist = Distribution {
            id: o.id.clone(),
            name: o.name.clone(),
            unit: o.unit.clone(),
            stats: st.clone(),
            hist: hist.clone(),
            yes: (o.measure == "happened").then_some(o.scale),
            frame: Frame {
                title: o.name.clone(),
                subtitle: if o.measure == "happened" {
                    format!(
                        "Whether it happened within {span}: yes in {} of {runs} runs.",
                        crate::number::percent(happened_share(o))
                    )
                } else {
                    format!(
                        "Value after {span} in each of {runs} runs: median {}; 90% of runs between {}.",
                        words(st.p50, &o.unit),
                        crate::number::between_phrase(st.p5, st.p95, &o.unit)
                    )
                },
                source: src.clone(),
            },
        };
        saved.push(plot::save(&dist, dir).map_err(err)?);
        let fan = Fan {
            id: o.id.clone(),
            name: o.name.clone(),
            unit: o.unit.clone(),
            plural: s.scenario.step_plural.clone(),
            bands: bands.clone(),
            frame: Frame {
                title: format!("{} over {span}", o.name),
                subtitle: format!(
                    "{} by {} across {runs} runs: median, middle half and 90% of runs. Flows add up from the start; levels are as they stand.",
                    plot::capitalise(&s.scenario.step_unit),
                    s.scenario.step_unit
                ),
                source: src.clone(),
            },
        };
        saved.push(plot::save(&fan, dir).map_err(err)?);
    }
    Ok(saved)
}

/// Share of runs in which a yes/no outcome happened.
fn happened_share(o: &OutcomeSummary) -> f64 {
    if o.scale != 0.0 {
        o.stats.mean / o.scale
    } else {
        o.stats.mean
    }
}

/// One key finding in a sentence.
fn finding(o: &OutcomeSummary) -> String {
    let st = &o.stats;
    let name = esc(&o.name);
    if o.measure == "happened" {
        return format!(
            "<strong>{name}</strong>: in {} of runs.",
            crate::number::percent(happened_share(o))
        );
    }
    let p50 = words(st.p50, &o.unit);
    let band = if st.p5 == st.p95 {
        "the same in 90% of runs".to_string()
    } else {
        format!(
            "in 90% of runs between {}",
            crate::number::between_phrase(st.p5, st.p95, &o.unit)
        )
    };
    format!(
        "<strong>{name}</strong>: {} in the median run; {} (mean {}).",
        esc(&p50),
        esc(&band),
        esc(&words(st.mean, &o.unit))
    )
}

fn html(folder: &ResultFolder, charts: &[Saved]) -> String {
    let s = &folder.summary;
    let chart = |name: &str| charts.iter().find(|c| c.name == name);
    let runs = exact_count(s.runs);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>{title}: briefing</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        title = esc(&s.scenario.name)
    );
    let _ = write!(
        h,
        "<header>\n<h1>{}</h1>\n<p class=\"question\">{}</p>\n<p class=\"meta\">{runs} simulated {} of {} {} each, seed {}. Prepared with {} from <code>{}</code>.</p>\n</header>\n",
        esc(&s.scenario.name),
        esc(if s.scenario.description.is_empty() {
            "(The scenario states no question.)"
        } else {
            &s.scenario.description
        }),
        if s.runs == 1 { "run" } else { "runs" },
        s.scenario.steps,
        esc(&s.scenario.step_plural),
        s.seed,
        esc(&s.generator),
        esc(file_name(&s.scenario.file)),
    );

    // Key findings.
    h.push_str("<section id=\"findings\">\n<h2>Key findings</h2>\n<p class=\"note\">Each outcome's value at the end of the period: its median over all runs and the range that holds 90% of runs (5th to 95th percentile).</p>\n<ul class=\"findings\">\n");
    for o in &s.outcomes {
        let _ = writeln!(h, "<li>{}</li>", finding(o));
    }
    h.push_str("</ul>\n<table>\n<thead><tr><th class=\"text\">Outcome</th><th>Median</th><th>90% of runs between</th><th>Mean (95% confidence interval)</th><th class=\"text\">Better</th></tr></thead>\n<tbody>\n");
    for o in &s.outcomes {
        let st = &o.stats;
        let (median, band, mean) = if o.measure == "happened" {
            (
                format!("in {} of runs", crate::number::percent(happened_share(o))),
                "yes or no".to_string(),
                "".to_string(),
            )
        } else {
            (
                words(st.p50, &o.unit),
                crate::number::range_phrase(st.p5, st.p95, &o.unit),
                format!(
                    "{} ({})",
                    words(st.mean, &o.unit),
                    crate::number::range_phrase(st.ci95[0], st.ci95[1], &o.unit)
                ),
            )
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
            esc(&o.name),
            esc(&median),
            esc(&band),
            esc(&mean),
            match o.better {
                Better::Higher => "higher",
                Better::Lower => "lower",
            }
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");

    if let Some(c) = chart("overview") {
        h.push_str("<section id=\"overview\">\n<h2>All outcomes at a glance</h2>\n");
        figure(
            &mut h,
            c,
            &format!("Median and 90% band of every outcome over time, {runs} runs."),
        );
        h.push_str("</section>\n");
    }
    if let Some(c) = chart("flows") {
        h.push_str("<section id=\"flows\">\n<h2>Who gave what to whom</h2>\n");
        figure(
            &mut h,
            c,
            "Deliveries by good and route over the whole period, after seizures: median and 5th to 95th percentile.",
        );
        h.push_str("</section>\n");
    }

    h.push_str("<section id=\"levers\">\n<h2>Policy settings used</h2>\n");
    if s.levers.is_empty() {
        h.push_str("<p>The scenario declares no levers.</p>\n");
    } else {
        h.push_str("<table>\n<thead><tr><th class=\"text\">Lever</th><th>Value used</th><th>Baseline</th><th>Other settings to compare</th><th class=\"text\">What it does</th></tr></thead>\n<tbody>\n");
        for l in &s.levers {
            let others: Vec<String> = l.values.iter().map(|v| human(*v)).collect();
            let _ = writeln!(
                h,
                "<tr><td>{} <span class=\"note\">({})</span></td><td>{} {}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
                esc(&l.name),
                esc(&l.id),
                human(l.value),
                esc(&l.unit),
                human(l.baseline),
                esc(&others.join(", ")),
                esc(&l.description)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    if !s.fixed.is_empty() {
        h.push_str("<p>Uncertainties fixed for these results instead of drawn: ");
        let fixed: Vec<String> = s
            .fixed
            .iter()
            .map(|f| format!("{} = {}", esc(&f.id), human(f.value)))
            .collect();
        h.push_str(&fixed.join(", "));
        h.push_str(".</p>\n");
    }
    h.push_str("</section>\n");

    h.push_str("<section id=\"assumptions\">\n<h2>Assumptions: what is uncertain</h2>\n<p class=\"note\">Each run draws every uncertain parameter afresh from its distribution. The scenario file gives the basis of each number in a comment.</p>\n");
    if s.uncertainties.is_empty() {
        h.push_str("<p>The scenario declares no named uncertainties.</p>\n");
    } else {
        h.push_str("<table>\n<thead><tr><th class=\"text\">Parameter</th><th class=\"text\">Distribution</th><th class=\"text\">Unit</th></tr></thead>\n<tbody>\n");
        for u in &s.uncertainties {
            let _ = writeln!(
                h,
                "<tr><td>{} <span class=\"note\">({})</span></td><td class=\"text\">{}</td><td class=\"text\">{}</td></tr>",
                esc(&u.name),
                esc(&u.id),
                esc(&u.distribution),
                esc(&u.unit)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");

    h.push_str("<section id=\"reproduce\">\n<h2>Reproducibility</h2>\n<p>These results are a deterministic function of the scenario file, the seed, the number of runs and the settings: the command below gives byte-identical <code>summary.json</code>, <code>runs.csv</code> and <code>timeseries.csv</code> on any machine and thread count.</p>\n");
    let _ = writeln!(h, "<pre>{}</pre>", esc(&s.reproduce));
    h.push_str("<dl>\n");
    let mut item = |k: &str, v: String| {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
    };
    item("Program", s.generator.clone());
    item("Scenario file", s.scenario.file.clone());
    item("Scenario SHA-256", s.scenario.sha256.clone());
    item("Seed", s.seed.to_string());
    item("Runs", exact_count(s.runs));
    if let Some(info) = &folder.info {
        item("Elapsed", format!("{:.2} s", info.elapsed_seconds));
        item("Runs per second", human(info.runs_per_second));
        item("Threads", info.threads.to_string());
        item(
            "Host",
            format!("{} ({}, {} CPUs)", info.host, info.os, info.cpus),
        );
    }
    item("Statistics", s.method.clone());
    h.push_str("</dl>\n</section>\n");
    h.push_str("<section id=\"annex\">\n<h2>Annex: each outcome in detail</h2>\n<p>For each outcome, the distribution of its value at the end of the period and its course over time. The same charts are in the <code>charts</code> folder as PNG (for slides) and SVG.</p>\n</section>\n");
    for o in &s.outcomes {
        let _ = write!(
            h,
            "<section class=\"outcome\" id=\"outcome-{}\">\n<div class=\"keep\">\n<h2>{}</h2>\n<p>{}</p>\n",
            esc(&o.id),
            esc(&o.name),
            finding(o)
        );
        if let Some(c) = chart(&format!("distribution_{}", o.id)) {
            figure(
                &mut h,
                c,
                &format!("Distribution of the final value over {runs} runs."),
            );
        }
        h.push_str("</div>\n");
        if let Some(c) = chart(&format!("fan_{}", o.id)) {
            figure(
                &mut h,
                c,
                &format!(
                    "{} by {}: median, middle half and 90% of runs.",
                    plot::capitalise(&s.scenario.step_unit),
                    s.scenario.step_unit
                ),
            );
        }
        h.push_str("</section>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
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
