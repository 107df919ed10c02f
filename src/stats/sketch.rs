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

/// One bin: how many values fell in it and the lowest of them. Count and minimum share a cache
/// line, so adding a value touches one line.
#[derive(Clone, Copy, Debug)]
struct Bin {
    low: f64,
    count: u32,
}

#[derive(Clone, Debug)]
struct Page {
    bins: [Bin; SUBS],
}

impl Page {
    fn new() -> Box<Page> {
        Box::new(Page {
            bins: [Bin {
                low: f64::INFINITY,
                count: 0,
            }; SUBS],
        })
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

    /// Bins in ascending order of magnitude: (exponent, sub-bin, count, lowest value).
    fn bins(&self) -> impl DoubleEndedIterator<Item = (i32, usize, u32, f64)> + '_ {
        self.pages.iter().enumerate().flat_map(move |(i, page)| {
            let exp = self.base + i as i32;
            page.iter().flat_map(move |p| {
                p.bins
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b.count > 0)
                    .map(move |(s, b)| (exp, s, b.count, b.low))
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
        let exp = ((bits >> 52) & 0x7ff) as i32;
        if exp < TINY_EXP {
            self.zero += 1;
            self.zero_low = self.zero_low.min(x);
            return;
        }
        let sub = ((bits >> (52 - SUB_BITS)) as usize) & (SUBS - 1);
        let side = if x < 0.0 {
            &mut self.neg
        } else {
            &mut self.pos
        };
        let bin = &mut side.page_mut(exp).bins[sub];
        bin.count += 1;
        if x < bin.low {
            bin.low = x;
        }
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
        for (mine, theirs) in [(&mut self.pos, &other.pos), (&mut self.neg, &other.neg)] {
            for (exp, sub, count, low) in theirs.bins() {
                let bin = &mut mine.page_mut(exp).bins[sub];
                bin.count += count;
                bin.low = bin.low.min(low);
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
        for (_, _, count, low) in self.neg.bins().rev() {
            seen += count as u64;
            if seen >= rank {
                return Some(low);
            }
        }
        seen += self.zero;
        if seen >= rank {
            return Some(self.zero_low);
        }
        for (_, _, count, low) in self.pos.bins() {
            seen += count as u64;
            if seen >= rank {
                return Some(low);
            }
        }
        Some(self.max)
    }

    /// A compact, canonical form for saving to disk (only occupied bins).
    pub fn to_repr(&self) -> SketchRepr {
        let side = |s: &Side| -> Vec<(i32, u16, u32, f64)> {
            s.bins()
                .map(|(e, sub, c, low)| (e, sub as u16, c, low))
                .collect()
        };
        SketchRepr {
            count: self.count,
            zero: self.zero,
            zero_low: (self.zero > 0).then_some(self.zero_low),
            min: (self.count > 0).then_some(self.min),
            max: (self.count > 0).then_some(self.max),
            pos: side(&self.pos),
            neg: side(&self.neg),
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
        for (bins, side) in [(&r.pos, &mut s.pos), (&r.neg, &mut s.neg)] {
            for &(exp, sub, count, low) in bins {
                if !(TINY_EXP..=2047).contains(&exp) || sub as usize >= SUBS || count == 0 {
                    return None;
                }
                let bin = &mut side.page_mut(exp).bins[sub as usize];
                bin.count = bin.count.checked_add(count)?;
                bin.low = bin.low.min(low);
                total += count as u64;
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
    fn rejects_inconsistent_saved_forms() {
        let mut s = Sketch::new();
        s.add(5.0);
        let mut r = s.to_repr();
        r.count = 2;
        assert!(Sketch::from_repr(&r).is_none());
    }
}
