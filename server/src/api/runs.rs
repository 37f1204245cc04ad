//! `/api/v1/profiles/{p}/runs`: start, list (filter, sort, page), read (tasks, graph, outputs,
//! metrics), cancel, retry, archive, restore, delete, and a task's log (tail or followed).

use api::{NewRun, RunDetail, RunListQuery, RunPage, RunView};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event as SseEvent, Sse};
use futures_util::Stream;
use http::StatusCode;
use serde::Deserialize;
use std::convert::Infallible;

use super::json_body::JsonBody;
use super::log_lines::log_lines;
use super::log_stream::log_stream;
use crate::auth::Authenticated;
use crate::error::AppError;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
    Query(query): Query<RunListQuery>,
) -> Result<Json<RunPage>, AppError> {
    Ok(Json(
        state
            .pipelines
            .list_runs(&principal, &profile, &query)
            .await?,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
    JsonBody(new): JsonBody<NewRun>,
) -> Result<(StatusCode, Json<RunView>), AppError> {
    let view = state
        .pipelines
        .create_run(&principal, &profile, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn get(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, id)): Path<(String, i64)>,
) -> Result<Json<RunDetail>, AppError> {
    Ok(Json(
        state.pipelines.run_detail(&principal, &profile, id).await?,
    ))
}

pub async fn cancel(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, id)): Path<(String, i64)>,
) -> Result<Json<RunView>, AppError> {
    Ok(Json(
        state.pipelines.cancel_run(&principal, &profile, id).await?,
    ))
}

pub async fn retry(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, id)): Path<(String, i64)>,
) -> Result<Json<RunView>, AppError> {
    Ok(Json(
        state.pipelines.retry_run(&principal, &profile, id).await?,
    ))
}

pub async fn archive(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, id)): Path<(String, i64)>,
) -> Result<Json<RunView>, AppError> {
    let pipelines = &state.pipelines;
    Ok(Json(
        pipelines
            .archive_run(&principal, &profile, id, true)
            .await?,
    ))
}

pub async fn unarchive(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, id)): Path<(String, i64)>,
) -> Result<Json<RunView>, AppError> {
    let pipelines = &state.pipelines;
    Ok(Json(
        pipelines
            .archive_run(&principal, &profile, id, false)
            .await?,
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, id)): Path<(String, i64)>,
) -> Result<StatusCode, AppError> {
    state.pipelines.delete_run(&principal, &profile, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    /// The task's path in the run (`condition-1/for-loop-3[2]/scale`).
    node: String,
    lines: Option<usize>,
}

/// `GET …/runs/{id}/logs?node=…&lines=200`: the end of a task's log.
pub async fn task_logs(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, id)): Path<(String, i64)>,
    Query(query): Query<LogQuery>,
) -> Result<Json<Vec<String>>, AppError> {
    let lines = log_lines(query.lines);
    Ok(Json(
        state
            .pipelines
            .task_logs(&principal, &profile, id, &query.node, lines)
            .await?,
    ))
}

/// `GET …/runs/{id}/logs/follow?node=…`: the task's log as Server-Sent Events.
pub async fn follow_task_logs(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, id)): Path<(String, i64)>,
    Query(query): Query<FollowQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, AppError> {
    let lines = state
        .pipelines
        .follow_task_logs(&principal, &profile, id, &query.node)
        .await?;
    Ok(log_stream(lines, state.shutdown.clone()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowQuery {
    node: String,
}
