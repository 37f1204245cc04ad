//! The built-in admin account of standalone mode: argon2-hashed password, generated on the
//! first start unless configuration gives one.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;

use crate::authz::Principal;
use crate::store::{Store, StoreError};

/// The name of the built-in account.
pub const ADMIN_USER: &str = "admin";

/// Long enough to resist guessing, short enough to type once.
const GENERATED_PASSWORD_LEN: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("the admin password must not be empty")]
    EmptyPassword,
}

/// What the start-up did to the admin account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminBootstrap {
    /// First start: the account was created with this generated password, to print once.
    CreatedWithGeneratedPassword(String),
    /// The account now has the password that configuration gave.
    PasswordFromConfiguration,
    /// The account existed and nothing asked to change it.
    Unchanged,
}

/// Makes sure the admin account exists. `configured` (CAPSTAN_ADMIN_PASSWORD) sets the
/// password whenever it is given; otherwise a password is generated once, on the first start.
pub async fn bootstrap_admin(
    store: &Store,
    configured: Option<&str>,
) -> Result<AdminBootstrap, AccountError> {
    if let Some(password) = configured {
        let hash = hash_password(password).await?;
        store.users().set_password_hash(ADMIN_USER, &hash).await?;
        return Ok(AdminBootstrap::PasswordFromConfiguration);
    }
    if store.users().find(ADMIN_USER).await?.is_some() {
        return Ok(AdminBootstrap::Unchanged);
    }
    let password = generate_password();
    let hash = hash_password(&password).await?;
    // Another replica may have created it meanwhile; then its password stands.
    if store.users().create_if_missing(ADMIN_USER, &hash).await? {
        Ok(AdminBootstrap::CreatedWithGeneratedPassword(password))
    } else {
        Ok(AdminBootstrap::Unchanged)
    }
}

/// Gives the admin account a new generated password and answers it.
pub async fn reset_admin_password(store: &Store) -> Result<String, AccountError> {
    let password = generate_password();
    let hash = hash_password(&password).await?;
    store.users().set_password_hash(ADMIN_USER, &hash).await?;
    Ok(password)
}

/// Checks a username and password; answers the principal when they match.
pub async fn sign_in(
    store: &Store,
    username: &str,
    password: &str,
) -> Result<Option<Principal>, AccountError> {
    let user = store.users().find(username).await?;
    // Verify against something even for an unknown user, so that the answer's timing does
    // not tell which usernames exist.
    let stored = match &user {
        Some(u) => u.password_hash.clone(),
        None => DUMMY_HASH.to_owned(),
    };
    let matches = verify_password(password, &stored).await?;
    Ok(match (user, matches) {
        (Some(u), true) => Some(Principal::local_admin(&u.username)),
        _ => None,
    })
}

/// An argon2 hash of a password nobody knows, for timing-equal refusals.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1qrpDJyo8G1nNUoTEmYxNPOWN6ZoPu0BSYUcD7s+3Qs";

fn generate_password() -> String {
    Alphanumeric.sample_string(&mut OsRng, GENERATED_PASSWORD_LEN)
}

/// Argon2id with 7 MiB of memory and 5 passes: one of OWASP's equivalent settings (the crate's
/// default is 19 MiB and 2 passes). The smaller block keeps a sign-in from adding ~20 MiB to
/// the server's peak memory. Stored hashes carry their own parameters, so older ones still
/// verify.
fn hasher() -> Argon2<'static> {
    let params = argon2::Params::new(7 * 1024, 5, 1, None).expect("valid Argon2 parameters");
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// Argon2 takes tens of milliseconds of CPU by design: keep it off the async workers.
async fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.is_empty() {
        return Err(AccountError::EmptyPassword);
    }
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AccountError::Hashing(e.to_string()))
    })
    .await
    .map_err(|e| AccountError::Hashing(e.to_string()))?
}

async fn verify_password(password: &str, hash: &str) -> Result<bool, AccountError> {
    let password = password.to_owned();
    let hash = hash.to_owned();
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash).map_err(|e| AccountError::Hashing(e.to_string()))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| AccountError::Hashing(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let hash = hash_password("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash).await.unwrap());
        assert!(!verify_password("correct horse!", &hash).await.unwrap());
    }

    #[tokio::test]
    async fn the_dummy_hash_parses_and_matches_no_empty_guess() {
        assert!(!verify_password("", DUMMY_HASH).await.unwrap());
        assert!(!verify_password("admin", DUMMY_HASH).await.unwrap());
    }

    #[tokio::test]
    async fn an_empty_password_is_refused() {
        assert!(matches!(
            hash_password("").await,
            Err(AccountError::EmptyPassword)
        ));
    }

    #[test]
    fn generated_passwords_differ_and_have_the_intended_length() {
        let a = generate_password();
        let b = generate_password();
        assert_eq!(a.len(), GENERATED_PASSWORD_LEN);
        assert_ne!(a, b);
    }
}
