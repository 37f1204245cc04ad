//! Personal API tokens for scripts and CLIs. A token is shown once, at creation; the database
//! keeps its SHA-256 (a token has 190 random bits, so a fast hash is enough: there is nothing
//! to guess). A token carries its owner's user name and the groups the owner had when it was
//! made; cluster-admin rights are decided by the configuration at each use.

use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use crate::audit;
use crate::authz::{AuthMethod, ClusterAdmins, Principal};
use crate::store::{Store, StoreError, TokenRow};

const PREFIX: &str = "capstan_";
const ID_LEN: usize = 12;
const SECRET_LEN: usize = 32;
const MAX_NAME_LEN: usize = 100;
const MAX_DAYS: u32 = 3650;
/// Writing `last_used` on every request would make each scripted call a database write.
const TOUCH_INTERVAL_MS: i64 = 60_000;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("a token needs a name of 1 to {MAX_NAME_LEN} characters, such as `ci-pipeline`")]
    BadName,
    #[error("expires_in_days must be between 1 and {MAX_DAYS}")]
    BadExpiry,
    #[error("a token cannot create tokens: sign in to the dashboard to make one")]
    NotFromToken,
    #[error("you have no token `{0}`")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new token: its row, and the secret text shown this once.
pub struct NewToken {
    pub row: TokenRow,
    pub token: String,
}

pub async fn create(
    store: &Store,
    principal: &Principal,
    name: &str,
    expires_in_days: Option<u32>,
    now_ms: i64,
) -> Result<NewToken, TokenError> {
    if principal.auth_method == AuthMethod::Token {
        return Err(TokenError::NotFromToken);
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control)
    {
        return Err(TokenError::BadName);
    }
    let expires_at_ms = match expires_in_days {
        None => None,
        Some(days @ 1..=MAX_DAYS) => Some(now_ms + i64::from(days) * 86_400_000),
        Some(_) => return Err(TokenError::BadExpiry),
    };
    let id = Alphanumeric.sample_string(&mut OsRng, ID_LEN);
    let token = format!(
        "{PREFIX}{id}_{}",
        Alphanumeric.sample_string(&mut OsRng, SECRET_LEN)
    );
    let row = TokenRow {
        id,
        owner: principal.user.clone(),
        groups: principal.groups.clone(),
        name: name.to_owned(),
        secret_sha256: sha256_hex(&token),
        created_at_ms: now_ms,
        expires_at_ms,
        last_used_at_ms: None,
    };
    store.tokens().insert(&row).await?;
    audit::record(store, principal, None, "token.create", &row.id, &row.name).await?;
    Ok(NewToken { row, token })
}

/// The principal's own tokens, newest first.
pub async fn list(store: &Store, principal: &Principal) -> Result<Vec<TokenRow>, TokenError> {
    Ok(store.tokens().of_owner(&principal.user).await?)
}

pub async fn revoke(store: &Store, principal: &Principal, id: &str) -> Result<(), TokenError> {
    if !store.tokens().delete(&principal.user, id).await? {
        return Err(TokenError::NotFound(id.to_owned()));
    }
    audit::record(store, principal, None, "token.revoke", id, "").await?;
    Ok(())
}

/// The principal a bearer token stands for, or `None` for an unknown, revoked, expired or
/// malformed one.
pub async fn authenticate(
    store: &Store,
    bearer: &str,
    admins: &ClusterAdmins,
    now_ms: i64,
) -> Result<Option<Principal>, StoreError> {
    let Some(id) = bearer
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('_'))
        .map(|(id, _)| id)
        .filter(|id| id.len() == ID_LEN)
    else {
        return Ok(None);
    };
    let Some(row) = store.tokens().get(id).await? else {
        return Ok(None);
    };
    let expired = row.expires_at_ms.is_some_and(|end| now_ms >= end);
    if expired || !constant_time_eq(&row.secret_sha256, &sha256_hex(bearer)) {
        return Ok(None);
    }
    if row
        .last_used_at_ms
        .is_none_or(|last| now_ms - last > TOUCH_INTERVAL_MS)
    {
        store.tokens().touch(id, now_ms).await?;
    }
    Ok(Some(Principal::external(
        &row.owner,
        row.groups,
        AuthMethod::Token,
        admins,
    )))
}

/// The SHA-256 of `text` in lower-case hex: how tokens of every kind are stored.
pub fn sha256_hex(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

/// Compares secrets without stopping at the first difference (no timing hint).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_compare_whole() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
