//! Puts the profiles the signed-in user may switch to on each page request, so that the
//! frame's profile selector renders at once: one indexed query here instead of a resource
//! that the page would await (and serialise) on every render.

use api::ProfileChoices;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use backend::authz::Principal;

use crate::state::AppState;

pub async fn attach(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let is_page =
        request.method() == http::Method::GET && !request.uri().path().starts_with("/fn/");
    let principal = request.extensions().get::<Principal>().cloned();
    if let (true, Some(principal)) = (is_page, principal) {
        match backend::profiles::service::profile_summaries(&state.store, &principal).await {
            Ok(choices) => {
                request.extensions_mut().insert(ProfileChoices(choices));
            }
            // The page still renders; the selector says there is nothing to choose.
            Err(e) => tracing::warn!(error = %e, "could not list the user's profiles"),
        }
    }
    next.run(request).await
}
