//! `/api/v1/profiles/{p}/workloads`: submit, list, read (with events), stop, delete, logs.

use std::convert::Infallible;

use api::{WorkloadDetail, WorkloadEvent, WorkloadSpec, WorkloadStatus};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event as SseEvent, Sse};
use futures_util::Stream;
use http::StatusCode;
use serde::Deserialize;

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
) -> Result<Json<Vec<WorkloadStatus>>, AppError> {
    let rows = state.engine.list(&principal, &profile).await?;
    Ok(Json(rows.into_iter().map(WorkloadStatus::from).collect()))
}

pub async fn submit(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
    JsonBody(spec): JsonBody<WorkloadSpec>,
) -> Result<(StatusCode, Json<WorkloadStatus>), AppError> {
    let row = state.engine.submit(&principal, &profile, &spec).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

pub async fn get(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<WorkloadDetail>, AppError> {
    let (row, events) = state.engine.get(&principal, &profile, &name).await?;
    Ok(Json(WorkloadDetail {
        status: row.into(),
        events: events.into_iter().map(WorkloadEvent::from).collect(),
    }))
}

pub async fn stop(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<WorkloadStatus>, AppError> {
    let row = state.engine.stop(&principal, &profile, &name).await?;
    Ok(Json(row.into()))
}

pub async fn delete(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    state.engine.delete(&principal, &profile, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    group: String,
    #[serde(default)]
    replica: u32,
    lines: Option<usize>,
}

/// `GET …/workloads/{w}/logs?group=worker&replica=0&lines=200`: the replica's last lines.
pub async fn logs(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
    Query(query): Query<LogQuery>,
) -> Result<Json<Vec<String>>, AppError> {
    let lines = log_lines(query.lines);
    let tail = state
        .engine
        .logs(
            &principal,
            &profile,
            &name,
            &query.group,
            query.replica,
            lines,
        )
        .await?;
    Ok(Json(tail))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowQuery {
    group: String,
    #[serde(default)]
    replica: u32,
}

/// `GET …/workloads/{w}/logs/follow?group=worker&replica=0`: Server-Sent Events, one `data:`
/// line per line the replica prints from now on; the stream ends with the replica's log or
/// when the server shuts down.
pub async fn follow_logs(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
    Query(query): Query<FollowQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, AppError> {
    let lines = state
        .engine
        .follow_logs(&principal, &profile, &name, &query.group, query.replica)
        .await?;
    Ok(log_stream(lines, state.shutdown.clone()))
}
