//! Numbers formatted for people: significant figures, thousands separators, no exponents.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
