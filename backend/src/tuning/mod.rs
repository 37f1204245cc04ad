//! Hyperparameter tuning: Katib-compatible experiments whose trials are workloads through the
//! scheduler, suggested by the `suggest` crate's algorithms.
//!
//! - `spec`: the Katib manifest, checked;
//! - `metrics`: metric reports read out of a trial's output;
//! - `early_stop`: the median stopping rule;
//! - `assignment`: a trial's values as stored text;
//! - `trial_workload`: a trial as a workload;
//! - `controller`: the loop that drives experiments;
//! - `service`: what users do to experiments, role checked;
//! - `form`: the UI's form as a manifest.

pub mod assignment;
mod controller;
pub mod early_stop;
mod error;
pub mod form;
pub mod metrics;
pub mod service;
pub mod spec;
pub mod trial_workload;

pub use controller::TuningController;
pub use error::TuningError;
pub use service::TuningService;
