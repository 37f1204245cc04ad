//! Values flowing through the graph: a task's inputs from its DAG's inputs, constants and the
//! outputs of the tasks it depends on; a DAG's outputs from its tasks'.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Node, join};
use crate::pipelines::cel;
use crate::pipelines::model::{
    Dag, DagParameterSource, InputBinding, InputSource, Interface, Task,
};
use crate::pipelines::run::values::{Artifact, Values, as_text};

/// Why a task will not run.
#[derive(Debug, Clone, PartialEq)]
pub enum NotRun {
    /// What it needs came from a task that did not run: it is skipped too.
    Skip(String),
    /// Its inputs cannot be made (a selector failed, a value is missing): it fails.
    Fail(String),
}

/// A task's inputs. Constants go last, because a constant string may hold placeholders of
/// the task's other inputs (`hello {{$.inputs.parameters['pipelinechannel--who']}}`).
pub fn resolve_inputs(
    nodes: &BTreeMap<String, Node>,
    prefix: &str,
    task: &Task,
    scope: &Values,
    interface: &Interface,
) -> Result<Values, NotRun> {
    let mut values = Values::default();
    let mut constants = Vec::new();
    for (name, binding) in &task.inputs.parameters {
        if let InputSource::Constant(value) = &binding.source {
            constants.push((name, value, binding));
            continue;
        }
        if let Some(value) = parameter(nodes, prefix, name, binding, scope, interface)? {
            let value = select(binding, value)?;
            values.parameters.insert(name.clone(), value);
        }
    }
    for (name, value, binding) in constants {
        let value = substitute(value, &values.parameters);
        let value = select(binding, value)?;
        values.parameters.insert(name.clone(), value);
    }
    for (name, binding) in &task.inputs.artifacts {
        if let Some(list) = artifacts(nodes, prefix, name, binding, scope)? {
            values.artifacts.insert(name.clone(), list);
        }
    }
    Ok(values)
}

fn parameter(
    nodes: &BTreeMap<String, Node>,
    prefix: &str,
    name: &str,
    binding: &InputBinding,
    scope: &Values,
    interface: &Interface,
) -> Result<Option<Value>, NotRun> {
    match &binding.source {
        InputSource::Constant(value) => Ok(Some(value.clone())),
        InputSource::ComponentInput(input) => match scope.parameters.get(input) {
            Some(value) => Ok(Some(value.clone())),
            None => match interface.parameters.get(input) {
                Some(def) if def.default.is_some() => Ok(def.default.clone()),
                Some(def) if def.optional => Ok(None),
                _ => Err(NotRun::Skip(format!(
                    "input `{name}` reads `{input}`, which has no value"
                ))),
            },
        },
        InputSource::TaskOutputParameter { task, key } => {
            let producer = producer(nodes, prefix, task, name)?;
            let outputs = producer.outputs.as_ref();
            match outputs.and_then(|o| o.parameters.get(key)) {
                Some(value) => Ok(Some(value.clone())),
                None => Err(NotRun::Fail(format!(
                    "input `{name}`: task `{task}` produced no output parameter `{key}`"
                ))),
            }
        }
        InputSource::TaskFinalStatus { task } => {
            let node = nodes.get(&join(prefix, task));
            let state = node.map(|n| n.state.as_str().to_uppercase());
            let message = node.map(|n| n.reason.clone()).unwrap_or_default();
            Ok(Some(json!({
                "state": state.unwrap_or_else(|| "UNKNOWN".to_owned()),
                "pipelineJobResourceName": "",
                "pipelineTaskName": task,
                "error": {"code": 0, "message": message},
            })))
        }
        InputSource::ComponentInputArtifact(_) | InputSource::TaskOutputArtifact { .. } => Err(
            NotRun::Fail(format!("input `{name}` is an artifact, not a parameter")),
        ),
    }
}

fn artifacts(
    nodes: &BTreeMap<String, Node>,
    prefix: &str,
    name: &str,
    binding: &InputBinding,
    scope: &Values,
) -> Result<Option<Vec<Artifact>>, NotRun> {
    match &binding.source {
        InputSource::ComponentInputArtifact(input) => Ok(scope.artifacts.get(input).cloned()),
        InputSource::TaskOutputArtifact { task, key } => {
            let producer = producer(nodes, prefix, task, name)?;
            match producer.outputs.as_ref().and_then(|o| o.artifacts.get(key)) {
                Some(list) => Ok(Some(list.clone())),
                None => Err(NotRun::Fail(format!(
                    "input `{name}`: task `{task}` produced no artifact `{key}`"
                ))),
            }
        }
        _ => Err(NotRun::Fail(format!(
            "input `{name}` is a parameter, not an artifact"
        ))),
    }
}

/// The node of a producer task that ended well; a skipped or failed producer skips the
/// consumer (which runs at all only when its trigger lets it).
fn producer<'n>(
    nodes: &'n BTreeMap<String, Node>,
    prefix: &str,
    task: &str,
    input: &str,
) -> Result<&'n Node, NotRun> {
    match nodes.get(&join(prefix, task)) {
        Some(node) if node.state.is_done_well() => Ok(node),
        Some(node) => Err(NotRun::Skip(format!(
            "input `{input}` comes from `{task}`, which {}",
            node.state.as_str()
        ))),
        None => Err(NotRun::Skip(format!(
            "input `{input}` comes from `{task}`, which did not run"
        ))),
    }
}

fn select(binding: &InputBinding, value: Value) -> Result<Value, NotRun> {
    match &binding.selector {
        None => Ok(value),
        Some(selector) => cel::select(selector, &value)
            .map_err(|e| NotRun::Fail(format!("selector `{selector}` failed: {e}"))),
    }
}

/// Replaces `{{$.inputs.parameters['x']}}` in a string constant with the input `x`.
fn substitute(value: &Value, parameters: &BTreeMap<String, Value>) -> Value {
    let Value::String(text) = value else {
        return value.clone();
    };
    if !text.contains("{{$.inputs.parameters['") {
        return value.clone();
    }
    let mut out = text.clone();
    for (name, value) in parameters {
        let placeholder = format!("{{{{$.inputs.parameters['{name}']}}}}");
        if out.contains(&placeholder) {
            out = out.replace(&placeholder, &as_text(value));
        }
    }
    Value::String(out)
}

/// A DAG's outputs, taken from the tasks at `prefix` that ended well.
pub fn dag_outputs(nodes: &BTreeMap<String, Node>, prefix: &str, dag: &Dag) -> Values {
    let output = |task: &str| {
        nodes
            .get(&join(prefix, task))
            .filter(|n| n.state.is_done_well())
            .and_then(|n| n.outputs.as_ref())
    };
    let mut values = Values::default();
    for (name, out) in &dag.outputs.parameters {
        let refs = match &out.source {
            DagParameterSource::Task(one) => std::slice::from_ref(one),
            DagParameterSource::OneOf(many) => many.as_slice(),
        };
        let found = refs
            .iter()
            .find_map(|r| output(&r.task).and_then(|o| o.parameters.get(&r.key)));
        if let Some(value) = found {
            values.parameters.insert(name.clone(), value.clone());
        }
    }
    for (name, out) in &dag.outputs.artifacts {
        let list: Vec<Artifact> = out
            .selectors
            .iter()
            .filter_map(|r| output(&r.task).and_then(|o| o.artifacts.get(&r.key)))
            .flatten()
            .cloned()
            .collect();
        if !list.is_empty() {
            values.artifacts.insert(name.clone(), list);
        }
    }
    values
}
