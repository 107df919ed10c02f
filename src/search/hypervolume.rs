//! The hypervolume indicator: the volume dominated by a set of minimised points and bounded by
//! a reference point, computed exactly.
//!
//! One and two objectives are a sort and a sweep. Three are a sweep along the last objective
//! that keeps the two-dimensional staircase of the points seen so far and its area up to date
//! (each point enters and leaves the staircase once; O(n^2) in the worst case from vector
//! insertion, quick in practice). More objectives slice along the last objective and recurse
//! (HSO; fine for a few hundred points).

/// The hypervolume of `points` (minimised) with respect to `reference`.
///
/// Only points with as many objectives as `reference` and strictly better than it in every one
/// count (so NaN objectives, which compare false, never count). The result does not depend on
/// the order of `points`, and is exactly 0 for an empty set or an empty reference.
pub fn hypervolume(points: &[Vec<f64>], reference: &[f64]) -> f64 {
    let inside: Vec<&[f64]> = points
        .iter()
        .filter(|p| p.len() == reference.len() && p.iter().zip(reference).all(|(a, r)| a < r))
        .map(|p| p.as_slice())
        .collect();
    if reference.is_empty() {
        return 0.0;
    }
    volume(inside, reference)
}

fn volume(mut points: Vec<&[f64]>, reference: &[f64]) -> f64 {
    let d = reference.len();
    if points.is_empty() {
        return 0.0;
    }
    // Sorting by the last objective, then the others, makes every sweep order-independent.
    points.sort_by(|a, b| {
        a[d - 1]
            .total_cmp(&b[d - 1])
            .then_with(|| lexicographic(a, b))
    });
    match d {
        1 => reference[0] - points[0][0],
        2 => area(&points, reference),
        3 => sweep3(&points, reference),
        _ => {
            let mut total = 0.0;
            for i in 0..points.len() {
                let top = points.get(i + 1).map_or(reference[d - 1], |p| p[d - 1]);
                let depth = top - points[i][d - 1];
                if depth > 0.0 {
                    let slice: Vec<&[f64]> = points[..=i].iter().map(|p| &p[..d - 1]).collect();
                    total += volume(slice, &reference[..d - 1]) * depth;
                }
            }
            total
        }
    }
}

fn lexicographic(a: &[f64], b: &[f64]) -> std::cmp::Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.total_cmp(y))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// Two objectives, `points` sorted by the second: sweep down the second objective.
fn area(points: &[&[f64]], reference: &[f64]) -> f64 {
    let mut total = 0.0;
    let mut left = reference[0];
    for p in points {
        if p[0] < left {
            total += (left - p[0]) * (reference[1] - p[1]);
            left = p[0];
        }
    }
    total
}

/// Three objectives, `points` sorted by the third: add each point's (x, y) to the staircase and
/// multiply the staircase's area by the depth to the next point.
fn sweep3(points: &[&[f64]], reference: &[f64]) -> f64 {
    let mut stairs = Staircase::new(reference[0], reference[1]);
    let mut total = 0.0;
    for (i, p) in points.iter().enumerate() {
        stairs.insert(p[0], p[1]);
        let top = points.get(i + 1).map_or(reference[2], |q| q[2]);
        total += stairs.area * (top - p[2]);
    }
    total
}

/// Mutually non-dominated 2-D points sorted by x ascending (so y strictly descending), and the
/// area they dominate up to the reference corner.
struct Staircase {
    steps: Vec<(f64, f64)>,
    area: f64,
    rx: f64,
    ry: f64,
}

impl Staircase {
    fn new(rx: f64, ry: f64) -> Staircase {
        Staircase {
            steps: Vec::new(),
            area: 0.0,
            rx,
            ry,
        }
    }

