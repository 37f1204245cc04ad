//! Placeholders: references under a task's `inputs` (`{{params.lr}}`,
//! `{{tasks.prepare.outputs.parameters.count}}`, `{{item}}`) and the placeholders of `command`
//! and `args` (`{{inputs.parameters.rows}}`), translated to KFP's (`{{$.inputs.parameters['rows']}}`).

use serde_json::Value;

use super::types::is_name;
use crate::pipelines::node::{Node, Result};

/// What an input refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ref {
    /// `{{params.X}}`: a run parameter.
    Param(String),
    /// `{{tasks.T.outputs.parameters.K}}`.
    TaskParameter { task: String, key: String },
    /// `{{tasks.T.outputs.artifacts.K}}`.
    TaskArtifact { task: String, key: String },
    /// `{{item}}` (`None`) or `{{item.field}}`: the item of the task's forEach.
    Item(Option<String>),
}

/// A value written under a task's `inputs`, or as a forEach's `items`.
#[derive(Debug, Clone, PartialEq)]
pub enum Given {
    Constant(Value),
    Ref(Ref),
}

const REFS: &str = "{{params.NAME}}, {{tasks.TASK.outputs.parameters.NAME}}, \
                    {{tasks.TASK.outputs.artifacts.NAME}}, or under forEach {{item}} and \
                    {{item.FIELD}}";

/// A value: a reference when it is one placeholder, else a constant, which must hold no
/// placeholder anywhere (a value is one placeholder or none).
pub fn given(node: &Node) -> Result<Given> {
    match node.value {
        Value::Null => Err(node.err("a value is needed (null is not a parameter value)")),
        Value::String(text) if text.contains("{{") => {
            let inner = text
                .strip_prefix("{{")
                .and_then(|rest| rest.strip_suffix("}}"))
                .filter(|inner| !inner.contains("{{") && !inner.contains("}}"))
                .ok_or_else(|| {
                    node.err(format!(
                        "{text:?} mixes text and placeholders: a value is either exactly one \
                         placeholder or a constant with none (build text in the task's command \
                         or args instead)"
                    ))
                })?;
            reference(inner.trim())
                .map(Given::Ref)
                .map_err(|p| node.err(p))
        }
        _ => {
            no_placeholder(node)?;
            Ok(Given::Constant(node.value.clone()))
        }
    }
}

/// Refuses placeholders inside a constant list or mapping, at their path.
fn no_placeholder(node: &Node) -> Result<()> {
    match node.value {
        Value::String(text) if text.contains("{{") => Err(node.err(format!(
            "{text:?}: placeholders are not substituted inside a list or a mapping; give the \
             value as an input of its own"
        ))),
        Value::Array(_) => node.items()?.iter().try_for_each(no_placeholder),
        Value::Object(_) => node
            .obj()?
            .fields()
            .iter()
            .try_for_each(|(_, child)| no_placeholder(child)),
        _ => Ok(()),
    }
}

/// The text between `{{` and `}}` of an input's value, trimmed.
fn reference(inner: &str) -> std::result::Result<Ref, String> {
    let parts: Vec<&str> = inner.split('.').collect();
    let name = |n: &str| {
        if is_name(n) {
            Ok(n.to_string())
        } else {
            Err(format!("{{{{{inner}}}}}: {n:?} is not a name"))
        }
    };
    let task = |t: &str| {
        if t.is_empty() {
            Err(format!("{{{{{inner}}}}}: the task name is empty"))
        } else {
            Ok(t.to_string())
        }
    };
    match parts.as_slice() {
        ["params", p] => Ok(Ref::Param(name(p)?)),
        ["tasks", t, "outputs", "parameters", k] => Ok(Ref::TaskParameter {
            task: task(t)?,
            key: name(k)?,
        }),
        ["tasks", t, "outputs", "artifacts", k] => Ok(Ref::TaskArtifact {
            task: task(t)?,
            key: name(k)?,
        }),
        ["item"] => Ok(Ref::Item(None)),
        ["item", field] if !field.is_empty() && !field.contains(['{', '}']) => {
            Ok(Ref::Item(Some(field.to_string())))
        }
        ["inputs" | "outputs", ..] => Err(format!(
            "{{{{{inner}}}}} is a placeholder of command and args; an input refers to {REFS}"
        )),
        _ => Err(format!(
            "unknown placeholder {{{{{inner}}}}} (an input refers to {REFS})"
        )),
    }
}

/// A string of `command` or `args` with its placeholders translated to KFP's; the problem
/// otherwise.
pub fn command_text(text: &str) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("{text:?} has a '{{{{' without its '}}}}'"))?;
        out.push_str(&kfp_placeholder(after[..end].trim())?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// KFP's placeholder for one of command's and args' own.
fn kfp_placeholder(inner: &str) -> std::result::Result<String, String> {
    let parts: Vec<&str> = inner.split('.').collect();
    let (side, kind, name) = match parts.as_slice() {
        [
            side @ ("inputs" | "outputs"),
            kind @ ("parameters" | "artifacts"),
            name,
        ] => (*side, *kind, *name),
        _ => {
            return Err(format!(
                "unknown placeholder {{{{{inner}}}}} (command and args take \
                 {{{{inputs.parameters.NAME}}}}, {{{{inputs.artifacts.NAME}}}}, \
                 {{{{outputs.parameters.NAME}}}} and {{{{outputs.artifacts.NAME}}}}; give run \
                 parameters and other tasks' outputs to the task under inputs)"
            ));
        }
    };
    if !is_name(name) {
        return Err(format!("{{{{{inner}}}}}: {name:?} is not a name"));
    }
    Ok(match (side, kind) {
        ("inputs", "parameters") => format!("{{{{$.inputs.parameters['{name}']}}}}"),
        ("inputs", _) => format!("{{{{$.inputs.artifacts['{name}'].path}}}}"),
        ("outputs", "parameters") => format!("{{{{$.outputs.parameters['{name}'].output_file}}}}"),
        _ => format!("{{{{$.outputs.artifacts['{name}'].path}}}}"),
    })
}
