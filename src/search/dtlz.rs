//! DTLZ2 (Deb, Thiele, Laumanns and Zitzler 2002), the standard scalable test problem, with the
//! exact hypervolume of its Pareto front: used by the tests and to check the search on a
//! problem whose answer is known.
//!
//! With `M` objectives and `n = M + k - 1` variables in `[0, 1]`,
//! `g = sum_{i >= M-1} (x_i - 1/2)^2` and, for objective `m = 1..M`,
//! `f_m = (1 + g) * prod_{j < M-m} cos(x_j pi/2) * (sin(x_{M-m} pi/2) if m > 1)`.
//! The Pareto front (`g = 0`) is the part of the unit sphere in the positive orthant.

use super::space::{Gene, Space};

/// The customary number of distance variables, `k = 10`.
pub const K: usize = 10;

/// The decision space of DTLZ2 with `objectives` objectives and `k` distance variables:
/// `objectives + k - 1` real genes in `[0, 1]`.
pub fn space(objectives: usize, k: usize) -> Space {
    Space {
        genes: vec![Gene::Real { min: 0.0, max: 1.0 }; (objectives + k).saturating_sub(1)],
    }
}

/// The `objectives` objective values of DTLZ2 at `x` (all minimised). Missing variables count
/// as 1/2 (their optimal value); with no objectives, the result is empty.
pub fn dtlz2(x: &[f64], objectives: usize) -> Vec<f64> {
    let m = objectives;
    if m == 0 {
        return Vec::new();
    }
    let angle = |j: usize| x.get(j).copied().unwrap_or(0.5) * std::f64::consts::FRAC_PI_2;
    let g: f64 = x.iter().skip(m - 1).map(|v| (v - 0.5) * (v - 0.5)).sum();
    (1..=m)
        .map(|obj| {
            let mut f = 1.0 + g;
            for j in 0..m - obj {
                f *= angle(j).cos();
            }
            if obj > 1 {
                f *= angle(m - obj).sin();
            }
            f
        })
        .collect()
}

/// The exact hypervolume of the DTLZ2 front with `objectives` objectives and reference point
/// `(reference, ..., reference)`: `reference^M` minus the volume of the unit ball's positive
/// orthant, `pi^(M/2) / Gamma(M/2 + 1) / 2^M`. Valid for `reference >= 1` (the front then lies
/// inside the reference box); NaN otherwise.
pub fn true_front_hypervolume(objectives: usize, reference: f64) -> f64 {
    if reference < 1.0 || reference.is_nan() {
        return f64::NAN;
    }
    // Unit-ball volumes: V_0 = 1, V_1 = 2, V_n = V_{n-2} * 2 pi / n.
    let mut ball = [1.0, 2.0];
    for n in 2..=objectives {
        ball[n % 2] *= 2.0 * std::f64::consts::PI / n as f64;
    }
    let orthant = ball[objectives % 2] / 2f64.powi(objectives as i32);
    reference.powi(objectives as i32) - orthant
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_front_is_the_unit_sphere_and_its_volume_is_known() {
        let f = dtlz2(&[0.3, 0.7, 0.5, 0.5, 0.5], 3);
        let norm: f64 = f.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-12);
        assert!(f.iter().all(|v| *v >= 0.0));
        let off = dtlz2(&[0.3, 0.7, 0.0, 0.5, 0.5], 3);
        let norm: f64 = off.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!(
            (norm - 1.25).abs() < 1e-12,
            "g = 1/4 scales the point by 1.25"
        );
        let pi = std::f64::consts::PI;
        assert!((true_front_hypervolume(2, 1.1) - (1.21 - pi / 4.0)).abs() < 1e-12);
        assert!((true_front_hypervolume(3, 1.1) - (1.331 - pi / 6.0)).abs() < 1e-12);
        assert!((true_front_hypervolume(4, 1.0) - (1.0 - pi * pi / 32.0)).abs() < 1e-12);
        assert!(true_front_hypervolume(2, 0.5).is_nan());
        assert_eq!(space(3, K).genes.len(), 12);
    }
}
