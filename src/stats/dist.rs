//! Probability distributions for uncertain parameters, sampled by inverse transform.
//!
//! Every draw is `quantile(u)` for one uniform `u` in (0, 1). One uniform per uncertain number
//! keeps random streams aligned between policy settings (common random numbers) and lets Latin
//! hypercube and Sobol designs drive the same code as plain Monte Carlo. The functions are pure
//! and use only IEEE arithmetic and `std` transcendental functions, so a given `u` gives the same
//! value on every run of the same binary.

/// Distribution families a scenario may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DistKind {
    /// `Uniform(min, max)`.
    Uniform,
    /// `Normal(mean, sd)`.
    Normal,
    /// `LogNormal(median, sigma)`: `ln X ~ Normal(ln median, sigma)`.
    LogNormal,
    /// `Triangular(min, mode, max)`.
    Triangular,
    /// `Pert(min, mode, max)`: the beta-PERT of risk analysis, a Beta(1+4(mode-min)/(max-min),
    /// 1+4(max-mode)/(max-min)) stretched over [min, max].
    Pert,
    /// `Beta(alpha, beta, min, max)`: a Beta(alpha, beta) stretched over [min, max].
    Beta,
}

impl DistKind {
    /// The family's name as written in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            DistKind::Uniform => "Uniform",
            DistKind::Normal => "Normal",
            DistKind::LogNormal => "LogNormal",
            DistKind::Triangular => "Triangular",
            DistKind::Pert => "Pert",
            DistKind::Beta => "Beta",
        }
    }

    /// Whether the family's support is unbounded on at least one side.
    pub fn unbounded(self) -> bool {
        matches!(self, DistKind::Normal | DistKind::LogNormal)
    }
}

/// The value at cumulative probability `u` (0 < u < 1) of the distribution with the given
/// parameters, in the order listed on [`DistKind`]. Degenerate parameters never produce NaN:
/// reversed bounds are swapped, a mode outside the bounds is clamped, a non-positive spread gives
/// the centre value.
pub fn quantile(kind: DistKind, p: [f64; 4], u: f64) -> f64 {
    let u = u.clamp(1e-300, 1.0 - f64::EPSILON / 2.0);
    match kind {
        DistKind::Uniform => {
            let (lo, hi) = ordered(p[0], p[1]);
            lo + u * (hi - lo)
        }
        DistKind::Normal => {
            if p[1] > 0.0 {
                p[0] + p[1] * normal_quantile(u)
            } else {
                p[0]
            }
        }
        DistKind::LogNormal => {
            let median = p[0].max(0.0);
            if p[1] > 0.0 {
                median * (p[1] * normal_quantile(u)).exp()
            } else {
                median
            }
        }
        DistKind::Triangular => {
            let (lo, hi) = ordered(p[0], p[2]);
            let mode = p[1].clamp(lo, hi);
            triangular_quantile(lo, mode, hi, u)
        }
        DistKind::Pert => {
            let (lo, hi) = ordered(p[0], p[2]);
            if hi <= lo {
                return lo;
            }
            let mode = p[1].clamp(lo, hi);
            let a = 1.0 + 4.0 * (mode - lo) / (hi - lo);
            let b = 1.0 + 4.0 * (hi - mode) / (hi - lo);
            lo + (hi - lo) * beta_quantile(a, b, u)
        }
        DistKind::Beta => {
            let (lo, hi) = ordered(p[2], p[3]);
            let a = p[0].max(1e-6);
            let b = p[1].max(1e-6);
            lo + (hi - lo) * beta_quantile(a, b, u)
        }
    }
}

fn ordered(a: f64, b: f64) -> (f64, f64) {
    if a <= b { (a, b) } else { (b, a) }
}

fn triangular_quantile(lo: f64, mode: f64, hi: f64, u: f64) -> f64 {
    let width = hi - lo;
    if width <= 0.0 {
        return lo;
    }
    let cut = (mode - lo) / width;
    if u < cut {
        lo + (u * width * (mode - lo)).sqrt()
    } else {
        hi - ((1.0 - u) * width * (hi - mode)).sqrt()
    }
}

