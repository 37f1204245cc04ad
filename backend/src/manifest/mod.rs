//! What the Kubernetes-style manifests Capstan imports (Katib's Experiment, KServe's
//! InferenceService…) share: refusals that name the place in the manifest, reading YAML or JSON
//! with that place, and a Pod's container.

pub mod container;
mod error;

pub use error::SpecError;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// Reads a manifest (YAML or JSON, which is YAML) into `T`; a refusal names the field.
pub fn read<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, SpecError> {
    let deserializer = serde_yaml::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        SpecError::at(path, e.into_inner().to_string())
    })
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    pub name: String,
    /// The profile comes from the URL; a namespace written here is not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Json>,
}
