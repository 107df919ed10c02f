//! Numbers formatted for people: significant figures, thousands separators, no exponents.
//!
//! One leaf module for every number a person reads: terminal tables, briefings and chart
//! labels all format through here, so the same value reads the same everywhere.

/// About four significant figures, with thousands separators: `3,124,000`, `12.35`, `0.0123`.
/// Magnitudes below 0.0001 use scientific notation (`3.2e-6`).
pub fn human(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let a = v.abs();
    if a < 1e-4 {
        return format!("{v:.1e}");
    }
    let digits = a.log10().floor() as i32 + 1; // digits before the point
    let sig = if a < 1.0 { 3 } else { 4 };
    let decimals = (sig - digits).max(0) as usize;
    // Round half away from zero, as people do (formatting alone rounds half to even).
    let rounded = if digits > sig {
        let unit = 10f64.powi(digits - sig);
        (v / unit).round() * unit
    } else {
        let scale = 10f64.powi(decimals as i32);
        (v * scale).round() / scale
    };
    let text = format!("{rounded:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    group_thousands(&text)
}

/// A count, exactly, with thousands separators: `26,624` (where [`human`] would round it to
/// `26,620`). For numbers of runs, samples and the like, which people check against files.
pub fn exact_count(n: u64) -> String {
    group_thousands(&n.to_string())
}

/// A common scale for a row of numbers, so they read alike: billions (`bn`) when the largest
/// reaches a billion, millions (`m`) from ten million, otherwise plain.
pub fn row_scale(values: &[f64]) -> (f64, &'static str) {
    let max = values.iter().map(|v| v.abs()).fold(0.0, f64::max);
    if max >= 1e9 {
        (1e9, " bn")
    } else if max >= 1e7 {
        (1e6, " m")
    } else {
        (1.0, "")
    }
}

/// [`human`] of `v` on a scale from [`row_scale`].
pub fn scaled(v: f64, scale: (f64, &str)) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    format!("{}{}", human(v / scale.0), scale.1)
}

/// Inserts `,` every three digits of the integer part.
fn group_thousands(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", text),
    };
    let (int, frac) = match rest.find('.') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let mut out = String::with_capacity(text.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}{frac}")
}

/// A share (0 to 1) as a percentage with sensible precision: `42%`, `3.5%`, `0.12%`.
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p.abs() >= 10.0 {
        format!("{p:.0}%")
    } else if p.abs() >= 1.0 {
        format!("{}%", trim(&format!("{p:.1}")))
    } else {
        format!("{}%", trim(&format!("{p:.2}")))
    }
}

