//! `/api/v1/profiles/{p}/recurring-runs`: create, list, read, enable, disable, delete.

use api::{RecurringRunSpec, RecurringRunView};
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
) -> Result<Json<Vec<RecurringRunView>>, AppError> {
    Ok(Json(
        state
            .pipelines
            .list_recurring_runs(&principal, &profile)
            .await?,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
    JsonBody(spec): JsonBody<RecurringRunSpec>,
) -> Result<(StatusCode, Json<RecurringRunView>), AppError> {
    let view = state
        .pipelines
        .create_recurring_run(&principal, &profile, &spec)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn get(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<RecurringRunView>, AppError> {
    Ok(Json(
        state
            .pipelines
            .get_recurring_run(&principal, &profile, &name)
            .await?,
    ))
}

pub async fn enable(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<RecurringRunView>, AppError> {
    let pipelines = &state.pipelines;
    Ok(Json(
        pipelines
            .enable_recurring_run(&principal, &profile, &name, true)
            .await?,
    ))
}

pub async fn disable(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<RecurringRunView>, AppError> {
    let pipelines = &state.pipelines;
    Ok(Json(
        pipelines
            .enable_recurring_run(&principal, &profile, &name, false)
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
        .delete_recurring_run(&principal, &profile, &name)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
