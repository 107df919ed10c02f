//! Integration tests: one binary, one module per behaviour.

mod bad_input;
mod barter;
mod charts;
mod cli;
mod determinism;
mod explain;
mod explore;
mod flows;
mod golden;
mod helpers;
mod hostile;
mod invariants;
mod layers;
mod mechanisms;
mod odd_text;
mod posterior;
mod resume;
mod search;
mod shards;
mod spreadsheet;
mod workflow;
