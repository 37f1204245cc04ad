use crate::pipelines::model::SpecError;
use crate::profiles::ProfileError;
use crate::refusal::Refusal;
use crate::store::StoreError;
use crate::workload::WorkloadError;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The document is not a pipeline Capstan can run: every problem, each with its path.
    #[error("{}", join(.0))]
    Spec(Vec<SpecError>),
    /// A request field is wrong; `field` names it (`parameters.lr`, `trigger`).
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
    #[error("{0} `{1}` exists already in profile `{2}`")]
    AlreadyExists(&'static str, String, String),
    #[error("there is no {0} `{1}` in profile `{2}`")]
    NotFound(&'static str, String, String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Workload(#[from] WorkloadError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn join(errors: &[SpecError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl PipelineError {
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        PipelineError::Invalid {
            field: field.into(),
            problem: problem.into(),
        }
    }

    pub fn refusal(&self) -> Refusal {
        match self {
            PipelineError::Spec(_) | PipelineError::Invalid { .. } => Refusal::Invalid,
            PipelineError::AlreadyExists(..) | PipelineError::Conflict(_) => Refusal::Conflict,
            PipelineError::NotFound(..) => Refusal::NotFound,
            PipelineError::Workload(e) => e.refusal(),
            PipelineError::Profile(e) => e.refusal(),
            PipelineError::Store(_) => Refusal::Unavailable,
        }
    }
}
