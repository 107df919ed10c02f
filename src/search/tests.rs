//! The search driven end to end: determinism, save and resume, DTLZ2 and mixed genes.

use super::*;

/// Runs the current generation of `search` and `generations` more on `problem`.
fn drive<F: Fn(&[f64]) -> (Vec<f64>, f64)>(search: &mut Nsga2, generations: u64, problem: &F) {
    let last = search.generation() + generations;
    while search.generation() <= last {
        let asked = search.ask(&[]);
        let evals = asked.iter().map(|c| problem(&c.x)).collect();
        search.tell(asked, evals);
    }
}

fn dtlz2(m: usize) -> impl Fn(&[f64]) -> (Vec<f64>, f64) {
    move |x| (dtlz::dtlz2(x, m), 0.0)
}

fn bits(archive: &Archive) -> Vec<Vec<u64>> {
    let mut out: Vec<Vec<u64>> = archive
        .members()
        .iter()
        .map(|m| {
            m.objectives
                .iter()
                .chain(&m.x)
                .map(|v| v.to_bits())
                .collect()
        })
        .collect();
    out.push(vec![archive.len() as u64]);
    out
}

fn settings(population: usize) -> Settings {
    Settings {
        population,
        ..Settings::default()
    }
}

#[test]
fn same_seed_same_archive_other_island_other_archive() {
    let run = |island| {
        let mut s = Nsga2::new(
            dtlz::space(3, dtlz::K),
            settings(24),
            5,
            island,
            vec![0.05; 3],
        );
        drive(&mut s, 15, &dtlz2(3));
        s
    };
    let (a, b, c) = (run(0), run(0), run(1));
    assert_eq!(bits(a.archive()), bits(b.archive()));
    assert_eq!(a, b);
    assert_ne!(bits(a.archive()), bits(c.archive()));
}

#[test]
fn a_restored_search_continues_exactly() {
    let space = dtlz::space(2, dtlz::K);
    let mut whole = Nsga2::new(space.clone(), settings(20), 9, 2, vec![0.02; 2]);
    drive(&mut whole, 12, &dtlz2(2));

    let mut first = Nsga2::new(space, settings(20), 9, 2, vec![0.02; 2]);
    drive(&mut first, 5, &dtlz2(2));
    // postcard, state.bin's format, stores f64 bits exactly. (serde_json as built here does
    // not: without its float_roundtrip feature it may read a number back 1 ulp off.)
    let saved = postcard::to_allocvec(&first).expect("the state serialises");
    drop(first);
    let mut resumed: Nsga2 = postcard::from_bytes(&saved).expect("the state deserialises");
    assert_eq!(resumed.generation(), 6);
    drive(&mut resumed, 6, &dtlz2(2));
    assert_eq!(resumed.generation(), whole.generation());
    assert_eq!(bits(resumed.archive()), bits(whole.archive()));
    assert_eq!(resumed, whole);
}

#[test]
fn seeded_candidates_come_first_in_generation_zero() {
    let space = Space {
        genes: vec![
            Gene::Real { min: 0.0, max: 1.0 },
            Gene::Integer { min: 0, max: 4 },
        ],
    };
    let s = Nsga2::new(space, settings(5), 1, 0, vec![0.0; 2]);
    let asked = s.ask(&[vec![0.25, 2.0], vec![3.0, 3.6]]);
    assert_eq!(asked.len(), 5);
    assert_eq!(asked[0].x, vec![0.25, 2.0]);
    assert_eq!(
        asked[1].x,
        vec![1.0, 4.0],
        "snapped to the nearest legal values"
    );
    assert_eq!(
        s.ask(&[]),
        s.ask(&[]),
        "ask is a pure function of the state"
    );
}

/// The fraction of DTLZ2's true front hypervolume (reference 1.1) that the archive reaches.
fn dtlz2_ratio(m: usize, population: usize, generations: u64, eps: f64) -> f64 {
    let mut s = Nsga2::new(
        dtlz::space(m, dtlz::K),
        settings(population),
        1,
        0,
        vec![eps; m],
    );
    drive(&mut s, generations, &dtlz2(m));
    let hv = hypervolume(&s.archive().objectives(), &vec![1.1; m]);
    hv / dtlz::true_front_hypervolume(m, 1.1)
}

/// Budget: population 100, generation 0 and 100 more = 10,100 evaluations; eps 0.005.
/// (Seeds 1-4 give 98.9-99.0%.)
#[test]
fn dtlz2_two_objectives_reaches_98_percent_in_10100_evaluations() {
    let ratio = dtlz2_ratio(2, 100, 100, 0.005);
    assert!(ratio >= 0.98, "hypervolume ratio {ratio}");
}

/// Budget: population 100, generation 0 and 600 more = 60,100 evaluations; eps 0.005.
///
/// NSGA-II's population stays about g = 0.01 off the front in three objectives (crowding
/// favours spread over convergence); the archive keeps the best point of each box, and with
/// eps 0.005 (whose ceiling, a dense grid of the true front, is 99.4%) reaches 98.5%. Seeds 1-4
/// give 98.4-98.5% already at 500 generations. With eps 0.01 it stays below 98% (97.5% at 250
/// generations, 97.9% at 400).
#[test]
fn dtlz2_three_objectives_reaches_98_percent_in_60100_evaluations() {
    let ratio = dtlz2_ratio(3, 100, 600, 0.005);
    assert!(ratio >= 0.98, "hypervolume ratio {ratio}");
}

/// Minimise (a + l, 10 - a + l) over an integer a in 0..=10 and a listed l: every a is
/// Pareto-optimal, and only with the smallest listed l.
#[test]
fn integer_and_listed_genes_find_the_known_optimal_set() {
    let space = Space {
        genes: vec![
            Gene::Integer { min: 0, max: 10 },
            Gene::Listed(vec![3.0, 1.0, 2.5]),
        ],
    };
    let mut s = Nsga2::new(space, settings(20), 3, 0, vec![0.0, 0.0]);
    drive(&mut s, 30, &|x: &[f64]| {
        (vec![x[0] + x[1], 10.0 - x[0] + x[1]], 0.0)
    });
    let mut found: Vec<Vec<f64>> = s.archive().members().iter().map(|m| m.x.clone()).collect();
    found.sort_by(|a, b| a[0].total_cmp(&b[0]));
    let expected: Vec<Vec<f64>> = (0..=10).map(|a| vec![a as f64, 1.0]).collect();
    assert_eq!(found, expected);
}

/// Minimise x subject to x >= 0.7: the archive holds the feasible point nearest 0.7, and before
/// any feasible point only the least-violating one.
#[test]
fn constraints_steer_the_search_to_the_feasible_boundary() {
    let space = Space {
        genes: vec![Gene::Real { min: 0.0, max: 1.0 }],
    };
    let problem = |x: &[f64]| (vec![x[0]], (0.7 - x[0]).max(0.0));
    let mut s = Nsga2::new(space, settings(10), 4, 0, vec![0.0]);
    let asked = s.ask(&[vec![0.1]]);
    let evals: Vec<_> = asked.iter().map(|c| problem(&c.x)).collect();
    s.tell(asked, evals);
    drive(&mut s, 40, &problem);
    assert_eq!(s.archive().len(), 1);
    assert!(s.archive().is_feasible());
    let best = s.archive().members()[0].x[0];
    assert!((0.7..0.701).contains(&best), "best {best}");
}
