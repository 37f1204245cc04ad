use backend::authz::{AuthMethod, Principal};
use serde::{Deserialize, Serialize};

/// The session key under which the signed-in user is kept.
pub const SESSION_USER_KEY: &str = "user";

/// What a session remembers of its user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionUser {
    pub user: String,
    pub groups: Vec<String>,
    pub is_admin: bool,
    pub auth_method: String,
    pub signed_in_at_ms: i64,
    /// Refreshed at most once a minute, so that idle expiry moves without a write per request.
    pub last_seen_ms: i64,
}

impl SessionUser {
    pub fn new(principal: &Principal, now_ms: i64) -> Self {
        SessionUser {
            user: principal.user.clone(),
            groups: principal.groups.clone(),
            is_admin: principal.is_admin,
            auth_method: principal.auth_method.as_str().to_owned(),
            signed_in_at_ms: now_ms,
            last_seen_ms: now_ms,
        }
    }

    /// The principal, unless the session was made by a sign-in method this build does not know.
    pub fn principal(&self) -> Option<Principal> {
        let auth_method = match self.auth_method.as_str() {
            "local" => AuthMethod::Local,
            _ => return None,
        };
        Some(Principal {
            user: self.user.clone(),
            groups: self.groups.clone(),
            is_admin: self.is_admin,
            auth_method,
        })
    }
}
