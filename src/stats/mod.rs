//! Statistics that stay exact under parallelism and sharding.
//!
//! - [`exact`]: order-independent sums, so means are identical for any thread count or shards.
//! - [`sketch`]: mergeable quantile sketches with a stated relative error, so per-step bands
//!   need memory that does not grow with the number of runs.
//! - [`dist`]: inverse-transform sampling for the distributions a scenario may declare.
//! - [`summary`]: the per-outcome statistics reported to users.
//! - [`rank`]: Spearman's rank correlation, for what drives an outcome.
//! - [`band`] and [`histogram`]: per-step percentile bands and histograms of final values,
//!   shared by result files and charts.

pub mod band;
pub mod dist;
pub mod exact;
pub mod histogram;
pub mod rank;
pub mod sketch;
pub mod summary;
