//! Kubeflow Pipelines v2 IR (the YAML that `kfp.compiler.Compiler().compile()` writes, kfp 2.x,
//! `schemaVersion: 2.1.0`) into Capstan's [`Pipeline`] model.
//!
//! The document is parsed into plain JSON values and walked with its paths, so every error
//! names where it is (`root.dag.tasks.train.retryPolicy.backoffDuration: "5m" is not a
//! duration…`). The walk is strict: a field that this reader does not know is refused rather
//! than ignored, because an ignored field is a feature that would silently not happen. What the
//! reader can represent but Capstan does not run (importers, artifact iterators, platform
//! specs) is kept in the model for [`validate`](crate::pipelines::validate) to refuse.
//!
//! Sub-DAG components (conditions, loops, exit handlers, nested pipelines) are inlined into the
//! tasks that use them. Reading does not check references between tasks: that is
//! [`validate`](crate::pipelines::validate)'s, on the model; [`load_kfp_ir`] does both.
//!
//! - `values`: interfaces, executors, resources, retries; `tasks`: DAGs, tasks and their
//!   inputs (walked with `pipelines::node`: values with their paths).

mod tasks;
mod values;

use std::collections::BTreeMap;

use serde_json::Value;

pub use self::tasks::MAX_TASKS;
use self::tasks::Reader;
use self::values::{Side, executor, interface};
use super::model::{Component, Pipeline, PlatformSpec, Source, SpecError};
use super::node::{DOCUMENT, Node, Obj, Result, join, yaml_documents};

/// What an unknown field's error says of the format.
const NOTE: &str = "Capstan reads the IR of kfp 2.17; ";

/// Reads a KFP v2 IR document (YAML or JSON). Fails at the first problem, with its path.
pub fn read_kfp_ir(yaml: &str) -> std::result::Result<Pipeline, SpecError> {
    let documents = documents(yaml)?;
    let Some(first) = documents.first().filter(|doc| !doc.is_null()) else {
        return Err(SpecError::new(
            DOCUMENT,
            "empty: there is no pipeline in it",
        ));
    };
    let top = Node::document(first, NOTE).obj()?;
    // The form KFP's API takes: {pipelineSpec: …, platformSpec: …} in one document.
    let (spec, platforms) = if top.get("pipelineSpec").is_some() && top.get("root").is_none() {
        top.only(&["pipelineSpec", "platformSpec"], &[])?;
        if documents.len() > 1 {
            return Err(SpecError::new(
                DOCUMENT,
                "a second YAML document after a pipelineSpec",
            ));
        }
        (top.req("pipelineSpec")?.obj()?, top.get("platformSpec"))
    } else {
        (top, documents.get(1).map(|doc| Node::document(doc, NOTE)))
    };
    pipeline(&spec, platforms)
}

/// Reads a KFP v2 IR document and validates the pipeline: every problem found, each with its
/// path (reading stops at the first).
pub fn load_kfp_ir(yaml: &str) -> std::result::Result<Pipeline, Vec<SpecError>> {
    let pipeline = read_kfp_ir(yaml).map_err(|e| vec![e])?;
    super::validate::validate(&pipeline)?;
    Ok(pipeline)
}

