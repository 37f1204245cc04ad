//! What the Kubernetes-style manifests Capstan imports (Katib's Experiment, KServe's
//! InferenceService…) share: refusals that name the place in the manifest, reading YAML or JSON
//! with that place, and a Pod's container.

pub mod container;
mod error;
pub mod form_fields;

pub use error::SpecError;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// What a kind of manifest must say of itself.
pub struct Header<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    /// Whose API it is, for the refusal (`Katib`).
    pub owner: &'a str,
    /// Longest name, and what is named after it (`trials`).
    pub max_name: usize,
    pub named_after: &'a str,
}

impl Header<'_> {
    /// Checks a manifest's apiVersion, kind and name (a DNS label of at most `max_name`).
    pub fn check(&self, api_version: &str, kind: &str, name: &str) -> Result<(), SpecError> {
        if api_version != self.api_version {
            return Err(SpecError::at(
                "apiVersion",
                format!(
                    "`{api_version}` is not {}'s; expected {}",
                    self.owner, self.api_version
                ),
            ));
        }
        if kind != self.kind {
            return Err(SpecError::at(
                "kind",
                format!("`{kind}` is not an {}", self.kind),
            ));
        }
        crate::profiles::validate_dns_label(name)
            .map_err(|e| SpecError::at("metadata.name", e.to_string()))?;
        if name.len() > self.max_name {
            return Err(SpecError::at(
                "metadata.name",
                format!(
                    "longer than {} characters: {}' names are made from it",
                    self.max_name, self.named_after
                ),
            ));
        }
        Ok(())
    }
}

/// A count in a manifest (`Option<i64>` as written) of at least `least`.
pub fn count(value: Option<i64>, path: &str, least: i64) -> Result<Option<u32>, SpecError> {
    match value {
        None => Ok(None),
        Some(v) if v < least => Err(SpecError::at(path, format!("must be at least {least}"))),
        Some(v) => u32::try_from(v)
            .map(Some)
            .map_err(|_| SpecError::at(path, "too large")),
    }
}

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
