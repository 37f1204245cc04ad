//! Pipelines: DAGs of container tasks with parameters and artifacts passed between them, as
//! Kubeflow Pipelines compiles them or as Capstan's own YAML writes them. Being built piece by
//! piece (issue 6); so far:
//!
//! - `model`: the pipeline model that every format becomes and that the run engine walks;
//! - `kfp_ir`: Kubeflow Pipelines v2 IR (what `kfp.compiler.Compiler().compile()` writes) into
//!   the model, each error with its path in the document;
//! - `validate`: the checks on the model that an upload must pass (references, required
//!   inputs, cycles, unsupported features), each error with its path;
//! - `cel`: the subset of CEL that the kfp compiler writes in `triggerPolicy.condition` and
//!   `parameterExpressionSelector`, parsed and evaluated the way KFP's driver (cel-go) does;
//! - `run`: a run's graph walk and what a task is given and leaves behind;
//! - `runner`: the loop that drives every unfinished run through the workload engine;
//! - `schedule`: triggers for recurring runs (cron expressions, 5 or 6 fields, or intervals),
//!   their next fire times and which are due, in UTC, with no clock or store.

pub mod cel;
pub mod kfp_ir;
pub mod model;
pub mod run;
pub mod runner;
pub mod schedule;
pub mod service;
pub mod validate;

use model::{Pipeline, SpecError};

/// The stored formats of a pipeline version.
pub const FORMAT_KFP_IR: &str = "kfp-ir";

/// Reads and validates an uploaded document, whichever format it is in; answers the format
/// to store with it.
pub fn load_document(source: &str) -> Result<(&'static str, Pipeline), Vec<SpecError>> {
    kfp_ir::load_kfp_ir(source).map(|pipeline| (FORMAT_KFP_IR, pipeline))
}

/// Reads and validates a stored version's document.
pub fn load_version(format: &str, source: &str) -> Result<Pipeline, Vec<SpecError>> {
    match format {
        FORMAT_KFP_IR => kfp_ir::load_kfp_ir(source),
        other => Err(vec![SpecError::new(
            "(document)",
            format!("unknown pipeline format `{other}`"),
        )]),
    }
}
