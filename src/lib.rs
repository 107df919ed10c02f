//! # stratex: strategic-interest scenario simulator
//!
//! stratex models actors (states, blocs, institutions) as exchange agents. Each has stocks,
//! production and consumption, **needs** (what it wants per step and what that is worth to it)
//! and **offers** (what it can spare, above a reserve, up to a limit, to whom). Actors trade what
//! they can spare for what they need along **channels** that can be watched and interdicted,
//! with a willingness (**trust**) that deliveries raise and seizures and exposure lower, while
//! **events** (summits, launches, votes, harvests, offensives) happen by chance. A scenario is run
//! thousands of times, with its uncertain numbers drawn afresh each run, and the distribution of
//! its **outcomes** is reported.
//!
//! ## From a file to results
//!
//! ```no_run
//! use std::path::Path;
//! use std::sync::atomic::AtomicBool;
//! use stratex::montecarlo::{self, Discard, Job};
//!
//! let path = Path::new("scenarios/nk_russia.ron");
//! // 1. Read the RON file (syntax and type errors come with line and column).
//! let source = stratex::scenario::load(path)?;
//! // 2. Check it and resolve every name to a dense index (all problems reported together).
//! let model = stratex::model::compile(path, &source.scenario)?;
//! // 3. Run it many times in parallel; results do not depend on the thread count.
//! let setting = model.baseline();
//! let job = Job { model: &model, setting: &setting, seed: 1, first_run: 0, runs: 10_000, threads: 2, design: None };
//! let done = montecarlo::execute(&job, &mut Discard, &mut |_, _| {}, &AtomicBool::new(false))?;
//! // 4. Read the statistics of an outcome.
//! let shells = done.aggregate.stats(0);
//! println!("{}: mean {} (95% CI {:?})", model.outcomes[0].name, shells.mean, shells.ci95);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Where things are
//!
//! - [`scenario`]: the file format ([`scenario::format`]; reference in `docs/scenario-format.md`)
//!   and loading.
//! - [`model`]: compilation into a [`model::Model`] of dense indices, and the per-run parameter
//!   program ([`model::params`]) that draws uncertainties and applies levers.
//! - [`engine`]: one run, step by step; [`engine::exchange`] bargains. The rules are specified
//!   in `docs/model.md`.
//! - [`montecarlo`]: many runs in parallel, aggregated exactly.
//! - [`stats`]: exact sums, mergeable quantile sketches, distributions.
//! - [`report`]: result files and terminal tables.
//! - [`search`]: many-objective search (NSGA-II with an epsilon-dominance archive), ask/tell.
//!
//! ## Guarantees
//!
//! - **Reproducible**: run `r` of seed `s` draws only from streams derived from `(s, r)`;
//!   aggregates use exact sums and mergeable sketches, so files are byte-identical for any
//!   thread count. Every result file records the command that reproduces it.
//! - **Accounted**: every unit is held, produced, consumed, traded or seized; no bargain lowers
//!   either side's own valuation (the tests check both on generated scenarios).
//! - **Safe on bad input**: problems are reported with the file and the line or field path, and
//!   never as a panic.

// The library never prints: it returns what happened, and the command line prints it.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod batch;
pub mod brief;
pub mod calibrate;
pub mod engine;
pub mod model;
pub mod montecarlo;
pub mod number;
pub mod plot;
pub mod report;
pub mod scenario;
pub mod search;
pub mod sensitivity;
pub mod stats;
