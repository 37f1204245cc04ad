//! Who may call a model: the holder of one of its tokens (`Authorization: Bearer cmt_…`), or a
//! member of its profile (a session or a personal token, then a role check).

use axum::extract::{Path, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backend::authz::Principal;
use backend::serving::tokens;
use http::StatusCode;

use super::forward;
use crate::error::AppError;
use crate::state::AppState;

/// Outermost: a request with a model token is checked and sent on here, skipping sessions.
pub async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(token) = bearer(&request).filter(|t| tokens::is_model_token(t)) else {
        return next.run(request).await;
    };
    let Some((profile, name)) = model_of(request.uri().path()) else {
        return next.run(request).await;
    };
    let routes = state.serving.routes();
    let opens = routes.token_service(&tokens::hash(token));
    let Some(route) = routes.service(&profile, &name) else {
        return forward::refuse(
            StatusCode::NOT_FOUND,
            &format!("there is no model `{name}` in profile `{profile}`"),
        );
    };
    match opens {
        Some(id) if id == route.service_id => forward::send(&state, &profile, &name, request).await,
        Some(_) => forward::refuse(StatusCode::FORBIDDEN, "this token is for another model"),
        None => forward::refuse(
            StatusCode::UNAUTHORIZED,
            "the model token is not valid (revoked, or mistyped)",
        ),
    }
}

/// A signed-in caller: a role in the profile opens its models.
pub async fn member(
    State(state): State<AppState>,
    Path((profile, name, _rest)): Path<(String, String, String)>,
    principal: Option<axum::Extension<Principal>>,
    request: Request,
) -> Response {
    let Some(axum::Extension(principal)) = principal else {
        return AppError::Unauthenticated.into_response();
    };
    if let Err(e) = state.serving.may_call(&principal, &profile).await {
        return AppError::from(e).into_response();
    }
    forward::send(&state, &profile, &name, request).await
}

fn bearer(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// `/serving/{profile}/{name}/…` → (profile, name).
pub(super) fn model_of(path: &str) -> Option<(String, String)> {
    let mut parts = path.strip_prefix("/serving/")?.splitn(3, '/');
    let profile = parts.next().filter(|p| !p.is_empty())?;
    let name = parts.next().filter(|n| !n.is_empty())?;
    Some((profile.to_owned(), name.to_owned()))
}