/// Standard normal quantile, Wichura's algorithm AS 241 (relative accuracy about 1e-16).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 8] = [
        3.387_132_872_796_366_6,
        133.141_667_891_784_38,
        1_971.590_950_306_551_3,
        13_731.693_765_509_46,
        45_921.953_931_549_87,
        67_265.770_927_008_7,
        33_430.575_583_588_13,
        2_509.080_928_730_122_7,
    ];
    const B: [f64; 8] = [
        1.0,
        42.313_330_701_600_91,
        687.187_007_492_057_9,
        5_394.196_021_424_751,
        21_213.794_301_586_597,
        39_307.895_800_092_71,
        28_729.085_735_721_943,
        5_226.495_278_852_854,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_6,
        4.630_337_846_156_545,
        5.769_497_221_460_691,
        3.647_848_324_763_204_5,
        1.270_458_252_452_368_4,
        0.241_780_725_177_450_6,
        0.022_723_844_989_269_184,
        7.745_450_142_783_414e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_759,
        1.676_384_830_183_803_8,
        0.689_767_334_985_1,
        0.148_103_976_427_480_08,
        0.015_198_666_563_616_457,
        5.475_938_084_995_345e-4,
        1.050_750_071_644_416_8e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103,
        5.463_784_911_164_114,
        1.784_826_539_917_291_3,
        0.296_560_571_828_504_9,
        0.026_532_189_526_576_124,
        0.001_242_660_947_388_078_4,
        2.711_555_568_743_487_6e-5,
        2.010_334_399_292_288_1e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        0.599_832_206_555_887_9,
        0.136_929_880_922_735_8,
        0.014_875_361_290_850_615,
        7.868_691_311_456_133e-4,
        1.846_318_317_510_054_8e-5,
        1.421_511_758_316_446e-7,
        2.044_263_103_389_939_7e-15,
    ];
    fn poly(c: &[f64; 8], x: f64) -> f64 {
        c.iter().rev().fold(0.0, |acc, &k| acc * x + k)
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    let r = if q < 0.0 { p } else { 1.0 - p };
    let mut r = (-r.ln()).sqrt();
    let x = if r <= 5.0 {
        r -= 1.6;
        poly(&C, r) / poly(&D, r)
    } else {
        r -= 5.0;
        poly(&E, r) / poly(&F, r)
    };
    if q < 0.0 { -x } else { x }
}

/// Natural log of the gamma function for `x > 0` (Lanczos, g = 7; about 15 digits).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Gamma(x) Gamma(1-x) = pi / sin(pi x).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).abs().ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = COEF[0];
    for (i, &c) in COEF.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularised incomplete beta function I_x(a, b).
pub fn beta_cdf(a: f64, b: f64, x: f64) -> f64 {
    beta_cdf_scaled(a, b, x, ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b))
}

/// [`beta_cdf`] with `ln_scale = ln Γ(a+b) - ln Γ(a) - ln Γ(b)` given, so that a search over `x`
/// computes it once (the same value, so the same result bit for bit).
fn beta_cdf_scaled(a: f64, b: f64, x: f64, ln_scale: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_scale + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b
    }
}

