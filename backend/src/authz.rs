//! Who is asking. Every service call takes a [`Principal`] and checks it first; deny by default.

use api::{Event, WhoAmI};

/// How a principal proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// The built-in admin account's password.
    Local,
    /// The organisation's OpenID Connect provider.
    Oidc,
    /// A header set by a trusted proxy (oauth2-proxy, an Istio gateway).
    TrustedHeader,
    /// A personal API token.
    Token,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Local => "local",
            AuthMethod::Oidc => "oidc",
            AuthMethod::TrustedHeader => "header",
            AuthMethod::Token => "token",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            AuthMethod::Local,
            AuthMethod::Oidc,
            AuthMethod::TrustedHeader,
            AuthMethod::Token,
        ]
        .into_iter()
        .find(|m| m.as_str() == text)
    }
}

/// Who is a cluster admin, as configured (`CAPSTAN_ADMINS`): each entry names a user (by the
/// user name, an email by default) or a group; a principal matching either is an admin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterAdmins {
    entries: Vec<String>,
}

impl ClusterAdmins {
    /// Reads a comma-separated list; blanks are ignored.
    pub fn parse(list: &str) -> Self {
        ClusterAdmins {
            entries: list
                .split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }

    pub fn includes(&self, user: &str, groups: &[String]) -> bool {
        self.entries
            .iter()
            .any(|e| e == user || groups.iter().any(|g| g == e))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: String,
    pub groups: Vec<String>,
    /// A cluster admin: may see and manage every profile.
    pub is_admin: bool,
    pub auth_method: AuthMethod,
}

impl Principal {
    /// The built-in admin account, signed in with its password.
    pub fn local_admin(user: &str) -> Self {
        Principal {
            user: user.to_owned(),
            groups: Vec::new(),
            is_admin: true,
            auth_method: AuthMethod::Local,
        }
    }

    /// Capstan itself acting for a service (the pipeline runner submitting a run's tasks):
    /// the user who asked was checked when the run was made.
    pub fn service(name: &str) -> Self {
        Principal {
            user: format!("capstan:{name}"),
            groups: Vec::new(),
            is_admin: true,
            auth_method: AuthMethod::Local,
        }
    }

    /// Someone signed in from outside (a provider, a proxy or a token): an admin when the
    /// configuration says so.
    pub fn external(
        user: &str,
        groups: Vec<String>,
        auth_method: AuthMethod,
        admins: &ClusterAdmins,
    ) -> Self {
        Principal {
            is_admin: admins.includes(user, &groups),
            user: user.to_owned(),
            groups,
            auth_method,
        }
    }

    pub fn whoami(&self) -> WhoAmI {
        WhoAmI {
            user: self.user.clone(),
            groups: self.groups.clone(),
            is_admin: self.is_admin,
            auth_method: self.auth_method.as_str().to_owned(),
        }
    }

    /// Whether this principal may see an event. Admins see everything; others see the events
    /// about themselves, those of the profiles they belong to (`member_of`), and the
    /// cluster-wide "something changed" ticks that carry no names.
    pub fn may_see(&self, event: &Event, member_of: &std::collections::HashSet<String>) -> bool {
        if self.is_admin {
            return true;
        }
        match (&event.user, &event.profile) {
            (Some(user), _) => *user == self.user,
            (None, Some(profile)) => member_of.contains(profile),
            (None, None) => event.kind == api::EventKind::Cluster,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use api::EventKind;

    fn event(user: Option<&str>) -> Event {
        Event {
            kind: EventKind::SignedIn,
            profile: None,
            user: user.map(str::to_owned),
            at_ms: 0,
            data: serde_json::Value::Null,
        }
    }

    fn someone(name: &str) -> Principal {
        Principal {
            is_admin: false,
            ..Principal::local_admin(name)
        }
    }

    #[test]
    fn users_see_their_own_events_and_their_profiles_events() {
        let alice = someone("alice");
        let none = Default::default();
        assert!(alice.may_see(&event(Some("alice")), &none));
        assert!(!alice.may_see(&event(Some("bob")), &none));
        assert!(!alice.may_see(&event(None), &none));
        let in_team = Event {
            kind: EventKind::Workload,
            profile: Some("team-a".into()),
            ..event(None)
        };
        assert!(!alice.may_see(&in_team, &none));
        assert!(alice.may_see(&in_team, &["team-a".to_owned()].into_iter().collect()));
        let tick = Event {
            kind: EventKind::Cluster,
            ..event(None)
        };
        assert!(alice.may_see(&tick, &none));
    }

    #[test]
    fn cluster_admins_are_named_by_user_or_group() {
        let admins = ClusterAdmins::parse(" ops@example.com, platform ,,");
        assert!(admins.includes("ops@example.com", &[]));
        assert!(admins.includes("bob@example.com", &["platform".to_owned()]));
        assert!(!admins.includes("bob@example.com", &["ml-team".to_owned()]));
        assert!(!ClusterAdmins::parse("").includes("", &[]));
    }

    #[test]
    fn auth_methods_round_trip() {
        for m in ["local", "oidc", "header", "token"] {
            assert_eq!(AuthMethod::parse(m).map(AuthMethod::as_str), Some(m));
        }
        assert_eq!(AuthMethod::parse("magic"), None);
    }

    #[test]
    fn admins_see_every_event() {
        let admin = Principal::local_admin("admin");
        assert!(admin.may_see(&event(Some("bob")), &Default::default()));
        assert!(admin.may_see(&event(None), &Default::default()));
    }
}
