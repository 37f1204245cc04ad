//! Sign-in and sessions: the session store in Capstan's database, the middleware that turns a
//! session into a [`backend::authz::Principal`] on the request, and the sign-in handlers.

mod local;
pub mod oidc;
mod principal;
mod registration;
mod session_store;
mod session_user;
mod trusted_header;

pub use local::{sign_in, sign_out};
pub use principal::{Authenticated, attach_principal, bearer_token, require_sign_in_for_pages};
pub use session_store::DbSessionStore;

/// Text for the few pages written by hand (sign-in failures, the logout hand-over).
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