/// Continued fraction for the incomplete beta function (modified Lentz).
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// Quantile of Beta(a, b): Halley iterations from a standard starting guess, with a bisection
/// fall-back that always converges.
pub fn beta_quantile(a: f64, b: f64, p: f64) -> f64 {
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let mut x = if a >= 1.0 && b >= 1.0 {
        let pp = if p < 0.5 { p } else { 1.0 - p };
        let t = (-2.0 * pp.ln()).sqrt();
        let mut z = (2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481)) - t;
        if p < 0.5 {
            z = -z;
        }
        let al = (z * z - 3.0) / 6.0;
        let h = 2.0 / (1.0 / (2.0 * a - 1.0) + 1.0 / (2.0 * b - 1.0));
        let w = z * (al + h).sqrt() / h
            - (1.0 / (2.0 * b - 1.0) - 1.0 / (2.0 * a - 1.0)) * (al + 5.0 / 6.0 - 2.0 / (3.0 * h));
        a / (a + b * (2.0 * w).exp())
    } else {
        let lna = (a / (a + b)).ln();
        let lnb = (b / (a + b)).ln();
        let t = (a * lna).exp() / a;
        let u = (b * lnb).exp() / b;
        let w = t + u;
        if p < t / w {
            (a * w * p).powf(1.0 / a)
        } else {
            1.0 - (b * w * (1.0 - p)).powf(1.0 / b)
        }
    };
    if !(x > 0.0 && x < 1.0) {
        x = 0.5;
    }
    // The same three log-gammas serve both constants (each keeps its own order of terms, so
    // its bits are unchanged).
    let (lg_a, lg_b, lg_ab) = (ln_gamma(a), ln_gamma(b), ln_gamma(a + b));
    let afac = -lg_a - lg_b + lg_ab;
    let ln_scale = lg_ab - lg_a - lg_b;
    for j in 0..12 {
        if x <= 0.0 || x >= 1.0 {
            break;
        }
        let err = beta_cdf_scaled(a, b, x, ln_scale) - p;
        let t = ((a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln() + afac).exp();
        if t == 0.0 || !t.is_finite() {
            break;
        }
        let u = err / t;
        let step = u / (1.0 - 0.5 * (u * ((a - 1.0) / x - (b - 1.0) / (1.0 - x))).min(1.0));
        x -= step;
        if x <= 0.0 {
            x = 0.5 * (x + step);
        }
        if x >= 1.0 {
            x = 0.5 * (x + step + 1.0);
        }
        if step.abs() < 1e-13 * x && j > 0 {
            break;
        }
    }
    if x > 0.0 && x < 1.0 && (beta_cdf_scaled(a, b, x, ln_scale) - p).abs() <= 1e-10 {
        return x;
    }
    // Bisection: slow but certain, used only when Halley did not settle.
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if beta_cdf_scaled(a, b, mid, ln_scale) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-15 {
            break;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + b.abs())
    }

    #[test]
    fn normal_quantile_matches_published_values() {
        assert_eq!(normal_quantile(0.5), 0.0);
        assert!(close(normal_quantile(0.975), 1.959_963_984_540_054, 1e-14));
        assert!(close(normal_quantile(0.025), -1.959_963_984_540_054, 1e-14));
        assert!(close(normal_quantile(0.841_344_746_068_542_9), 1.0, 1e-12));
        assert!(close(normal_quantile(1e-10), -6.361_340_902_404_056, 1e-12));
        assert!(close(
            normal_quantile(0.999),
            3.090_232_306_167_813_6,
            1e-13
        ));
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        assert!(close(ln_gamma(1.0), 0.0, 1e-14));
        assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-14));
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-14
        ));
        assert!(close(
            ln_gamma(20.0),
            121_645_100_408_832_000f64.ln(),
            1e-14
        ));
    }

    #[test]
    fn beta_quantile_inverts_the_cdf() {
        // Arcsine law: Beta(1/2, 1/2) has quantile sin^2(pi p / 2).
        for p in [0.01, 0.2, 0.5, 0.77, 0.999] {
            let want = (std::f64::consts::FRAC_PI_2 * p).sin().powi(2);
            assert!(close(beta_quantile(0.5, 0.5, p), want, 1e-9), "p={p}");
        }
        assert!(close(
            beta_quantile(2.0, 5.0, 0.5),
            0.264_449_983_295_662_2,
            1e-9
        ));
        assert!(close(beta_quantile(1.0, 1.0, 0.3), 0.3, 1e-12));
        for (a, b) in [(0.3, 4.0), (8.0, 2.0), (50.0, 50.0), (1.0, 0.2)] {
            for p in [0.001, 0.1, 0.5, 0.9, 0.999] {
                let x = beta_quantile(a, b, p);
                // Near 0 or 1 the CDF can be steeper than double precision resolves: accept any x
                // whose immediate neighbourhood brackets p.
                let bracketed = beta_cdf(a, b, x * (1.0 - 1e-12)) <= p
                    && beta_cdf(a, b, (x * (1.0 + 1e-12)).min(1.0)) >= p;
                assert!(
                    close(beta_cdf(a, b, x), p, 1e-8) || bracketed,
                    "a={a} b={b} p={p}"
                );
            }
        }
    }

    #[test]
    fn families_respect_their_parameters() {
        assert_eq!(quantile(DistKind::Uniform, [2.0, 4.0, 0.0, 0.0], 0.25), 2.5);
        assert!(close(
            quantile(DistKind::Normal, [10.0, 2.0, 0.0, 0.0], 0.975),
            13.919_927_969,
            1e-9
        ));
        assert!(close(
            quantile(DistKind::LogNormal, [5.0, 0.3, 0.0, 0.0], 0.5),
            5.0,
            1e-14
        ));
        // Triangular(0, 1, 2) is symmetric: median 1.
        assert!(close(
            quantile(DistKind::Triangular, [0.0, 1.0, 2.0, 0.0], 0.5),
            1.0,
            1e-14
        ));
        // Pert(0, 5, 10) is symmetric too.
        assert!(close(
            quantile(DistKind::Pert, [0.0, 5.0, 10.0, 0.0], 0.5),
            5.0,
            1e-9
        ));
        assert!(close(
            quantile(DistKind::Beta, [2.0, 2.0, 10.0, 20.0], 0.5),
            15.0,
            1e-9
        ));
        // Degenerate parameters give a value, never NaN.
        assert_eq!(quantile(DistKind::Normal, [3.0, -1.0, 0.0, 0.0], 0.9), 3.0);
        assert_eq!(
            quantile(DistKind::Triangular, [5.0, 9.0, 5.0, 0.0], 0.9),
            5.0
        );
        assert_eq!(quantile(DistKind::Uniform, [4.0, 2.0, 0.0, 0.0], 0.0), 2.0);
    }
}
