//! What pages learn from the server. Server functions stay thin: principal -> backend -> DTO;
//! name their endpoints (`#[server(prefix = "/fn", endpoint = "…")]`) so that scripts and
//! tests can call them.

use api::WhoAmI;

/// Who is signed in, for the page being rendered; `None` when nobody is. On the server it
/// comes from the request (the sign-in middleware put the principal there); in the browser
/// it is read back from the page (see `SharedValue`), so this runs on the server only.
pub fn signed_in_user() -> Option<WhoAmI> {
    #[cfg(feature = "ssr")]
    {
        current_principal().map(|p| p.whoami())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// The principal that the server's sign-in middleware put on this request.
#[cfg(feature = "ssr")]
pub fn current_principal() -> Option<backend::authz::Principal> {
    use leptos::prelude::use_context;
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<backend::authz::Principal>().cloned())
}