fn pipeline(spec: &Obj, platforms: Option<Node>) -> Result<Pipeline> {
    if spec.get("pipelineInfo").is_none() && spec.get("root").is_none() {
        let argo = spec
            .get("apiVersion")
            .and_then(|v| v.value.as_str().map(|s| s.starts_with("argoproj.io")))
            .unwrap_or(false);
        return Err(spec.err(if argo {
            "an Argo Workflow, as kfp 1 compiled pipelines: recompile the pipeline with kfp 2"
        } else {
            "not a Kubeflow Pipelines IR document: it has no pipelineInfo and no root (compile \
             the pipeline with kfp.compiler.Compiler().compile)"
        }));
    }
    spec.only(
        &[
            "pipelineInfo",
            "root",
            "components",
            "deploymentSpec",
            "schemaVersion",
            "sdkVersion",
            "defaultPipelineRoot",
        ],
        &[],
    )?;
    let schema_version = spec.opt_str("schemaVersion")?;
    if let Some(version) = &schema_version
        && !version.starts_with("2.")
    {
        return Err(SpecError::new(
            spec.child_path("schemaVersion"),
            format!("{version:?} is not supported (Capstan reads schema 2.x, as kfp 2 writes)"),
        ));
    }
    let info = spec.req("pipelineInfo")?.obj()?;
    info.only(&["name", "displayName", "description"], &[])?;
    let name = info.req_str("name")?;
    if name.trim().is_empty() {
        return Err(SpecError::new(info.child_path("name"), "empty"));
    }

    let executors = match spec.opt_obj("deploymentSpec")? {
        Some(deployment) => {
            deployment.only(&["executors"], &[])?;
            deployment.entries("executors")?.into_iter().collect()
        }
        None => BTreeMap::new(),
    };
    let executors_path = join(&spec.child_path("deploymentSpec"), "executors");
    let mut components = BTreeMap::new();
    let mut containers = BTreeMap::new();
    for (name, node) in spec.entries("components")? {
        if let Some(component) = component(&name, &node, &executors, &executors_path)? {
            containers.insert(name.clone(), component);
        }
        components.insert(name, node);
    }

    let root = spec.req("root")?.obj()?;
    root.only(
        &["dag", "inputDefinitions", "outputDefinitions"],
        &[(
            "executorLabel",
            "the root of a pipeline is a DAG, not a container",
        )],
    )?;
    let inputs = interface(root.get("inputDefinitions"), Side::Inputs)?;
    let outputs = interface(root.get("outputDefinitions"), Side::Outputs)?;
    let mut reader = Reader::new(components, containers);
    let dag = reader.dag(&root.req("dag")?)?;

    Ok(Pipeline {
        name,
        display_name: info.opt_str("displayName")?,
        description: info.opt_str("description")?,
        inputs,
        outputs,
        root: dag,
        components: reader.containers,
        platforms: match platforms {
            Some(node) => platform_specs(&node)?,
            None => Vec::new(),
        },
        source: Source::KfpIr {
            schema_version,
            sdk_version: spec.opt_str("sdkVersion")?,
        },
    })
}

/// One entry of `components`: a [`Component`] when it runs something, `None` for a sub-DAG
/// (read where a task uses it).
fn component(
    name: &str,
    node: &Node,
    executors: &BTreeMap<String, Node>,
    executors_path: &str,
) -> Result<Option<Component>> {
    let obj = node.obj()?;
    obj.only(
        &[
            "inputDefinitions",
            "outputDefinitions",
            "dag",
            "executorLabel",
        ],
        &[
            (
                "singlePlatformSpecs",
                "platform-specific component settings are not supported",
            ),
            (
                "taskConfigPassthroughs",
                "task configuration passthroughs (dsl.TaskConfig) are not supported",
            ),
        ],
    )?;
    let label = match (obj.get("dag"), obj.get("executorLabel")) {
        (Some(_), None) => return Ok(None),
        (None, Some(label)) => label,
        (Some(_), Some(_)) => return Err(obj.err("has both a dag and an executorLabel")),
        (None, None) => return Err(obj.err("has neither a dag nor an executorLabel")),
    };
    let label = label.str()?;
    let executor_path = join(executors_path, label);
    let Some(executor_node) = executors.get(label) else {
        return Err(SpecError::new(executor_path, "missing"));
    };
    Ok(Some(Component {
        name: name.to_string(),
        path: node.path.clone(),
        inputs: interface(obj.get("inputDefinitions"), Side::Inputs)?,
        outputs: interface(obj.get("outputDefinitions"), Side::Outputs)?,
        executor: executor(executor_node)?,
        executor_path,
    }))
}

/// The kfp-kubernetes extension's document: `platforms: {kubernetes: {…}}`.
fn platform_specs(node: &Node) -> Result<Vec<PlatformSpec>> {
    if node.value.is_null() {
        return Ok(Vec::new());
    }
    let obj = node.obj()?;
    obj.only(&["platforms"], &[])?;
    Ok(obj
        .entries("platforms")?
        .into_iter()
        .map(|(platform, node)| PlatformSpec {
            platform,
            path: node.path,
            config: node.value.clone(),
        })
        .collect())
}

/// The YAML documents of `yaml` as JSON values (at most two: the pipeline and its platform
/// spec).
fn documents(yaml: &str) -> Result<Vec<Value>> {
    yaml_documents(
        yaml,
        2,
        "more than two YAML documents (expected the pipeline and, optionally, its platform spec)",
    )
}
