//! Compact numbers for axis ticks and chart labels.

use crate::report::number::sig3;

/// A short tick label: `3.2M`, `250k`, `1.5k`, `1.4bn`, `0.25`.
///
/// Thousands are written `1.5k` rather than `1,500`: at the charts' 13 px a comma renders as a
/// dot, and `1,500` would read as `1.500`.
pub fn tick(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e9 {
        (v / 1e9, "bn")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let text = if suffix.is_empty() {
        sig3(scaled)
    } else {
        let t = format!("{scaled:.2}");
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    format!("{text}{suffix}")
}

/// A value with its unit for labels: `3.31M rounds`, `68.7%`, `$1.24bn`.
pub fn with_unit(v: f64, unit: &str) -> String {
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
        assert_eq!(with_unit(68.72, "%"), "68.7%");
        assert_eq!(with_unit(1.24e9, "USD"), "$1.24bn");
    }
}
