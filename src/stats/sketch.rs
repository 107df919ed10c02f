//! A mergeable quantile sketch with a fixed, bounded relative error.
//!
//! Per-step percentile bands over millions of runs cannot keep every value, and must come out the
//! same whether runs were summed on one thread, on eight, or on four separate machines. The
//! sketch bins each value by its binary exponent and the top [`SUB_BITS`] bits of its mantissa
//! (256 bins per doubling), and keeps for each bin a count and the lowest value seen. Counts add
//! and minima take the minimum, both exactly and in any order, so a merged sketch is identical to
//! one fed all the values directly.
//!
//! A quantile is read as the nearest-rank order statistic's bin, reported as the lowest value
//! actually seen in that bin: always a value some run produced, never above the true order
//! statistic and below it by less than 1/256 (0.4%) of its magnitude. Values that take few
//! distinct levels (counts of events, 0/1 flags, integers below 256) are reported exactly.
//! Magnitudes below [`TINY`] share one bin around zero.

use serde::{Deserialize, Serialize};

/// Mantissa bits used to split each doubling into bins.
pub const SUB_BITS: u32 = 8;
const SUBS: usize = 1 << SUB_BITS;
/// Values with magnitude below this (2^-30, about 9.3e-10) share the zero bin.
pub const TINY: f64 = 1.0 / (1u64 << 30) as f64;
const TINY_EXP: i32 = 1023 - 30;

/// Mantissa bits below the sub-bin: every value of a bin shares sign, exponent and sub-bin, so
/// these bits alone say which of two values in one bin is lower.
const LOW_BITS: u32 = 52 - SUB_BITS;
const LOW_MASK: u64 = (1 << LOW_BITS) - 1;
/// A bin's word keeps its count modulo `2^COUNT_BITS` above the low bits.
const COUNT_BITS: u32 = 64 - LOW_BITS;
const COUNT_ONE: u64 = 1 << LOW_BITS;
const COUNT_FIELD_MAX: u64 = (1 << COUNT_BITS) - 1;

/// `SUBS` bins of one exponent and sign. Each bin is one word: its count modulo `2^COUNT_BITS`
/// and the key of its lowest value ([`key`]); `carry` counts how often a bin's count field
/// wrapped. Eight-byte bins halve the memory the bins of a run touch against a separate count
/// and minimum, and the carry is read only when a count field is zero (a new or wrapped bin).
#[derive(Clone, Debug)]
struct Page {
    bins: [u64; SUBS],
    carry: [u32; SUBS],
}

/// The ordering key of a value's low mantissa bits within its bin: smaller key, lower value.
/// Among negative values the larger magnitude is the lower value, so their bits are reversed.
#[inline]
fn key(bits: u64, negative: bool) -> u64 {
    let low = bits & LOW_MASK;
    if negative { LOW_MASK - low } else { low }
}

/// Where a value's bits fall: its biased exponent (the page) and its sub-bin.
#[inline]
fn locate(bits: u64) -> (i32, usize) {
    (
        ((bits >> 52) & 0x7ff) as i32,
        ((bits >> LOW_BITS) as usize) & (SUBS - 1),
    )
}

impl Page {
    fn new() -> Box<Page> {
        Box::new(Page {
            bins: [0; SUBS],
            carry: [0; SUBS],
        })
    }

    /// Values counted in bin `sub`.
    fn count(&self, sub: usize) -> u64 {
        (u64::from(self.carry[sub]) << COUNT_BITS) | (self.bins[sub] >> LOW_BITS)
    }

    /// Counts one value of key `k` in bin `sub`.
    #[inline]
    fn add(&mut self, sub: usize, k: u64) {
        let w = self.bins[sub];
        let field = w >> LOW_BITS;
        if field.wrapping_sub(1) < COUNT_FIELD_MAX - 1 {
            // 1 <= field < max: the common case, one word read and written.
            self.bins[sub] = ((w & !LOW_MASK) + COUNT_ONE) | (w & LOW_MASK).min(k);
        } else {
            self.add_slow(sub, k);
        }
    }

    /// [`Page::add`] for a new bin, a bin whose count field wrapped, or one about to wrap.
    #[cold]
    #[inline(never)]
    fn add_slow(&mut self, sub: usize, k: u64) {
        self.put(sub, 1, k);
    }

