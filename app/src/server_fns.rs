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

/// Which ways of signing in the server offers (the sign-in middleware puts them on every
/// request); read on the server and carried to the browser in the page.
pub fn sign_in_options() -> api::SignInOptions {
    #[cfg(feature = "ssr")]
    {
        use leptos::prelude::use_context;
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<api::SignInOptions>().copied())
            .unwrap_or(api::SignInOptions {
                provider: false,
                local_admin: true,
            })
    }
    #[cfg(not(feature = "ssr"))]
    {
        api::SignInOptions {
            provider: false,
            local_admin: true,
        }
    }
}

/// The profiles the signed-in user may switch to (the server's page middleware put them on
/// the request); read on the server and carried to the browser in the page.
pub fn profile_choices() -> api::ProfileChoices {
    #[cfg(feature = "ssr")]
    {
        use leptos::prelude::use_context;
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<api::ProfileChoices>().cloned())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        api::ProfileChoices::default()
    }
}

/// The principal that the server's sign-in middleware put on this request.
#[cfg(feature = "ssr")]
pub fn current_principal() -> Option<backend::authz::Principal> {
    use leptos::prelude::use_context;
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<backend::authz::Principal>().cloned())
}
