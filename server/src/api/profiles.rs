//! `/api/v1/profiles`: list, create, read, change quotas, delete; and a profile's audit log.

use api::{AuditEntry, NewProfile, ProfileDetail, ProfilePatch, ProfileSummary, Quota};
use axum::Json;
use axum::extract::{Path, Query, State};
use backend::clock::now_ms;
use backend::profiles::service;
use backend::store::{self, Subject};
use http::StatusCode;
use serde::Deserialize;

use super::json_body::JsonBody;
use crate::auth::Authenticated;
use crate::error::AppError;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
) -> Result<Json<Vec<ProfileSummary>>, AppError> {
    Ok(Json(
        service::profile_summaries(&state.store, &principal).await?,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    JsonBody(body): JsonBody<NewProfile>,
) -> Result<(StatusCode, Json<ProfileDetail>), AppError> {
    let owner = match body.owner.as_deref().map(str::trim) {
        Some("") => return Err(AppError::BadRequest("`owner` must not be empty".into())),
        Some(owner) => owner.to_owned(),
        None => principal.user.clone(),
    };
    service::create_profile(
        &state.store,
        &principal,
        &body.name,
        &Subject::User(owner),
        &store::Quota::from(&body.quota),
        now_ms(),
    )
    .await?;
    let detail = detail(&state, &principal, &body.name).await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

pub async fn get(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
) -> Result<Json<ProfileDetail>, AppError> {
    Ok(Json(detail(&state, &principal, &profile).await?))
}

pub async fn patch(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
    JsonBody(body): JsonBody<ProfilePatch>,
) -> Result<Json<ProfileDetail>, AppError> {
    service::set_quota(
        &state.store,
        &principal,
        &profile,
        &store::Quota::from(&body.quota),
    )
    .await?;
    Ok(Json(detail(&state, &principal, &profile).await?))
}

#[derive(Deserialize)]
pub struct DeleteQuery {
    #[serde(default)]
    cascade: bool,
}

pub async fn delete(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
    Query(query): Query<DeleteQuery>,
) -> Result<StatusCode, AppError> {
    state
        .engine
        .delete_profile(&principal, &profile, query.cascade)
        .await?;
    state.notebooks.forget_profile(&profile);
    Ok(StatusCode::NO_CONTENT)
}

pub async fn audit(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
) -> Result<Json<Vec<AuditEntry>>, AppError> {
    let entries = backend::audit::read(&state.store, &principal, &profile).await?;
    Ok(Json(entries.into_iter().map(AuditEntry::from).collect()))
}

async fn detail(
    state: &AppState,
    principal: &backend::authz::Principal,
    profile: &str,
) -> Result<ProfileDetail, AppError> {
    let (row, role) = service::get_profile(&state.store, principal, profile).await?;
    Ok(ProfileDetail {
        name: row.name,
        role: role.as_str().to_owned(),
        quota: Quota::from(&row.quota),
        usage: state.engine.usage(profile).await?,
        created_at_ms: row.created_at_ms,
    })
}