    /// Adds `n > 0` values whose lowest has key `k` to bin `sub`.
    fn put(&mut self, sub: usize, n: u64, k: u64) {
        let had = self.count(sub);
        let k = if had == 0 {
            k
        } else {
            (self.bins[sub] & LOW_MASK).min(k)
        };
        let total = had + n;
        // Totals stay far below 2^52: the carry of a bin cannot overflow its 32 bits.
        self.carry[sub] = (total >> COUNT_BITS) as u32;
        self.bins[sub] = ((total & COUNT_FIELD_MAX) << LOW_BITS) | k;
    }
}

/// One sign's bins: pages of `SUBS` bins indexed by biased exponent, from `base` upward.
#[derive(Clone, Debug, Default)]
struct Side {
    base: i32,
    pages: Vec<Option<Box<Page>>>,
}

impl Side {
    #[inline]
    fn page_mut(&mut self, exp: i32) -> &mut Page {
        // Almost every value lands in a page that already exists: no growth, no allocation.
        let i = exp.wrapping_sub(self.base) as usize;
        if let Some(Some(_)) = self.pages.get(i) {
            return self.pages[i].as_mut().expect("checked just above");
        }
        self.page_mut_slow(exp)
    }

    /// [`Side::page_mut`] when the page must be created (and the list perhaps grown).
    #[cold]
    #[inline(never)]
    fn page_mut_slow(&mut self, exp: i32) -> &mut Page {
        if self.pages.is_empty() {
            self.base = exp;
        }
        if exp < self.base {
            let grow = (self.base - exp) as usize;
            let mut pages: Vec<Option<Box<Page>>> = (0..grow).map(|_| None).collect();
            pages.append(&mut self.pages);
            self.pages = pages;
            self.base = exp;
        }
        let i = (exp - self.base) as usize;
        if i >= self.pages.len() {
            self.pages.resize_with(i + 1, || None);
        }
        self.pages[i].get_or_insert_with(Page::new)
    }

    /// Occupied bins in ascending order of magnitude: (exponent, sub-bin, count, lowest value).
    /// `negative` says which side this is, to decode the lowest values.
    fn bins(&self, negative: bool) -> impl DoubleEndedIterator<Item = (i32, usize, u64, f64)> + '_ {
        let sign = if negative { 1u64 << 63 } else { 0 };
        self.pages.iter().enumerate().flat_map(move |(i, page)| {
            let exp = self.base + i as i32;
            page.iter().flat_map(move |p| {
                (0..SUBS).filter_map(move |sub| {
                    let count = p.count(sub);
                    (count > 0).then(|| {
                        let low = key(p.bins[sub], negative);
                        let bits = sign | ((exp as u64) << 52) | ((sub as u64) << LOW_BITS) | low;
                        (exp, sub, count, f64::from_bits(bits))
                    })
                })
            })
        })
    }
}

/// Mergeable quantile sketch; see the module documentation for its guarantees.
#[derive(Clone, Debug)]
pub struct Sketch {
    count: u64,
    zero: u64,
    zero_low: f64,
    pos: Side,
    neg: Side,
    min: f64,
    max: f64,
}

impl Default for Sketch {
    fn default() -> Self {
        Self::new()
    }
}

