//! Who may do what to a profile. Every call takes the principal and checks it first; deny by
//! default. Someone with no role in a profile is told it does not exist (404), so that
//! guessing names reveals nothing; someone with a weaker role than needed is refused (403).

use crate::authz::Principal;
use crate::store::{Quota, Removal, Store, StoreError, Subject};

use super::{NameError, Role, validate_profile_name};

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(transparent)]
    InvalidName(#[from] NameError),
    #[error("there is no profile `{0}` that you can see")]
    NotFound(String),
    #[error("this needs the {needed} role in profile `{profile}`")]
    Forbidden {
        profile: String,
        needed: &'static str,
    },
    #[error("only cluster admins can {0}")]
    AdminsOnly(&'static str),
    #[error("a profile named `{0}` exists already")]
    AlreadyExists(String),
    #[error("{0} is already a contributor of `{1}`; remove it first to change its role")]
    DuplicateContributor(String, String),
    #[error("{0} is not a contributor of `{1}`")]
    NoSuchContributor(String, String),
    #[error("`{0}` must keep at least one owner")]
    LastOwner(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The role a principal holds in a profile: cluster admins hold `owner` everywhere.
pub async fn role_in(
    store: &Store,
    principal: &Principal,
    profile: &str,
) -> Result<Option<Role>, ProfileError> {
    if principal.is_admin {
        return Ok(store.profiles().get(profile).await?.map(|_| Role::Owner));
    }
    // A binding exists only for a profile that exists: no separate existence check.
    let roles = store
        .profiles()
        .roles_of(&principal.user, &principal.groups)
        .await?;
    Ok(roles
        .into_iter()
        .find(|(name, _)| name == profile)
        .map(|(_, role)| role))
}

/// Answers the principal's role if it allows `needed`; otherwise 404 for outsiders and 403
/// for members whose role is too weak.
pub async fn require(
    store: &Store,
    principal: &Principal,
    profile: &str,
    needed: Role,
) -> Result<Role, ProfileError> {
    match role_in(store, principal, profile).await? {
        None => Err(ProfileError::NotFound(profile.to_owned())),
        Some(role) if role.allows(needed) => Ok(role),
        Some(_) => Err(ProfileError::Forbidden {
            profile: profile.to_owned(),
            needed: needed.as_str(),
        }),
    }
}

/// The profiles the principal may see, with its role in each (cluster admins: all, as owner).
pub async fn visible_profiles(
    store: &Store,
    principal: &Principal,
) -> Result<Vec<(String, Role)>, ProfileError> {
    if principal.is_admin {
        let names = store.profiles().names().await?;
        return Ok(names.into_iter().map(|name| (name, Role::Owner)).collect());
    }
    Ok(store
        .profiles()
        .roles_of(&principal.user, &principal.groups)
        .await?)
}

/// Cluster admins create profiles, each with an owner.
pub async fn create_profile(
    store: &Store,
    principal: &Principal,
    name: &str,
    owner: &Subject,
    quota: &Quota,
    now_ms: i64,
) -> Result<(), ProfileError> {
    if !principal.is_admin {
        return Err(ProfileError::AdminsOnly("create profiles"));
    }
    validate_profile_name(name)?;
    if store.profiles().create(name, owner, quota, now_ms).await? {
        Ok(())
    } else {
        Err(ProfileError::AlreadyExists(name.to_owned()))
    }
}

/// Profile admins add contributors; only owners (and cluster admins) may add owners.
pub async fn add_contributor(
    store: &Store,
    principal: &Principal,
    profile: &str,
    subject: &Subject,
    role: Role,
    now_ms: i64,
) -> Result<(), ProfileError> {
    let needed = if role == Role::Owner {
        Role::Owner
    } else {
        Role::Admin
    };
    require(store, principal, profile, needed).await?;
    if store
        .profiles()
        .add_contributor(profile, subject, role, now_ms)
        .await?
    {
        Ok(())
    } else {
        Err(ProfileError::DuplicateContributor(
            describe(subject),
            profile.to_owned(),
        ))
    }
}

/// Profile admins remove contributors; the last owner stays.
pub async fn remove_contributor(
    store: &Store,
    principal: &Principal,
    profile: &str,
    subject: &Subject,
) -> Result<(), ProfileError> {
    require(store, principal, profile, Role::Admin).await?;
    match store
        .profiles()
        .remove_contributor(profile, subject)
        .await?
    {
        Removal::Removed => Ok(()),
        Removal::NotFound => Err(ProfileError::NoSuchContributor(
            describe(subject),
            profile.to_owned(),
        )),
        Removal::LastOwner => Err(ProfileError::LastOwner(profile.to_owned())),
    }
}

fn describe(subject: &Subject) -> String {
    match subject {
        Subject::User(name) => format!("user {name}"),
        Subject::Group(name) => format!("group {name}"),
    }
}
