//! `/api/v1/profiles/{p}/jobs`: training jobs (the Kubeflow Training Operator's TFJob and
//! PyTorchJob). POST takes a manifest (YAML or JSON); `suspend` stops the running attempt and
//! frees what it held, `resume` starts a new one; `logs?replica=worker-1` reads a replica of
//! the current attempt.

use api::{JobDetail, JobSummary};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Deserialize;

use super::log_lines::log_lines;
use crate::auth::Authenticated;
use crate::error::AppError;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
) -> Result<Json<Vec<JobSummary>>, AppError> {
    Ok(Json(state.training.list(&principal, &profile).await?))
}

pub async fn create(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
    body: String,
) -> Result<Response, AppError> {
    let detail = state.training.create(&principal, &profile, &body).await?;
    Ok((StatusCode::CREATED, Json(detail)).into_response())
}

pub async fn get(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<JobDetail>, AppError> {
    Ok(Json(
        state.training.detail(&principal, &profile, &name).await?,
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    state.training.delete(&principal, &profile, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn suspend(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<JobDetail>, AppError> {
    Ok(Json(
        state.training.suspend(&principal, &profile, &name).await?,
    ))
}

pub async fn resume(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<JobDetail>, AppError> {
    Ok(Json(
        state.training.resume(&principal, &profile, &name).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct LogQuery {
    /// `worker-1`.
    replica: String,
    lines: Option<usize>,
}

pub async fn logs(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
    Query(query): Query<LogQuery>,
) -> Result<Json<Vec<String>>, AppError> {
    let lines = log_lines(query.lines);
    Ok(Json(
        state
            .training
            .logs(&principal, &profile, &name, &query.replica, lines)
            .await?,
    ))
}
