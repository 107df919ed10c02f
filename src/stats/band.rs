//! Percentile bands: how an outcome is spread across runs at one step.

use serde::Serialize;

/// The 5th, 25th, 50th, 75th and 95th percentiles and the mean of an outcome across runs, at
/// one step.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Band {
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    pub mean: f64,
}
