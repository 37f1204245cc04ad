//! `/api/v1/profiles/{p}/contributors`: who may work in a profile, and with which role.

use api::Contributor;
use axum::Json;
use axum::extract::{Path, State};
use backend::clock::now_ms;
use backend::profiles::{Role, service};
use backend::store::Subject;
use http::StatusCode;

use super::json_body::JsonBody;
use crate::auth::Authenticated;
use crate::error::AppError;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
) -> Result<Json<Vec<Contributor>>, AppError> {
    let rows = service::contributors(&state.store, &principal, &profile).await?;
    Ok(Json(rows.into_iter().map(Contributor::from).collect()))
}

pub async fn add(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
    JsonBody(body): JsonBody<Contributor>,
) -> Result<StatusCode, AppError> {
    let subject = subject_of(&body)?;
    let role = role_of(&body)?;
    service::add_contributor(&state.store, &principal, &profile, &subject, role, now_ms()).await?;
    Ok(StatusCode::CREATED)
}

pub async fn change_role(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
    JsonBody(body): JsonBody<Contributor>,
) -> Result<StatusCode, AppError> {
    let subject = subject_of(&body)?;
    let role = role_of(&body)?;
    service::set_contributor_role(&state.store, &principal, &profile, &subject, role).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn remove(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
    JsonBody(body): JsonBody<Contributor>,
) -> Result<StatusCode, AppError> {
    let subject = subject_of(&body)?;
    service::remove_contributor(&state.store, &principal, &profile, &subject).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Exactly one of `email` and `group`, not blank.
fn subject_of(body: &Contributor) -> Result<Subject, AppError> {
    match (present(&body.email), present(&body.group)) {
        (Some(email), None) => Ok(Subject::User(email.to_owned())),
        (None, Some(group)) => Ok(Subject::Group(group.to_owned())),
        (Some(_), Some(_)) => Err(AppError::BadRequest(
            "give either `email` or `group`, not both".into(),
        )),
        (None, None) => Err(AppError::BadRequest(
            "give the contributor's `email` or a `group`".into(),
        )),
    }
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn role_of(body: &Contributor) -> Result<Role, AppError> {
    let text = body
        .role
        .as_deref()
        .ok_or_else(|| AppError::BadRequest("give a `role`: admin, edit or view".into()))?;
    Role::parse(text).ok_or_else(|| {
        AppError::BadRequest(format!(
            "`{text}` is not a role: use owner, admin, edit or view"
        ))
    })
}
