//! Plain-text tables for the terminal.

use super::summary::Summary;
use crate::number::{row_scale, scaled};

/// Lays out rows of cells in columns: first column left-aligned, the rest right-aligned.
pub fn columns(header: &[&str], rows: &[Vec<String>]) -> String {
    columns_left(header, rows, 1)
}

/// Lays out rows of cells in columns: the first `left` columns left-aligned (text), the rest
/// right-aligned (numbers).
pub fn columns_left(header: &[&str], rows: &[Vec<String>], left: usize) -> String {
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(c.chars().count());
            if i < left {
                if i > 0 {
                    s.push_str("  ");
                }
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str("  ");
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            }
        }
        s.trim_end().to_string()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (n - 1)));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// Shortens text to `max` characters with an ellipsis.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The per-outcome summary table printed after a run.
pub fn summary_table(s: &Summary) -> String {
    let rows: Vec<Vec<String>> = s
        .outcomes
        .iter()
        .map(|o| {
            let st = &o.stats;
            let sc = row_scale(&[
                st.mean, st.sd, st.p5, st.p50, st.p95, st.ci95[0], st.ci95[1],
            ]);
            let n = |v: f64| scaled(v, (sc.0, ""));
            vec![
                clip(&o.name, 48),
                n(st.mean),
                n(st.sd),
                n(st.p5),
                n(st.p50),
                n(st.p95),
                format!("{} to {}", n(st.ci95[0]), n(st.ci95[1])),
                format!(
                    "{}{}",
                    sc.1.trim_start(),
                    if sc.1.is_empty() {
                        o.unit.clone()
                    } else {
                        format!(" {}", o.unit)
                    }
                ),
            ]
        })
        .collect();
    columns(
        &[
            "outcome",
            "mean",
            "sd",
            "p5",
            "p50",
            "p95",
            "95% CI of mean",
            "unit",
        ],
        &rows,
    )
}
