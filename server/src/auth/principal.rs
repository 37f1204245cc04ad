use api::SignInOptions;
use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use backend::authz::Principal;
use backend::clock::now_ms;
use backend::tokens;
use http::HeaderMap;
use http::request::Parts;
use tower_sessions::Session;

use super::oidc::OidcError;
use super::session_user::{SESSION_USER_KEY, SessionUser};
use super::trusted_header;
use crate::error::AppError;
use crate::state::AppState;

/// How often a session's idle clock is written back: often enough for idle expiry measured in
/// minutes, rarely enough that reading a page costs no database write.
const TOUCH_INTERVAL_MS: i64 = 60_000;
/// A provider sign-in is refreshed this long before its access token expires.
const REFRESH_MARGIN_MS: i64 = 60_000;

/// Puts the principal, if any, into the request's extensions, where handlers, pages and
/// server functions find it. In order: an API token (`Authorization: Bearer`), a trusted
/// proxy's user header, the session. A bearer token that is not valid is refused at once
/// rather than ignored: a script should learn that its token is wrong.
pub async fn attach_principal(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    request.extensions_mut().insert(SignInOptions {
        provider: state.oidc.is_some(),
        local_admin: state.config.local_admin,
    });
    let principal = match bearer_token(request.headers()) {
        Some(token) => {
            match tokens::authenticate(&state.store, token, &state.admins, now_ms()).await {
                Ok(Some(principal)) => Some(principal),
                Ok(None) => return AppError::BadToken.into_response(),
                Err(e) => return AppError::from(e).into_response(),
            }
        }
        None => match trusted_header::principal(&state, &request) {
            Some(principal) => {
                trusted_header::first_sight(&state, &principal).await;
                Some(principal)
            }
            None => session_principal(&state, &session).await,
        },
    };
    if let Some(principal) = principal {
        request.extensions_mut().insert(principal);
    }
    next.run(request).await
}

/// `Authorization: Bearer <token>`, if the request carries one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The session's principal. Ends sessions that have outlived the absolute limit, and those
/// whose provider sign-in can no longer be refreshed.
async fn session_principal(state: &AppState, session: &Session) -> Option<Principal> {
    let mut user = match session.get::<SessionUser>(SESSION_USER_KEY).await {
        Ok(Some(user)) => user,
        Ok(None) => return None,
        // A database that does not answer must not sign anyone in; the page says why.
        Err(e) => {
            tracing::warn!(error = %e, "could not load the session");
            return None;
        }
    };
    let now = now_ms();
    let max_ms = i64::try_from(state.config.session_max_hours)
        .unwrap_or(i64::MAX)
        .saturating_mul(3_600_000);
    if now.saturating_sub(user.signed_in_at_ms) > max_ms {
        tracing::info!(user = %user.user, "session reached its absolute limit");
        end_session(session).await;
        return None;
    }
    let mut changed = false;
    if let Some(tokens) = &user.provider_tokens
        && tokens
            .expires_at_ms
            .is_some_and(|end| now > end - REFRESH_MARGIN_MS)
    {
        let refreshed = match &state.oidc {
            Some(provider) => provider.refresh(tokens).await,
            None => Err(OidcError::Refresh(
                "no provider is configured now".to_owned(),
            )),
        };
        match refreshed {
            Ok(fresh) => {
                user.provider_tokens = Some(fresh);
                changed = true;
            }
            Err(e) => {
                tracing::info!(user = %user.user, error = %e, "provider sign-in ended");
                end_session(session).await;
                return None;
            }
        }
    }
    let principal = user.principal(&state.admins)?;
    if changed || now - user.last_seen_ms > TOUCH_INTERVAL_MS {
        user.last_seen_ms = now;
        if let Err(e) = session.insert(SESSION_USER_KEY, &user).await {
            tracing::warn!(error = %e, "could not refresh a session");
        }
    }
    Some(principal)
}

async fn end_session(session: &Session) {
    if let Err(e) = session.flush().await {
        tracing::warn!(error = %e, "could not end a session");
    }
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
