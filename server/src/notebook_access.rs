//! `/notebook/{profile}/{name}/…`: who may open a notebook, then the proxy. Only users with
//! a role in the profile (and cluster admins) get through, for HTTP and WebSocket alike; a
//! WebSocket upgrade must also come from Capstan's own origin, because Jupyter skips its own
//! Origin check for the token-authenticated requests the proxy sends.

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use backend::authz::Principal;
use backend::notebooks::NotebookError;
use backend::profiles::ProfileError;
use http::StatusCode;
use http::header::RETRY_AFTER;

use crate::notebook_proxy::{self, is_upgrade, same_origin_upgrade};
use crate::state::AppState;

pub const PREFIX: &str = "/notebook/";

pub async fn proxy(State(state): State<AppState>, request: Request) -> Response {
    let Some((profile, name)) = notebook_of(request.uri().path()) else {
        return refuse(StatusCode::NOT_FOUND, "there is no such notebook path");
    };
    let (profile, name) = (profile.to_owned(), name.to_owned());
    let Some(principal) = request.extensions().get::<Principal>().cloned() else {
        return refuse(StatusCode::UNAUTHORIZED, "sign in first");
    };
    if is_upgrade(request.headers())
        && !same_origin_upgrade(request.headers(), &state.config.public_url())
    {
        return refuse(
            StatusCode::FORBIDDEN,
            "a WebSocket to a notebook must come from Capstan's own pages",
        );
    }
    match state.notebooks.upstream(&principal, &profile, &name).await {
        Ok(upstream) => notebook_proxy::forward(&state.notebook_proxy, &upstream, request).await,
        Err(e) => refusal(&e, &profile, &name),
    }
}

/// `(profile, name)` of `/notebook/{profile}/{name}[/…]`.
fn notebook_of(path: &str) -> Option<(&str, &str)> {
    let mut parts = path.strip_prefix(PREFIX)?.splitn(3, '/');
    let profile = parts.next().filter(|p| !p.is_empty())?;
    let name = parts.next().filter(|n| !n.is_empty())?;
    Some((profile, name))
}

fn refusal(e: &NotebookError, profile: &str, name: &str) -> Response {
    match e {
        // Not a member: the profile's existence is no secret here, the path names it.
        NotebookError::Profile(ProfileError::NotFound(_) | ProfileError::Forbidden { .. }) => {
            refuse(
                StatusCode::FORBIDDEN,
                &format!("you have no role in profile `{profile}`"),
            )
        }
        NotebookError::NotReady(_) => {
            let mut response = refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!(
                    "notebook `{name}` is starting; this page can be reloaded in a few seconds"
                ),
            );
            response
                .headers_mut()
                .insert(RETRY_AFTER, http::HeaderValue::from_static("2"));
            response
        }
        NotebookError::NotRunning(_) => refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("notebook `{name}` is not running; start it on the Notebooks page"),
        ),
        NotebookError::NotFound(..) => refuse(
            StatusCode::NOT_FOUND,
            &format!("there is no notebook `{name}` in profile `{profile}`"),
        ),
        other => {
            tracing::warn!(error = %other, "notebook proxy refused");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the notebook cannot be reached now",
            )
        }
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, message.to_owned()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_profile_and_name_from_the_path() {
        assert_eq!(notebook_of("/notebook/team/nb1/lab"), Some(("team", "nb1")));
        assert_eq!(notebook_of("/notebook/team/nb1"), Some(("team", "nb1")));
        assert_eq!(notebook_of("/notebook/team/"), None);
        assert_eq!(notebook_of("/notebooks/team/nb1"), None);
    }
}
