//! `/api/v1/profiles/{p}/experiments`: create, list, archive, restore, delete.

use api::{ExperimentView, NewExperiment};
use axum::Json;
use axum::extract::{Path, State};
use http::StatusCode;

use super::json_body::JsonBody;
use crate::auth::Authenticated;
use crate::error::AppError;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
) -> Result<Json<Vec<ExperimentView>>, AppError> {
    Ok(Json(
        state
            .pipelines
            .list_experiments(&principal, &profile)
            .await?,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
    JsonBody(new): JsonBody<NewExperiment>,
) -> Result<(StatusCode, Json<ExperimentView>), AppError> {
    let view = state
        .pipelines
        .create_experiment(&principal, &profile, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn archive(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<ExperimentView>, AppError> {
    let pipelines = &state.pipelines;
    Ok(Json(
        pipelines
            .archive_experiment(&principal, &profile, &name, true)
            .await?,
    ))
}

pub async fn unarchive(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<ExperimentView>, AppError> {
    let pipelines = &state.pipelines;
    Ok(Json(
        pipelines
            .archive_experiment(&principal, &profile, &name, false)
            .await?,
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    state
        .pipelines
        .delete_experiment(&principal, &profile, &name)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
