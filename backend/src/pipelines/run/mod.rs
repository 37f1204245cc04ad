//! Running pipelines: the graph walk, what a task is given and what it leaves behind.
//!
//! - `graph`: a run's nodes and the walk that decides what runs next;
//! - `values`: parameters and artifacts, and how numbers are typed for a task;
//! - `parameters`: a run's parameters against the pipeline's declarations.

pub mod cache_key;
pub mod executor_input;
pub mod graph;
pub mod outputs;
pub mod parameters;
pub mod placeholders;
pub mod task_workload;
pub mod values;

use std::path::{Path, PathBuf};

/// A run's directory: every task's files are under it.
pub fn run_dir(data_dir: &Path, run_id: i64) -> PathBuf {
    data_dir
        .join("pipelines")
        .join("runs")
        .join(run_id.to_string())
}
