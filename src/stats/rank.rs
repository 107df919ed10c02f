//! Spearman's rank correlation: how closely one quantity rises or falls with another, read
//! from the ranks so that any monotone relation counts fully and outliers cannot dominate.

/// The ranks of `x` (1 for the smallest), ties given the mean of the ranks they span.
pub fn ranks(x: &[f64]) -> Vec<f64> {
    // Values with their positions, sorted in place: the order is total (ties by position), so
    // an unstable sort gives the same result every time.
    let mut order: Vec<(f64, usize)> = x.iter().copied().zip(0..).collect();
    order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && order[j + 1].0 == order[i].0 {
            j += 1;
        }
        // Positions i..=j hold ties: each gets the mean of ranks i+1 ..= j+1.
        let mean = 0.5 * (i + j) as f64 + 1.0;
        for &(_, k) in &order[i..=j] {
            r[k] = mean;
        }
        i = j + 1;
    }
    r
}

/// Pearson's correlation of `a` and `b` (equal lengths); 0 when either is constant.
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    if n < 2 {
        return 0.0;
    }
    let mean = |v: &[f64]| v[..n].iter().sum::<f64>() / n as f64;
    let (ma, mb) = (mean(a), mean(b));
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (da, db) = (a[i] - ma, b[i] - mb);
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    if saa <= 0.0 || sbb <= 0.0 {
        0.0
    } else {
        (sab / (saa * sbb).sqrt()).clamp(-1.0, 1.0)
    }
}

/// Spearman's rank correlation of `a` and `b`: Pearson's correlation of their ranks, between
/// -1 and 1; 0 when either is constant.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_their_mean_rank() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), [3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn monotone_relations_count_fully_and_constants_not_at_all() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let cubed: Vec<f64> = x.iter().map(|v| v * v * v).collect();
        assert!((spearman(&x, &cubed) - 1.0).abs() < 1e-12);
        let falling: Vec<f64> = x.iter().map(|v| -v).collect();
        assert!((spearman(&x, &falling) + 1.0).abs() < 1e-12);
        assert_eq!(spearman(&x, &[7.0; 5]), 0.0);
        // A known value: ranks (1,2,3,4,5) against (2,1,4,3,5) give 0.8.
        assert!((spearman(&x, &[2.0, 1.0, 4.0, 3.0, 5.0]) - 0.8).abs() < 1e-12);
    }
}
