//! Exact, order-independent summation of `f64` values.
//!
//! Monte Carlo results must be byte-identical whatever the thread count or shard layout, but
//! floating-point addition is not associative: summing the same values in another order gives
//! another last bit. [`ExactSum`] keeps the sum as a wide fixed-point integer covering the whole
//! `f64` range, so every addition is exact, and the result depends only on the multiset of values
//! added. Two partial sums merge exactly, so per-thread and per-shard sums can be combined in any
//! order.

use serde::{Deserialize, Serialize};

/// Bits per limb. Limbs are stored in `i64`, leaving 31 bits of headroom for carries.
const LIMB_BITS: u32 = 32;
/// Number of limbs: 2,098 bits of `f64` range plus 64 bits of headroom for counts of additions.
const LIMBS: usize = 70;
/// Normalise (propagate carries) after this many additions; each adds < 2^32 to a limb.
const NORMALISE_EVERY: u32 = 1 << 29;

/// An exact running sum of finite `f64` values.
///
/// Guarantees: `add` is exact (no rounding); [`ExactSum::value`] is the correctly signed sum
/// rounded once, and is the same for any order of additions and any way of splitting the
/// additions between sums later joined with [`ExactSum::merge`]. Non-finite inputs are ignored
/// (the engine never produces them; see `engine::checks`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExactSum {
    limbs: Vec<i64>,
    pending: u32,
}

impl Default for ExactSum {
    fn default() -> Self {
        Self::new()
    }
}

/// A finite value's bits as `(mantissa, position)` with value = ±mantissa * 2^(position - 1074):
/// the mantissa with its implicit bit (below 2^53) and the position of its lowest bit (0 for
/// subnormals).
#[inline]
fn decompose(bits: u64) -> (u64, u32) {
    let exp = ((bits >> 52) & 0x7ff) as u32;
    let frac = bits & ((1u64 << 52) - 1);
    let implicit = u64::from(exp != 0) << 52;
    (frac | implicit, exp.max(1) - 1)
}

impl ExactSum {
    /// An empty sum (zero).
    pub fn new() -> Self {
        ExactSum {
            limbs: vec![0; LIMBS],
            pending: 0,
        }
    }

    /// Adds `x` exactly. Ignores NaN and infinities.
    #[inline]
    pub fn add(&mut self, x: f64) {
        if x == 0.0 || !x.is_finite() {
            return;
        }
        let bits = x.to_bits();
        let negative = bits >> 63 == 1;
        let (mantissa, position) = decompose(bits);
        let limb = (position / LIMB_BITS) as usize;
        let shifted = (mantissa as u128) << (position % LIMB_BITS);
        let parts = [
            (shifted & 0xffff_ffff) as i64,
            ((shifted >> 32) & 0xffff_ffff) as i64,
            (shifted >> 64) as i64,
        ];
        for (i, part) in parts.into_iter().enumerate() {
            if negative {
                self.limbs[limb + i] -= part;
            } else {
                self.limbs[limb + i] += part;
            }
        }
        self.pending += 1;
        if self.pending >= NORMALISE_EVERY {
            self.normalise();
        }
    }

    /// Adds every value of `xs` exactly (NaN and infinities ignored); the same as calling
    /// [`ExactSum::add`] on each, but when the values' binary exponents lie within 64 of each
    /// other (the usual case for one outcome across a batch of runs) they are first summed
    /// exactly in one 128-bit integer and that integer is added once.
    pub fn add_slice(&mut self, xs: &[f64]) {
        for chunk in xs.chunks(64) {
            self.add_chunk(chunk);
        }
    }

