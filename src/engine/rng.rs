//! Random streams: one pair per run, derived from the master seed and the run index alone.
//!
//! Run `r` of seed `s` draws its uncertainties from ChaCha8 with key `K_u(s)` on stream `r`, and
//! its events and shipments from ChaCha8 with key `K_d(s)` on stream `r`. Keys are four outputs
//! of SplitMix64 seeded with `s XOR domain` (little-endian), with one domain constant per purpose.
//! Nothing depends on which thread runs a run, or in what order, so results are bit-identical for
//! any thread count, shard layout or machine.
//!
//! Uniforms are `(x >> 11 + 0.5) / 2^53` for a 64-bit output `x`: strictly inside (0, 1), and
//! defined here rather than by a library so they can never change under us.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

const UNCERTAINTY_DOMAIN: u64 = 0x7374_7261_7465_7875; // "stratexu"
const DYNAMICS_DOMAIN: u64 = 0x7374_7261_7465_7864; // "stratexd"

/// The keys of one master seed.
#[derive(Clone, Debug)]
pub struct Streams {
    uncertainty: [u8; 32],
    dynamics: [u8; 32],
}

impl Streams {
    /// Derives the keys for master seed `seed`.
    pub fn new(seed: u64) -> Streams {
        Streams {
            uncertainty: key(seed ^ UNCERTAINTY_DOMAIN),
            dynamics: key(seed ^ DYNAMICS_DOMAIN),
        }
    }

    /// The generator for run `run`'s uncertain parameters.
    pub fn uncertainty(&self, run: u64) -> ChaCha8Rng {
        let mut r = ChaCha8Rng::from_seed(self.uncertainty);
        r.set_stream(run);
        r
    }

    /// The generator for run `run`'s events and shipments.
    pub fn dynamics(&self, run: u64) -> ChaCha8Rng {
        let mut r = ChaCha8Rng::from_seed(self.dynamics);
        r.set_stream(run);
        r
    }
}

/// A uniform in (0, 1) from one 64-bit output.
#[inline]
pub fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

fn key(mut state: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    for chunk in out.chunks_exact_mut(8) {
        // SplitMix64.
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_depend_only_on_seed_and_run() {
        let a = Streams::new(42);
        let b = Streams::new(42);
        let mut x = a.dynamics(7);
        let mut y = b.dynamics(7);
        for _ in 0..100 {
            assert_eq!(uniform(&mut x).to_bits(), uniform(&mut y).to_bits());
        }
        let mut z = a.dynamics(8);
        let mut w = a.uncertainty(7);
        let first = uniform(&mut a.dynamics(7));
        assert_ne!(first, uniform(&mut z));
        assert_ne!(first, uniform(&mut w));
    }

    #[test]
    fn pinned_values_guard_the_random_sequence() {
        // If this fails, every published result changes: update it only on purpose.
        let mut r = Streams::new(1).dynamics(0);
        let got: Vec<u64> = (0..3).map(|_| uniform(&mut r).to_bits()).collect();
        assert_eq!(
            got,
            [
                4596806622715372830,
                4599655767533687829,
                4600707275728392219
            ]
        );
    }

    #[test]
    fn uniforms_stay_strictly_inside_the_unit_interval() {
        let mut r = Streams::new(3).uncertainty(0);
        for _ in 0..10_000 {
            let u = uniform(&mut r);
            assert!(u > 0.0 && u < 1.0);
        }
    }
}
