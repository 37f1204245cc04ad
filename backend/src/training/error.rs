//! Why a training operation was refused.

use crate::profiles::ProfileError;
use crate::refusal::Refusal;
use crate::store::StoreError;
use crate::workload::WorkloadError;

use super::spec::SpecError;

#[derive(Debug, thiserror::Error)]
pub enum TrainingError {
    /// The manifest is not a job Capstan can run; the error has its path.
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("there is no training job `{0}` in profile `{1}`")]
    NotFound(String, String),
    #[error("a training job `{0}` exists already in profile `{1}`")]
    AlreadyExists(String, String),
    /// The job is not in a state that allows it (resuming a running job…).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Workload(#[from] WorkloadError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The controller is gone (the server is shutting down).
    #[error("the training controller is not running")]
    Unavailable,
}

impl TrainingError {
    pub fn refusal(&self) -> Refusal {
        match self {
            TrainingError::Spec(_) => Refusal::Invalid,
            TrainingError::NotFound(..) => Refusal::NotFound,
            TrainingError::AlreadyExists(..) | TrainingError::Conflict(_) => Refusal::Conflict,
            TrainingError::Workload(e) => e.refusal(),
            TrainingError::Profile(e) => e.refusal(),
            TrainingError::Store(_) | TrainingError::Unavailable => Refusal::Unavailable,
        }
    }
}
