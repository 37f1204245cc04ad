//! Model serving: InferenceServices as the models list and the model page show them.

use serde::{Deserialize, Serialize};

use crate::Phase;

/// Where a model stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelState {
    /// A replica of every revision with traffic answers.
    Ready,
    /// Replicas are starting.
    Starting,
    /// No replica runs; the first request starts one.
    ScaledToZero,
    /// The newest revision's replicas keep failing and none before it was ever ready.
    Failed,
}

impl ModelState {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelState::Ready => "ready",
            ModelState::Starting => "starting",
            ModelState::ScaledToZero => "scaled to zero",
            ModelState::Failed => "failed",
        }
    }
}

/// A revision's place in the rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevisionRole {
    /// Takes the traffic the canary does not.
    Stable,
    /// The newest, with a share of the traffic (or waiting to be ready).
    Canary,
    /// The newest, taking all the traffic.
    Latest,
    /// Takes no traffic.
    Retired,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionView {
    pub number: u32,
    pub role: RevisionRole,
    /// Share of the traffic now, 0-100.
    pub traffic_percent: u32,
    pub ready: bool,
    pub created_at_ms: i64,
    pub model_format: String,
    pub runtime: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_uri: Option<String>,
    pub replicas_ready: u32,
    pub replicas_desired: u32,
    pub min_replicas: u32,
    pub max_replicas: u32,
    pub scale_metric: String,
    pub scale_target: f64,
    /// Why it is not ready (its replicas fail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// The group of a replica's workload, which names its log
/// (`/workloads/{replica}/logs?group=predictor`).
pub const REPLICA_GROUP: &str = "predictor";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaView {
    /// The replica's workload (its logs are the workload's).
    pub workload: String,
    pub revision: u32,
    pub phase: Phase,
    pub ready: bool,
    /// Where a ready replica's runtime listens (`127.0.0.1:port` in standalone mode), for
    /// calling it past the router.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Requests sent to it and not yet answered.
    pub outstanding: u32,
    /// GPUs it holds, as `node:index` (with a share in milli-GPUs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gpus: Vec<String>,
}

/// What the models list shows of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub name: String,
    pub state: ModelState,
    /// The router's address of the model: `/serving/<profile>/<name>`.
    pub url: String,
    pub model_format: String,
    pub revisions: Vec<RevisionView>,
    pub replicas_ready: u32,
    pub replicas: u32,
    pub created_at_ms: i64,
    pub created_by: String,
}

/// One point of the metrics charts (per second, over the last tick).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSample {
    pub at_ms: i64,
    pub rps: f64,
    pub concurrency: f64,
    pub replicas: u32,
    /// Median and 99th percentile latency of the requests answered in the tick.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p50_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_ms: Option<f64>,
    pub errors: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelEvent {
    pub at_ms: i64,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelTokenView {
    pub id: i64,
    pub label: String,
    pub created_by: String,
    pub created_at_ms: i64,
}

/// A new model token: its text is shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedModelToken {
    pub id: i64,
    pub label: String,
    pub token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewModelToken {
    #[serde(default)]
    pub label: String,
}

/// The model page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelDetail {
    pub summary: ModelSummary,
    pub replicas: Vec<ReplicaView>,
    pub events: Vec<ModelEvent>,
    pub samples: Vec<ModelSample>,
    pub tokens: Vec<ModelTokenView>,
    /// The manifest as last submitted.
    pub manifest: String,
    /// A V2 request body that fits the model, for the "try it" panel.
    pub example_request: String,
}

/// The models page's form, as the browser posts it: every field text, blank meaning "the
/// default" (the server writes an InferenceService manifest from it, checked as an import is).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelForm {
    pub name: String,
    /// `sklearn`, `xgboost`, `lightgbm`, `onnx` or `custom`.
    pub model_format: String,
    /// Where the model's files are; blank for `custom`.
    #[serde(default)]
    pub storage_uri: String,
    /// A custom predictor's command, one argument per line; blank for the other formats.
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub min_replicas: String,
    #[serde(default)]
    pub max_replicas: String,
    /// `concurrency` or `rps`; blank: concurrency.
    #[serde(default)]
    pub scale_metric: String,
    #[serde(default)]
    pub scale_target: String,
    /// The share (0-100) a new revision takes from the one before; blank: all, once ready.
    #[serde(default)]
    pub canary_traffic_percent: String,
    /// Whole GPUs per replica; blank or 0: none.
    #[serde(default)]
    pub gpus: String,
}
