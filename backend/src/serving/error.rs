//! Why a serving operation was refused.

use crate::profiles::ProfileError;
use crate::refusal::Refusal;
use crate::store::StoreError;
use crate::workload::WorkloadError;

use super::spec::SpecError;

#[derive(Debug, thiserror::Error)]
pub enum ServingError {
    /// The manifest is not an InferenceService Capstan can serve; the error has its path.
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("there is no model `{0}` in profile `{1}`")]
    NotFound(String, String),
    #[error("a model `{0}` exists already in profile `{1}`")]
    AlreadyExists(String, String),
    #[error("the manifest names `{0}` but the URL names `{1}`")]
    NameMismatch(String, String),
    #[error("{0}")]
    Conflict(String),
    #[error("model `{0}` has no token {1}")]
    NoToken(String, i64),
    #[error(transparent)]
    Workload(#[from] WorkloadError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServingError {
    pub fn refusal(&self) -> Refusal {
        match self {
            ServingError::Spec(_) | ServingError::NameMismatch(..) => Refusal::Invalid,
            ServingError::NotFound(..) | ServingError::NoToken(..) => Refusal::NotFound,
            ServingError::AlreadyExists(..) | ServingError::Conflict(_) => Refusal::Conflict,
            ServingError::Workload(e) => e.refusal(),
            ServingError::Profile(e) => e.refusal(),
            ServingError::Store(_) => Refusal::Unavailable,
        }
    }
}
