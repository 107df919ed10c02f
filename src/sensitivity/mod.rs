//! Sensitivity analysis and scenario discovery.
//!
//! - [`design`]: Monte Carlo, Latin hypercube and Sobol designs for the uncertain inputs.
//! - [`sobol`]: Saltelli's scheme and the first-order and total-order Sobol indices, with
//!   bootstrap confidence intervals.
//! - [`marginals`]: inputs that span a calibrated posterior's marginals instead of their priors.
//! - [`prim`]: the patient rule induction method, which finds boxes of input space where an
//!   outcome condition mostly holds.

pub mod design;
pub mod explore;
pub mod marginals;
pub mod prim;
pub mod sobol;
