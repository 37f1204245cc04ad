use crate::profiles::ProfileError;
use crate::refusal::Refusal;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    /// The spec is malformed; `field` says where (`groups[1].resources.gpu_milli`).
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
    /// Well-formed, but no cluster state or quota this profile can have lets it start.
    #[error("this workload can never run: {0}")]
    NeverRuns(String),
    #[error("a workload named `{0}` exists already in profile `{1}`")]
    AlreadyExists(String, String),
    #[error("there is no workload `{0}` in profile `{1}`")]
    NotFound(String, String),
    #[error("workload `{0}` has finished; delete it or submit a new one")]
    Finished(String),
    /// The replica has no log: it never started, or its files were deleted.
    #[error("{0}")]
    NoLog(String),
    #[error("the runtime failed: {0}")]
    Runtime(String),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl WorkloadError {
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        WorkloadError::Invalid {
            field: field.into(),
            problem: problem.into(),
        }
    }

    pub fn refusal(&self) -> Refusal {
        match self {
            WorkloadError::Invalid { .. } | WorkloadError::NeverRuns(_) => Refusal::Invalid,
            WorkloadError::AlreadyExists(..) | WorkloadError::Finished(_) => Refusal::Conflict,
            WorkloadError::NotFound(..) | WorkloadError::NoLog(_) => Refusal::NotFound,
            WorkloadError::Runtime(_) => Refusal::Unavailable,
            WorkloadError::Profile(e) => e.refusal(),
            WorkloadError::Store(_) => Refusal::Unavailable,
        }
    }
}
