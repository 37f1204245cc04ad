//! `AppError`: the one error type at the HTTP edge. Each variant maps to a status and a JSON
//! body (`api::ApiError`) with a message a person can act on. Causes are logged, not leaked.

use api::ApiError;
use axum::Json;
use axum::response::{IntoResponse, Response};
use backend::refusal::Refusal;
use http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in first: this endpoint needs a signed-in user or an API token")]
    Unauthenticated,
    #[error("the API token is unknown, revoked or expired")]
    BadToken,
    #[error("there is no such endpoint")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Profile(#[from] backend::profiles::ProfileError),
    #[error(transparent)]
    Token(#[from] backend::tokens::TokenError),
    #[error(transparent)]
    Workload(#[from] backend::workload::WorkloadError),
    #[error(transparent)]
    Notebook(#[from] backend::notebooks::NotebookError),
    #[error(transparent)]
    Pipeline(#[from] backend::pipelines::service::PipelineError),
    #[error(transparent)]
    Tuning(#[from] backend::tuning::TuningError),
    #[error(transparent)]
    Training(#[from] backend::training::TrainingError),
    #[error(transparent)]
    Serving(#[from] backend::serving::ServingError),
    #[error("the database is not available")]
    Store(#[from] backend::store::StoreError),
    #[error("the account service failed")]
    Accounts(#[from] backend::local_accounts::AccountError),
    #[error("the session could not be read or written")]
    Session(#[from] tower_sessions::session::Error),
}

impl AppError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::Unauthenticated | AppError::BadToken => {
                (StatusCode::UNAUTHORIZED, "unauthenticated")
            }
            AppError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "invalid"),
            AppError::Profile(e) => refused(e.refusal()),
            AppError::Token(e) => refused(e.refusal()),
            AppError::Workload(e) => refused(e.refusal()),
            AppError::Notebook(e) => refused(e.refusal()),
            AppError::Pipeline(e) => refused(e.refusal()),
            AppError::Tuning(e) => refused(e.refusal()),
            AppError::Training(e) => refused(e.refusal()),
            AppError::Serving(e) => refused(e.refusal()),
            AppError::Store(_) | AppError::Accounts(_) | AppError::Session(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
        }
    }
}

fn refused(refusal: Refusal) -> (StatusCode, &'static str) {
    let status =
        StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, refusal.code())
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        let body = ApiError {
            error: code.to_owned(),
            message: self.to_string(),
        };
        (status, Json(body)).into_response()
    }
}
