//! The Kubeflow Training Operator's `kubeflow.org/v1` TFJob and PyTorchJob, as far as Capstan
//! reads them. Unknown fields of the job's own spec are refused (a misspelt `runPolicy` must
//! not silently be ignored); a replica's pod template is a whole Pod spec, of which only the
//! containers matter here.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value as Json;

use crate::manifest::Metadata;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrainingJob {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    pub spec: JobSpec,
    /// Written by the operator; ignored on import.
    #[serde(default, rename = "status")]
    _status: Option<IgnoredAny>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JobSpec {
    #[serde(default)]
    pub tf_replica_specs: Option<BTreeMap<String, ReplicaSpec>>,
    #[serde(default)]
    pub pytorch_replica_specs: Option<BTreeMap<String, ReplicaSpec>>,
    #[serde(default)]
    pub run_policy: Option<RunPolicy>,
    /// TFJob: `AllWorkers` or the default (the chief decides). Accepted and not used: an
    /// attempt succeeds when every replica exited 0.
    #[serde(default, rename = "successPolicy")]
    _success_policy: Option<IgnoredAny>,
    #[serde(default, rename = "enableDynamicWorker")]
    _enable_dynamic_worker: Option<IgnoredAny>,
    /// PyTorchJob: processes per replica for torchrun (`PET_NPROC_PER_NODE`).
    #[serde(default)]
    pub nproc_per_node: Option<Json>,
    #[serde(default)]
    pub elastic_policy: Option<Json>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReplicaSpec {
    #[serde(default)]
    pub replicas: Option<i64>,
    #[serde(default)]
    pub restart_policy: Option<String>,
    pub template: PodTemplate,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodTemplate {
    #[serde(default, rename = "metadata")]
    _metadata: Option<IgnoredAny>,
    pub spec: PodSpec,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    pub containers: Vec<Json>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RunPolicy {
    #[serde(default)]
    pub clean_pod_policy: Option<String>,
    #[serde(default)]
    pub backoff_limit: Option<i64>,
    #[serde(default)]
    pub active_deadline_seconds: Option<i64>,
    #[serde(default)]
    pub ttl_seconds_after_finished: Option<i64>,
    #[serde(default)]
    pub suspend: Option<bool>,
    /// Kubeflow's gang-scheduling hints: Capstan's scheduler gangs every job.
    #[serde(default, rename = "schedulingPolicy")]
    _scheduling_policy: Option<IgnoredAny>,
}
