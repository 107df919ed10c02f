//! Sampling designs for the uncertain inputs: plain Monte Carlo, Latin hypercube, Sobol.
//!
//! A design is an `n x d` matrix of uniforms in (0, 1); row `j` feeds the `d` draws of one run
//! (see [`crate::stats::dist`]: every uncertain number is one uniform through its quantile
//! function). All designs here are deterministic functions of their seed.

mod joe_kuo;
mod sobol;
#[cfg(test)]
mod sobol_reference;

pub use joe_kuo::{MAX_DIMS as SOBOL_MAX_DIMS, TooManyDimensions};
pub use sobol::Sobol;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// Which design to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Independent uniforms.
    MonteCarlo,
    /// Each column stratified into `n` equal slices, one point per slice, slices paired at random.
    LatinHypercube,
    /// A Sobol low-discrepancy sequence (Joe and Kuo's direction numbers) randomised by a
    /// digital shift.
    Sobol,
}

impl Kind {
    /// Parses `mc`, `lhs` or `sobol`.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "mc" => Some(Kind::MonteCarlo),
            "lhs" => Some(Kind::LatinHypercube),
            "sobol" => Some(Kind::Sobol),
            _ => None,
        }
    }

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Kind::MonteCarlo => "mc",
            Kind::LatinHypercube => "lhs",
            Kind::Sobol => "sobol",
        }
    }
}

/// An `n x d` matrix of uniforms, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    pub n: usize,
    pub d: usize,
    pub u: Vec<f64>,
}

impl Matrix {
    /// Row `j`.
    pub fn row(&self, j: usize) -> &[f64] {
        &self.u[j * self.d..(j + 1) * self.d]
    }
}

fn rng(seed: u64, purpose: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&purpose.to_le_bytes());
    key[16..24].copy_from_slice(b"design!!");
    ChaCha8Rng::from_seed(key)
}

fn uniform(r: &mut ChaCha8Rng) -> f64 {
    ((r.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// Draws an `n x d` design of the given kind. The same arguments give the same matrix; only
/// the Sobol design can fail, beyond [`SOBOL_MAX_DIMS`] dimensions.
pub fn draw(kind: Kind, n: usize, d: usize, seed: u64) -> Result<Matrix, TooManyDimensions> {
    let u = match kind {
        Kind::MonteCarlo => monte_carlo(n, d, seed),
        Kind::LatinHypercube => latin_hypercube(n, d, seed),
        Kind::Sobol => sobol_points(n, d, seed)?,
    };
    Ok(Matrix { n, d, u })
}

fn monte_carlo(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut r = rng(seed, 1);
    (0..n * d).map(|_| uniform(&mut r)).collect()
}

fn latin_hypercube(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut u = vec![0.0; n * d];
    let mut r = rng(seed, 2);
    let mut perm: Vec<usize> = (0..n).collect();
    for c in 0..d {
        // Fisher-Yates shuffle of the slices for this column.
        for i in (1..n).rev() {
            let j = (r.next_u64() % (i as u64 + 1)) as usize;
            perm.swap(i, j);
        }
        for (row, &slice) in perm.iter().enumerate() {
            u[row * d + c] = (slice as f64 + uniform(&mut r)) / n as f64;
        }
    }
    u
}

fn sobol_points(n: usize, d: usize, seed: u64) -> Result<Vec<f64>, TooManyDimensions> {
    let mut u = vec![0.0; n * d];
    let mut seq = Sobol::new(d, seed)?;
    for row in u.chunks_mut(d.max(1)) {
        seq.next_into(row);
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_hypercube_puts_one_point_in_each_slice() {
        let m = draw(Kind::LatinHypercube, 50, 4, 9).unwrap();
        for c in 0..4 {
            let mut slices: Vec<usize> = (0..50).map(|j| (m.row(j)[c] * 50.0) as usize).collect();
            slices.sort();
            assert_eq!(slices, (0..50).collect::<Vec<_>>());
        }
    }

    #[test]
    fn sobol_points_are_balanced_in_each_dimension() {
        // Any 2^k consecutive points from the start put exactly 2^k / 8 in each eighth.
        let m = draw(Kind::Sobol, 256, 12, 1).unwrap();
        for a in 0..12 {
            let mut hits = [0usize; 8];
            for j in 0..256 {
                hits[(m.row(j)[a] * 8.0) as usize] += 1;
            }
            assert!(hits.iter().all(|&h| h == 32), "dimension {a}: {hits:?}");
        }
        assert!(m.u.iter().all(|&x| x > 0.0 && x < 1.0));
    }

    #[test]
    fn a_sobol_design_beyond_the_table_is_an_error() {
        let too_many = SOBOL_MAX_DIMS + 1;
        let e = draw(Kind::Sobol, 4, too_many, 0).unwrap_err();
        assert_eq!(e, TooManyDimensions { asked: too_many });
        assert!(draw(Kind::Sobol, 4, SOBOL_MAX_DIMS, 0).is_ok());
        assert!(draw(Kind::LatinHypercube, 4, too_many, 0).is_ok());
    }

    #[test]
    fn designs_depend_only_on_their_seed() {
        for kind in [Kind::MonteCarlo, Kind::LatinHypercube, Kind::Sobol] {
            assert_eq!(draw(kind, 64, 5, 3), draw(kind, 64, 5, 3));
            assert_ne!(draw(kind, 64, 5, 3), draw(kind, 64, 5, 4));
        }
    }
}