impl Sketch {
    /// An empty sketch.
    pub fn new() -> Self {
        Sketch {
            count: 0,
            zero: 0,
            zero_low: f64::INFINITY,
            pos: Side::default(),
            neg: Side::default(),
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Number of values added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Smallest value added (`+inf` when empty).
    pub fn min(&self) -> f64 {
        self.min
    }

    /// Largest value added (`-inf` when empty).
    pub fn max(&self) -> f64 {
        self.max
    }

    /// Adds one value. NaN is ignored.
    #[inline]
    pub fn add(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        // -0 is kept as +0: the two compare equal, so which one a minimum kept would depend on
        // the order values arrived in, and that order differs between thread counts.
        let x = x + 0.0;
        self.count += 1;
        // Plain comparisons: `x` is not NaN and neither is anything stored, so these equal
        // `f64::min` and `f64::max` without their NaN handling.
        if x < self.min {
            self.min = x;
        }
        if x > self.max {
            self.max = x;
        }
        let bits = x.to_bits();
        let (exp, sub) = locate(bits);
        if exp < TINY_EXP {
            self.zero += 1;
            self.zero_low = self.zero_low.min(x);
            return;
        }
        let negative = x < 0.0;
        let side = if negative {
            &mut self.neg
        } else {
            &mut self.pos
        };
        side.page_mut(exp).add(sub, key(bits, negative));
    }

    /// Adds every value of `xs`; the same as [`Sketch::add`] on each.
    pub fn add_slice(&mut self, xs: &[f64]) {
        for &x in xs {
            self.add(x);
        }
    }

    /// Adds every value of `other`; the result equals a sketch fed both sets of values.
    pub fn merge(&mut self, other: &Sketch) {
        self.count += other.count;
        self.zero += other.zero;
        self.zero_low = self.zero_low.min(other.zero_low);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        for (negative, mine, theirs) in [
            (false, &mut self.pos, &other.pos),
            (true, &mut self.neg, &other.neg),
        ] {
            for (exp, sub, count, low) in theirs.bins(negative) {
                mine.page_mut(exp)
                    .put(sub, count, key(low.to_bits(), negative));
            }
        }
    }

    /// Nearest-rank quantile `q` in `[0, 1]`: the bin holding the `ceil(q * n)`-th smallest value
    /// (at least the first), reported as the lowest value seen in that bin. `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        // Ascending order: negatives from the largest magnitude down, the zero bin, positives up.
        for (_, _, count, low) in self.neg.bins(true).rev() {
            seen += count;
            if seen >= rank {
                return Some(low);
            }
        }
        seen += self.zero;
        if seen >= rank {
            return Some(self.zero_low);
        }
        for (_, _, count, low) in self.pos.bins(false) {
            seen += count;
            if seen >= rank {
                return Some(low);
            }
        }
        Some(self.max)
    }

    /// A compact, canonical form for saving to disk (only occupied bins).
    pub fn to_repr(&self) -> SketchRepr {
        // A bin holds fewer than 2^32 values unless billions of runs share it; past that its
        // count saturates, and reading the form back fails its count check instead of
        // silently misreporting.
        let side = |s: &Side, negative: bool| -> Vec<(i32, u16, u32, f64)> {
            s.bins(negative)
                .map(|(e, sub, c, low)| (e, sub as u16, u32::try_from(c).unwrap_or(u32::MAX), low))
                .collect()
        };
        SketchRepr {
            count: self.count,
            zero: self.zero,
            zero_low: (self.zero > 0).then_some(self.zero_low),
            min: (self.count > 0).then_some(self.min),
            max: (self.count > 0).then_some(self.max),
            pos: side(&self.pos, false),
            neg: side(&self.neg, true),
        }
    }

    /// Rebuilds a sketch saved with [`Sketch::to_repr`]. Returns `None` if the form is
    /// inconsistent (counts that do not add up, bins out of range).
    pub fn from_repr(r: &SketchRepr) -> Option<Sketch> {
        let mut s = Sketch::new();
        s.count = r.count;
        s.zero = r.zero;
        s.zero_low = r.zero_low.unwrap_or(f64::INFINITY);
        s.min = r.min.unwrap_or(f64::INFINITY);
        s.max = r.max.unwrap_or(f64::NEG_INFINITY);
        let mut total = s.zero;
        for (negative, bins, side) in [(false, &r.pos, &mut s.pos), (true, &r.neg, &mut s.neg)] {
            for &(exp, sub, count, low) in bins {
                let bits = low.to_bits();
                // The lowest value must lie in the bin it is listed under.
                let home = bits >> 63 == u64::from(negative) && locate(bits) == (exp, sub as usize);
                if !(TINY_EXP..=2047).contains(&exp) || sub as usize >= SUBS || count == 0 || !home
                {
                    return None;
                }
                side.page_mut(exp)
                    .put(sub as usize, u64::from(count), key(bits, negative));
                total += u64::from(count);
            }
        }
        (total == s.count).then_some(s)
    }
}

/// Serialisable form of a [`Sketch`]: occupied bins as (exponent, sub-bin, count, lowest value).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SketchRepr {
    pub count: u64,
    pub zero: u64,
    pub zero_low: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub pos: Vec<(i32, u16, u32, f64)>,
    pub neg: Vec<(i32, u16, u32, f64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact_quantile(sorted: &[f64], q: f64) -> f64 {
        let rank = ((q * sorted.len() as f64).ceil() as usize).max(1);
        sorted[rank - 1]
    }

    #[test]
    fn zeros_of_either_sign_give_the_same_sketch_in_any_order() {
        let mut a = Sketch::new();
        let mut b = Sketch::new();
        for x in [-0.0, 0.0, 1.0] {
            a.add(x);
        }
        for x in [1.0, 0.0, -0.0] {
            b.add(x);
        }
        for s in [&a, &b] {
            assert_eq!(s.min().to_bits(), 0.0f64.to_bits());
            assert_eq!(s.quantile(0.0).map(f64::to_bits), Some(0.0f64.to_bits()));
        }
        assert_eq!(a.to_repr(), b.to_repr());
    }

    #[test]
    fn quantiles_are_within_the_stated_relative_error() {
        let values: Vec<f64> = (0..10_000)
            .map(|i| {
                let u = ((i as f64) * 0.618_033_988_75).fract();
                (u - 0.3) * 1e6
            })
            .collect();
        let mut s = Sketch::new();
        values.iter().for_each(|&v| s.add(v));
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        for q in [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0] {
            let exact = exact_quantile(&sorted, q);
            let got = s.quantile(q).unwrap();
            assert!(got <= exact, "q={q}: {got} > {exact}");
            assert!(
                (exact - got).abs() <= exact.abs() / 256.0 + 1e-9,
                "q={q}: {got} vs {exact}"
            );
            assert!(sorted.contains(&got), "reported value must be a sample");
        }
    }

    #[test]
    fn small_integers_are_exact() {
        let mut s = Sketch::new();
        for v in [0.0, 1.0, 1.0, 2.0, 3.0, 3.0, 3.0, 7.0] {
            s.add(v);
        }
        assert_eq!(s.quantile(0.5), Some(2.0));
        assert_eq!(s.quantile(0.05), Some(0.0));
        assert_eq!(s.quantile(0.95), Some(7.0));
    }

    #[test]
    fn merging_equals_feeding_everything() {
        let mut all = Sketch::new();
        let mut a = Sketch::new();
        let mut b = Sketch::new();
        for i in 0..5000 {
            let v = ((i * 7919) % 1013) as f64 * 13.7 - 2000.0;
            all.add(v);
            if i % 3 == 0 { a.add(v) } else { b.add(v) }
        }
        b.merge(&a);
        assert_eq!(all.to_repr(), b.to_repr());
        let round = Sketch::from_repr(&all.to_repr()).unwrap();
        assert_eq!(round.to_repr(), all.to_repr());
    }

    #[test]
    fn counts_past_the_bin_word_carry_exactly() {
        // One bin receives more values than its word's count field holds; its count and
        // lowest value must survive the wrap, in adding, merging and saving alike.
        let n = (1u64 << COUNT_BITS) + 3;
        let mut s = Sketch::new();
        let mut half = Sketch::new();
        for i in 0..n {
            let v = -(1000.0 + (i % 7) as f64 * 0.01);
            s.add(v);
            if i % 2 == 0 {
                half.add(v);
            }
        }
        s.add(5.0);
        let r = s.to_repr();
        assert_eq!(r.neg.len(), 1, "all negatives share one bin");
        assert_eq!(u64::from(r.neg[0].2), n);
        assert_eq!(r.neg[0].3, -1000.06, "lowest value of the bin");
        assert_eq!(s.quantile(0.5), Some(-1000.06));
        assert_eq!(s.quantile(1.0), Some(5.0));
        let mut merged = half.clone();
        merged.merge(&half);
        merged.merge(&Sketch::from_repr(&half.to_repr()).unwrap());
        assert_eq!(u64::from(merged.to_repr().neg[0].2), 3 * half.count());
        let back = Sketch::from_repr(&r).unwrap();
        assert_eq!(back.to_repr(), r);
    }

    #[test]
    fn rejects_a_lowest_value_outside_its_bin() {
        let mut s = Sketch::new();
        s.add(5.0);
        let mut r = s.to_repr();
        r.pos[0].3 = 9.0;
        assert!(Sketch::from_repr(&r).is_none());
        r.pos[0].3 = -5.0;
        assert!(Sketch::from_repr(&r).is_none());
    }

    #[test]
    fn rejects_inconsistent_saved_forms() {
        let mut s = Sketch::new();
        s.add(5.0);
        let mut r = s.to_repr();
        r.count = 2;
        assert!(Sketch::from_repr(&r).is_none());
    }
}
