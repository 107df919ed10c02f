//! The briefing of a comparison: which setting does best, what each changes, every outcome
//! under every setting.

use super::{STYLE, esc, figure, file_name, source_lines};
use crate::model::Better;
use crate::montecarlo::compare::Difference;
use crate::number::{exact_count, phrase, sig3, signed_phrase, signed_range};
use crate::plot::compare::{Boxes, DiffRow, Differences, Verdict};
use crate::plot::{self, Frame};
use crate::report::compare::{ComparisonFile, METHOD, OutcomeComparison, excludes_zero};
use crate::report::table::clip;
use std::fmt::Write as _;
use std::path::Path;

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

/// Draws the comparison charts into `dir` and writes `briefing.html` beside them.
pub fn write(dir: &Path, file: &ComparisonFile, elapsed: f64) -> Result<(), String> {
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir)
        .map_err(|e| format!("cannot create {}: {e}", charts_dir.display()))?;
    let settings_text = format!(
        "{} settings x {} paired runs",
        file.settings.len(),
        exact_count(file.runs)
    );
    let src = |levers: &str| {
        source_lines(
            &file.generator,
            &file.scenario.name,
            &file.scenario.file,
            &file.scenario.sha256,
            &settings_text,
            file.seed,
            levers,
        )
    };
    let err = |e: plot::PlotError| format!("cannot draw a chart: {e}");
    let mut diff_charts = Vec::new();
    for (s, setting) in file.settings.iter().enumerate().skip(1) {
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
        let chart = Differences {
            slug: slug(&setting.label),
            rows,
            frame: Frame {
                title: format!("What {} changes", setting.label),
                subtitle: format!(
                    "Change in each outcome's mean from the baseline with the paired 95% interval, over {} runs with common random numbers.",
                    exact_count(file.runs)
                ),
                source: src(&setting.label),
            },
        };
        diff_charts.push(plot::save(&chart, &charts_dir).map_err(err)?);
    }
    let mut box_charts = Vec::new();
    for o in &file.outcomes {
        let chart = Boxes {
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
                source: src(""),
            },
        };
        box_charts.push(plot::save(&chart, &charts_dir).map_err(err)?);
    }

    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>{title}: comparing policy settings</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{title}: comparing policy settings</h1>\n<p class=\"question\">{q}</p>\n<p class=\"meta\">{n} settings, each run {runs} times with the same random numbers as the baseline (seed {seed}). Prepared with {g} from <code>{f}</code>.</p>\n</header>\n",
        title = esc(&file.scenario.name),
        q = esc(&file.scenario.description),
        n = file.settings.len(),
        runs = exact_count(file.runs),
        seed = file.seed,
        g = esc(&file.generator),
        f = esc(file_name(&file.scenario.file)),
    );
    h.push_str("<section id=\"best\">\n<h2>Which setting does best, and at what cost</h2>\n<p class=\"note\">For each outcome, the setting with the best mean in the outcome's better direction: its change from the baseline with the paired 95% interval, and the share of runs in which it does better. Every run of a setting uses the same uncertain parameters and chance events as the same run of the baseline, so differences are measured run by run.</p>\n<table>\n<thead><tr><th class=\"text\">Outcome</th><th class=\"text\">Best setting</th><th>Change from baseline (95% interval)</th><th>Better in</th></tr></thead>\n<tbody>\n");
    for o in &file.outcomes {
        let b = file.best(o);
        if b == 0 {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"text\">baseline</td><td>no setting does better</td><td></td></tr>",
                esc(&o.name)
            );
            continue;
        }
        let d = &o.results[b].difference;
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"text\">{}</td><td>{} ({})</td><td>{}% of runs</td></tr>",
            esc(&o.name),
            esc(&o.results[b].setting),
            esc(&signed_phrase(d.mean, &o.unit)),
            esc(&signed_range(d.ci95[0], d.ci95[1], &o.unit)),
            sig3(100.0 * d.p_better)
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
    h.push_str("<section id=\"differences\">\n<h2>What each setting changes</h2>\n");
    for c in &diff_charts {
        figure(
            &mut h,
            c,
            "Dots: change in the mean as a share of the baseline mean; lines: paired 95% interval.",
        );
    }
    h.push_str("</section>\n<section id=\"settings\">\n<h2>Settings compared</h2>\n<table>\n<thead><tr><th class=\"text\">Setting</th><th class=\"text\">Lever values</th></tr></thead>\n<tbody>\n");
    for s in &file.settings {
        let levers: Vec<String> = s.levers.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"text\">{}</td></tr>",
            esc(&s.label),
            esc(&levers.join(", "))
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
    let _ = write!(
        h,
        "<section id=\"reproduce\">\n<h2>Reproducibility</h2>\n<pre>{}</pre>\n<dl>\n<dt>Program</dt><dd>{}</dd>\n<dt>Scenario SHA-256</dt><dd>{}</dd>\n<dt>Seed</dt><dd>{}</dd>\n<dt>Paired runs per setting</dt><dd>{}</dd>\n<dt>Elapsed</dt><dd>{:.1} s</dd>\n<dt>Method</dt><dd>{}</dd>\n</dl>\n</section>\n",
        esc(&file.reproduce),
        esc(&file.generator),
        esc(&file.scenario.sha256),
        file.seed,
        exact_count(file.runs),
        elapsed,
        esc(METHOD)
    );
    h.push_str(
        "<section id=\"annex\">\n<h2>Annex: each outcome under every setting</h2>\n</section>\n",
    );
    for (o, c) in file.outcomes.iter().zip(&box_charts) {
        let _ = write!(
            h,
            "<section class=\"outcome\" id=\"outcome-{}\">\n<h2>{}</h2>\n",
            esc(&o.id),
            esc(&o.name)
        );
        figure(
            &mut h,
            c,
            "Boxes: middle half of runs; whiskers: 5th to 95th percentile; black line: median; red line: mean.",
        );
        h.push_str("<table>\n<thead><tr><th class=\"text\">Setting</th><th>Median</th><th>Mean</th><th>Change in mean (95% interval)</th><th>Better in</th><th>Rank</th></tr></thead>\n<tbody>\n");
        for r in &o.results {
            let d = &r.difference;
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} ({})</td><td>{}%</td><td>{}</td></tr>",
                esc(&r.setting),
                esc(&phrase(r.stats.p50, &o.unit)),
                esc(&phrase(r.stats.mean, &o.unit)),
                esc(&signed_phrase(d.mean, &o.unit)),
                esc(&signed_range(d.ci95[0], d.ci95[1], &o.unit)),
                sig3(100.0 * d.p_better),
                r.rank
            );
        }
        h.push_str("</tbody>\n</table>\n</section>\n");
    }
    h.push_str("</body>\n</html>\n");
    std::fs::write(dir.join("briefing.html"), h)
        .map_err(|e| format!("cannot write briefing.html: {e}"))
}