    fn add_chunk(&mut self, xs: &[f64]) {
        debug_assert!(xs.len() <= 64);
        // Range of the positions of the values' lowest mantissa bits, over the values that
        // count: not zero, not NaN or infinite.
        let (mut lo, mut hi) = (u32::MAX, 0u32);
        for &x in xs {
            let bits = x.to_bits();
            if (bits >> 52) & 0x7ff != 0x7ff && bits << 1 != 0 {
                let p = decompose(bits).1;
                lo = lo.min(p);
                hi = hi.max(p);
            }
        }
        if lo == u32::MAX {
            return;
        }
        if hi - lo > 64 {
            xs.iter().for_each(|&x| self.add(x));
            return;
        }
        // Each term is `mantissa * 2^shift` with the mantissa below 2^53, signed. Written without
        // branches: zeros have a zero mantissa and NaN and infinities are given one, so they add
        // nothing whatever their (masked) shift.
        let term = |bits: u64| -> (u64, u32, u64) {
            let (mantissa, position) = decompose(bits);
            let mantissa = if (bits >> 52) & 0x7ff == 0x7ff {
                0
            } else {
                mantissa
            };
            (mantissa, position.wrapping_sub(lo), bits >> 63)
        };
        let acc: i128 = if hi - lo <= 4 {
            // Usual case, one outcome's values within a factor of 16: each term is below 2^57,
            // so 64 of them stay below 2^63, inside an i64.
            let mut acc: i64 = 0;
            for &x in xs {
                let (mantissa, shift, negative) = term(x.to_bits());
                let t = (mantissa << (shift & 63)) as i64;
                // Two's complement negation by mask: `sign` is 0 or -1.
                let sign = -(negative as i64);
                acc += (t ^ sign) - sign;
            }
            acc as i128
        } else {
            // Below 2^53 * 2^64 = 2^117 each; 64 of them stay below 2^123, inside an i128.
            let mut acc: i128 = 0;
            for &x in xs {
                let (mantissa, shift, negative) = term(x.to_bits());
                let t = (mantissa as i128) << (shift & 127);
                let sign = -(negative as i128);
                acc += (t ^ sign) - sign;
            }
            acc
        };
        let negative = acc < 0;
        let magnitude = acc.unsigned_abs();
        // magnitude * 2^(lo % 32) as three 64-bit words, then six 32-bit parts from limb lo / 32.
        let shift = lo % LIMB_BITS;
        let (w0, w1) = (magnitude as u64, (magnitude >> 64) as u64);
        let words = if shift == 0 {
            [w0, w1, 0]
        } else {
            [
                w0 << shift,
                (w1 << shift) | (w0 >> (64 - shift)),
                w1 >> (64 - shift),
            ]
        };
        let limb = (lo / LIMB_BITS) as usize;
        for (i, w) in words.into_iter().enumerate() {
            for (j, part) in [w & 0xffff_ffff, w >> 32].into_iter().enumerate() {
                let k = limb + 2 * i + j;
                if part == 0 {
                    continue;
                }
                // Parts beyond the top limb would be zero: the sum of finite values fits.
                if negative {
                    self.limbs[k] -= part as i64;
                } else {
                    self.limbs[k] += part as i64;
                }
            }
        }
        self.pending += 1;
        if self.pending >= NORMALISE_EVERY {
            self.normalise();
        }
    }

    /// The canonical limbs (carries propagated), least significant first, for saving.
    pub fn words(&self) -> Vec<i64> {
        self.normalised().limbs
    }

    /// Rebuilds a sum saved with [`ExactSum::words`]; `None` unless the words are canonical
    /// (the right number of limbs, every limb but the top one in `[0, 2^32)`).
    pub fn from_words(words: Vec<i64>) -> Option<ExactSum> {
        let ok = words.len() == LIMBS
            && words[..LIMBS - 1]
                .iter()
                .all(|&w| (0..1i64 << LIMB_BITS).contains(&w))
            && words[LIMBS - 1].unsigned_abs() < 1 << 62;
        ok.then_some(ExactSum {
            limbs: words,
            pending: 0,
        })
    }

    /// A copy with carries propagated: the canonical form, equal for equal sums.
    pub fn normalised(&self) -> ExactSum {
        let mut n = self.clone();
        n.normalise();
        n
    }

    /// Adds `x * x` exactly (the square is split into two doubles with a fused multiply-add).
    #[inline]
    pub fn add_square(&mut self, x: f64) {
        let hi = x * x;
        let lo = x.mul_add(x, -hi);
        self.add(hi);
        self.add(lo);
    }

    /// Adds `a * b` exactly.
    pub fn add_product(&mut self, a: f64, b: f64) {
        let hi = a * b;
        let lo = a.mul_add(b, -hi);
        self.add(hi);
        self.add(lo);
    }

    /// Adds another sum exactly.
    pub fn merge(&mut self, other: &ExactSum) {
        self.normalise();
        let mut other = other.clone();
        other.normalise();
        for (a, b) in self.limbs.iter_mut().zip(&other.limbs) {
            *a += *b;
        }
        self.normalise();
    }

    /// Propagates carries so every limb but the top one lies in `[0, 2^32)`. The representation
    /// of a value after normalising is unique.
    fn normalise(&mut self) {
        let mut carry = 0i64;
        for limb in self.limbs.iter_mut() {
            let v = *limb + carry;
            carry = v >> LIMB_BITS;
            *limb = v - (carry << LIMB_BITS);
        }
        // The top limb keeps the sign; with 64 bits of headroom it never overflows.
        if let Some(top) = self.limbs.last_mut() {
            *top += carry << LIMB_BITS;
        }
        self.pending = 0;
    }

