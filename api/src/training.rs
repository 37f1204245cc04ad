//! Training jobs (TFJob, PyTorchJob) as the jobs list and the job page show them.

use serde::{Deserialize, Serialize};

use crate::GpuShare;

/// Where a job stands; the newest of its conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Accepted; its replicas wait for the scheduler or are starting.
    Created,
    Running,
    /// An attempt failed and the next one starts after the back-off.
    Restarting,
    Succeeded,
    Failed,
    /// Held by its users: nothing runs and nothing is held until it is resumed.
    Suspended,
}

impl JobState {
    pub const ALL: [JobState; 6] = [
        JobState::Created,
        JobState::Running,
        JobState::Restarting,
        JobState::Succeeded,
        JobState::Failed,
        JobState::Suspended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Created => "created",
            JobState::Running => "running",
            JobState::Restarting => "restarting",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Suspended => "suspended",
        }
    }

    pub fn parse(text: &str) -> Option<JobState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_finished(self) -> bool {
        matches!(self, JobState::Succeeded | JobState::Failed)
    }

    /// The condition type the Training Operator gives the state (`Running`…).
    pub fn condition(self) -> &'static str {
        match self {
            JobState::Created => "Created",
            JobState::Running => "Running",
            JobState::Restarting => "Restarting",
            JobState::Succeeded => "Succeeded",
            JobState::Failed => "Failed",
            JobState::Suspended => "Suspended",
        }
    }
}

/// One change of a job's state, oldest first on the job page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCondition {
    #[serde(rename = "type")]
    pub condition_type: String,
    /// A word (`PyTorchJobRestarting`, `BackoffLimitExceeded`).
    pub reason: String,
    pub message: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSummary {
    pub name: String,
    /// `TFJob` or `PyTorchJob`.
    pub kind: String,
    pub state: JobState,
    /// The newest condition's message.
    pub message: String,
    /// Replicas per type, in rank order: (`Master`, 1), (`Worker`, 2).
    pub replicas: Vec<(String, u32)>,
    /// Whole GPUs the job asks for, all replicas together.
    pub gpus: u32,
    /// The attempt that runs or ran last (0 first).
    pub attempt: u32,
    pub restarts: u32,
    pub backoff_limit: u32,
    pub created_by: String,
    pub created_at_ms: i64,
    #[serde(default)]
    pub started_at_ms: Option<i64>,
    #[serde(default)]
    pub finished_at_ms: Option<i64>,
}

/// One replica of the current attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobReplica {
    /// `Worker`.
    pub replica_type: String,
    /// Its group in the workload (`worker`), and so in the logs' address.
    pub group: String,
    pub index: u32,
    /// The workload's phase (`queued`, `running`…), the same for all replicas of a gang.
    pub phase: String,
    #[serde(default)]
    pub node: Option<String>,
    #[serde(default)]
    pub gpus: Vec<GpuShare>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobMetric {
    pub name: String,
    pub attempt: u32,
    pub step: u32,
    pub value: f64,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobDetail {
    pub summary: JobSummary,
    pub conditions: Vec<JobCondition>,
    pub replicas: Vec<JobReplica>,
    /// The current attempt's workload: its logs are
    /// `/api/v1/profiles/{p}/workloads/{workload}/logs?group=…&replica=…`.
    #[serde(default)]
    pub workload: Option<String>,
    /// `name=value` lines of the chief or master (worker 0 without one), every attempt.
    pub metrics: Vec<JobMetric>,
    /// As submitted.
    pub manifest: String,
}

/// The jobs page's form, as the browser posts it: every field text, blank meaning "the
/// default" (the server writes a TFJob or PyTorchJob manifest from it, checked as an import is).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobForm {
    pub name: String,
    /// `PyTorchJob` or `TFJob`.
    pub kind: String,
    /// The command every replica runs, one argument per line.
    #[serde(default)]
    pub command: String,
    /// Cluster mode's image; blank in standalone mode.
    #[serde(default)]
    pub image: String,
    /// Workers beside the master (PyTorchJob) or the chief (TFJob).
    #[serde(default)]
    pub workers: String,
    /// TFJob's parameter servers; blank: none.
    #[serde(default)]
    pub ps: String,
    /// Whole GPUs per replica; blank or 0: none.
    #[serde(default)]
    pub gpus: String,
    /// `Never`, `OnFailure` or `ExitCode`, for every replica type; blank: Never.
    #[serde(default)]
    pub restart_policy: String,
    #[serde(default)]
    pub backoff_limit: String,
    #[serde(default)]
    pub active_deadline_seconds: String,
}
