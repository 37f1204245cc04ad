//! One entry of `tasks`, read as written: its container, inputs (constants and references),
//! declared outputs, ordering, retries, timeout, caching, condition and forEach. References
//! between tasks are resolved later, once every task is read (see `build`).

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;

use super::container::container;
use super::policy::{retries, timeout};
use super::refs::{Given, Ref, given};
use super::types::{artifact_def, bad_name, is_name, param_def, param_type};
use crate::pipelines::model::{ContainerSpec, Interface, RetryPolicy};
use crate::pipelines::node::{Node, Obj, Result};
use crate::profiles::validate_dns_label;

/// A task as written.
#[derive(Debug, Clone)]
pub struct TaskSpec {
    /// `tasks[0]`.
    pub path: String,
    pub name: String,
    pub container: ContainerSpec,
    /// In the order of their names, parameters first.
    pub inputs: Vec<InputSpec>,
    pub outputs: Interface,
    pub depends_on: Vec<String>,
    pub retry: Option<RetryPolicy>,
    pub timeout: Option<Duration>,
    pub cache: bool,
    pub when: Option<String>,
    pub for_each: Option<ForEachSpec>,
}

/// One of `inputs.parameters` or `inputs.artifacts`.
#[derive(Debug, Clone)]
pub struct InputSpec {
    pub name: String,
    /// `tasks[1].inputs.parameters.n`.
    pub path: String,
    pub artifact: bool,
    pub given: Given,
}

/// `forEach: {items, parallelism}`.
#[derive(Debug, Clone)]
pub struct ForEachSpec {
    /// A list written in place, or a reference to a list parameter.
    pub items: Given,
    /// `tasks[1].forEach.items`.
    pub items_path: String,
    pub parallelism: Option<u32>,
}

const FIELDS: [&str; 14] = [
    "name",
    "image",
    "command",
    "args",
    "env",
    "resources",
    "inputs",
    "outputs",
    "dependsOn",
    "retries",
    "timeout",
    "cache",
    "when",
    "forEach",
];

pub fn task(node: &Node) -> Result<TaskSpec> {
    let obj = node.obj()?;
    obj.only(&FIELDS, &[])?;
    let name_node = obj.req("name")?;
    let name = name_node.str()?.to_string();
    validate_dns_label(&name)
        .map_err(|e| name_node.err(format!("{e} (a task's name is a DNS-1123 label)")))?;
    let for_each = match obj.get("forEach") {
        Some(node) => Some(for_each(&node.obj()?)?),
        None => None,
    };
    Ok(TaskSpec {
        path: node.path.clone(),
        name,
        container: container(&obj)?,
        inputs: match obj.opt_obj("inputs")? {
            Some(inputs) => self::inputs(&inputs, for_each.is_some())?,
            None => Vec::new(),
        },
        outputs: match obj.opt_obj("outputs")? {
            Some(outputs) => self::outputs(&outputs)?,
            None => Interface::default(),
        },
        depends_on: match obj.get("dependsOn") {
            Some(list) => list.strings()?,
            None => Vec::new(),
        },
        retry: match obj.opt_obj("retries")? {
            Some(policy) => Some(retries(policy)?),
            None => None,
        },
        timeout: match obj.get("timeout") {
            Some(node) => Some(timeout(&node)?),
            None => None,
        },
        cache: obj.opt_bool("cache")?.unwrap_or(false),
        when: obj.opt_str("when")?,
        for_each,
    })
}

/// `inputs: {parameters, artifacts}`; `{{item}}` only under a forEach.
fn inputs(obj: &Obj, in_for_each: bool) -> Result<Vec<InputSpec>> {
    obj.only(&["parameters", "artifacts"], &[])?;
    let mut inputs = Vec::new();
    for (artifact, key) in [(false, "parameters"), (true, "artifacts")] {
        let Some(map) = obj.opt_obj(key)? else {
            continue;
        };
        for (name, node) in map.fields() {
            if !is_name(&name) {
                return Err(node.err(bad_name(&name)));
            }
            if artifact && inputs.iter().any(|i: &InputSpec| i.name == name) {
                return Err(node.err(format!("'{name}' is an input parameter too")));
            }
            let given = given(&node)?;
            match (&given, artifact) {
                (Given::Ref(Ref::Item(_)), _) if !in_for_each => {
                    return Err(
                        node.err("{{item}} is the item of a forEach, and this task has no forEach")
                    );
                }
                (Given::Ref(Ref::Item(_)), true) => {
                    return Err(node.err("the item of a forEach is a parameter, not an artifact"));
                }
                (Given::Ref(Ref::TaskArtifact { .. }), false) => {
                    return Err(
                        node.err("an artifact given to a parameter: put it under artifacts")
                    );
                }
                (Given::Ref(Ref::TaskArtifact { .. }), true) | (_, false) => {}
                (_, true) => {
                    return Err(node.err(
                        "an artifact input takes another task's output artifact: \
                         {{tasks.TASK.outputs.artifacts.NAME}}",
                    ));
                }
            }
            inputs.push(InputSpec {
                name,
                path: node.path.clone(),
                artifact,
                given,
            });
        }
    }
    Ok(inputs)
}

/// `outputs: {parameters: {name: type}, artifacts: [name]}`.
fn outputs(obj: &Obj) -> Result<Interface> {
    obj.only(&["parameters", "artifacts"], &[])?;
    let mut outputs = Interface::default();
    for (name, node) in obj
        .opt_obj("parameters")?
        .map(|o| o.fields())
        .unwrap_or_default()
    {
        if !is_name(&name) {
            return Err(node.err(bad_name(&name)));
        }
        outputs
            .parameters
            .insert(name, param_def(param_type(&node)?));
    }
    if let Some(list) = obj.get("artifacts") {
        let mut seen = BTreeSet::new();
        for item in list.items()? {
            let name = item.str()?;
            if !is_name(name) {
                return Err(item.err(bad_name(name)));
            }
            if outputs.parameters.contains_key(name) {
                return Err(item.err(format!("'{name}' is an output parameter too")));
            }
            if !seen.insert(name) {
                return Err(item.err(format!("'{name}' is listed twice")));
            }
            outputs
                .artifacts
                .insert(name.to_string(), artifact_def(false));
        }
    }
    Ok(outputs)
}

/// `forEach: {items, parallelism}`: items are a list or one reference to a list parameter.
fn for_each(obj: &Obj) -> Result<ForEachSpec> {
    obj.only(&["items", "parallelism"], &[])?;
    let node = obj.req("items")?;
    let items = given(&node)?;
    match &items {
        Given::Constant(Value::Array(_))
        | Given::Ref(Ref::Param(_) | Ref::TaskParameter { .. }) => {}
        Given::Constant(_) => {
            return Err(node.err(
                "expected a list, or a placeholder of a list parameter ({{params.NAME}} or \
                 {{tasks.TASK.outputs.parameters.NAME}})",
            ));
        }
        Given::Ref(Ref::TaskArtifact { .. }) => {
            return Err(node.err("forEach iterates over a list parameter, not over artifacts"));
        }
        Given::Ref(Ref::Item(_)) => {
            return Err(node.err("{{item}} is the item of this forEach, not its items"));
        }
    }
    let parallelism = match obj.get("parallelism") {
        Some(node) => match node.u32()? {
            0 => return Err(node.err("at least 1 (leave it out for no limit)")),
            n => Some(n),
        },
        None => None,
    };
    Ok(ForEachSpec {
        items,
        items_path: node.path.clone(),
        parallelism,
    })
}
