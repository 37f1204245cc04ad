//! Katib's `kubeflow.org/v1beta1` `Experiment`, field for field as its CRD spells it. Unknown
//! fields are refused (a typo must not silently change a search); the trial's own object
//! (`trialSpec`, a Kubernetes Job) is kept as free JSON and read by [`super::template`].

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Experiment {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    pub spec: ExperimentSpec,
    /// A status copied along with an exported object: read-only, ignored.
    #[serde(default, skip_serializing)]
    pub status: Option<Json>,
}

pub use crate::manifest::Metadata;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExperimentSpec {
    pub objective: Objective,
    pub algorithm: AlgorithmSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_stopping: Option<AlgorithmSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_trial_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_trial_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failed_trial_count: Option<i64>,
    pub parameters: Vec<ParameterSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_collector_spec: Option<MetricsCollectorSpec>,
    pub trial_template: TrialTemplate,
    /// `Never`, `LongRunning` or `FromVolume`: Capstan keeps every experiment's state in its
    /// database, so each of them resumes the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_policy: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Objective {
    /// `maximize` or `minimize`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<f64>,
    pub objective_metric_name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_metric_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metric_strategies: Vec<MetricStrategy>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricStrategy {
    pub name: String,
    /// `min`, `max` or `latest`.
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AlgorithmSpec {
    pub algorithm_name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub algorithm_settings: Vec<Setting>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setting {
    pub name: String,
    #[serde(deserialize_with = "scalar_text")]
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ParameterSpec {
    pub name: String,
    /// `int`, `double`, `categorical` or `discrete`.
    pub parameter_type: String,
    pub feasible_space: FeasibleSpace,
}

/// Katib writes numbers as strings (`min: "0.01"`); plain YAML numbers are taken too.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeasibleSpace {
    #[serde(default, deserialize_with = "optional_scalar_text")]
    pub min: Option<String>,
    #[serde(default, deserialize_with = "optional_scalar_text")]
    pub max: Option<String>,
    #[serde(default, deserialize_with = "optional_scalar_text")]
    pub step: Option<String>,
    #[serde(default, deserialize_with = "scalar_texts")]
    pub list: Vec<String>,
    /// `uniform` (the default) or `logUniform`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetricsCollectorSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<MetricsSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collector: Option<Collector>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetricsSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<MetricsFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_system_path: Option<FileSystemPath>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetricsFilter {
    #[serde(default)]
    pub metrics_format: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSystemPath {
    pub path: String,
    /// `File` (Katib's `Directory` is for TensorFlow events, which Capstan does not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `TEXT` (the default) or `JSON`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collector {
    /// `StdOut` (the default), `File` or `None`.
    pub kind: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrialTemplate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_container_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retain: Option<bool>,
    #[serde(default)]
    pub trial_parameters: Vec<TrialParameter>,
    /// The trial's Kubernetes object (a `batch/v1` Job).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_spec: Option<Json>,
    /// Capstan's shorthand for a standalone trial: the argv, without a Job around it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Capstan's pipeline trial: a run of a pipeline with substituted parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<PipelineTrial>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_condition: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialParameter {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A parameter's name, or a trial's own field (`${trialSpec.Name}`).
    pub reference: String,
}

/// A run of one of the profile's pipelines per trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineTrial {
    pub pipeline: String,
    /// The newest version when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The run's parameters; values may hold `${trialParameters.x}`.
    #[serde(default)]
    pub parameters: std::collections::BTreeMap<String, String>,
}

fn scalar(value: serde_yaml::Value) -> Option<String> {
    match value {
        serde_yaml::Value::String(s) => Some(s),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn scalar_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    scalar(serde_yaml::Value::deserialize(d)?)
        .ok_or_else(|| serde::de::Error::custom("expected a string or a number"))
}

fn optional_scalar_text<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    match serde_yaml::Value::deserialize(d)? {
        serde_yaml::Value::Null => Ok(None),
        value => scalar(value)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("expected a string or a number")),
    }
}

fn scalar_texts<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Vec::<serde_yaml::Value>::deserialize(d)?
        .into_iter()
        .map(|v| scalar(v).ok_or_else(|| serde::de::Error::custom("expected strings or numbers")))
        .collect()
}
