//! `/api/v1/profiles/{p}/models`: served models (KServe InferenceServices). POST takes a
//! manifest (YAML or JSON); PUT on a model replaces its spec (a new revision, or new traffic);
//! `promote` and `rollback` move the traffic in one action; `tokens` make and revoke per-model
//! API tokens. A replica's logs are its workload's (`/workloads/{replica}/logs`).

use api::{CreatedModelToken, ModelDetail, ModelSummary, NewModelToken};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;

use super::json_body::JsonBody;
use crate::auth::Authenticated;
use crate::error::AppError;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
) -> Result<Json<Vec<ModelSummary>>, AppError> {
    Ok(Json(state.serving.list(&principal, &profile).await?))
}

pub async fn create(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
    body: String,
) -> Result<Response, AppError> {
    let summary = state.serving.create(&principal, &profile, &body).await?;
    Ok((StatusCode::CREATED, Json(summary)).into_response())
}

pub async fn get(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<ModelDetail>, AppError> {
    Ok(Json(
        state.serving.detail(&principal, &profile, &name).await?,
    ))
}

pub async fn replace(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
    body: String,
) -> Result<Json<ModelSummary>, AppError> {
    Ok(Json(
        state
            .serving
            .replace(&principal, &profile, &name, &body)
            .await?,
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    state.serving.delete(&principal, &profile, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn promote(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<ModelSummary>, AppError> {
    Ok(Json(
        state.serving.promote(&principal, &profile, &name).await?,
    ))
}

pub async fn rollback(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<ModelSummary>, AppError> {
    Ok(Json(
        state.serving.roll_back(&principal, &profile, &name).await?,
    ))
}

pub async fn create_token(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
    JsonBody(new): JsonBody<NewModelToken>,
) -> Result<Response, AppError> {
    let created: CreatedModelToken = state
        .serving
        .create_token(&principal, &profile, &name, &new.label)
        .await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

pub async fn delete_token(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name, id)): Path<(String, String, i64)>,
) -> Result<StatusCode, AppError> {
    state
        .serving
        .delete_token(&principal, &profile, &name, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