    /// The sum, rounded to the nearest `f64` (saturating to ±`f64::MAX` far outside the range).
    pub fn value(&self) -> f64 {
        let mut n = self.clone();
        n.normalise();
        let negative = n.limbs[LIMBS - 1] < 0;
        if negative {
            // Two's-complement negation over the limb vector: magnitude = -value.
            for limb in n.limbs.iter_mut() {
                *limb = -*limb;
            }
            n.normalise();
        }
        let Some(top) = n.limbs.iter().rposition(|&l| l != 0) else {
            return 0.0;
        };
        // Take the top three limbs (96 bits) and fold everything below into a sticky bit, which
        // keeps round-to-nearest correct when converting 96 bits to a 53-bit mantissa.
        let lo_index = top.saturating_sub(2);
        let mut acc: u128 = 0;
        for i in (lo_index..=top).rev() {
            acc = (acc << 32) | (n.limbs[i] as u128 & 0xffff_ffff);
        }
        acc <<= 32 * (2 - (top - lo_index)) as u32;
        let sticky = n.limbs[..lo_index].iter().any(|&l| l != 0);
        if sticky {
            acc |= 1;
        }
        let shift = 32 * (top as i32 - 2) - 1074;
        let magnitude = scale_by_power_of_two(acc as f64, shift);
        if negative { -magnitude } else { magnitude }
    }
}

/// `x * 2^e` without intermediate overflow or underflow.
fn scale_by_power_of_two(mut x: f64, mut e: i32) -> f64 {
    while e > 1000 {
        x *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        x *= 2f64.powi(-1000);
        e += 1000;
    }
    x * 2f64.powi(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_exactly_where_naive_addition_loses_digits() {
        let mut s = ExactSum::new();
        for x in [1e20, 1.0, -1e20, 1e-30, 3.5] {
            s.add(x);
        }
        assert_eq!(s.value(), 4.5 + 1e-30);
    }

    #[test]
    fn order_and_splitting_do_not_change_the_result() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| ((i as f64) * 0.7310585).sin() * 10f64.powi(i % 17 - 8))
            .collect();
        let mut forward = ExactSum::new();
        xs.iter().for_each(|&x| forward.add(x));
        let mut backward = ExactSum::new();
        xs.iter().rev().for_each(|&x| backward.add(x));
        let (mut a, mut b) = (ExactSum::new(), ExactSum::new());
        xs[..333].iter().for_each(|&x| a.add(x));
        xs[333..].iter().for_each(|&x| b.add(x));
        b.merge(&a);
        assert_eq!(forward.value().to_bits(), backward.value().to_bits());
        assert_eq!(forward.value().to_bits(), b.value().to_bits());
    }

    #[test]
    fn adding_a_slice_equals_adding_one_by_one() {
        let cases: Vec<Vec<f64>> = vec![
            (0..64).map(|i| (i as f64 * 0.37).sin() * 1e6).collect(),
            (0..200)
                .map(|i| (i as f64 * 1.1).cos() * 10f64.powi(i % 40 - 20))
                .collect(),
            vec![
                f64::MAX,
                f64::MAX,
                -f64::MAX,
                f64::MIN_POSITIVE / 8.0,
                0.0,
                -0.0,
                3.0,
            ],
            vec![f64::NAN, 1.5, f64::INFINITY, -2.25, 5e-324],
            vec![],
            // Within a factor of 16 (the 64-bit fast path), mixed signs.
            (0..64)
                .map(|i| (1000.0 + i as f64 * 7.3) * if i % 3 == 0 { -1.0 } else { 1.0 })
                .collect(),
            // The fast path's largest sum: 63 of the largest mantissa 16 times above the smallest
            // value's exponent, either sign.
            std::iter::once(1.0)
                .chain(std::iter::repeat_n((2.0 - f64::EPSILON) * 16.0, 63))
                .collect(),
            std::iter::once(-1.0)
                .chain(std::iter::repeat_n(-(2.0 - f64::EPSILON) * 16.0, 63))
                .collect(),
            // One binary order more: this would overflow 64 bits, so it must take the wide path.
            std::iter::once(1.0)
                .chain(std::iter::repeat_n((2.0 - f64::EPSILON) * 32.0, 63))
                .collect(),
            vec![5e-324, 1e-323, -2.2e-308, 0.0, f64::NAN],
        ];
        for xs in cases {
            let mut one = ExactSum::new();
            xs.iter().for_each(|&x| one.add(x));
            let mut many = ExactSum::new();
            many.add_slice(&xs);
            assert_eq!(one.normalised(), many.normalised(), "{xs:?}");
            assert_eq!(one.value().to_bits(), many.value().to_bits());
        }
    }

    #[test]
    fn handles_negatives_subnormals_and_extremes() {
        let mut s = ExactSum::new();
        s.add(-2.5);
        assert_eq!(s.value(), -2.5);
        let mut t = ExactSum::new();
        t.add(f64::MIN_POSITIVE / 4.0);
        t.add(f64::MIN_POSITIVE / 4.0);
        assert_eq!(t.value(), f64::MIN_POSITIVE / 2.0);
        let mut u = ExactSum::new();
        u.add(f64::MAX);
        u.add(-f64::MAX);
        u.add(7.0);
        assert_eq!(u.value(), 7.0);
    }

    #[test]
    fn squares_are_exact() {
        let mut s = ExactSum::new();
        let x = 0.1f64;
        s.add_square(x);
        s.add_product(-x, x);
        assert_eq!(s.value(), 0.0);
    }
}
