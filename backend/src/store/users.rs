use sqlx::Row;

use super::pools::Pools;

use super::StoreError;
use crate::clock::now_ms;

/// An account that signs in with a password (the built-in admin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub username: String,
    pub password_hash: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

pub struct Users<'a> {
    db: &'a Pools,
}

impl<'a> Users<'a> {
    pub(super) fn new(db: &'a Pools) -> Self {
        Users { db }
    }

    pub async fn find(&self, username: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT username, password_hash, created_at_ms, updated_at_ms \
             FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.db.read)
        .await?;
        row.map(|r| {
            Ok(User {
                username: r.try_get("username")?,
                password_hash: r.try_get("password_hash")?,
                created_at_ms: r.try_get("created_at_ms")?,
                updated_at_ms: r.try_get("updated_at_ms")?,
            })
        })
        .transpose()
    }

    /// Creates the account, or replaces its password if it exists.
    pub async fn set_password_hash(&self, username: &str, hash: &str) -> Result<(), StoreError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO users (username, password_hash, created_at_ms, updated_at_ms) \
             VALUES ($1, $2, $3, $3) \
             ON CONFLICT (username) DO UPDATE SET password_hash = $2, updated_at_ms = $3",
        )
        .bind(username)
        .bind(hash)
        .bind(now)
        .execute(&self.db.write)
        .await?;
        Ok(())
    }

    /// Creates the account only if it does not exist yet; answers whether it did.
    pub async fn create_if_missing(&self, username: &str, hash: &str) -> Result<bool, StoreError> {
        let now = now_ms();
        let done = sqlx::query(
            "INSERT INTO users (username, password_hash, created_at_ms, updated_at_ms) \
             VALUES ($1, $2, $3, $3) ON CONFLICT (username) DO NOTHING",
        )
        .bind(username)
        .bind(hash)
        .bind(now)
        .execute(&self.db.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
