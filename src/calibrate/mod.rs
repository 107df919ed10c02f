//! Calibration: fitting a scenario's uncertainties to what has been observed.
//!
//! A targets file ([`targets`]) names outcomes of the scenario, the values observed with their
//! uncertainty, and their public sources. [`fit`] fits the uncertainties chosen for calibration
//! by ABC-SMC ([`abc`]) and checks the fit; the [`posterior`] keeps its joint structure (a
//! weighted population of particles), is written to a file, and can be drawn from by any command.

pub mod abc;
pub mod fit;
pub mod posterior;
pub mod targets;
