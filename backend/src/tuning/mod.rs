//! Hyperparameter tuning: Katib-compatible experiments whose trials are workloads through the
//! scheduler, suggested by the `suggest` crate's algorithms.
//!
//! - `spec`: the Katib manifest, checked.

pub mod spec;
