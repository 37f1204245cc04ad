use serde::{Deserialize, Serialize};

/// What changed. Later capabilities add their kinds (notebook, run, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A user signed in.
    SignedIn,
    /// A user signed out.
    SignedOut,
    /// A workload changed phase or placement; `data` holds its id, name, phase and reason.
    Workload,
    /// What the cluster holds changed (a scheduling cycle admitted or freed something):
    /// views of nodes and queues reload. Seen by every signed-in user.
    Cluster,
    /// A notebook became ready, or its last activity changed; `data` holds its name and state.
    Notebook,
    /// A pipeline run or one of its tasks changed state; `data` holds the run id, its state
    /// and, for a task, the node.
    Run,
    /// A tuning experiment or one of its trials changed; `data` holds the experiment's name,
    /// its state and, for a trial, the trial's name and state.
    Tuning,
    /// A served model changed (a revision became ready, traffic moved, replicas scaled);
    /// `data` holds the model's name and what happened.
    Model,
    /// A training job changed state; `data` holds the job's name and state.
    Training,
}

/// A state change that the server streams to the browsers allowed to see it
/// (`GET /api/v1/events`, Server-Sent Events whose `event:` field is the kind).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    /// The profile the change belongs to; `None` for changes outside any profile.
    pub profile: Option<String>,
    /// The user the change concerns, when it concerns one user only.
    pub user: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// Kind-specific details.
    #[serde(default)]
    pub data: serde_json::Value,
}

impl EventKind {
    /// The SSE `event:` name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::SignedIn => "signed_in",
            EventKind::SignedOut => "signed_out",
            EventKind::Workload => "workload",
            EventKind::Cluster => "cluster",
            EventKind::Notebook => "notebook",
            EventKind::Run => "run",
            EventKind::Tuning => "tuning",
            EventKind::Model => "model",
            EventKind::Training => "training",
        }
    }
}
