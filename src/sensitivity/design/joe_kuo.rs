//! Joe and Kuo's published Sobol direction numbers, turned into the direction numbers of each
//! dimension.
//!
//! The table is the first 1,000 dimensions of `new-joe-kuo-6.21201` (S. Joe and F. Y. Kuo,
//! "Constructing Sobol sequences with better two-dimensional projections", SIAM J. Sci. Comput.
//! 30, 2635-2654, 2008), embedded unchanged from `assets/sobol/` (source and licence there).

use std::fmt;

/// The published table: a header line, then one line per dimension from 2 on:
/// `d s a m_1 ... m_s`.
const TABLE: &str = include_str!("../../../assets/sobol/new-joe-kuo-6.1000");

/// Dimensions the embedded table covers (dimension 1 needs no line).
pub const MAX_DIMS: usize = 1000;

/// Bits of each coordinate: the sequence is exact to 2^-32 and repeats after 2^32 points.
pub const BITS: usize = 32;

/// The direction numbers of one dimension: `v[i]` is `V_{i+1}` of Joe and Kuo's notes, the
/// binary fraction `m_{i+1} / 2^{i+1}` scaled by 2^32.
pub type Directions = [u32; BITS];

/// More dimensions were asked of the Sobol design than the embedded table covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooManyDimensions {
    pub asked: usize,
}

impl fmt::Display for TooManyDimensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the Sobol design was asked for {} dimensions; Joe and Kuo's direction numbers \
             embedded in stratex cover {MAX_DIMS}",
            self.asked
        )
    }
}

impl std::error::Error for TooManyDimensions {}

/// One line of the table, for the primitive polynomial
/// `x^s + a_1 x^{s-1} + ... + a_{s-1} x + 1` of degree `s`: `a` holds `a_1 ... a_{s-1}` as a
/// binary number (`a_1` the most significant bit), and `m[..s]` the initial direction numbers
/// `m_1 ... m_s`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Line {
    d: usize,
    s: usize,
    a: u32,
    m: [u32; BITS],
}

impl Line {
    /// `a_k`, the coefficient of `x^{s-k}`.
    fn a(&self, k: usize) -> bool {
        (self.a >> (self.s - 1 - k)) & 1 == 1
    }
}

/// Parses `d s a m_1 ... m_s`; `None` if the line is not of that form or `s` is out of range.
fn parse(text: &str) -> Option<Line> {
    let mut words = text.split_whitespace().map(|w| w.parse::<u32>().ok());
    let d = words.next()?? as usize;
    let s = words.next()?? as usize;
    let a = words.next()??;
    if !(1..=BITS).contains(&s) {
        return None;
    }
    let mut m = [0u32; BITS];
    let mut count = 0;
    for word in words {
        *m.get_mut(count)? = word?;
        count += 1;
    }
    (count == s).then_some(Line { d, s, a, m })
}

/// The lines of dimensions 2, 3, ... in order.
fn lines() -> impl Iterator<Item = Line> {
    TABLE.lines().skip(1).map(|text| {
        // The table is a constant checked line by line by the tests below.
        parse(text).expect("the embedded Joe-Kuo table is well formed")
    })
}

/// Dimension 1: the van der Corput sequence, `V_i = 2^-i`.
fn van_der_corput() -> Directions {
    std::array::from_fn(|i| 1u32 << (BITS - 1 - i))
}

/// A dimension's direction numbers from its line, by the recurrence of Joe and Kuo's notes:
/// `V_i = a_1 V_{i-1} ^ ... ^ a_{s-1} V_{i-s+1} ^ V_{i-s} ^ (V_{i-s} >> s)` for `i > s`.
fn from_line(line: &Line) -> Directions {
    let s = line.s;
    let mut v = [0u32; BITS];
    for (i, &m) in line.m[..s].iter().enumerate() {
        v[i] = m << (BITS - 1 - i);
    }
    for i in s..BITS {
        let mut x = v[i - s] ^ (v[i - s] >> s);
        for k in (1..s).filter(|&k| line.a(k)) {
            x ^= v[i - k];
        }
        v[i] = x;
    }
    v
}

/// The direction numbers of dimensions `1..=d`, or an error if `d` exceeds [`MAX_DIMS`].
pub fn directions(d: usize) -> Result<Vec<Directions>, TooManyDimensions> {
    if d > MAX_DIMS {
        return Err(TooManyDimensions { asked: d });
    }
    let first = std::iter::once(van_der_corput()).take(d);
    Ok(first
        .chain(lines().take(d.saturating_sub(1)).map(|l| from_line(&l)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_every_dimension_up_to_the_limit_and_is_well_formed() {
        let header: Vec<&str> = TABLE.lines().next().unwrap().split_whitespace().collect();
        assert_eq!(header, ["d", "s", "a", "m_i"]);
        let mut count = 0;
        for (k, text) in TABLE.lines().skip(1).enumerate() {
            let line = parse(text).unwrap_or_else(|| panic!("line {}: {text:?}", k + 2));
            assert_eq!(line.d, k + 2, "dimensions in order");
            // a holds the s - 1 middle coefficients; each m_i is odd and below 2^i.
            assert!(line.a < 1 << (line.s - 1), "dimension {}", line.d);
            for (i, &m) in line.m[..line.s].iter().enumerate() {
                assert!(m % 2 == 1 && m < 2 << i, "dimension {} m_{}", line.d, i + 1);
            }
            count += 1;
        }
        assert_eq!(count + 1, MAX_DIMS);
    }

    #[test]
    fn the_first_lines_are_those_published() {
        // new-joe-kuo-6.21201, lines 2 to 5 and 1,000 as published.
        let published: [(usize, usize, u32, &[u32]); 4] = [
            (2, 1, 0, &[1]),
            (3, 2, 1, &[1, 3]),
            (4, 3, 1, &[1, 3, 1]),
            (5, 3, 2, &[1, 1, 1]),
        ];
        let seen = |l: &Line| (l.d, l.s, l.a, l.m[..l.s].to_vec());
        for (line, (d, s, a, m)) in lines().zip(published) {
            assert_eq!(seen(&line), (d, s, a, m.to_vec()));
        }
        let m = [1, 1, 3, 9, 3, 3, 105, 201, 373, 877, 919, 1263, 6649];
        assert_eq!(seen(&lines().last().unwrap()), (1000, 13, 3396, m.to_vec()));
    }

    #[test]
    fn malformed_lines_are_refused() {
        for bad in [
            "",
            "2 1",
            "2 1 0",
            "2 1 0 1 3",
            "2 x 0 1",
            "2 0 0",
            "2 1 0 -1",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn more_dimensions_than_the_table_are_an_error() {
        assert_eq!(directions(MAX_DIMS).unwrap().len(), MAX_DIMS);
        assert_eq!(directions(0).unwrap().len(), 0);
        let e = directions(MAX_DIMS + 1).unwrap_err();
        assert_eq!(e, TooManyDimensions { asked: 1001 });
        assert!(e.to_string().contains("1001 dimensions") && e.to_string().contains("1000"));
    }
}
