//! The audit log: every change to a profile, its contributors or its quota is recorded with
//! who made it; profile admins read their profile's record.

use crate::authz::Principal;
use crate::clock::now_ms;
use crate::profiles::{ProfileError, Role, service::require};
use crate::store::{AuditEntry, Store, StoreError};

/// How many entries a read returns at most.
pub const READ_LIMIT: i64 = 500;

/// Records that `principal` did `action` to `object`.
pub async fn record(
    store: &Store,
    principal: &Principal,
    profile: Option<&str>,
    action: &str,
    object: &str,
    detail: &str,
) -> Result<(), StoreError> {
    store
        .audit()
        .record(&AuditEntry {
            at_ms: now_ms(),
            actor: principal.user.clone(),
            profile: profile.map(str::to_owned),
            action: action.to_owned(),
            object: object.to_owned(),
            detail: detail.to_owned(),
        })
        .await
}

/// A profile's record, newest first; needs the admin role there.
pub async fn read(
    store: &Store,
    principal: &Principal,
    profile: &str,
) -> Result<Vec<AuditEntry>, ProfileError> {
    require(store, principal, profile, Role::Admin).await?;
    Ok(store.audit().of_profile(profile, READ_LIMIT).await?)
}