    fn insert(&mut self, x: f64, y: f64) {
        // The step just left of (or at) x has the lowest y among steps with x' <= x.
        let after = self.steps.partition_point(|s| s.0 <= x);
        if after > 0 && self.steps[after - 1].1 <= y {
            return; // dominated
        }
        let first = self.steps.partition_point(|s| s.0 < x);
        let last = first + self.steps[first..].partition_point(|s| s.1 >= y);
        // Over [x, right) the height rises to ry - y; add the rise, segment by segment.
        let right = self.steps.get(last).map_or(self.rx, |s| s.0);
        let mut height = if first > 0 {
            self.ry - self.steps[first - 1].1
        } else {
            0.0
        };
        let mut from = x;
        for &(sx, sy) in &self.steps[first..last] {
            self.area += (sx - from) * ((self.ry - y) - height);
            from = sx;
            height = self.ry - sy;
        }
        self.area += (right - from) * ((self.ry - y) - height);
        self.steps.splice(first..last, [(x, y)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inclusion–exclusion over all subsets: exact for a handful of points.
    fn inclusion_exclusion(points: &[Vec<f64>], r: &[f64]) -> f64 {
        let mut total = 0.0;
        for mask in 1u32..(1 << points.len()) {
            let members: Vec<&Vec<f64>> = (0..points.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| &points[i])
                .collect();
            let volume: f64 = (0..r.len())
                .map(|m| r[m] - members.iter().map(|p| p[m]).fold(f64::MIN, f64::max))
                .map(|side| side.max(0.0))
                .product();
            total += if members.len() % 2 == 1 {
                volume
            } else {
                -volume
            };
        }
        total
    }

    #[test]
    fn hand_cases_in_two_and_three_dimensions() {
        let two = vec![
            vec![1.0, 3.0],
            vec![2.0, 2.0],
            vec![3.0, 1.0],
            vec![2.5, 2.5],
        ];
        // Staircase under (4, 4): 3*1 + 2*1 + 1*1.
        assert_eq!(hypervolume(&two, &[4.0, 4.0]), 6.0);
        assert_eq!(hypervolume(&[vec![0.0, 0.0]], &[2.0, 3.0]), 6.0);
        assert_eq!(hypervolume(&[vec![0.0, 5.0]], &[2.0, 3.0]), 0.0);
        assert_eq!(
            hypervolume(&[vec![2.0, 0.0]], &[2.0, 3.0]),
            0.0,
            "on the boundary"
        );
        let three = vec![vec![0.0, 0.0, 1.0], vec![1.0, 1.0, 0.0]];
        // Box 2*2*1 plus box 1*1*2 minus their overlap 1*1*1.
        assert_eq!(hypervolume(&three, &[2.0, 2.0, 2.0]), 5.0);
        let four = vec![vec![0.0, 0.0, 1.0, 1.0], vec![1.0, 1.0, 0.0, 0.0]];
        assert_eq!(hypervolume(&four, &[2.0; 4]), 4.0 + 4.0 - 1.0);
        assert_eq!(hypervolume(&[], &[1.0, 1.0]), 0.0);
        assert_eq!(hypervolume(&[vec![f64::NAN, 0.0]], &[1.0, 1.0]), 0.0);
    }

    #[test]
    fn sweeps_agree_with_inclusion_exclusion_on_random_sets() {
        let mut rng = super::super::variation::stream(11, 0, 0);
        let mut u = || super::super::variation::uniform(&mut rng);
        for d in 2..=5 {
            for _ in 0..40 {
                // Coarse values so ties and duplicates happen too.
                let n = 1 + (u() * 8.0) as usize;
                let points: Vec<Vec<f64>> = (0..n)
                    .map(|_| (0..d).map(|_| (u() * 6.0).floor() / 4.0).collect())
                    .collect();
                let r = vec![1.25; d];
                let exact = inclusion_exclusion(
                    &points
                        .iter()
                        .filter(|p| p.iter().all(|v| *v < 1.25))
                        .cloned()
                        .collect::<Vec<_>>(),
                    &r,
                );
                let got = hypervolume(&points, &r);
                assert!(
                    (got - exact).abs() < 1e-12,
                    "d {d}: {got} vs {exact} for {points:?}"
                );
                let mut reversed = points.clone();
                reversed.reverse();
                assert_eq!(hypervolume(&reversed, &r).to_bits(), got.to_bits());
            }
        }
    }
}
