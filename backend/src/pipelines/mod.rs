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
//! - `schedule`: triggers for recurring runs (cron expressions, 5 or 6 fields, or intervals),
//!   their next fire times and which are due, in UTC, with no clock or store.

pub mod cel;
pub mod kfp_ir;
pub mod model;
pub mod schedule;
pub mod validate;
