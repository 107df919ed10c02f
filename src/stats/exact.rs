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
/// How far above [`ExactSum::add_slice`]'s base exponent a value's binary exponent may lie and
/// still be summed in the slice's 64-bit integer.
const NEAR: u32 = 4;
/// Highest base exponent: NaN and infinities (exponent 2047) must lie more than [`NEAR`] above.
const BASE_MAX: u32 = 2047 - NEAR - 1;
/// The fraction bits of an `f64`.
const FRACTION: u64 = (1 << 52) - 1;
/// The base of a sum that has had no slice yet.
const UNSET: u32 = u32::MAX;

/// An exact running sum of finite `f64` values.
///
/// Guarantees: `add` is exact (no rounding); [`ExactSum::value`] is the correctly signed sum
/// rounded once, and is the same for any order of additions and any way of splitting the
/// additions between sums later joined with [`ExactSum::merge`]. Non-finite inputs are ignored
/// (the engine never produces them; see `engine::checks`).
///
/// Serialised as its canonical words ([`ExactSum::words`]); deserialising accepts only canonical
/// words ([`ExactSum::from_words`]), so a saved sum comes back equal, limb for limb, or not at all.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(into = "Vec<i64>", try_from = "Vec<i64>")]
pub struct ExactSum {
    limbs: Vec<i64>,
    pending: u32,
    /// Biased binary exponent of the last slice's lowest value that counts: where the next
    /// slice's values are expected. Only a hint for speed: it changes no sum, and is neither
    /// saved nor compared.
    base: u32,
}

impl From<ExactSum> for Vec<i64> {
    fn from(sum: ExactSum) -> Vec<i64> {
        sum.words()
    }
}

impl TryFrom<Vec<i64>> for ExactSum {
    type Error = &'static str;

    fn try_from(words: Vec<i64>) -> Result<ExactSum, Self::Error> {
        ExactSum::from_words(words).ok_or("not the canonical words of an exact sum")
    }
}

/// Equal when the limbs and the count of additions since normalising are (`base` is a hint).
impl PartialEq for ExactSum {
    fn eq(&self, other: &Self) -> bool {
        self.limbs == other.limbs && self.pending == other.pending
    }
}

impl Eq for ExactSum {}

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

/// The biased binary exponent field of a value's bits (0: zero or subnormal, 2047: not finite).
#[inline]
fn exponent(bits: u64) -> u32 {
    ((bits >> 52) & 0x7ff) as u32
}

/// Whether a value's bits count toward a sum: not zero, not NaN or infinite.
#[inline]
fn counts(bits: u64) -> bool {
    (bits >> 52) & 0x7ff != 0x7ff && bits << 1 != 0
}

impl ExactSum {
    /// An empty sum (zero).
    pub fn new() -> Self {
        ExactSum {
            limbs: vec![0; LIMBS],
            pending: 0,
            base: UNSET,
        }
    }

    /// Adds `x` exactly. Ignores NaN and infinities.
    #[inline]
    pub fn add(&mut self, x: f64) {
        let bits = x.to_bits();
        if !counts(bits) {
            return;
        }
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
    /// [`ExactSum::add`] on each, but in one pass: normal values whose binary exponent lies at
    /// most `NEAR` (4) above the last slice's lowest (the usual case for one outcome across a
    /// batch of runs) are first summed exactly in one 64-bit integer and that integer is added
    /// once; any other value (another scale, a subnormal) is added on its own.
    pub fn add_slice(&mut self, xs: &[f64]) {
        if self.base == UNSET {
            // No slice yet: start from the first value that counts.
            let first = xs.iter().map(|x| x.to_bits()).find(|&b| counts(b));
            match first {
                Some(bits) => self.base = exponent(bits).clamp(1, BASE_MAX),
                // Zeros, NaN and infinities only: nothing to add.
                None => return,
            }
        }
        for chunk in xs.chunks(64) {
            self.add_chunk(chunk);
        }
    }

    fn add_chunk(&mut self, xs: &[f64]) {
        debug_assert!(xs.len() <= 64);
        let base = self.base;
        // A near value is `(2^52 + fraction) * 2^shift` units of its base with the shift at most
        // NEAR = 4: below 2^57, so 64 of them stay below 2^63, inside an i64.
        let mut acc: i64 = 0;
        let mut lowest = u32::MAX;
        for &x in xs {
            let bits = x.to_bits();
            let exp = exponent(bits);
            let shift = exp.wrapping_sub(base);
            // `base` is at least 1 and at most BASE_MAX, so zeros and subnormals (exponent 0)
            // and NaN and infinities (2047) are never near.
            if shift <= NEAR {
                let mantissa = (bits & FRACTION) | (1 << 52);
                let t = (mantissa << shift) as i64;
                // Two's complement negation by mask: `sign` is 0 or -1.
                let sign = -((bits >> 63) as i64);
                acc += (t ^ sign) - sign;
                lowest = lowest.min(exp);
            } else if counts(bits) {
                self.add(x);
                lowest = lowest.min(exp);
            }
        }
        if lowest != u32::MAX {
            self.base = lowest.clamp(1, BASE_MAX);
        }
        if acc != 0 {
            // The unit of a normal value with exponent `base` is 2^(base - 1 - 1074).
            self.add_scaled(acc, base - 1);
        }
    }

    /// Adds `acc * 2^(lo - 1074)` exactly, with `|acc| < 2^63` and `lo < BASE_MAX`.
    fn add_scaled(&mut self, acc: i64, lo: u32) {
        let negative = acc < 0;
        let magnitude = acc.unsigned_abs();
        // magnitude * 2^(lo % 32) as two 64-bit words, then four 32-bit parts from limb lo / 32.
        let shift = lo % LIMB_BITS;
        let words = if shift == 0 {
            [magnitude, 0]
        } else {
            [magnitude << shift, magnitude >> (64 - shift)]
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
            base: UNSET,
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

    /// The sum with its sign changed, exactly.
    pub fn negated(&self) -> ExactSum {
        let mut n = self.clone();
        n.normalise();
        for limb in n.limbs.iter_mut() {
            *limb = -*limb;
        }
        n.normalise();
        n
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
            // Nothing that counts in a first slice.
            vec![0.0, -0.0, 0.0],
            vec![f64::NAN, f64::INFINITY],
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
    fn slices_after_slices_equal_adding_one_by_one() {
        // Each slice starts from where the last one's values lay: scales that move, jump down
        // and up, values next to the largest finite ones followed by infinities and NaN.
        let slices: Vec<Vec<f64>> = vec![
            (0..64).map(|i| 1000.0 + i as f64).collect(),
            (0..64).map(|i| 31.0 * (1000.0 + i as f64)).collect(),
            (0..64).map(|i| -0.001 * (i + 1) as f64).collect(),
            vec![0.0, -0.0, 0.0],
            (0..10).map(|i| f64::MAX / (1 + i) as f64).collect(),
            vec![
                f64::INFINITY,
                f64::NAN,
                f64::MAX,
                -f64::INFINITY,
                -f64::MAX / 3.0,
            ],
            vec![f64::NAN],
            (0..64).map(|i| 5e-324 * i as f64).collect(),
            (0..64).map(|i| (i as f64 * 0.37).sin() * 1e6).collect(),
        ];
        let mut one = ExactSum::new();
        let mut many = ExactSum::new();
        for xs in &slices {
            xs.iter().for_each(|&x| one.add(x));
            many.add_slice(xs);
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
