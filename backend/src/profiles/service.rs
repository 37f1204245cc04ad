//! Who may do what to a profile. Every call takes the principal and checks it first; deny by
//! default. Someone with no role in a profile is told it does not exist (404), so that
//! guessing names reveals nothing; someone with a weaker role than needed is refused (403).

use crate::audit;
use crate::authz::Principal;
use crate::store::{BindingChange, ContributorRow, ProfileRow, Quota, Store, StoreError, Subject};

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
    #[error("`{0}` still holds {1} object(s); delete them first, or delete with cascade")]
    NotEmpty(String, i64),
    #[error("quota {0} must be zero or more")]
    NegativeQuota(&'static str),
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
    Ok(store
        .profiles()
        .role_of(profile, &principal.user, &principal.groups)
        .await?)
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

/// [`visible_profiles`] as the wire lists them: name and role.
pub async fn profile_summaries(
    store: &Store,
    principal: &Principal,
) -> Result<Vec<api::ProfileSummary>, ProfileError> {
    Ok(visible_profiles(store, principal)
        .await?
        .into_iter()
        .map(|(name, role)| api::ProfileSummary {
            name,
            role: role.as_str().to_owned(),
        })
        .collect())
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
    validate_quota(quota)?;
    if !store.profiles().create(name, owner, quota, now_ms).await? {
        return Err(ProfileError::AlreadyExists(name.to_owned()));
    }
    let detail = format!("owner {}", describe(owner));
    audit::record(
        store,
        principal,
        Some(name),
        "profile.create",
        name,
        &detail,
    )
    .await?;
    Ok(())
}

/// A profile and the principal's role in it; any role may read.
pub async fn get_profile(
    store: &Store,
    principal: &Principal,
    name: &str,
) -> Result<(ProfileRow, Role), ProfileError> {
    let role = require(store, principal, name, Role::View).await?;
    let row = store
        .profiles()
        .get(name)
        .await?
        .ok_or_else(|| ProfileError::NotFound(name.to_owned()))?;
    Ok((row, role))
}

pub async fn contributors(
    store: &Store,
    principal: &Principal,
    name: &str,
) -> Result<Vec<ContributorRow>, ProfileError> {
    require(store, principal, name, Role::View).await?;
    Ok(store.profiles().contributors(name).await?)
}

/// Quotas bound what a team may take from the cluster, so only cluster admins set them;
/// members see them (a 404 for everyone else, as always).
pub async fn set_quota(
    store: &Store,
    principal: &Principal,
    name: &str,
    quota: &Quota,
) -> Result<(), ProfileError> {
    require(store, principal, name, Role::View).await?;
    if !principal.is_admin {
        return Err(ProfileError::AdminsOnly("change quotas"));
    }
    validate_quota(quota)?;
    if !store.profiles().set_quota(name, quota).await? {
        return Err(ProfileError::NotFound(name.to_owned()));
    }
    audit::record(
        store,
        principal,
        Some(name),
        "profile.quota",
        name,
        &format!("{quota:?}"),
    )
    .await?;
    Ok(())
}

/// Owners delete their profile: only an empty one, unless `cascade` says to delete what it
/// holds as well.
pub async fn delete_profile(
    store: &Store,
    principal: &Principal,
    name: &str,
    cascade: bool,
) -> Result<(), ProfileError> {
    require(store, principal, name, Role::Owner).await?;
    let held = store.profiles().object_count(name).await?;
    if held > 0 && !cascade {
        return Err(ProfileError::NotEmpty(name.to_owned(), held));
    }
    if !store.profiles().delete(name).await? {
        return Err(ProfileError::NotFound(name.to_owned()));
    }
    let detail = if cascade { "cascade" } else { "" };
    audit::record(store, principal, Some(name), "profile.delete", name, detail).await?;
    Ok(())
}

fn validate_quota(quota: &Quota) -> Result<(), ProfileError> {
    let fields = [
        ("gpu_milli", quota.gpu_milli),
        ("cpu_milli", quota.cpu_milli),
        ("memory_mib", quota.memory_mib),
        ("workloads", quota.workloads),
    ];
    match fields.iter().find(|(_, v)| v.is_some_and(|v| v < 0)) {
        Some((field, _)) => Err(ProfileError::NegativeQuota(field)),
        None => Ok(()),
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
    if !store
        .profiles()
        .add_contributor(profile, subject, role, now_ms)
        .await?
    {
        return Err(ProfileError::DuplicateContributor(
            describe(subject),
            profile.to_owned(),
        ));
    }
    let object = describe(subject);
    audit::record(
        store,
        principal,
        Some(profile),
        "contributor.add",
        &object,
        role.as_str(),
    )
    .await?;
    Ok(())
}

/// Profile admins change a contributor's role; making or unmaking an owner takes an owner.
pub async fn set_contributor_role(
    store: &Store,
    principal: &Principal,
    profile: &str,
    subject: &Subject,
    role: Role,
) -> Result<(), ProfileError> {
    let mine = require(store, principal, profile, Role::Admin).await?;
    let current = store
        .profiles()
        .contributors(profile)
        .await?
        .into_iter()
        .find(|c| c.subject == *subject)
        .map(|c| c.role);
    if (role == Role::Owner || current == Some(Role::Owner)) && !mine.allows(Role::Owner) {
        return Err(ProfileError::Forbidden {
            profile: profile.to_owned(),
            needed: Role::Owner.as_str(),
        });
    }
    let change = store.profiles().set_role(profile, subject, role).await?;
    binding_changed(change, subject, profile)?;
    let object = describe(subject);
    audit::record(
        store,
        principal,
        Some(profile),
        "contributor.role",
        &object,
        role.as_str(),
    )
    .await?;
    Ok(())
}

/// Profile admins remove contributors; the last owner stays.
pub async fn remove_contributor(
    store: &Store,
    principal: &Principal,
    profile: &str,
    subject: &Subject,
) -> Result<(), ProfileError> {
    require(store, principal, profile, Role::Admin).await?;
    let change = store
        .profiles()
        .remove_contributor(profile, subject)
        .await?;
    binding_changed(change, subject, profile)?;
    audit::record(
        store,
        principal,
        Some(profile),
        "contributor.remove",
        &describe(subject),
        "",
    )
    .await?;
    Ok(())
}

fn binding_changed(
    change: BindingChange,
    subject: &Subject,
    profile: &str,
) -> Result<(), ProfileError> {
    match change {
        BindingChange::Done => Ok(()),
        BindingChange::NotFound => Err(ProfileError::NoSuchContributor(
            describe(subject),
            profile.to_owned(),
        )),
        BindingChange::LastOwner => Err(ProfileError::LastOwner(profile.to_owned())),
    }
}

pub fn describe(subject: &Subject) -> String {
    match subject {
        Subject::User(name) => format!("user {name}"),
        Subject::Group(name) => format!("group {name}"),
    }
}
