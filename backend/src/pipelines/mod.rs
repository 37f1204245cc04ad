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
//!   `parameterExpressionSelector`, parsed and evaluated the way KFP's driver (cel-go) does.

pub mod capstan_yaml;
pub mod cel;
pub mod kfp_ir;
pub mod model;
mod node;
pub mod validate;

use self::model::{Pipeline, SpecError};

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
