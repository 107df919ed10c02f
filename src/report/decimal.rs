//! Numbers written for machines: the exact text `format!("{v}")` gives, written faster.
//!
//! `runs.csv` holds one row per run with every drawn value and final outcome, and formatting
//! those numbers with `core::fmt` was 3% of a whole flagship command's instructions, about a
//! thousand per number. [`push_f64`] takes the shortest round-trip digits from `zmij` (already
//! built for `serde_json`) and lays them out as `Display` does: never an exponent, no `.0` on
//! whole numbers, `-0` for negative zero, `NaN` and `inf` as they are. `zmij` (or `ryu`) alone
//! writes `4.0` and `1e16`: 15% of the flagship's values would change.
//!
//! Measured again behind the `csv` crate's writer (flagship, 1,000 runs, one thread, callgrind):
//! writing `runs.csv` takes 22.5 million instructions with [`push_f64`] and 46.0 million with
//! `write!(s, "{v}")` (the whole command 1.136 against 1.163 billion), and writing 20,000 rows
//! to a file takes 1.8 times as long with `write!` (medians of paired rounds).
//!
//! The two agree on the digits except where a value lies exactly halfway between the two
//! shortest candidates (`0.7269363403320312` and `...313` for `0.72693634033203125`): `zmij`
//! takes the even one, `core` the one away from zero. Such a value is recognised exactly (its
//! full decimal expansion is one digit longer than the shortest) and handed to `core`.

use std::fmt::Write as _;

/// `10^i` for every number of decimal digits a tie can have (at most 18).
const POW10: [u128; 20] = {
    let mut t = [1u128; 20];
    let mut i = 1;
    while i < 20 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// Appends `v` to `out` exactly as `write!(out, "{v}")` would.
pub fn push_f64(out: &mut String, v: f64) {
    if !v.is_finite() {
        // NaN, inf, -inf: rare, and std's text is the definition.
        write!(out, "{v}").expect("writing to a String cannot fail");
        return;
    }
    let mut buffer = zmij::Buffer::new();
    let text = buffer.format_finite(v);
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    // An exponent ("e-7", "e+16", "e+308") can only be among the last five bytes.
    let tail = unsigned.len().saturating_sub(5);
    let e = unsigned.as_bytes()[tail..]
        .iter()
        .position(|&b| b == b'e')
        .map(|at| tail + at);
    let mantissa = e.map_or(unsigned, |e| &unsigned[..e]);
    if halfway(v, mantissa) {
        write!(out, "{v}").expect("writing to a String cannot fail");
        return;
    }
    if v.is_sign_negative() {
        out.push('-');
    }
    let Some(e) = e else {
        // Plain notation already ("12.34", "0.001234", "1200.0"): only whole numbers differ.
        out.push_str(unsigned.strip_suffix(".0").unwrap_or(unsigned));
        return;
    };
    // "d.ddd" or "d" times 10^exponent, written out in full.
    let exponent: i32 = unsigned[e + 1..].parse().unwrap_or(0);
    let (first, rest) = mantissa.split_at(1);
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    // Digits before the decimal point.
    let point = exponent + 1;
    let n = 1 + rest.len() as i32;
    if point <= 0 {
        out.push_str("0.");
        push_zeros(out, -point);
        out.push_str(first);
        out.push_str(rest);
    } else if point >= n {
        out.push_str(first);
        out.push_str(rest);
        push_zeros(out, point - n);
    } else {
        let (before, after) = rest.split_at(point as usize - 1);
        out.push_str(first);
        out.push_str(before);
        out.push('.');
        out.push_str(after);
    }
}

/// Whether `v` may lie exactly halfway between two shortest decimals, `digits` being the digits
/// of `zmij`'s shortest (without sign or exponent): its exact decimal expansion has one
/// significant digit more. Also true for whole numbers of 2^53 and above, whose expansions are
/// not worth checking here.
fn halfway(v: f64, digits: &str) -> bool {
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    // v = ±m * 2^e.
    let (m, e) = if exp == 0 {
        (fraction, -1074)
    } else {
        (fraction | 1 << 52, exp - 1075)
    };
    if m == 0 {
        return false;
    }
    let (m, e) = (m >> m.trailing_zeros(), e + m.trailing_zeros() as i32);
    if e >= 0 {
        // A whole number: below 2^53 it has at most 16 digits and is written exactly.
        return e + 64 - m.leading_zeros() as i32 > 53;
    }
    // m odd: the expansion is m * 5^q / 10^q, with exactly the digits of m * 5^q. Beyond
    // q = 27 that is more than 19 digits, longer than any shortest output plus one.
    let q = -e as u32;
    if q > 27 {
        return false;
    }
    let exact = u128::from(m) * 5u128.pow(q);
    let shortest = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .skip_while(|&b| b == b'0')
        .count();
    shortest + 1 < POW10.len() && (POW10[shortest]..POW10[shortest + 1]).contains(&exact)
}

fn push_zeros(out: &mut String, n: i32) {
    for _ in 0..n {
        out.push('0');
    }
}

#[cfg(test)]
mod tests {
    use super::push_f64;
    use rand_chacha::rand_core::{Rng, SeedableRng};

    fn same_as_display(v: f64) {
        let mut ours = String::new();
        push_f64(&mut ours, v);
        assert_eq!(ours, format!("{v}"), "bits {:#x}", v.to_bits());
    }

    #[test]
    fn writes_what_display_writes() {
        let special = [
            0.0,
            -0.0,
            1.0,
            -3.0,
            0.1,
            1e15,
            1e16,
            1.5e16,
            123456789012345680.0,
            1e-5,
            1e-6,
            1.25e-7,
            5e-324,
            -5e-324,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            510712.81161607173,
            0.7098341697223158,
            954480711.604704,
        ];
        special.into_iter().for_each(same_as_display);
        // Every scale, random bits, and the kind of values runs produce.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20261127);
        for _ in 0..200_000 {
            same_as_display(f64::from_bits(rng.next_u64()));
            let scale = 10f64.powi((rng.next_u64() % 32) as i32 - 12);
            let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            same_as_display(unit * scale);
            same_as_display((unit * scale).round());
        }
        // Values exactly halfway between two shortest decimals, at every scale: an odd m times
        // 2^-(j + 1), whose expansion m * 5^(j + 1) has 17 or 18 digits.
        for j in 0..30 {
            let lo = (2f64.powi(53) / 5f64.powi(j)).max(1.0);
            let hi = (2e17 / 5f64.powi(j)).min(2f64.powi(53));
            for _ in 0..2_000 {
                let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                let odd = ((lo + unit * (hi - lo)) as u64) | 1;
                same_as_display(odd as f64 * 2f64.powi(-j - 1));
                same_as_display(-(odd as f64) * 2f64.powi(-j - 1));
            }
        }
    }
}
