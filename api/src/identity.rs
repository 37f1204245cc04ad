use serde::{Deserialize, Serialize};

/// Who the server believes is asking: the answer of `GET /api/v1/whoami`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhoAmI {
    pub user: String,
    pub groups: Vec<String>,
    pub is_admin: bool,
    /// How the user signed in: `local` for the built-in admin account.
    pub auth_method: String,
}

/// Which ways of signing in this server offers, for the sign-in page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInOptions {
    /// An OpenID Connect provider is configured (`/auth/login`).
    pub provider: bool,
    /// The built-in admin may sign in with a password (`/auth/local`).
    pub local_admin: bool,
}
