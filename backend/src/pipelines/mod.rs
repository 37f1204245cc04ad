//! Pipelines: DAGs of container tasks with parameters and artifacts passed between them, as
//! Kubeflow Pipelines compiles them or as Capstan's own YAML writes them. Being built piece by
//! piece (issue 6); so far:
//!
//! - `model`: the pipeline model that every format becomes and that the run engine walks;
//! - `kfp_ir`: Kubeflow Pipelines v2 IR (what `kfp.compiler.Compiler().compile()` writes) into
//!   the model, each error with its path in the document;
//! - `capstan_yaml`: Capstan's own pipeline YAML (`apiVersion: capstan.dev/v1`, `kind:
//!   Pipeline`; `docs/pipelines-yaml.md`) into the same model, as the KFP IR of the equivalent
//!   KFP pipeline would read, each error with its path in the document;
//! - [`load_pipeline`]: either format, told apart by `apiVersion`, read and validated;
//! - `node`: what the readers share: values of a document walked with their paths;
//! - `validate`: the checks on the model that an upload must pass (references, required
//!   inputs, cycles, unsupported features), each error with its path;
//! - `cel`: the subset of CEL that the kfp compiler writes in `triggerPolicy.condition` and
//!   `parameterExpressionSelector`, parsed and evaluated the way KFP's driver (cel-go) does;
//! - `run`: a run's graph walk and what a task is given and leaves behind;
//! - `runner`: the loop that drives every unfinished run through the workload engine;
//! - `warm`: KFP lightweight components' tasks forked from a Python that has imported kfp;
//! - `schedule`: triggers for recurring runs (cron expressions, 5 or 6 fields, or intervals),
//!   their next fire times and which are due, in UTC, with no clock or store.

pub mod capstan_yaml;
pub mod cel;
pub mod kfp_ir;
pub mod model;
mod node;
pub mod run;
pub mod runner;
pub mod schedule;
pub mod service;
pub mod validate;
pub mod warm;

use self::model::{Pipeline, Source, SpecError};

/// The stored formats of a pipeline version.
pub const FORMAT_KFP_IR: &str = "kfp-ir";
pub const FORMAT_CAPSTAN: &str = "capstan";

/// Reads and validates a pipeline document of either format: Capstan YAML when its
/// `apiVersion` is in the `capstan.dev` group (`capstan.dev/v1`, `kind: Pipeline`), KFP v2 IR
/// otherwise. Every problem found, each with its path in the document.
pub fn load_pipeline(yaml: &str) -> Result<Pipeline, Vec<SpecError>> {
    if capstan_yaml::is_capstan_yaml(yaml) {
        capstan_yaml::load_capstan_yaml(yaml)
    } else {
        kfp_ir::load_kfp_ir(yaml)
    }
}

/// Reads and validates an uploaded document; answers the format to store with it.
pub fn load_document(source: &str) -> Result<(&'static str, Pipeline), Vec<SpecError>> {
    let pipeline = load_pipeline(source)?;
    let format = match pipeline.source {
        Source::Capstan => FORMAT_CAPSTAN,
        Source::KfpIr { .. } => FORMAT_KFP_IR,
    };
    Ok((format, pipeline))
}

/// Reads and validates a stored version's document.
pub fn load_version(format: &str, source: &str) -> Result<Pipeline, Vec<SpecError>> {
    match format {
        FORMAT_KFP_IR => kfp_ir::load_kfp_ir(source),
        FORMAT_CAPSTAN => capstan_yaml::load_capstan_yaml(source),
        other => Err(vec![SpecError::new(
            "(document)",
            format!("unknown pipeline format `{other}`"),
        )]),
    }
}
