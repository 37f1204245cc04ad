//! `/api/v1/profiles/{p}/notebooks`: create, list, read (with events and the spec as YAML),
//! start, stop, delete, logs; `/api/v1/notebooks/options` (what the spawner form offers) and
//! `/api/v1/notebooks/import` (a Kubeflow Notebook manifest into a spec).

use api::{NotebookDetail, NotebookImport, NotebookOptions, NotebookSpec, NotebookView};
use axum::Json;
use axum::extract::{Path, Query, State};
use http::StatusCode;
use serde::Deserialize;

use super::json_body::JsonBody;
use super::log_lines::log_lines;
use crate::auth::Authenticated;
use crate::error::AppError;
use crate::state::AppState;

pub async fn options(
    State(state): State<AppState>,
    Authenticated(_): Authenticated,
) -> Json<NotebookOptions> {
    Json(state.notebooks.options())
}

pub async fn import(
    State(state): State<AppState>,
    Authenticated(_): Authenticated,
    JsonBody(body): JsonBody<NotebookImport>,
) -> Result<Json<NotebookSpec>, AppError> {
    Ok(Json(state.notebooks.import(&body.manifest)?))
}

pub async fn list(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
) -> Result<Json<Vec<NotebookView>>, AppError> {
    Ok(Json(state.notebooks.list(&principal, &profile).await?))
}

pub async fn create(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
    JsonBody(spec): JsonBody<NotebookSpec>,
) -> Result<(StatusCode, Json<NotebookView>), AppError> {
    let view = state.notebooks.create(&principal, &profile, &spec).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn get(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<NotebookDetail>, AppError> {
    Ok(Json(
        state.notebooks.detail(&principal, &profile, &name).await?,
    ))
}

pub async fn start(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<NotebookView>, AppError> {
    Ok(Json(
        state.notebooks.start(&principal, &profile, &name).await?,
    ))
}

pub async fn stop(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<NotebookView>, AppError> {
    Ok(Json(
        state.notebooks.stop(&principal, &profile, &name).await?,
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    state.notebooks.delete(&principal, &profile, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    lines: Option<usize>,
}

/// `GET …/notebooks/{n}/logs?lines=200`: what JupyterLab printed last.
pub async fn logs(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
    Query(query): Query<LogQuery>,
) -> Result<Json<Vec<String>>, AppError> {
    let lines = log_lines(query.lines);
    Ok(Json(
        state
            .notebooks
            .logs(&principal, &profile, &name, lines)
            .await?,
    ))
}
