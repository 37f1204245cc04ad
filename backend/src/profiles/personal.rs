//! Self-registration: a user who signs in for the first time, belongs to no profile, and may
//! register gets a profile of their own, named after them, which they own.

use crate::audit;
use crate::authz::Principal;
use crate::store::{Quota, Store, Subject};

use super::{ProfileError, service::visible_profiles, validate_profile_name};

/// Tries `alice`, then `alice-2`, … when a name is taken; gives up after this many.
const MAX_TRIES: u32 = 20;

/// `Alice.Smith@example.com` -> `alice-smith`: the part before `@`, lower-cased, every run of
/// other characters turned into one `-`, trimmed to 50 characters (room for a suffix).
pub fn personal_profile_name(user: &str) -> String {
    let local = user.split('@').next().unwrap_or_default();
    let mut name = String::new();
    for c in local.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    let name: String = name.trim_matches('-').chars().take(50).collect();
    let name = name.trim_end_matches('-');
    if name.is_empty() {
        "user".to_owned()
    } else {
        name.to_owned()
    }
}

/// Creates the user's own profile unless they already belong to one; answers its name when
/// one was made.
pub async fn ensure_personal_profile(
    store: &Store,
    principal: &Principal,
    now_ms: i64,
) -> Result<Option<String>, ProfileError> {
    if !visible_profiles(store, principal).await?.is_empty() {
        return Ok(None);
    }
    let base = personal_profile_name(&principal.user);
    let owner = Subject::User(principal.user.clone());
    for attempt in 1..=MAX_TRIES {
        let name = match attempt {
            1 => base.clone(),
            n => format!("{base}-{n}"),
        };
        // A reserved name (`default`…) is skipped like a taken one.
        if validate_profile_name(&name).is_err() {
            continue;
        }
        if store
            .profiles()
            .create(&name, &owner, &Quota::default(), now_ms)
            .await?
        {
            audit::record(
                store,
                principal,
                Some(&name),
                "profile.create",
                &name,
                "self-registration",
            )
            .await?;
            return Ok(Some(name));
        }
    }
    Err(ProfileError::AlreadyExists(base))
}

#[cfg(test)]
mod tests {
    use super::personal_profile_name;

    #[test]
    fn names_come_from_the_email_local_part() {
        assert_eq!(
            personal_profile_name("Alice.Smith@example.com"),
            "alice-smith"
        );
        assert_eq!(personal_profile_name("bob"), "bob");
        assert_eq!(personal_profile_name("__x__@y"), "x");
        assert_eq!(personal_profile_name("@example.com"), "user");
        assert_eq!(personal_profile_name(&"a".repeat(80)).len(), 50);
    }
}
