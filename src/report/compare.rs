//! Results of `stratex compare`: files, terminal tables and the comparison briefing.

use super::brief::{STYLE, esc, figure, file_name, source_lines};
use super::number::{exact_count, phrase, sig3, signed_phrase, signed_range};
use super::summary::ScenarioInfo;
use super::table::{clip, columns, columns_left};
use super::{VERSION, csv_field};
use crate::model::Model;
use crate::model::grid::Labeled;
use crate::montecarlo::compare::{Comparison, Difference};
use crate::plot::compare::{Boxes, DiffRow, Differences, Verdict};
use crate::plot::{self, Frame};
use crate::scenario::format::Better;
use crate::stats::summary::Stats;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

/// How the comparison is computed, recorded with it.
pub const METHOD: &str = "common random numbers: run r of every setting uses the random streams of \
run r (the same uncertain parameters, events and detections), so each setting is compared with the \
baseline run by run; ci95 is the paired 95% interval of the mean difference, ci95_unpaired the \
interval if the runs were independent; p_better is the share of runs in which the setting did \
better than the baseline in the outcome's better direction (ties count half); rank 1 is the best \
mean in that direction";

/// A setting as recorded in `comparison.json`.
#[derive(Clone, Debug, Serialize)]
pub struct SettingInfo {
    pub label: String,
    pub levers: Vec<(String, f64)>,
}

/// One setting's results in one outcome.
#[derive(Clone, Debug, Serialize)]
pub struct SettingResult {
    pub setting: String,
    #[serde(flatten)]
    pub stats: Stats,
    pub difference: Difference,
    pub rank: usize,
}

/// One outcome across settings.
#[derive(Clone, Debug, Serialize)]
pub struct OutcomeComparison {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub better: Better,
    pub results: Vec<SettingResult>,
}

/// Contents of `comparison.json`: deterministic, like `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct ComparisonFile {
    pub generator: String,
    pub scenario: ScenarioInfo,
    pub seed: u64,
    /// Paired runs per setting.
    pub runs: u64,
    pub reproduce: String,
    pub method: String,
    pub settings: Vec<SettingInfo>,
    pub outcomes: Vec<OutcomeComparison>,
}

impl ComparisonFile {
    /// Assembles the results of a comparison.
    pub fn new(
        model: &Model,
        scenario: ScenarioInfo,
        seed: u64,
        reproduce: String,
        settings: &[Labeled],
        cmp: &Comparison,
    ) -> Self {
        let outcomes = model
            .outcomes
            .iter()
            .enumerate()
            .map(|(o, out)| {
                let stats: Vec<Stats> = (0..settings.len()).map(|s| cmp.stats(s, o)).collect();
                let ranks = ranks(&stats, out.better);
                OutcomeComparison {
                    id: out.id.clone(),
                    name: out.name.clone(),
                    unit: out.unit.clone(),
                    better: out.better,
                    results: settings
                        .iter()
                        .enumerate()
                        .map(|(s, l)| SettingResult {
                            setting: l.label.clone(),
                            stats: stats[s].clone(),
                            difference: cmp.difference(s, o),
                            rank: ranks[s],
                        })
                        .collect(),
                }
            })
            .collect();
        ComparisonFile {
            generator: format!("stratex {VERSION}"),
            scenario,
            seed,
            runs: cmp.runs(),
            reproduce,
            method: METHOD.to_string(),
            settings: settings
                .iter()
                .map(|l| SettingInfo {
                    label: l.label.clone(),
                    levers: l.levers.clone(),
                })
                .collect(),
            outcomes,
        }
    }

