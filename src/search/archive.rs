//! The epsilon-dominance archive (Laumanns et al. 2002, as used by epsilon-NSGA-II and Borg):
//! the best points ever evaluated, at most one per epsilon box, none in a dominated box.
//!
//! Objective `m` of a point `f` lies in box `floor(f[m] / eps[m])` (all objectives minimised).
//! A feasible point is accepted when no member's box dominates its box; it then removes the
//! members whose boxes its box dominates. If a member already occupies the same box, the
//! newcomer replaces it only if it Pareto-dominates the member, or neither dominates and the
//! newcomer is strictly nearer the box's lower corner (distance measured in box widths); ties
//! keep the incumbent. An `eps[m] <= 0` (or NaN, or missing) means no boxes in that objective:
//! its exact value is the box, so with all epsilons zero the archive is the plain Pareto set
//! with exact duplicates kept once.
//!
//! Infeasible points (violation > 0) never share the archive with feasible ones: until some
//! feasible point has been offered, the archive holds one point, the least-violating so far
//! (the first one on ties), so a search that has not yet found a feasible point still reports
//! its best attempt. The first feasible point replaces it.
//!
//! Members keep their insertion order (a replacement in the same box takes the place of the
//! member it replaces), so the archive is a deterministic function of the order of offers.

use serde::{Deserialize, Serialize};

use super::nsga2::Evaluated;
use super::sorting::pareto_dominates;

/// An epsilon-dominance archive; see the module documentation for the rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Archive {
    epsilons: Vec<f64>,
    members: Vec<Evaluated>,
    /// Each member's box, kept so that an offer does not recompute them.
    boxes: Vec<Vec<f64>>,
}

impl Archive {
    /// An empty archive with box widths `epsilons`, one per objective.
    pub fn new(epsilons: Vec<f64>) -> Archive {
        Archive {
            epsilons,
            members: Vec::new(),
            boxes: Vec::new(),
        }
    }

    /// Offers a point; returns whether it was accepted.
    pub fn offer(&mut self, point: &Evaluated) -> bool {
        let incumbent_infeasible = self.members.first().map(|m| m.violation > 0.0);
        if point.violation > 0.0 {
            return match incumbent_infeasible {
                Some(false) => false,
                Some(true) if point.violation >= self.members[0].violation => false,
                _ => {
                    self.members = vec![point.clone()];
                    self.boxes = vec![self.boxed(&point.objectives)];
                    true
                }
            };
        }
        if incumbent_infeasible == Some(true) {
            self.members.clear();
            self.boxes.clear();
        }
        let boxed = self.boxed(&point.objectives);
        let mut same_box = None;
        for (k, (member, other)) in self.members.iter().zip(&self.boxes).enumerate() {
            if *other == boxed {
                let (f, g) = (&point.objectives, &member.objectives);
                let better = pareto_dominates(f, g)
                    || (!pareto_dominates(g, f) && self.offset(f) < self.offset(g));
                if !better {
                    return false;
                }
                same_box = Some(k);
            } else if pareto_dominates(other, &boxed) {
                return false;
            }
        }
        if let Some(k) = same_box {
            // The members' boxes are mutually non-dominated, so a box equal to one of them
            // dominates none of the others: only the occupant goes.
            self.members[k] = point.clone();
            return true;
        }
        let mut k = 0;
        while k < self.members.len() {
            if pareto_dominates(&boxed, &self.boxes[k]) {
                // `remove`, not `swap_remove`: members keep their insertion order.
                self.members.remove(k);
                self.boxes.remove(k);
            } else {
                k += 1;
            }
        }
        self.members.push(point.clone());
        self.boxes.push(boxed);
        true
    }

    /// The members, in insertion order.
    pub fn members(&self) -> &[Evaluated] {
        &self.members
    }

    /// The box widths, as given.
    pub fn epsilons(&self) -> &[f64] {
        &self.epsilons
    }

    /// How many members there are.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are no members (nothing offered yet).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Whether the members are feasible (false while empty or holding the least-violating point).
    pub fn is_feasible(&self) -> bool {
        self.members.first().is_some_and(|m| m.violation == 0.0)
    }

    /// The members' objective vectors, in member order (e.g. for [`super::hypervolume()`]).
    pub fn objectives(&self) -> Vec<Vec<f64>> {
        self.members.iter().map(|m| m.objectives.clone()).collect()
    }

