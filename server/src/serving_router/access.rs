//! Who may call a model: the holder of one of its tokens (`Authorization: Bearer cmt_…`), or a
//! member of its profile (a session or a personal token, then a role check).

use axum::extract::{Path, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backend::authz::Principal;
use backend::serving::tokens;
use http::StatusCode;

use super::forward;
use crate::auth::bearer_token;
use crate::error::AppError;
use crate::state::AppState;

/// Outermost: a request with a model token is checked and sent on here, skipping sessions.
pub async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(token) = bearer_token(request.headers()).filter(|t| tokens::is_model_token(t)) else {
        return next.run(request).await;
    };
    let Some((profile, name)) = model_of(request.uri().path()) else {
        return next.run(request).await;
    };
    let routes = state.serving.routes();
    // The token first: without a valid one, nothing is told about which models exist.
    let Some(opens) = routes.token_service(&tokens::hash(token)) else {
        return forward::refuse(
            StatusCode::UNAUTHORIZED,
            "the model token is not valid (revoked, or mistyped)",
        );
    };
    match routes.service(profile, name) {
        Some(route) if route.service_id == opens => {
            let (profile, name) = (profile.to_owned(), name.to_owned());
            forward::send(&state, &profile, &name, request).await
        }
        _ => forward::refuse(StatusCode::FORBIDDEN, "this token is for another model"),
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

/// `/serving/{profile}/{name}/…` → (profile, name).
fn model_of(path: &str) -> Option<(&str, &str)> {
    let mut parts = path.strip_prefix("/serving/")?.splitn(3, '/');
    let profile = parts.next().filter(|p| !p.is_empty())?;
    let name = parts.next().filter(|n| !n.is_empty())?;
    Some((profile, name))
}
