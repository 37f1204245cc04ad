//! Capstan's own pipeline YAML (`apiVersion: capstan.dev/v1`, `kind: Pipeline`) into the
//! [`Pipeline`] model, as the KFP IR reader ([`kfp_ir`](super::kfp_ir)) makes it of the
//! equivalent KFP pipeline, so that the run engine treats both the same. The format, in short
//! (`docs/pipelines-yaml.md` has a complete example and the details):
//!
//! ```yaml
//! apiVersion: capstan.dev/v1
//! kind: Pipeline
//! name: train-eval                  # a DNS-1123 label
//! description: optional text
//! parameters:                       # run parameters; no default: required at run time
//!   lr: {type: double, default: 0.1, description: learning rate}
//!   shards: {type: list, default: [a, b]}   # string, integer, double, boolean, list, struct
//! tasks:                            # names are DNS-1123 labels, unique
//!   - name: prepare
//!     image: python:3.11            # optional (cluster mode)
//!     command: [python3, prep.py]   # required
//!     args: [--out, "{{outputs.artifacts.data}}", --rows, "{{inputs.parameters.rows}}"]
//!     env: {FOO: bar}
//!     resources: {cpu: 500m, memory: 1Gi, gpu: 1, gpuModel: nvidia.com/gpu}
//!     inputs:
//!       parameters: {rows: "{{params.epochs}}", note: any YAML value is a constant}
//!     outputs: {parameters: {count: integer}, artifacts: [data]}
//!     dependsOn: [other-task]
//!     retries: {limit: 3, backoff: 5s, factor: 2, maxBackoff: 60s}
//!     timeout: 10m                  # durations: 500ms, 5s, 1.5s, 2m, 1h
//!     cache: true                   # default false
//!   - name: train
//!     command: [python3, train.py, "{{inputs.parameters.shard}}"]
//!     inputs:
//!       parameters: {n: "{{tasks.prepare.outputs.parameters.count}}", shard: "{{item}}"}
//!       artifacts: {data: "{{tasks.prepare.outputs.artifacts.data}}"}
//!     outputs: {parameters: {score: double}}
//!     when: inputs.parameters.n > 0 # CEL over the task's own input parameters
//!     forEach: {items: "{{params.shards}}", parallelism: 2}   # or items: [1, 2, 3]
//! ```
//!
//! - An input's value is a reference when it is exactly one placeholder: `{{params.X}}`,
//!   `{{tasks.T.outputs.parameters.K}}`, `{{tasks.T.outputs.artifacts.K}}` (under
//!   `artifacts`), and under a forEach `{{item}}` or `{{item.field}}`. Anything else is a
//!   constant, which holds no placeholder. A reference to a task makes it a dependency.
//! - `command` and `args` take `{{inputs.parameters.X}}`, `{{inputs.artifacts.X}}` (its path),
//!   `{{outputs.parameters.X}}` (the path of a file to write the value into) and
//!   `{{outputs.artifacts.X}}` (its path), translated to KFP's placeholders.
//! - Each task has its own component (`comp-<task>`), declared by the task: its inputs by the
//!   type of their constants or of what they refer to; artifacts are `system.Artifact`.
//! - A forEach task becomes a sub-DAG that holds the task (see `for_each`); its outputs are
//!   lists of every iteration's. Retries, timeout and caching apply to each iteration; `when`
//!   is evaluated once, before them.
//! - Resources ask for CPU and memory as both request and limit.
//!
//! Reading is strict: an unknown field, a wrong type, a bad name, duration, quantity or
//! placeholder is refused with its path in the document (`tasks[1].inputs.parameters.n`,
//! `parameters.lr.default`). References between tasks, cycles and placeholders naming what a
//! task does not declare are [`validate`](super::validate)'s, with paths into this document
//! too; [`load_capstan_yaml`] does both.
//!
//! - `spec`: a task as written (`container`: image, argv, env, resources; `policy`: retries,
//!   timeout, durations; `refs`: placeholders; `types`: type names); `build`: tasks into the
//!   model; `for_each`: forEach tasks as sub-DAGs; `condition`: `when` into KFP's CEL.

mod build;
mod condition;
mod container;
mod for_each;
mod policy;
mod refs;
mod spec;
mod types;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::Deserialize;

use self::build::{Context, plain_task};
use self::for_each::for_each_task;
use self::spec::TaskSpec;
use self::types::{bad_name, is_name, param_type};
use super::model::{Dag, DagOutputs, Interface, ParamDef, Pipeline, Source, SpecError};
use super::node::{DOCUMENT, Node, Obj, Result, yaml_documents};
use crate::profiles::validate_dns_label;

/// The `apiVersion` of Capstan pipelines.
pub const API_VERSION: &str = "capstan.dev/v1";

