//! A Pod's container as manifests carry it (a Katib trial's Job, a KServe predictor): its
//! command and args, plain `env` values, image and resources.

use std::collections::BTreeMap;

use api::Resources;
use serde_json::Value as Json;

use super::SpecError;
use crate::k8s::resources::{QuantityError, parse_count, parse_cpu_milli, parse_memory_mib};

const GPU: &str = "nvidia.com/gpu";

/// What Capstan runs of a container.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Container {
    /// The command then the args; empty when the container sets neither (its image's own).
    pub argv: Vec<String>,
    /// Variables with a plain `value` (`valueFrom` needs a cluster).
    pub env: BTreeMap<String, String>,
    pub image: Option<String>,
    pub resources: Resources,
}

/// Reads `container`, which sits at `path` in the manifest.
pub fn read(container: &Json, path: &str) -> Result<Container, SpecError> {
    let strings = |field: &str| -> Result<Vec<String>, SpecError> {
        match container.get(field) {
            None | Some(Json::Null) => Ok(Vec::new()),
            Some(Json::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Json::String(s) => Ok(s.clone()),
                    Json::Number(n) => Ok(n.to_string()),
                    _ => Err(SpecError::at(
                        format!("{path}.{field}[{i}]"),
                        "expected a string",
                    )),
                })
                .collect(),
            Some(_) => Err(SpecError::at(
                format!("{path}.{field}"),
                "expected a list of strings",
            )),
        }
    };
    let mut argv = strings("command")?;
    argv.extend(strings("args")?);
    let mut env = BTreeMap::new();
    if let Some(vars) = container.get("env").and_then(Json::as_array) {
        for (i, var) in vars.iter().enumerate() {
            let name = var
                .get("name")
                .and_then(Json::as_str)
                .ok_or_else(|| SpecError::at(format!("{path}.env[{i}].name"), "missing"))?;
            if let Some(value) = var.get("value") {
                env.insert(
                    name.to_owned(),
                    value.as_str().unwrap_or_default().to_owned(),
                );
            }
        }
    }
    Ok(Container {
        argv,
        env,
        image: container
            .get("image")
            .and_then(Json::as_str)
            .map(str::to_owned),
        resources: resources(container, path)?,
    })
}

/// CPU and memory requests (or limits) and `nvidia.com/gpu` limits of the container.
fn resources(container: &Json, path: &str) -> Result<Resources, SpecError> {
    let amount = |kind: &str, name: &str, parse: fn(&str) -> Result<u64, _>| {
        let value = container.pointer(&format!("/resources/{kind}/{}", name.replace('/', "~1")));
        match value {
            None => Ok(None),
            Some(v) => {
                let text = match v {
                    Json::String(s) => s.clone(),
                    Json::Number(n) => n.to_string(),
                    _ => String::new(),
                };
                parse(&text).map(Some).map_err(|e: QuantityError| {
                    SpecError::at(
                        format!("{path}.resources.{kind}[{name:?}]"),
                        format!("`{text}` {e}"),
                    )
                })
            }
        }
    };
    let either = |name: &str, parse: fn(&str) -> Result<u64, QuantityError>| {
        Ok::<_, SpecError>(amount("requests", name, parse)?.or(amount("limits", name, parse)?))
    };
    let gpus = amount("limits", GPU, parse_count)?.or(amount("requests", GPU, parse_count)?);
    Ok(Resources {
        cpu_milli: either("cpu", parse_cpu_milli)?.unwrap_or(0),
        memory_mib: either("memory", parse_memory_mib)?.unwrap_or(0),
        gpus: gpus
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
            .unwrap_or(0),
        ..Resources::default()
    })
}
