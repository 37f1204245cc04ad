//! What a KFP task is given: the executor input JSON (its input values and where to write its
//! outputs), as KFP's driver writes it and `kfp.dsl.executor_main` reads it.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::values::{Artifact, Values, typed};
use crate::pipelines::model::{Component, Interface};

/// Where one task's files go: its outputs, its executor output and its temporary files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDir(pub PathBuf);

impl TaskDir {
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// An output (parameter file or artifact) of the task: `<dir>/<name>`.
    pub fn output(&self, name: &str) -> PathBuf {
        self.0.join(file_name(name))
    }

    /// Where the task writes its executor output.
    pub fn executor_output(&self) -> PathBuf {
        self.0.join("executor_output.json")
    }

    /// Where a task may write `{"metric": number}` (Capstan's own metrics file).
    pub fn metrics_file(&self) -> PathBuf {
        self.0.join("metrics.json")
    }

    /// `TMPDIR` of the task: the kfp command makes a `mktemp -d` per run and never removes it.
    pub fn tmp(&self) -> PathBuf {
        self.0.join(".tmp")
    }
}

/// A name as one path segment: what is not a letter, digit, `.`, `-` or `_` becomes `_`.
pub fn file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match cleaned.as_str() {
        "" | "." | ".." => format!("_{cleaned}"),
        _ => cleaned,
    }
}

/// The inputs with each parameter typed as the component declares it.
pub fn typed_inputs(component: &Component, inputs: &Values) -> Values {
    let mut typed_values = inputs.clone();
    for (name, value) in typed_values.parameters.iter_mut() {
        if let Some(def) = component.inputs.parameters.get(name) {
            *value = typed(value, def.ty);
        }
    }
    typed_values
}

/// The executor input of one task, given its [`typed_inputs`].
pub fn executor_input(component: &Component, inputs: &Values, dir: &TaskDir) -> Value {
    let parameters: Map<String, Value> = inputs.parameters.clone().into_iter().collect();
    let mut artifacts = Map::new();
    for (name, list) in &inputs.artifacts {
        let list: Vec<Value> = list.iter().map(artifact_json).collect();
        artifacts.insert(name.clone(), json!({ "artifacts": list }));
    }
    json!({
        "inputs": { "parameterValues": parameters, "artifacts": artifacts },
        "outputs": outputs_json(&component.outputs, dir),
    })
}

fn outputs_json(outputs: &Interface, dir: &TaskDir) -> Value {
    let mut parameters = Map::new();
    for name in outputs.parameters.keys() {
        let file = dir.output(name).to_string_lossy().into_owned();
        parameters.insert(name.clone(), json!({ "outputFile": file }));
    }
    let mut artifacts = Map::new();
    for (name, def) in &outputs.artifacts {
        let artifact = output_artifact(name, &def.schema_title, def.schema_version.as_deref(), dir);
        artifacts.insert(
            name.clone(),
            json!({ "artifacts": [artifact_json(&artifact)] }),
        );
    }
    json!({
        "parameters": parameters,
        "artifacts": artifacts,
        "outputFile": dir.executor_output().to_string_lossy(),
    })
}

/// The artifact a task is asked to write for its output `name`.
pub fn output_artifact(
    name: &str,
    schema_title: &str,
    schema_version: Option<&str>,
    dir: &TaskDir,
) -> Artifact {
    Artifact {
        name: name.to_owned(),
        uri: dir.output(name).to_string_lossy().into_owned(),
        schema_title: Some(schema_title.to_owned()),
        schema_version: schema_version.map(str::to_owned),
        metadata: Map::new(),
    }
}

fn artifact_json(artifact: &Artifact) -> Value {
    json!({
        "name": artifact.name,
        "type": {
            "schemaTitle": artifact.schema_title.as_deref().unwrap_or("system.Artifact"),
            "schemaVersion": artifact.schema_version.as_deref().unwrap_or("0.0.1"),
        },
        "uri": artifact.uri,
        "metadata": artifact.metadata,
    })
}