/// Reads a Capstan pipeline document. Fails at the first problem, with its path.
pub fn read_capstan_yaml(yaml: &str) -> std::result::Result<Pipeline, SpecError> {
    let documents = yaml_documents(yaml, 1, "more than one YAML document (a pipeline is one)")?;
    let Some(document) = documents.first().filter(|doc| !doc.is_null()) else {
        return Err(SpecError::new(
            DOCUMENT,
            "empty: there is no pipeline in it",
        ));
    };
    let top = Node::document(document, "").obj()?;
    let api_version = top.req_str("apiVersion")?;
    if api_version != API_VERSION {
        return Err(SpecError::new(
            top.child_path("apiVersion"),
            format!("{api_version:?} is not supported (expected {API_VERSION})"),
        ));
    }
    let kind = top.req_str("kind")?;
    if kind != "Pipeline" {
        return Err(SpecError::new(
            top.child_path("kind"),
            format!("{kind:?}: expected Pipeline"),
        ));
    }
    top.only(
        &[
            "apiVersion",
            "kind",
            "name",
            "description",
            "parameters",
            "tasks",
        ],
        &[],
    )?;
    let name_node = top.req("name")?;
    let name = name_node.str()?.to_string();
    validate_dns_label(&name)
        .map_err(|e| name_node.err(format!("{e} (a pipeline's name is a DNS-1123 label)")))?;
    let inputs = match top.opt_obj("parameters")? {
        Some(parameters) => self::parameters(&parameters)?,
        None => Interface::default(),
    };

    let mut specs: Vec<TaskSpec> = Vec::new();
    for node in top.req("tasks")?.items()? {
        let spec = spec::task(&node)?;
        if let Some(first) = specs.iter().find(|s| s.name == spec.name) {
            return Err(SpecError::new(
                format!("{}.name", spec.path),
                format!("duplicate task name '{}' (also {})", spec.name, first.path),
            ));
        }
        specs.push(spec);
    }
    let context = Context {
        params: &inputs,
        tasks: specs.iter().map(|s| (s.name.as_str(), s)).collect(),
    };
    let mut components = BTreeMap::new();
    let mut tasks = Vec::new();
    for spec in &specs {
        let (task, component) = match &spec.for_each {
            Some(for_each) => for_each_task(spec, for_each, &context)?,
            None => plain_task(spec, &context)?,
        };
        components.insert(component.name.clone(), component);
        tasks.push(task);
    }

    Ok(Pipeline {
        name,
        display_name: None,
        description: top.opt_str("description")?,
        inputs,
        outputs: Interface::default(),
        root: Dag {
            path: top.child_path("tasks"),
            tasks,
            outputs: DagOutputs {
                path: DOCUMENT.to_string(),
                ..DagOutputs::default()
            },
        },
        components,
        platforms: Vec::new(),
        source: Source::Capstan,
    })
}

/// Reads a Capstan pipeline document and validates the pipeline: every problem found, each
/// with its path (reading stops at the first).
pub fn load_capstan_yaml(yaml: &str) -> std::result::Result<Pipeline, Vec<SpecError>> {
    let pipeline = read_capstan_yaml(yaml).map_err(|e| vec![e])?;
    super::validate::validate(&pipeline)?;
    Ok(pipeline)
}

/// Whether `yaml` says it is a Capstan pipeline: its (first) document's `apiVersion` is in
/// the `capstan.dev` group (a version or kind other than `capstan.dev/v1` `Pipeline` is then
/// refused by [`read_capstan_yaml`], rather than read as KFP IR).
pub fn is_capstan_yaml(yaml: &str) -> bool {
    let Some(first) = serde_yaml::Deserializer::from_str(yaml).next() else {
        return false;
    };
    serde_yaml::Value::deserialize(first).is_ok_and(|doc| {
        doc.get("apiVersion")
            .and_then(serde_yaml::Value::as_str)
            .is_some_and(|v| v.starts_with("capstan.dev/"))
    })
}

/// `parameters: {name: {type, default, description}}`.
fn parameters(obj: &Obj) -> Result<Interface> {
    let mut interface = Interface::default();
    for (name, node) in obj.fields() {
        if !is_name(&name) {
            return Err(node.err(bad_name(&name)));
        }
        let param = node.obj()?;
        param.only(&["type", "default", "description"], &[])?;
        let ty = param_type(&param.req("type")?)?;
        let default = match param.get("default") {
            Some(node) => Some(node.param_value(ty)?),
            None => None,
        };
        let parameter = ParamDef {
            ty,
            optional: default.is_some(),
            default,
            description: param.opt_str("description")?,
        };
        interface.parameters.insert(name, parameter);
    }
    Ok(interface)
}
