//! `/api/v1/profiles/{p}/experiments`: groups of runs (Kubeflow Pipelines' experiments) and
//! tuning experiments (Katib's), which share the profile's experiment names. A POST whose body
//! is a Katib `Experiment` manifest (YAML, or JSON with `apiVersion`) creates a tuning
//! experiment; `{"name", "description"}` a group of runs. Tuning ones have `stop`, `resume`
//! and `trials` below them.

use api::{ExperimentView, NewExperiment, TrialMetrics, TrialView};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use serde::Deserialize;

use super::log_lines::log_lines;
use crate::auth::Authenticated;
use crate::error::AppError;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
) -> Result<Json<Vec<ExperimentView>>, AppError> {
    let mut views = state
        .pipelines
        .list_experiments(&principal, &profile)
        .await?;
    state.tuning.annotate(&profile, &mut views).await?;
    Ok(Json(views))
}

/// Whether a POST body is a Katib manifest rather than a group of runs' name.
fn is_manifest(headers: &HeaderMap, body: &str) -> bool {
    let yaml = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("yaml"));
    yaml || serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .is_some_and(|v| v.get("apiVersion").is_some() || v.get("kind").is_some())
}

pub async fn create(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Result<Response, AppError> {
    if is_manifest(&headers, &body) {
        let detail = state.tuning.create(&principal, &profile, &body).await?;
        return Ok((StatusCode::CREATED, Json(detail)).into_response());
    }
    let new: NewExperiment = serde_json::from_str(&body).map_err(|e| {
        AppError::BadRequest(format!(
            "the request body is neither {{\"name\", \"description\"}} nor a Katib Experiment \
             manifest: {e}"
        ))
    })?;
    let view = state
        .pipelines
        .create_experiment(&principal, &profile, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// A tuning experiment's detail with its trials, or a group of runs' view.
pub async fn get(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Response, AppError> {
    if state.tuning.is_tuning(&principal, &profile, &name).await? {
        let detail = state.tuning.detail(&principal, &profile, &name).await?;
        return Ok(Json(detail).into_response());
    }
    let view = state
        .pipelines
        .list_experiments(&principal, &profile)
        .await?
        .into_iter()
        .find(|e| e.name == name)
        .ok_or(AppError::NotFound)?;
    Ok(Json(view).into_response())
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

/// Deletes either kind; a tuning experiment's trials and their workloads go with it.
pub async fn delete(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    if state.tuning.is_tuning(&principal, &profile, &name).await? {
        state.tuning.delete(&principal, &profile, &name).await?;
    } else {
        state
            .pipelines
            .delete_experiment(&principal, &profile, &name)
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn stop(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<api::TuningDetail>, AppError> {
    Ok(Json(state.tuning.stop(&principal, &profile, &name).await?))
}

pub async fn resume(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<api::TuningDetail>, AppError> {
    Ok(Json(
        state.tuning.resume(&principal, &profile, &name).await?,
    ))
}

pub async fn trials(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<Vec<TrialView>>, AppError> {
    let detail = state.tuning.detail(&principal, &profile, &name).await?;
    Ok(Json(detail.trials))
}

pub async fn trial_metrics(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name, trial)): Path<(String, String, String)>,
) -> Result<Json<TrialMetrics>, AppError> {
    Ok(Json(
        state
            .tuning
            .trial_metrics(&principal, &profile, &name, &trial)
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct LinesQuery {
    lines: Option<usize>,
}

/// `GET …/trials/{trial}/logs?lines=200`: the end of a trial's output.
pub async fn trial_logs(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name, trial)): Path<(String, String, String)>,
    Query(query): Query<LinesQuery>,
) -> Result<Json<Vec<String>>, AppError> {
    let lines = log_lines(query.lines);
    Ok(Json(
        state
            .tuning
            .trial_logs(&principal, &profile, &name, &trial, lines)
            .await?,
    ))
}
