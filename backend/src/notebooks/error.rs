use crate::profiles::ProfileError;
use crate::refusal::Refusal;
use crate::store::StoreError;
use crate::workload::WorkloadError;

#[derive(Debug, thiserror::Error)]
pub enum NotebookError {
    /// The spec is malformed; `field` names the spec's field (`data_volumes[1].mount_path`).
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
    #[error("{0}: the administrator locked this field to its default ({1})")]
    Locked(String, String),
    #[error("a notebook named `{0}` exists already in profile `{1}`")]
    AlreadyExists(String, String),
    #[error("there is no notebook `{0}` in profile `{1}`")]
    NotFound(String, String),
    #[error("notebook `{0}` is already running or queued")]
    AlreadyRunning(String),
    #[error("notebook `{0}` is not running")]
    NotRunning(String),
    /// Running, but JupyterLab does not answer yet.
    #[error("notebook `{0}` is starting; try again in a few seconds")]
    NotReady(String),
    #[error("the notebook's files: {0}")]
    Files(String),
    #[error("{0}")]
    Import(String),
    #[error(transparent)]
    Workload(#[from] WorkloadError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl NotebookError {
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        NotebookError::Invalid {
            field: field.into(),
            problem: problem.into(),
        }
    }

    pub fn refusal(&self) -> Refusal {
        match self {
            NotebookError::Invalid { .. }
            | NotebookError::Locked(..)
            | NotebookError::Import(_) => Refusal::Invalid,
            NotebookError::AlreadyExists(..)
            | NotebookError::AlreadyRunning(_)
            | NotebookError::NotRunning(_) => Refusal::Conflict,
            NotebookError::NotFound(..) => Refusal::NotFound,
            NotebookError::NotReady(_) | NotebookError::Files(_) => Refusal::Unavailable,
            NotebookError::Workload(e) => e.refusal(),
            NotebookError::Profile(e) => e.refusal(),
            NotebookError::Store(_) => Refusal::Unavailable,
        }
    }
}