    /// Writes `comparison.csv`: one row per setting and outcome.
    pub fn write_csv(&self, path: &Path) -> io::Result<()> {
        let mut out = io::BufWriter::new(std::fs::File::create(path)?);
        writeln!(
            out,
            "# {}; scenario \"{}\" ({}, sha256 {}); seed {}; {} paired runs per setting; reproduce: {}",
            self.generator,
            self.scenario.name.replace('"', "'"),
            self.scenario.file,
            self.scenario.sha256,
            self.seed,
            self.runs,
            self.reproduce
        )?;
        writeln!(
            out,
            "setting,outcome,mean,p5,p50,p95,diff_mean,diff_ci_low,diff_ci_high,unpaired_ci_low,unpaired_ci_high,p_better,rank"
        )?;
        for o in &self.outcomes {
            for r in &o.results {
                let d = &r.difference;
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                    csv_field(&r.setting),
                    csv_field(&o.id),
                    r.stats.mean,
                    r.stats.p5,
                    r.stats.p50,
                    r.stats.p95,
                    d.mean,
                    d.ci95[0],
                    d.ci95[1],
                    d.ci95_unpaired[0],
                    d.ci95_unpaired[1],
                    d.p_better,
                    r.rank
                )?;
            }
        }
        out.flush()?;
        out.get_ref().sync_all()
    }

    /// The best setting for an outcome: rank 1 and strictly better than the baseline's mean
    /// (the baseline itself, index 0, when no setting beats it).
    fn best(&self, o: &OutcomeComparison) -> usize {
        let base = o.results[0].stats.mean;
        o.results
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, r)| r.rank == 1)
            .find(|(_, r)| match o.better {
                Better::Higher => r.stats.mean > base,
                Better::Lower => r.stats.mean < base,
            })
            .map_or(0, |(i, _)| i)
    }

    /// The terminal report: best setting per outcome, then every setting's change in every
    /// outcome in blocks of columns.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let rows: Vec<Vec<String>> = self
            .outcomes
            .iter()
            .map(|o| {
                let b = self.best(o);
                let r = &o.results[b];
                if b == 0 {
                    return vec![
                        clip(&o.name, 40),
                        "baseline: no setting does better".into(),
                        String::new(),
                        String::new(),
                    ];
                }
                let d = &r.difference;
                vec![
                    clip(&o.name, 40),
                    clip(&r.setting, 36),
                    format!(
                        "{} ({})",
                        signed_phrase(d.mean, &o.unit),
                        signed_range(d.ci95[0], d.ci95[1], &o.unit)
                    ),
                    format!("{:.2}", d.p_better),
                ]
            })
            .collect();
        out.push_str("Best setting per outcome: change in the mean from the baseline (95% CI), and the share of runs it does better in\n\n");
        out.push_str(&columns_left(
            &["outcome", "best setting", "change (95% CI)", "P(better)"],
            &rows,
            2,
        ));

        out.push_str("\nChange in each outcome's mean from the baseline, in % of the baseline mean (* : the paired 95% interval excludes 0; Δ : absolute change where the baseline mean is 0)\n");
        let labels: Vec<String> = self.settings.iter().map(|s| clip(&s.label, 30)).collect();
        for block in self.outcomes.chunks(7) {
            let mut header = vec!["setting".to_string()];
            header.extend(block.iter().map(|o| clip(&o.id, 14)));
            let rows: Vec<Vec<String>> = labels
                .iter()
                .enumerate()
                .skip(1)
                .map(|(s, l)| {
                    let mut row = vec![l.clone()];
                    row.extend(block.iter().map(|o| cell(o, s)));
                    row
                })
                .collect();
            let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
            out.push('\n');
            out.push_str(&columns(&header_refs, &rows));
        }
        out
    }
}

/// Ranks by mean in the better direction: 1 is best, equal means share a rank.
fn ranks(stats: &[Stats], better: Better) -> Vec<usize> {
    stats
        .iter()
        .map(|s| {
            1 + stats
                .iter()
                .filter(|o| match better {
                    Better::Higher => o.mean > s.mean,
                    Better::Lower => o.mean < s.mean,
                })
                .count()
        })
        .collect()
}

fn excludes_zero(d: &Difference) -> bool {
    d.ci95[0] > 0.0 || d.ci95[1] < 0.0
}

/// A matrix cell: relative change of the mean, or the absolute change if the baseline is 0.
fn cell(o: &OutcomeComparison, s: usize) -> String {
    let d = &o.results[s].difference;
    let base = o.results[0].stats.mean;
    let star = if excludes_zero(d) { "*" } else { " " };
    if base != 0.0 {
        format!("{:+.1}%{star}", 100.0 * d.mean / base.abs())
    } else if d.mean == 0.0 {
        "0 ".into()
    } else {
        format!("Δ{}{star}", sig3(d.mean))
    }
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

/// Draws the comparison charts into `dir` and writes `briefing.html` beside them.
pub fn write_brief(dir: &Path, file: &ComparisonFile, elapsed: f64) -> Result<(), String> {
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
