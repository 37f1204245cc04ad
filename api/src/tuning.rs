//! Tuning experiments (Katib's `Experiment`) and their trials, as the REST API and the UI see
//! them. The spec itself crosses the wire as the manifest (YAML or JSON).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What an experiment is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExperimentKind {
    /// A group of pipeline runs.
    #[default]
    Runs,
    /// Hyperparameter tuning: trials suggested by a search algorithm.
    Tuning,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TuningState {
    Running,
    /// Stopped by a user: no new trial starts until it is resumed.
    Stopped,
    Succeeded,
    Failed,
}

impl TuningState {
    pub fn as_str(self) -> &'static str {
        match self {
            TuningState::Running => "running",
            TuningState::Stopped => "stopped",
            TuningState::Succeeded => "succeeded",
            TuningState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<TuningState> {
        [
            TuningState::Running,
            TuningState::Stopped,
            TuningState::Succeeded,
            TuningState::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn is_finished(self) -> bool {
        matches!(self, TuningState::Succeeded | TuningState::Failed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialState {
    Running,
    Succeeded,
    Failed,
    /// Stopped by the early-stopping rule.
    EarlyStopped,
    /// Stopped because the experiment was stopped or ended.
    Killed,
}

impl TrialState {
    pub fn as_str(self) -> &'static str {
        match self {
            TrialState::Running => "running",
            TrialState::Succeeded => "succeeded",
            TrialState::Failed => "failed",
            TrialState::EarlyStopped => "early_stopped",
            TrialState::Killed => "killed",
        }
    }

    pub fn parse(s: &str) -> Option<TrialState> {
        [
            TrialState::Running,
            TrialState::Succeeded,
            TrialState::Failed,
            TrialState::EarlyStopped,
            TrialState::Killed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn is_finished(self) -> bool {
        self != TrialState::Running
    }
}

/// What the experiments list shows of a tuning experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuningSummary {
    pub state: TuningState,
    /// Why it ended or stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub algorithm: String,
    pub objective_metric: String,
    pub maximize: bool,
    pub trials: u64,
    pub running: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub early_stopped: u64,
    /// The best trial's name and objective value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_trial: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_value: Option<f64>,
    pub created_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at_ms: Option<i64>,
}

/// One trial in the experiment's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialView {
    pub name: String,
    pub number: u32,
    pub state: TrialState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Parameter name → value as the trial's command received it.
    pub parameters: BTreeMap<String, String>,
    /// Metric name → the trial's value of it (by the metric's strategy).
    pub metrics: BTreeMap<String, f64>,
    /// The objective's value, when the trial reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<f64>,
    /// Its workload, whose logs are the trial's.
    pub workload: String,
    pub created_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at_ms: Option<i64>,
}

/// `GET /api/v1/profiles/{p}/experiments/{name}` for a tuning experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuningDetail {
    pub name: String,
    pub summary: TuningSummary,
    pub created_at_ms: i64,
    /// Parameter names in the spec's order (the table's columns).
    pub parameters: Vec<String>,
    /// The objective's metric first, then the additional ones.
    pub metrics: Vec<String>,
    pub goal: Option<f64>,
    pub parallel_trials: u32,
    pub max_trials: Option<u32>,
    pub max_failed_trials: Option<u32>,
    /// `medianstop`, when trials may stop early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_stopping: Option<String>,
    pub trials: Vec<TrialView>,
    /// The manifest as submitted.
    pub manifest: String,
}

/// One report of a metric by a trial.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricPoint {
    /// The report's position among the trial's reports of this metric (0, 1, …).
    pub step: u32,
    pub value: f64,
    pub at_ms: i64,
}

/// `GET …/experiments/{name}/trials/{trial}/metrics`: every report, by metric.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrialMetrics {
    pub metrics: BTreeMap<String, Vec<MetricPoint>>,
}

/// The experiment form of the UI: what a user types, turned into a Katib manifest on the
/// server (so that the form and an imported manifest go through one reader).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TuningForm {
    pub name: String,
    /// `maximize` or `minimize`.
    pub objective: String,
    pub metric: String,
    /// Blank: no goal.
    #[serde(default)]
    pub goal: String,
    pub algorithm: String,
    pub parallel: String,
    pub max_trials: String,
    #[serde(default)]
    pub max_failed: String,
    /// One parameter per line: `lr double 0.001 0.1 [log]`, `layers int 1 5 [step 2]`,
    /// `optimizer categorical sgd adam`, `batch discrete 16 32 64`.
    pub parameters: String,
    /// The trial's command, one argument per line; `${trialParameters.<parameter>}` in it.
    pub command: String,
    /// Whole GPUs per trial; blank: none.
    #[serde(default)]
    pub gpus: String,
}
