use backend::authz::{AuthMethod, ClusterAdmins, Principal};
use serde::{Deserialize, Serialize};

use super::oidc::ProviderTokens;

/// The session key under which the signed-in user is kept.
pub const SESSION_USER_KEY: &str = "user";

/// What a session remembers of its user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionUser {
    pub user: String,
    pub groups: Vec<String>,
    pub auth_method: String,
    pub signed_in_at_ms: i64,
    /// Refreshed at most once a minute, so that idle expiry moves without a write per request.
    pub last_seen_ms: i64,
    /// The provider's tokens, for a sign-in through OpenID Connect.
    #[serde(default)]
    pub provider_tokens: Option<ProviderTokens>,
}

impl SessionUser {
    pub fn new(principal: &Principal, now_ms: i64) -> Self {
        SessionUser {
            user: principal.user.clone(),
            groups: principal.groups.clone(),
            auth_method: principal.auth_method.as_str().to_owned(),
            signed_in_at_ms: now_ms,
            last_seen_ms: now_ms,
            provider_tokens: None,
        }
    }

    /// The principal, unless the session was made by a sign-in method this build does not
    /// know. Admin rights follow the configuration in force now, not at sign-in.
    pub fn principal(&self, admins: &ClusterAdmins) -> Option<Principal> {
        match AuthMethod::parse(&self.auth_method)? {
            AuthMethod::Local => Some(Principal::local_admin(&self.user)),
            method => Some(Principal::external(
                &self.user,
                self.groups.clone(),
                method,
                admins,
            )),
        }
    }
}
