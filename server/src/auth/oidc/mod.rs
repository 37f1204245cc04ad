//! Single sign-on through the organisation's OpenID Connect provider: `GET /auth/login`
//! sends the browser to the provider, `GET /auth/callback` brings it back signed in.

mod client;
mod identity;
mod provider;

use api::EventKind;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use backend::authz::{AuthMethod, Principal};
use backend::clock::now_ms;
use http::StatusCode;
use serde::Deserialize;
use tower_sessions::Session;

pub use identity::Identity;
pub use provider::{OidcError, OidcProvider, PendingLogin, ProviderTokens};

use super::local::{publish, safe_next};
use super::session_user::{SESSION_USER_KEY, SessionUser};
use crate::error::AppError;
use crate::state::AppState;

/// Where a sign-in in progress waits for the callback.
const PENDING_KEY: &str = "oidc_pending";

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// `GET /auth/login`: to the provider, with state, nonce and a PKCE challenge that only this
/// browser's session knows.
pub async fn login(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<LoginQuery>,
) -> Result<Response, AppError> {
    let Some(provider) = &state.oidc else {
        return Ok(Redirect::to("/login?error=no_provider").into_response());
    };
    let (url, pending) = provider.start_login(safe_next(query.next.as_deref()));
    session.insert(PENDING_KEY, pending).await?;
    Ok(Redirect::to(&url).into_response())
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /auth/callback`: checks the state against the session's, trades the code, verifies
/// the ID token, and signs the user in with a new session id.
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, AppError> {
    let Some(provider) = &state.oidc else {
        return Ok(Redirect::to("/login?error=no_provider").into_response());
    };
    // Taken out at once: a code or state cannot be used twice with this session.
    let pending: Option<PendingLogin> = session.remove(PENDING_KEY).await?;
    if let Some(error) = query.error {
        let detail = query.error_description.unwrap_or_default();
        tracing::warn!(%error, %detail, "the provider refused the sign-in");
        return Ok(failure(
            StatusCode::BAD_REQUEST,
            &format!("The provider refused the sign-in: {error} {detail}"),
        ));
    }
    let Some(pending) = pending else {
        tracing::warn!("sign-in callback without a sign-in in progress (replayed or stale)");
        return Ok(failure(
            StatusCode::BAD_REQUEST,
            "No sign-in is in progress in this browser (the link was used already, or it expired).",
        ));
    };
    let state_matches = query
        .state
        .as_deref()
        .is_some_and(|s| backend::tokens::constant_time_eq(s, &pending.state));
    let Some(code) = query.code.filter(|_| state_matches) else {
        tracing::warn!("sign-in callback with a wrong state or no code");
        return Ok(failure(
            StatusCode::BAD_REQUEST,
            "This sign-in answer does not belong to the sign-in this browser started.",
        ));
    };
    let (identity, tokens) = match provider.finish_login(code, &pending).await {
        Ok(done) => done,
        Err(e) => {
            tracing::warn!(error = %e, issuer = provider.issuer(), "sign-in refused");
            let status = match e {
                OidcError::Exchange(_) | OidcError::UserInfo(_) => StatusCode::BAD_GATEWAY,
                _ => StatusCode::BAD_REQUEST,
            };
            return Ok(failure(status, &format!("Sign-in failed: {e}")));
        }
    };
    let principal = Principal::external(
        &identity.user,
        identity.groups,
        AuthMethod::Oidc,
        &state.admins,
    );
    super::registration::after_sign_in(&state, &principal).await;
    session.cycle_id().await?;
    let mut user = SessionUser::new(&principal, now_ms());
    user.provider_tokens = Some(tokens);
    session.insert(SESSION_USER_KEY, user).await?;
    tracing::info!(user = %principal.user, "signed in through the provider");
    publish(&state, &principal, EventKind::SignedIn);
    Ok(Redirect::to(&pending.next).into_response())
}

/// A plain page that says what failed and offers to try again.
fn failure(status: StatusCode, message: &str) -> Response {
    let escaped = super::escape_html(message);
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign-in failed</title></head>\
         <body><main><h1>Sign-in failed</h1><p role=\"alert\">{escaped}</p>\
         <p><a href=\"/login\">Back to sign-in</a></p></main></body></html>"
    );
    (status, Html(page)).into_response()
}