    fn boxed(&self, f: &[f64]) -> Vec<f64> {
        f.iter()
            .enumerate()
            .map(|(m, v)| width(&self.epsilons, m).map_or(*v, |eps| (v / eps).floor()))
            .collect()
    }

    /// The squared distance of `f` from its box's lower corner, in box widths.
    fn offset(&self, f: &[f64]) -> f64 {
        f.iter()
            .enumerate()
            .map(|(m, v)| match width(&self.epsilons, m) {
                Some(eps) => {
                    let within = v / eps - (v / eps).floor();
                    within * within
                }
                None => 0.0,
            })
            .sum()
    }
}

/// The box width of objective `m`, or `None` when it has no boxes.
fn width(epsilons: &[f64], m: usize) -> Option<f64> {
    epsilons.get(m).copied().filter(|e| *e > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(objectives: &[f64], violation: f64) -> Evaluated {
        Evaluated::new(vec![0.0], vec![0.0], objectives.to_vec(), violation)
    }

    fn contents(a: &Archive) -> Vec<Vec<f64>> {
        a.objectives()
    }

    #[test]
    fn epsilon_boxes_keep_one_point_each_and_drop_dominated_boxes() {
        let mut a = Archive::new(vec![1.0, 1.0]);
        assert!(a.offer(&point(&[0.5, 3.75], 0.0))); // box (0, 3)
        assert!(a.offer(&point(&[2.5, 1.5], 0.0))); // box (2, 1)
        // Same box as (0.5, 3.75), neither dominates, nearer the corner (0, 3): replaces it.
        assert!(a.offer(&point(&[0.25, 3.5], 0.0)));
        assert_eq!(contents(&a), vec![vec![0.25, 3.5], vec![2.5, 1.5]]);
        // Same box, exactly as near the corner (0.5^2 + 0.25^2): the incumbent stays.
        assert!(!a.offer(&point(&[0.5, 3.25], 0.0)));
        // Same box, farther from the corner: rejected.
        assert!(!a.offer(&point(&[0.1, 3.9], 0.0)));
        // Box (2, 2) is dominated by box (2, 1): rejected although no member dominates it.
        assert!(!a.offer(&point(&[2.1, 2.9], 0.0)));
        // Box (1, 2) is non-dominated: accepted, after the others.
        assert!(a.offer(&point(&[1.5, 2.5], 0.0)));
        assert_eq!(a.len(), 3);
        // Box (0, 1) dominates boxes (0, 3), (1, 2) and (2, 1): it alone remains.
        assert!(a.offer(&point(&[0.7, 1.7], 0.0)));
        assert_eq!(contents(&a), vec![vec![0.7, 1.7]]);
        // Same box, Pareto-dominates the occupant: replaces it.
        assert!(a.offer(&point(&[0.6, 1.6], 0.0)));
        assert_eq!(contents(&a), vec![vec![0.6, 1.6]]);
    }

    #[test]
    fn zero_epsilons_give_the_exact_pareto_set() {
        let mut a = Archive::new(vec![0.0, 0.0]);
        for f in [[1.0, 3.0], [2.0, 2.0], [1.0, 3.0], [3.0, 1.0], [2.0, 2.5]] {
            a.offer(&point(&f, 0.0));
        }
        assert_eq!(
            contents(&a),
            vec![vec![1.0, 3.0], vec![2.0, 2.0], vec![3.0, 1.0]]
        );
    }

    #[test]
    fn infeasible_points_wait_for_the_first_feasible_one() {
        let mut a = Archive::new(vec![0.1, 0.1]);
        assert!(a.offer(&point(&[1.0, 1.0], 2.0)));
        assert!(!a.offer(&point(&[0.0, 0.0], 2.0)), "ties keep the first");
        assert!(a.offer(&point(&[5.0, 5.0], 1.0)));
        assert_eq!(contents(&a), vec![vec![5.0, 5.0]]);
        assert!(!a.is_feasible());
        assert!(a.offer(&point(&[9.0, 9.0], 0.0)));
        assert!(a.is_feasible());
        assert!(!a.offer(&point(&[0.0, 0.0], 0.5)));
        assert_eq!(contents(&a), vec![vec![9.0, 9.0]]);
    }
}
