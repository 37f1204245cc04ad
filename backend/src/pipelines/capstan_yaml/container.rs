//! What a task runs: `image`, `command`, `args` (placeholders translated to KFP's), `env` and
//! `resources`.

use serde_json::Value;

use super::refs::command_text;
use crate::k8s::resources::{QuantityError, parse_cpu_milli, parse_memory_mib};
use crate::pipelines::model::{Accelerator, ContainerSpec, EnvVar, Resources};
use crate::pipelines::node::{Node, Obj, Result, kind};

/// The container of a task (the task's mapping).
pub fn container(task: &Obj) -> Result<ContainerSpec> {
    let command = argv(&task.req("command")?)?;
    if command.is_empty() {
        return Err(task.req("command")?.err("empty: a task runs a command"));
    }
    Ok(ContainerSpec {
        image: task.opt_str("image")?.unwrap_or_default(),
        command,
        args: match task.get("args") {
            Some(node) => argv(&node)?,
            None => Vec::new(),
        },
        env: match task.opt_obj("env")? {
            Some(env) => self::env(&env)?,
            None => Vec::new(),
        },
        resources: match task.opt_obj("resources")? {
            Some(resources) => self::resources(&resources)?,
            None => Resources::default(),
        },
    })
}

/// `command` or `args`: strings, placeholders translated.
fn argv(node: &Node) -> Result<Vec<String>> {
    node.items()?
        .iter()
        .map(|item| command_text(item.str()?).map_err(|problem| item.err(problem)))
        .collect()
}

/// `env: {NAME: value}`: string values, which are not substituted.
fn env(obj: &Obj) -> Result<Vec<EnvVar>> {
    let mut vars = Vec::new();
    for (name, node) in obj.fields() {
        if name.is_empty() || name.contains(['=', '\0']) {
            return Err(node.err(format!("{name:?} is not a variable name")));
        }
        let value = node.str()?;
        if value.contains("{{") {
            return Err(node.err(
                "placeholders are substituted only in command and args; pass the value there",
            ));
        }
        vars.push(EnvVar {
            name,
            value: value.to_string(),
        });
    }
    Ok(vars)
}

/// `resources: {cpu, memory, gpu, gpuModel}`. CPU and memory are Kubernetes quantities
/// (`500m`, `2`, `1Gi`, `512Mi`), asked for as both request and limit.
fn resources(obj: &Obj) -> Result<Resources> {
    obj.only(&["cpu", "memory", "gpu", "gpuModel"], &[])?;
    let quantity = |key: &str, parse: fn(&str) -> std::result::Result<u64, QuantityError>| {
        let Some(node) = obj.get(key) else {
            return Ok(None);
        };
        let text = match node.value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            other => {
                return Err(node.err(format!("expected a quantity, found {}", kind(other))));
            }
        };
        parse(&text)
            .map(Some)
            .map_err(|e| node.err(format!("{text:?} {e}")))
    };
    let cpu = quantity("cpu", parse_cpu_milli)?;
    let memory = quantity("memory", parse_memory_mib)?;
    let count = match obj.get("gpu") {
        Some(node) => node.u32()?,
        None => 0,
    };
    let model = obj.opt_str("gpuModel")?;
    if model.is_some() && count == 0 {
        let node = obj.req("gpuModel")?;
        return Err(node.err("a GPU model without GPUs: say how many with gpu"));
    }
    Ok(Resources {
        cpu_request_milli: cpu,
        cpu_limit_milli: cpu,
        memory_request_mib: memory,
        memory_limit_mib: memory,
        accelerator: (count > 0).then_some(Accelerator { kind: model, count }),
    })
}
