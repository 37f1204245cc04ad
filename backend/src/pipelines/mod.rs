//! Pipelines: Kubeflow Pipelines v2 IR and Capstan's own pipeline specs, run as DAGs of
//! workloads. Being built piece by piece (issue 6); so far:
//!
//! - `cel`: the subset of CEL that the kfp compiler writes in `triggerPolicy.condition` and
//!   `parameterExpressionSelector`, parsed and evaluated the way KFP's driver (cel-go) does.

pub mod cel;