fn trim(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// Three significant figures with thousands separators: `52,500`, `12.5`, `0.711`, `3.01`.
pub fn sig3(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let a = v.abs();
    if a < 1e-3 {
        return format!("{v:.2e}");
    }
    let digits = a.log10().floor() as i32 + 1;
    if digits >= 3 {
        let unit = 10f64.powi(digits - 3);
        return group_thousands(&format!("{:.0}", (v / unit).round() * unit));
    }
    let decimals = (3 - digits) as usize;
    let scale = 10f64.powi(decimals as i32);
    let t = format!("{:.decimals$}", (v * scale).round() / scale);
    let t = if t.contains('.') {
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        t
    };
    group_thousands(&t)
}

/// A magnitude in words: `(3.31, " million")`, `(774, " million")`, `(52,500, "")`.
fn magnitude(v: f64) -> (f64, &'static str) {
    let a = v.abs();
    if a >= 1e9 {
        (v / 1e9, " billion")
    } else if a >= 1e6 {
        (v / 1e6, " million")
    } else {
        (v, "")
    }
}

/// The singular of a plural unit, for a quantity of exactly one.
fn singular(unit: &str) -> String {
    for (plural, single) in [
        ("ches", "ch"),
        ("shes", "sh"),
        ("sses", "ss"),
        ("xes", "x"),
        ("oes", "o"),
        ("ies", "y"),
    ] {
        if let Some(stem) = unit.strip_suffix(plural) {
            return format!("{stem}{single}");
        }
    }
    unit.strip_suffix('s').unwrap_or(unit).to_string()
}

/// Attaches a unit to a number already in words.
fn with_unit(number: String, v: f64, unit: &str) -> String {
    if unit.is_empty() {
        number
    } else if unit.starts_with('%') {
        format!("{number}{unit}")
    } else if unit == "USD" {
        format!("${number}")
    } else if unit == "0-1" {
        format!("{number} on the 0-1 scale")
    } else if let Some(rest) = unit.strip_prefix("USD") {
        format!("${number} {}", rest.trim_start_matches(['-', ' ']))
    } else if v == 1.0 {
        format!("{number} {}", singular(unit))
    } else {
        format!("{number} {unit}")
    }
}

/// A quantity in words for a briefing: `3.31 million rounds`, `66.8%`, `$1.24 billion`, `1 launch`.
pub fn phrase(v: f64, unit: &str) -> String {
    let (m, word) = magnitude(v);
    with_unit(format!("{}{word}", sig3(m)), v, unit)
}

/// A range in words with the unit once: `2.47 to 3.88 million rounds`, `1 to 6 launches`,
/// `$774 million to $1.46 billion`.
pub fn range_phrase(lo: f64, hi: f64, unit: &str) -> String {
    range_joined(lo, hi, unit, "to")
}

/// Like [`range_phrase`] for "between ... and ...": `2.47 and 3.88 million rounds`.
pub fn between_phrase(lo: f64, hi: f64, unit: &str) -> String {
    range_joined(lo, hi, unit, "and")
}

fn range_joined(lo: f64, hi: f64, unit: &str, joiner: &str) -> String {
    let (ml, wl) = magnitude(lo);
    let (mh, wh) = magnitude(hi);
    if wl == wh && !unit.starts_with("USD") {
        with_unit(format!("{} {joiner} {}{wh}", sig3(ml), sig3(mh)), hi, unit)
    } else {
        format!("{} {joiner} {}", phrase(lo, unit), phrase(hi, unit))
    }
}

/// A change with its sign: `+13,200 rounds`, `-$117 million`.
pub fn signed_phrase(v: f64, unit: &str) -> String {
    let p = phrase(v.abs(), unit);
    if v > 0.0 {
        format!("+{p}")
    } else if v < 0.0 {
        format!("-{p}")
    } else {
        p
    }
}

/// Whether changes in `unit` read in points: a percentage's change is a difference of
/// percentages (`-1.63 points`), not a percentage of a percentage.
pub fn in_points(unit: &str) -> bool {
    unit.starts_with('%')
}

/// A change in the outcome's own unit, a percentage's in points: `-1.28 million rounds`,
/// `-1.63 points`.
pub fn change_phrase(v: f64, unit: &str) -> String {
    if in_points(unit) {
        format!("{} points", signed(sig3(v.abs()), v))
    } else {
        signed_phrase(v, unit)
    }
}

/// A range of changes like [`change_phrase`]: `-1.7 to -1.55 points`.
pub fn change_range(lo: f64, hi: f64, unit: &str) -> String {
    if in_points(unit) {
        format!(
            "{} to {} points",
            signed(sig3(lo.abs()), lo),
            signed(sig3(hi.abs()), hi)
        )
    } else {
        signed_range(lo, hi, unit)
    }
}

/// A change in a table cell: compact, its unit left to the column header: `-1.28M`,
/// `+36.1k`, `-1.63pt`.
pub fn change_cell(v: f64, unit: &str) -> String {
    if in_points(unit) {
        format!("{}pt", signed(compact(v.abs()), v))
    } else if unit.starts_with("USD") {
        signed(format!("${}", compact(v.abs())), v)
    } else {
        signed(compact(v.abs()), v)
    }
}

/// `v` scaled to its magnitude with the short suffix: `(3.2, "M")`, `(250, "k")`, `(0.25, "")`.
fn short_scale(v: f64) -> (f64, &'static str) {
    let a = v.abs();
    if a >= 1e9 {
        (v / 1e9, "bn")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    }
}

/// Three significant figures with a magnitude suffix: `1.28M`, `186k`, `52.5k`, `0.0652`.
pub fn compact(v: f64) -> String {
    let (scaled, suffix) = short_scale(v);
    // 999,950 rounds to 1,000k: say 1M instead.
    let text = sig3(scaled);
    match (text.as_str(), suffix) {
        ("1,000", "k") => format!("{}M", if v < 0.0 { "-1" } else { "1" }),
        ("1,000", "M") => format!("{}bn", if v < 0.0 { "-1" } else { "1" }),
        _ => format!("{text}{suffix}"),
    }
}

/// `text` (a magnitude) with the sign of `v`.
fn signed(text: String, v: f64) -> String {
    if v > 0.0 {
        format!("+{text}")
    } else if v < 0.0 {
        format!("-{text}")
    } else {
        text
    }
}

/// A range of changes with signs and the unit once: `-377,000 to -350,000 rounds`.
pub fn signed_range(lo: f64, hi: f64, unit: &str) -> String {
    let sign = |v: f64| {
        if v > 0.0 {
            "+"
        } else if v < 0.0 {
            "-"
        } else {
            ""
        }
    };
    let (ml, wl) = magnitude(lo.abs());
    let (mh, wh) = magnitude(hi.abs());
    if wl == wh && !unit.starts_with("USD") {
        let text = format!("{}{} to {}{}{wh}", sign(lo), sig3(ml), sign(hi), sig3(mh));
        with_unit(text, hi.abs(), unit)
    } else {
        format!("{} to {}", signed_phrase(lo, unit), signed_phrase(hi, unit))
    }
}

// Chart labels.
/// A short tick label: `3.2M`, `250k`, `1.5k`, `1.4bn`, `0.25`.
///
/// Thousands are written `1.5k` rather than `1,500`: at the charts' 13 px a comma renders as a
/// dot, and `1,500` would read as `1.500`.
pub fn tick(v: f64) -> String {
    let (scaled, suffix) = short_scale(v);
    let text = if suffix.is_empty() {
        sig3(scaled)
    } else {
        let t = format!("{scaled:.2}");
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    format!("{text}{suffix}")
}

/// A tick label on an axis spanning `span`: [`tick`], with the floating-point noise of a
/// computed tick near zero (`-2.2e-16`) shown as the `0` it stands for.
pub fn axis_tick(v: f64, span: f64) -> String {
    if v.abs() <= span.abs() * 1e-9 {
        "0".to_string()
    } else {
        tick(v)
    }
}

/// A value with its unit for labels: `3.31M rounds`, `68.7%`, `$1.24bn`.
pub fn tick_with_unit(v: f64, unit: &str) -> String {
    match unit {
        u if u.starts_with('%') => format!("{}{u}", sig3(v)),
        "USD" => format!("${}", tick(v)),
        "" => tick(v),
        u => format!("{} {u}", tick(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_of_percentages_read_in_points() {
        assert_eq!(change_phrase(-1.63, "%"), "-1.63 points");
        assert_eq!(
            change_range(-1.7, -1.55, "% of runs"),
            "-1.7 to -1.55 points"
        );
        assert_eq!(change_cell(-1.63, "%"), "-1.63pt");
        assert_eq!(change_phrase(-1.28e6, "rounds"), "-1.28 million rounds");
        assert_eq!(change_cell(36_140.0, "rounds"), "+36.1k");
        assert_eq!(change_cell(-186_100.0, "rounds"), "-186k");
        assert_eq!(compact(999_951.0), "1M");
        assert_eq!(change_cell(-2.68e7, "USD"), "-$26.8M");
    }

    #[test]
    fn axis_ticks_show_no_floating_point_noise() {
        assert_eq!(axis_tick(-2.220446049250313e-16, 0.5), "0");
        assert_eq!(axis_tick(0.25, 0.5), "0.25");
        assert_eq!(axis_tick(-1.0e-4, 1.0e-3), "-1.00e-4");
    }

    #[test]
    fn phrases_for_briefings() {
        assert_eq!(sig3(52_490.0), "52,500");
        assert_eq!(sig3(12.47), "12.5");
        assert_eq!(sig3(0.7114), "0.711");
        assert_eq!(sig3(66.76), "66.8");
        assert_eq!(sig3(100.8), "101");
        assert_eq!(phrase(3_310_000.0, "rounds"), "3.31 million rounds");
        assert_eq!(phrase(1.0, "launches"), "1 launch");
        assert_eq!(phrase(1.0, "vetoes"), "1 veto");
        assert_eq!(phrase(1.0, "worker-weeks"), "1 worker-week");
        assert_eq!(phrase(16.0, "% of value"), "16% of value");
        assert_eq!(phrase(1.24e9, "USD"), "$1.24 billion");
        assert_eq!(phrase(3.23e9, "USD-equivalent"), "$3.23 billion equivalent");
        assert_eq!(
            range_phrase(2.466e6, 3.883e6, "rounds"),
            "2.47 to 3.88 million rounds"
        );
        assert_eq!(range_phrase(1.0, 6.0, "launches"), "1 to 6 launches");
        assert_eq!(
            range_phrase(7.74e8, 1.46e9, "USD"),
            "$774 million to $1.46 billion"
        );
        assert_eq!(range_phrase(42.63, 100.8, "%"), "42.6 to 101%");
        assert_eq!(between_phrase(1.0, 6.0, "launches"), "1 and 6 launches");
        assert_eq!(
            signed_range(-377_000.0, -350_000.0, "rounds"),
            "-377,000 to -350,000 rounds"
        );
        assert_eq!(
            signed_range(-1.2e8, -1.1e8, "USD"),
            "-$120 million to -$110 million"
        );
        assert_eq!(signed_phrase(13_200.0, "rounds"), "+13,200 rounds");
    }

    #[test]
    fn counts_are_exact() {
        assert_eq!(exact_count(26_624), "26,624");
        assert_eq!(human(26_624.0), "26,620");
        assert_eq!(exact_count(0), "0");
        assert_eq!(exact_count(999), "999");
        assert_eq!(exact_count(1_000_000), "1,000,000");
        assert_eq!(exact_count(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(human(3_123_456.0), "3,123,000");
        assert_eq!(human(-3_123_456.0), "-3,123,000");
        assert_eq!(human(1234.5), "1,235");
        assert_eq!(human(12.345), "12.35");
        assert_eq!(human(100.0), "100");
        assert_eq!(human(0.012345), "0.0123");
        assert_eq!(human(0.5), "0.5");
        assert_eq!(human(0.0), "0");
        assert_eq!(human(3.2e-6), "3.2e-6");
        assert_eq!(percent(0.4213), "42%");
        let sc = row_scale(&[1.197e9, 7.888e8]);
        assert_eq!(scaled(1.197e9, sc), "1.197 bn");
        assert_eq!(scaled(7.888e8, sc), "0.789 bn");
        assert_eq!(scaled(3_257_000.0, row_scale(&[3_257_000.0])), "3,257,000");
        assert_eq!(percent(0.035), "3.5%");
    }

    #[test]
    fn ticks_are_short_and_distinct() {
        assert_eq!(tick(3_250_000.0), "3.25M");
        assert_eq!(tick(3_400_000.0), "3.4M");
        assert_eq!(tick(250_000.0), "250k");
        assert_eq!(tick(1_400_000_000.0), "1.4bn");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(1500.0), "1.5k");
        assert_eq!(tick(6000.0), "6k");
        assert_eq!(tick(1250.0), "1.25k");
        assert_eq!(tick(999.0), "999");
        assert_eq!(tick_with_unit(68.72, "%"), "68.7%");
        assert_eq!(tick_with_unit(1.24e9, "USD"), "$1.24bn");
    }
}
