//! # stratex: strategic-interest scenario simulator
//!
//! Placeholder crate documentation; the tutorial is written once the pieces are in place.

pub mod engine;
pub mod model;
pub mod montecarlo;
pub mod report;
pub mod scenario;
pub mod stats;
