//! What a task that exited well leaves behind: its output parameters (files it wrote, or the
//! `parameterValues` of its executor output; a file wins, as kfp.local merges them), its
//! artifacts (with the metadata the executor output gives them) and its metrics (KFP Metrics
//! artifacts' metadata, and Capstan's `metrics.json`).

use serde_json::{Map, Value};

use super::executor_input::{TaskDir, output_artifact};
use super::values::{Values, parse_output_file, typed};
use crate::pipelines::model::Component;

/// Output parameters larger than this are refused: values travel through the database.
const MAX_PARAMETER_BYTES: u64 = 1 << 20;

/// What a task produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskResult {
    pub outputs: Values,
    /// (name, value), in name order.
    pub metrics: Vec<(String, f64)>,
}

/// Reads a finished task's outputs; an error says what it failed to produce.
pub fn read_outputs(component: &Component, dir: &TaskDir) -> Result<TaskResult, String> {
    let executor_output = read_executor_output(dir)?;
    let given = |key: &str| {
        executor_output
            .get(key)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let parameter_values = given("parameterValues");
    let artifact_values = given("artifacts");
    let mut result = TaskResult::default();
    for (name, def) in &component.outputs.parameters {
        let file = dir.output(name);
        let value = if file.is_file() {
            let text = read_small(&file)?;
            parse_output_file(&text, def.ty)
                .map_err(|e| format!("output parameter `{name}`: {e}"))?
        } else if let Some(value) = parameter_values.get(name) {
            value.clone()
        } else {
            return Err(format!(
                "the task did not write its output parameter `{name}`"
            ));
        };
        result
            .outputs
            .parameters
            .insert(name.clone(), typed(&value, def.ty));
    }
    for (name, def) in &component.outputs.artifacts {
        let mut artifact =
            output_artifact(name, &def.schema_title, def.schema_version.as_deref(), dir);
        let reported = artifact_values
            .get(name)
            .and_then(|v| v.get("artifacts"))
            .and_then(Value::as_array)
            .and_then(|list| list.first());
        if let Some(reported) = reported {
            if let Some(metadata) = reported.get("metadata").and_then(Value::as_object) {
                artifact.metadata = metadata.clone();
            }
            if let Some(uri) = reported.get("uri").and_then(Value::as_str) {
                artifact.uri = uri.to_owned();
            }
        }
        if def.schema_title == "system.Metrics" {
            result.metrics.extend(numbers(&artifact.metadata));
        }
        result
            .outputs
            .artifacts
            .insert(name.clone(), vec![artifact]);
    }
    let metrics_file = dir.metrics_file();
    if metrics_file.is_file() {
        let text = read_small(&metrics_file)?;
        let map: Map<String, Value> = serde_json::from_str(&text)
            .map_err(|e| format!("metrics.json is not a JSON map of numbers: {e}"))?;
        result.metrics.extend(numbers(&map));
    }
    result.metrics.sort_by(|a, b| a.0.cmp(&b.0));
    result.metrics.dedup_by(|a, b| a.0 == b.0);
    Ok(result)
}

fn read_executor_output(dir: &TaskDir) -> Result<Map<String, Value>, String> {
    let path = dir.executor_output();
    if !path.is_file() {
        return Ok(Map::new());
    }
    let text = read_small(&path)?;
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) | Err(_) => Err("executor_output.json is not a JSON object".to_owned()),
    }
}

fn read_small(path: &std::path::Path) -> Result<String, String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size > MAX_PARAMETER_BYTES {
        return Err(format!(
            "{name} is {size} bytes; output values are limited to {MAX_PARAMETER_BYTES} \
             (write large data as an artifact)"
        ));
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))
}

/// The entries of a map that are finite numbers.
fn numbers(map: &Map<String, Value>) -> Vec<(String, f64)> {
    map.iter()
        .filter_map(|(k, v)| v.as_f64().filter(|f| f.is_finite()).map(|f| (k.clone(), f)))
        .collect()
}
