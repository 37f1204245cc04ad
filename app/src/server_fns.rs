//! Server functions: thin, named endpoints (`/fn/<name>`) that take the signed-in principal
//! from the request, call the backend and answer DTOs from `api`.

use api::WhoAmI;
use leptos::prelude::*;

/// Who is signed in; `None` when nobody is.
#[server(prefix = "/fn", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<WhoAmI>, ServerFnError> {
    Ok(current_principal().map(|p| p.whoami()))
}

/// The principal that the server's sign-in middleware put on this request.
#[cfg(feature = "ssr")]
pub fn current_principal() -> Option<backend::authz::Principal> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<backend::authz::Principal>().cloned())
}
