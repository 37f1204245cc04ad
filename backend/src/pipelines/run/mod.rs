//! Running pipelines: the graph walk, what a task is given and what it leaves behind.
//!
//! - `graph`: a run's nodes and the walk that decides what runs next;
//! - `values`: parameters and artifacts, and how numbers are typed for a task;
//! - `parameters`: a run's parameters against the pipeline's declarations.

pub mod graph;
pub mod parameters;
pub mod values;
