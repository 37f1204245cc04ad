use api::{Event, EventKind};
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use backend::authz::Principal;
use backend::clock::now_ms;
use backend::local_accounts;
use serde::Deserialize;
use tower_sessions::Session;

use super::session_user::{SESSION_USER_KEY, SessionUser};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /auth/local`: the built-in admin's password sign-in. Answers with a redirect either
/// way, so that the plain HTML form works without JavaScript.
pub async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<SignInForm>,
) -> Result<Response, AppError> {
    let next = safe_next(form.next.as_deref());
    if !state.config.local_admin {
        return Ok(Redirect::to("/login?error=disabled").into_response());
    }
    let Some(principal) =
        local_accounts::sign_in(&state.store, &form.username, &form.password).await?
    else {
        tracing::warn!(username = %form.username, "password sign-in refused");
        return Ok(Redirect::to(&format!(
            "/login?error=invalid&next={}",
            api::encode_query_value(next)
        ))
        .into_response());
    };
    // A new id at sign-in: a session id planted before sign-in is worth nothing after it.
    session.cycle_id().await?;
    session
        .insert(SESSION_USER_KEY, SessionUser::new(&principal, now_ms()))
        .await?;
    tracing::info!(user = %principal.user, "signed in with a password");
    publish(&state, &principal, EventKind::SignedIn);
    Ok(Redirect::to(next).into_response())
}

/// `POST /auth/logout`: deletes the session server-side and clears the cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, AppError> {
    let user = session.get::<SessionUser>(SESSION_USER_KEY).await?;
    session.flush().await?;
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    if let Some(principal) = user.principal(&state.admins) {
        tracing::info!(user = %principal.user, "signed out");
        publish(&state, &principal, EventKind::SignedOut);
    }
    // Signed in through a provider that can end its own session: end that one too, or the
    // next sign-in would pass straight through.
    let provider_logout = user
        .provider_tokens
        .as_ref()
        .zip(state.oidc.as_ref())
        .and_then(|(tokens, provider)| provider.logout_url(&tokens.id_token));
    match provider_logout {
        Some(url) => Ok(leave_for(&url)),
        None => Ok(Redirect::to("/login").into_response()),
    }
}

/// A page that moves on to the provider's logout. Not a redirect: the browser would judge a
/// redirect of the sign-out form against the page's `form-action 'self'` and stop it.
fn leave_for(url: &str) -> Response {
    let url = super::escape_html(url);
    axum::response::Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"0;url={url}\"><title>Signing out</title></head>\
         <body><main><p>Signing you out of your organisation's sign-in too… \
         <a href=\"{url}\">continue</a></p></main></body></html>"
    ))
    .into_response()
}

pub(super) fn publish(state: &AppState, principal: &Principal, kind: EventKind) {
    state.events.publish(Event {
        kind,
        profile: None,
        user: Some(principal.user.clone()),
        at_ms: now_ms(),
        data: serde_json::Value::Null,
    });
}

/// Only a path on this site: `//evil.example` or `https://…` would make the sign-in page an
/// open redirect.
pub(super) fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(char::is_control) =>
        {
            path
        }
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/runs?ns=a")), "/runs?ns=a");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "evil",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
