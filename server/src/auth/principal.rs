use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use backend::authz::Principal;
use backend::clock::now_ms;
use http::request::Parts;
use tower_sessions::Session;

use super::session_user::{SESSION_USER_KEY, SessionUser};
use crate::error::AppError;
use crate::state::AppState;

/// How often a session's idle clock is written back: often enough for idle expiry measured in
/// minutes, rarely enough that reading a page costs no database write.
const TOUCH_INTERVAL_MS: i64 = 60_000;

/// Puts the session's principal, if any, into the request's extensions, where handlers, pages
/// and server functions find it. Ends sessions that have outlived the absolute limit.
pub async fn attach_principal(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    match session.get::<SessionUser>(SESSION_USER_KEY).await {
        Ok(Some(mut user)) => {
            let now = now_ms();
            let max_ms = i64::try_from(state.config.session_max_hours)
                .unwrap_or(i64::MAX)
                .saturating_mul(3_600_000);
            if now.saturating_sub(user.signed_in_at_ms) > max_ms {
                tracing::info!(user = %user.user, "session reached its absolute limit");
                if let Err(e) = session.flush().await {
                    tracing::warn!(error = %e, "could not end an expired session");
                }
            } else if let Some(principal) = user.principal() {
                if now - user.last_seen_ms > TOUCH_INTERVAL_MS {
                    user.last_seen_ms = now;
                    if let Err(e) = session.insert(SESSION_USER_KEY, &user).await {
                        tracing::warn!(error = %e, "could not refresh a session");
                    }
                }
                request.extensions_mut().insert(principal);
            }
        }
        Ok(None) => {}
        // A database that does not answer must not sign anyone in; the page says why.
        Err(e) => tracing::warn!(error = %e, "could not load the session"),
    }
    next.run(request).await
}

/// Paths that anyone may reach: sign-in, static files, health and metrics. The REST API and
/// server functions answer 401 themselves rather than redirecting.
fn is_public_or_api(path: &str) -> bool {
    const PREFIXES: &[&str] = &["/login", "/auth/", "/pkg/", "/api/", "/fn/"];
    const EXACT: &[&str] = &["/healthz", "/readyz", "/metrics", "/favicon.ico"];
    EXACT.contains(&path) || PREFIXES.iter().any(|p| path.starts_with(p))
}

/// Sends visitors who are not signed in from a dashboard page to the sign-in page, and back
/// to where they were going afterwards.
pub async fn require_sign_in_for_pages(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if is_public_or_api(path) || request.extensions().get::<Principal>().is_some() {
        return next.run(request).await;
    }
    let target = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    let login = format!("/login?next={}", api::encode_query_value(target));
    Redirect::to(&login).into_response()
}

/// The signed-in principal, for REST handlers: refuses with 401 and a JSON error otherwise.
pub struct Authenticated(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Authenticated)
            .ok_or(AppError::Unauthenticated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_need_sign_in_but_the_api_answers_for_itself() {
        for path in ["/", "/notebooks", "/settings", "/anything"] {
            assert!(!is_public_or_api(path), "{path}");
        }
        for path in [
            "/login",
            "/auth/local",
            "/pkg/capstan.wasm",
            "/api/v1/whoami",
            "/healthz",
        ] {
            assert!(is_public_or_api(path), "{path}");
        }
    }
}
