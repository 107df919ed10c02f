//! Where offspring come from: the random stream of one generation, simulated binary crossover
//! and polynomial mutation (Deb and Agrawal 1995; the bounded forms of Deb's NSGA-II code).
//!
//! # The random stream
//!
//! Generation `g` of island `i` under seed `s` draws only from [`stream`]`(s, i, g)`:
//! ChaCha8 whose 32-byte key is four outputs of SplitMix64 seeded with `s XOR 0x7374_7261_7465_7873`
//! ("stratexs", little-endian words), on stream (nonce) `i`, starting at word position
//! `(g mod 2^32) * 2^36` (block `(g mod 2^32) * 2^32`). Each generation thus owns 2^35 64-bit
//! outputs, far more than it uses, and nothing else (thread, time, previous draws) enters.
//!
//! Uniforms are `((x >> 11) + 0.5) / 2^53` for a 64-bit output `x`: strictly inside (0, 1).

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

const SEARCH_DOMAIN: u64 = 0x7374_7261_7465_7873; // "stratexs"

/// The generator of generation `generation` of island `island` under seed `seed`.
pub fn stream(seed: u64, island: u64, generation: u64) -> ChaCha8Rng {
    let mut state = seed ^ SEARCH_DOMAIN;
    let mut key = [0u8; 32];
    for chunk in key.chunks_exact_mut(8) {
        // SplitMix64.
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes());
    }
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(island);
    rng.set_word_pos(u128::from(generation & 0xffff_ffff) << 36);
    rng
}

/// A uniform in (0, 1) from one 64-bit output.
pub fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// A uniform index in `0..n` (`n >= 1`).
pub fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    ((uniform(rng) * n as f64) as usize).min(n.saturating_sub(1))
}

/// Simulated binary crossover of two parents' positions, gene by gene (each gene crosses with
/// probability 1/2, as in Deb's code). `bounds[k]` are gene `k`'s position bounds; children stay
/// inside them.
pub fn sbx(
    rng: &mut ChaCha8Rng,
    p1: &[f64],
    p2: &[f64],
    bounds: &[(f64, f64)],
    eta: f64,
) -> (Vec<f64>, Vec<f64>) {
    let (mut c1, mut c2) = (p1.to_vec(), p2.to_vec());
    for (k, &(lo, hi)) in bounds.iter().enumerate().take(p1.len().min(p2.len())) {
        if uniform(rng) > 0.5 || (p1[k] - p2[k]).abs() <= 1e-14 || hi <= lo {
            continue;
        }
        let (y1, y2) = (p1[k].min(p2[k]), p1[k].max(p2[k]));
        let u = uniform(rng);
        let spread = |beta: f64| {
            let alpha = 2.0 - beta.powf(-(eta + 1.0));
            if u <= 1.0 / alpha {
                (u * alpha).powf(1.0 / (eta + 1.0))
            } else {
                (1.0 / (2.0 - u * alpha)).powf(1.0 / (eta + 1.0))
            }
        };
        let low = 0.5 * ((y1 + y2) - spread(1.0 + 2.0 * (y1 - lo) / (y2 - y1)) * (y2 - y1));
        let high = 0.5 * ((y1 + y2) + spread(1.0 + 2.0 * (hi - y2) / (y2 - y1)) * (y2 - y1));
        let (low, high) = (clamp(low, lo, hi), clamp(high, lo, hi));
        if uniform(rng) <= 0.5 {
            (c1[k], c2[k]) = (high, low);
        } else {
            (c1[k], c2[k]) = (low, high);
        }
    }
    (c1, c2)
}

/// Polynomial mutation of `position` in place: each gene mutates with probability `rate`, and a
/// mutated gene stays inside its bounds.
pub fn mutate(
    rng: &mut ChaCha8Rng,
    position: &mut [f64],
    bounds: &[(f64, f64)],
    eta: f64,
    rate: f64,
) {
    for (y, &(lo, hi)) in position.iter_mut().zip(bounds) {
        if uniform(rng) <= rate && hi > lo {
            *y = polynomial(rng, *y, lo, hi, eta);
        }
    }
}

/// One polynomial mutation of `y` in `[lo, hi]` (`lo < hi`).
pub fn polynomial(rng: &mut ChaCha8Rng, y: f64, lo: f64, hi: f64, eta: f64) -> f64 {
    let width = hi - lo;
    let power = 1.0 / (eta + 1.0);
    let u = uniform(rng);
    let delta = if u <= 0.5 {
        let xy = 1.0 - (y - lo) / width;
        (2.0 * u + (1.0 - 2.0 * u) * xy.powf(eta + 1.0)).powf(power) - 1.0
    } else {
        let xy = 1.0 - (hi - y) / width;
        1.0 - (2.0 * (1.0 - u) + 2.0 * (u - 0.5) * xy.powf(eta + 1.0)).powf(power)
    };
    clamp(y + delta * width, lo, hi)
}

/// `x` moved into `[lo, hi]`; unlike `f64::clamp`, never panics.
fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.max(lo).min(hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_depend_on_seed_island_and_generation_only() {
        let first = |s, i, g| uniform(&mut stream(s, i, g)).to_bits();
        assert_eq!(first(1, 0, 0), first(1, 0, 0));
        assert_ne!(first(1, 0, 0), first(2, 0, 0));
        assert_ne!(first(1, 0, 0), first(1, 1, 0));
        assert_ne!(first(1, 0, 0), first(1, 0, 1));
    }

    #[test]
    fn children_stay_inside_their_bounds() {
        let mut rng = stream(7, 0, 0);
        let bounds = [(0.0, 1.0), (-0.5, 10.5)];
        for _ in 0..2000 {
            let p1 = [uniform(&mut rng), uniform(&mut rng) * 11.0 - 0.5];
            let p2 = [uniform(&mut rng), uniform(&mut rng) * 11.0 - 0.5];
            let (mut c1, c2) = sbx(&mut rng, &p1, &p2, &bounds, 15.0);
            mutate(&mut rng, &mut c1, &bounds, 20.0, 1.0);
            for (c, (lo, hi)) in c1.iter().chain(&c2).zip(bounds.iter().cycle()) {
                assert!(*c >= *lo && *c <= *hi, "{c} outside [{lo}, {hi}]");
            }
        }
    }
}
