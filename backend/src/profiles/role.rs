/// A contributor's role in a profile, weakest first: `view` reads; `edit` creates and changes
/// workloads; `admin` manages contributors and quotas; `owner` is an admin who cannot be
/// removed while they are the last owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    View,
    Edit,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::View => "view",
            Role::Edit => "edit",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "view" => Some(Role::View),
            "edit" => Some(Role::Edit),
            "admin" => Some(Role::Admin),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }

    /// Whether this role includes everything `needed` allows.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn stronger_roles_include_weaker_ones() {
        assert!(Role::Owner.allows(Role::Admin));
        assert!(Role::Admin.allows(Role::Edit));
        assert!(Role::Edit.allows(Role::View));
        assert!(!Role::View.allows(Role::Edit));
        assert!(!Role::Edit.allows(Role::Admin));
    }

    #[test]
    fn names_round_trip() {
        for role in [Role::View, Role::Edit, Role::Admin, Role::Owner] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
