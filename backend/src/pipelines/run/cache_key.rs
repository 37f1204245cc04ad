//! The cache key of a task: a hash of what decides its result — the component's container
//! (image, command, arguments, environment), its outputs' names, and its input values and
//! artifacts. A task whose key matches an earlier success in the same profile takes that
//! task's outputs instead of running (its artifacts stay where that run wrote them).

use serde_json::json;
use sha2::{Digest, Sha256};

use super::executor_input::typed_inputs;
use super::values::Values;
use crate::pipelines::model::{Caching, Component, Executor};

/// `None` when caching is off for the task.
pub fn cache_key(caching: &Caching, component: &Component, inputs: &Values) -> Option<String> {
    if !caching.enabled {
        return None;
    }
    if let Some(key) = &caching.key {
        return Some(format!("custom:{}", hex(&Sha256::digest(key.as_bytes()))));
    }
    let Executor::Container(container) = &component.executor else {
        return None;
    };
    let inputs = typed_inputs(component, inputs);
    let parameters = &inputs.parameters;
    let artifacts: serde_json::Map<String, serde_json::Value> = inputs
        .artifacts
        .iter()
        .map(|(name, list)| {
            let list: Vec<_> = list
                .iter()
                .map(|a| json!({"uri": a.uri, "metadata": a.metadata}))
                .collect();
            (name.clone(), json!(list))
        })
        .collect();
    // serde_json maps are sorted by key: the text is canonical.
    let canonical = json!({
        "image": container.image,
        "command": container.command,
        "args": container.args,
        "env": container.env.iter().map(|e| (e.name.clone(), e.value.clone())).collect::<Vec<_>>(),
        "outputs": {
            "parameters": component.outputs.parameters.keys().collect::<Vec<_>>(),
            "artifacts": component.outputs.artifacts.keys().collect::<Vec<_>>(),
        },
        "inputs": {"parameters": parameters, "artifacts": artifacts},
    });
    Some(hex(&Sha256::digest(canonical.to_string().as_bytes())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
