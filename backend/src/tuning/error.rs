//! Why a tuning operation was refused.

use crate::profiles::ProfileError;
use crate::refusal::Refusal;
use crate::store::StoreError;
use crate::workload::WorkloadError;

use super::spec::SpecError;

#[derive(Debug, thiserror::Error)]
pub enum TuningError {
    /// The manifest is not an experiment Capstan can run; the error has its path.
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("there is no tuning experiment `{0}` in profile `{1}`")]
    NotFound(String, String),
    #[error("there is no trial `{0}` in experiment `{1}`")]
    NoTrial(String, String),
    #[error("an experiment `{0}` exists already in profile `{1}`")]
    AlreadyExists(String, String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Workload(#[from] WorkloadError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl TuningError {
    pub fn refusal(&self) -> Refusal {
        match self {
            TuningError::Spec(_) => Refusal::Invalid,
            TuningError::NotFound(..) | TuningError::NoTrial(..) => Refusal::NotFound,
            TuningError::AlreadyExists(..) | TuningError::Conflict(_) => Refusal::Conflict,
            TuningError::Workload(e) => e.refusal(),
            TuningError::Profile(e) => e.refusal(),
            TuningError::Store(_) => Refusal::Unavailable,
        }
    }
}
