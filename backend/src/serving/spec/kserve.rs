//! KServe's `serving.kserve.io/v1beta1` `InferenceService`, the fields Capstan reads, as KServe
//! spells them. Unknown fields are refused (a typo must not silently change a deployment); the
//! custom containers are kept as free JSON and read by [`crate::manifest::container`].

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

pub use crate::manifest::Metadata;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InferenceService {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    pub spec: ServiceSpec,
    /// A status copied along with an exported object: read-only, ignored.
    #[serde(default, skip_serializing)]
    pub status: Option<Json>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceSpec {
    pub predictor: Predictor,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Predictor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    /// KServe's older per-framework fields (`sklearn: {storageUri: …}`), read as `model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sklearn: Option<Model>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xgboost: Option<Model>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lightgbm: Option<Model>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onnx: Option<Model>,
    /// A custom predictor: Pod containers, the first of which serves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replicas: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replicas: Option<i64>,
    /// `concurrency` or `rps`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_metric: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_target: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_traffic_percent: Option<i64>,
    /// Requests one replica takes at once; 0: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_concurrency: Option<i64>,
    /// Seconds a request may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
    /// Pod fields that only a cluster uses; kept for the YAML tab and cluster mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Json>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Model {
    /// Absent in the per-framework fields, whose key names the format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_format: Option<ModelFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_uri: Option<String>,
    /// The serving runtime's name (`kserve-mlserver`); by default the format's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// `v1` or `v2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Json>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ModelFormat {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}
