//! The Sobol sequence of the `sobol` design: Joe and Kuo's direction numbers, Gray-code order, a
//! random digital shift.

use super::joe_kuo::{self, BITS, Directions, TooManyDimensions};
use super::rng;
use rand_chacha::rand_core::Rng;

/// A Sobol sequence in base 2 with Joe and Kuo's direction numbers (`new-joe-kuo-6.21201`),
/// generated in Gray-code order and randomised by a digital shift.
///
/// Unshifted, point `j` (from 0) is point `j` of Joe and Kuo's sequence in Gray-code order, as
/// `scipy.stats.qmc.Sobol(d, scramble=False, bits=32)` gives it: the first point is 0, not
/// skipped. Each coordinate is then XORed with a constant drawn from the seed (a digital shift),
/// which keeps every balance property of the sequence (it only permutes the dyadic intervals)
/// and makes the design depend on the seed alone.
pub struct Sobol {
    v: Vec<Directions>,
    x: Vec<u32>,
    shift: Vec<u32>,
    count: u32,
}

impl Sobol {
    /// A sequence of dimension `d`, shifted by constants drawn from `seed`; an error beyond
    /// [`SOBOL_MAX_DIMS`](super::SOBOL_MAX_DIMS) dimensions.
    pub fn new(d: usize, seed: u64) -> Result<Sobol, TooManyDimensions> {
        let mut r = rng(seed, 4);
        let shift = (0..d).map(|_| r.next_u64() as u32).collect();
        Sobol::with_shift(d, shift)
    }

    fn with_shift(d: usize, shift: Vec<u32>) -> Result<Sobol, TooManyDimensions> {
        Ok(Sobol {
            v: joe_kuo::directions(d)?,
            x: vec![0; d],
            shift,
            count: 0,
        })
    }

    /// Writes the next point into `out` (length `d`), each coordinate in (0, 1): the 32 bits of
    /// the shifted point plus half a unit in the last place. The first point is the shift itself
    /// (the unshifted sequence starts at zero), so every block of `2^k` points from the start
    /// stays balanced.
    pub fn next_into(&mut self, out: &mut [f64]) {
        for ((o, &x), &shift) in out.iter_mut().zip(&self.x).zip(&self.shift) {
            *o = ((x ^ shift) as f64 + 0.5) / 4_294_967_296.0;
        }
        self.advance();
    }

    /// Moves to the next point: in Gray-code order, point `j + 1` is point `j` XOR the
    /// direction number indexed by the lowest zero bit of `j`.
    fn advance(&mut self) {
        // After 2^32 points the sequence repeats (the last direction number stands in).
        let c = (self.count.trailing_ones() as usize).min(BITS - 1);
        self.count = self.count.wrapping_add(1);
        for (x, v) in self.x.iter_mut().zip(&self.v) {
            *x ^= v[c];
        }
    }
}

#[cfg(test)]
impl Sobol {
    /// The sequence without its shift.
    pub(super) fn unshifted(d: usize) -> Sobol {
        Sobol::with_shift(d, vec![0; d]).unwrap()
    }

    /// The sequence without its shift, from point `index` on: in Gray-code order point `j` is the
    /// XOR of the direction numbers at the set bits of `j ^ (j >> 1)`.
    pub(super) fn unshifted_at(d: usize, index: u32) -> Sobol {
        let mut seq = Sobol::unshifted(d);
        let gray = index ^ (index >> 1);
        for (x, v) in seq.x.iter_mut().zip(&seq.v) {
            *x = (0..BITS)
                .filter(|&k| gray >> k & 1 == 1)
                .fold(0, |x, k| x ^ v[k]);
        }
        seq.count = index;
        seq
    }

    /// The next point before its shift, as 32-bit binary fractions.
    pub(super) fn next_bits(&mut self) -> Vec<u32> {
        let x = self.x.clone();
        self.advance();
        x
    }
}
