//! Many-objective search: NSGA-II (Deb et al. 2002) feeding an epsilon-dominance archive
//! (Laumanns et al. 2002), the combination used by epsilon-NSGA-II and Borg.
//!
//! The module is pure: it proposes candidates and is told their evaluations, and never runs
//! anything itself. It knows nothing of scenarios.
//!
//! ```
//! use stratex::search::{dtlz, hypervolume, Nsga2, Settings};
//!
//! let mut search = Nsga2::new(dtlz::space(2, dtlz::K), Settings::default(), 1, 0, vec![0.01; 2]);
//! for _ in 0..20 {
//!     let asked = search.ask(&[]);
//!     // Evaluate anywhere (threads, processes): only the order of the answers matters.
//!     let evals = asked.iter().map(|c| (dtlz::dtlz2(&c.x, 2), 0.0)).collect();
//!     search.tell(asked, evals);
//! }
//! let hv = hypervolume(&search.archive().objectives(), &[1.1, 1.1]);
//! assert!(hv > 0.0 && hv <= dtlz::true_front_hypervolume(2, 1.1));
//! ```
//!
//! ## A guide
//!
//! - [`space`]: the levers ([`Gene`]s): real, integer or listed. Variation works on continuous
//!   positions; candidates carry the decoded values that are evaluated and reported.
//! - [`nsga2`]: the [`Nsga2`] state with **ask/tell**: [`Nsga2::ask`] gives a generation's
//!   candidates, [`Nsga2::tell`] takes their objectives (all minimised) and constraint violation
//!   (0 when feasible), keeps the population by constrained non-dominated rank and crowding,
//!   and offers every point to the archive.
//! - [`archive`]: the epsilon-box [`Archive`], the search's answer: the best points found, at most
//!   one per box of the given widths.
//! - [`sorting`]: constrained domination, fronts, crowding distance. [`variation`]: the random
//!   stream of a generation, SBX crossover and polynomial mutation.
//! - [`hypervolume()`]: the exact hypervolume indicator, to measure a front.
//! - [`dtlz`]: the DTLZ2 test problem and its known front, to check the search.
//!
//! ## Determinism
//!
//! Generation `g` of island `i` under seed `s` draws only from a stream derived from
//! `(s, i, g)` (derivation in [`variation`]); ask is a pure function of the state, tell is
//! deterministic, and every tie (sorting, tournaments, the archive) is broken by position, never
//! by hash order or timing. So the same seed, settings and evaluations give bit-identical
//! archives, whatever evaluates the candidates and on however many threads; and a state that is
//! serialised after a tell and restored continues exactly as if it had never stopped.

pub mod archive;
pub mod dtlz;
pub mod hypervolume;
pub mod nsga2;
pub mod robustness;
pub mod sorting;
pub mod space;
pub mod variation;

#[cfg(test)]
mod tests;

pub use archive::Archive;
pub use hypervolume::hypervolume;
pub use nsga2::{Candidate, Evaluated, Nsga2, Settings};
pub use space::{Gene, Space};
