//! Ranking: constrained domination (Deb 2000), fast non-dominated sorting and crowding
//! distance (Deb et al. 2002).
//!
//! Every function here takes evaluations that have passed [`super::nsga2::Evaluated::new`],
//! so objectives and violations are never NaN (NaN objectives count as `+inf`, the worst).
//! Ties are broken by index, never by hash order, so the results are fully deterministic.

use std::cmp::Ordering;

use super::nsga2::Evaluated;

/// Whether `a` constrained-dominates `b`: a feasible point beats an infeasible one; of two
/// infeasible points the smaller violation wins; of two feasible points, `a` must be no worse in
/// every objective and better in at least one (all objectives are minimised).
pub fn dominates(a: &Evaluated, b: &Evaluated) -> bool {
    match (a.violation > 0.0, b.violation > 0.0) {
        (false, true) => true,
        (true, false) => false,
        (true, true) => a.violation < b.violation,
        (false, false) => pareto_dominates(&a.objectives, &b.objectives),
    }
}

/// Plain Pareto dominance of minimised vectors (`a` no worse everywhere, better somewhere).
pub fn pareto_dominates(a: &[f64], b: &[f64]) -> bool {
    let mut better = false;
    for (x, y) in a.iter().zip(b) {
        if x > y {
            return false;
        }
        better |= x < y;
    }
    better
}

/// The fronts of `points` under [`dominates`]: front 0 holds the points nobody dominates, front
/// `k` those dominated only by points in fronts `< k`. Each front lists indices in increasing
/// order.
pub fn fronts(points: &[Evaluated]) -> Vec<Vec<usize>> {
    let n = points.len();
    let mut dominated_by = vec![0usize; n];
    let mut dominating: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for j in i + 1..n {
            if dominates(&points[i], &points[j]) {
                dominating[i].push(j);
                dominated_by[j] += 1;
            } else if dominates(&points[j], &points[i]) {
                dominating[j].push(i);
                dominated_by[i] += 1;
            }
        }
    }
    let mut fronts = Vec::new();
    let mut current: Vec<usize> = (0..n).filter(|&i| dominated_by[i] == 0).collect();
    while !current.is_empty() {
        let mut next = Vec::new();
        for &i in &current {
            for &j in &dominating[i] {
                dominated_by[j] -= 1;
                if dominated_by[j] == 0 {
                    next.push(j);
                }
            }
        }
        next.sort_unstable();
        fronts.push(std::mem::replace(&mut current, next));
    }
    fronts
}

/// The crowding distance of each member of `front` (indices into `points`), in the order of
/// `front`: per objective, the extremes get `+inf` and the others the normalised gap between
/// their neighbours, summed over objectives. An objective whose range on the front is zero or
/// infinite adds nothing to the interior points.
pub fn crowding(points: &[Evaluated], front: &[usize]) -> Vec<f64> {
    let n = front.len();
    let mut distance = vec![0.0; n];
    if n <= 2 {
        return vec![f64::INFINITY; n];
    }
    let objectives = front
        .iter()
        .map(|&i| points[i].objectives.len())
        .min()
        .unwrap_or(0);
    let mut order: Vec<usize> = (0..n).collect();
    for m in 0..objectives {
        let value = |k: usize| points[front[k]].objectives[m];
        // Stable sort: equal values keep front order, so the extremes are chosen by index.
        order.sort_by(|&a, &b| value(a).total_cmp(&value(b)));
        distance[order[0]] = f64::INFINITY;
        distance[order[n - 1]] = f64::INFINITY;
        let range = value(order[n - 1]) - value(order[0]);
        if !(range.is_finite() && range > 0.0) {
            continue;
        }
        for w in order.windows(3) {
            distance[w[1]] += (value(w[2]) - value(w[0])) / range;
        }
    }
    distance
}

/// Orders two points for selection: lower rank first, then larger crowding distance.
pub fn crowded_cmp(rank_a: usize, crowd_a: f64, rank_b: usize, crowd_b: f64) -> Ordering {
    rank_a
        .cmp(&rank_b)
        .then_with(|| crowd_b.total_cmp(&crowd_a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(objectives: &[f64], violation: f64) -> Evaluated {
        Evaluated::new(vec![0.0], vec![0.0], objectives.to_vec(), violation)
    }

    #[test]
    fn constrained_domination_orders_feasibility_first() {
        let feasible_bad = point(&[9.0, 9.0], 0.0);
        let infeasible_good = point(&[0.0, 0.0], 0.5);
        let infeasible_worse = point(&[0.0, 0.0], 2.0);
        assert!(dominates(&feasible_bad, &infeasible_good));
        assert!(!dominates(&infeasible_good, &feasible_bad));
        assert!(dominates(&infeasible_good, &infeasible_worse));
        assert!(!dominates(&infeasible_worse, &infeasible_good));
        assert!(!dominates(&infeasible_good, &infeasible_good));
        assert!(dominates(
            &point(&[1.0, 2.0], 0.0),
            &point(&[1.0, 3.0], 0.0)
        ));
        assert!(!dominates(
            &point(&[1.0, 2.0], 0.0),
            &point(&[2.0, 1.0], 0.0)
        ));
        assert!(!dominates(
            &point(&[1.0, 2.0], 0.0),
            &point(&[1.0, 2.0], 0.0)
        ));
        // NaN counts as +inf: the worst value, dominated by any number.
        assert!(dominates(
            &point(&[1.0, 1.0], 0.0),
            &point(&[1.0, f64::NAN], 0.0)
        ));
        // A NaN violation is infeasible and the worst violation.
        assert!(dominates(
            &point(&[5.0, 5.0], 3.0),
            &point(&[1.0, 1.0], f64::NAN)
        ));
    }

    #[test]
    fn fronts_and_crowding_on_a_hand_case() {
        let pts = vec![
            point(&[1.0, 5.0], 0.0), // 0: front 0
            point(&[2.0, 3.0], 0.0), // 1: front 0
            point(&[3.0, 4.0], 0.0), // 2: dominated by 1 -> front 1
            point(&[4.0, 1.0], 0.0), // 3: front 0
            point(&[5.0, 5.0], 0.0), // 4: dominated by 2 -> front 2
            point(&[0.0, 0.0], 1.0), // 5: infeasible -> after every feasible point
            point(&[3.0, 2.0], 0.0), // 6: front 0
        ];
        assert_eq!(
            fronts(&pts),
            vec![vec![0, 1, 3, 6], vec![2], vec![4], vec![5]]
        );
        // Front 0 sorted by f1: 0 (1), 1 (2), 6 (3), 3 (4); by f2: 3 (1), 6 (2), 1 (3), 0 (5).
        // Point 1: (3-1)/3 + (5-2)/4 = 2/3 + 3/4; point 6: (4-2)/3 + (3-1)/4 = 2/3 + 1/2.
        let d = crowding(&pts, &[0, 1, 3, 6]);
        assert_eq!(d[0], f64::INFINITY);
        assert_eq!(d[2], f64::INFINITY);
        assert!((d[1] - (2.0 / 3.0 + 0.75)).abs() < 1e-12);
        assert!((d[3] - (2.0 / 3.0 + 0.5)).abs() < 1e-12);
        assert_eq!(crowded_cmp(0, d[1], 0, d[3]), Ordering::Less);
        assert_eq!(crowded_cmp(1, f64::INFINITY, 0, 0.0), Ordering::Greater);
    }
}
