//! Who is asking. Every service call takes a [`Principal`] and checks it first; deny by default.

use api::{Event, WhoAmI};

/// How a principal proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// The built-in admin account's password.
    Local,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Local => "local",
        }
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

    pub fn whoami(&self) -> WhoAmI {
        WhoAmI {
            user: self.user.clone(),
            groups: self.groups.clone(),
            is_admin: self.is_admin,
            auth_method: self.auth_method.as_str().to_owned(),
        }
    }

    /// Whether this principal may see an event. Admins see everything; others see the events
    /// about themselves. Profile-scoped events become visible to profile members once profiles
    /// and their contributors exist.
    pub fn may_see(&self, event: &Event) -> bool {
        if self.is_admin {
            return true;
        }
        match (&event.user, &event.profile) {
            (Some(user), _) => *user == self.user,
            (None, _) => false,
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
    fn users_see_only_their_own_events() {
        let alice = someone("alice");
        assert!(alice.may_see(&event(Some("alice"))));
        assert!(!alice.may_see(&event(Some("bob"))));
        assert!(!alice.may_see(&event(None)));
    }

    #[test]
    fn admins_see_every_event() {
        let admin = Principal::local_admin("admin");
        assert!(admin.may_see(&event(Some("bob"))));
        assert!(admin.may_see(&event(None)));
    }
}
