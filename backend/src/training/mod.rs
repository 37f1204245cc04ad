//! Distributed training jobs: the Kubeflow Training Operator's TFJob and PyTorchJob. A job's
//! attempt is one gang workload (all replicas start together or none does), with the
//! environment that TensorFlow and PyTorch read to find each other; a failed attempt restarts
//! by the replica's restart policy with back-off, up to the run policy's limit.
//!
//! - `spec`: the manifest, checked;
//! - `cluster_env`: TF_CONFIG, MASTER_ADDR and the rest;
//! - `job_workload`: an attempt as a workload;
//! - `restart`: what a failure means.

pub mod cluster_env;
pub mod controller;
mod error;
pub mod form;
pub mod job_workload;
pub mod restart;
pub mod spec;

pub mod service;
mod views;

#[cfg(test)]
mod tests;

pub use controller::TrainingController;
pub use error::TrainingError;
pub use service::TrainingService;
