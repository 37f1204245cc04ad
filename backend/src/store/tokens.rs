use sqlx::Row;

use super::pools::Pools;

use super::StoreError;

/// A personal API token as stored: everything but the secret, of which only a hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: String,
    pub owner: String,
    pub groups: Vec<String>,
    pub name: String,
    pub secret_sha256: String,
    pub created_at_ms: i64,
    pub expires_at_ms: Option<i64>,
    pub last_used_at_ms: Option<i64>,
}

pub struct Tokens<'a> {
    db: &'a Pools,
}

const COLUMNS: &str =
    "id, owner, groups_json, name, secret_sha256, created_at_ms, expires_at_ms, last_used_at_ms";

impl<'a> Tokens<'a> {
    pub(super) fn new(db: &'a Pools) -> Self {
        Tokens { db }
    }

    pub async fn insert(&self, token: &TokenRow) -> Result<(), StoreError> {
        let groups = serde_json::to_string(&token.groups)
            .map_err(|e| StoreError::Corrupt(format!("token groups: {e}")))?;
        sqlx::query(&format!(
            "INSERT INTO api_tokens ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(&token.id)
        .bind(&token.owner)
        .bind(groups)
        .bind(&token.name)
        .bind(&token.secret_sha256)
        .bind(token.created_at_ms)
        .bind(token.expires_at_ms)
        .bind(token.last_used_at_ms)
        .execute(&self.db.write)
        .await?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> Result<Option<TokenRow>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db.read)
            .await?;
        row.map(|r| token_of(&r)).transpose()
    }

    /// An owner's tokens, newest first.
    pub async fn of_owner(&self, owner: &str) -> Result<Vec<TokenRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE owner = $1 ORDER BY created_at_ms DESC, id"
        ))
        .bind(owner)
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(token_of).collect()
    }

    /// Deletes one of the owner's tokens; answers whether there was one.
    pub async fn delete(&self, owner: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND owner = $2")
            .bind(id)
            .bind(owner)
            .execute(&self.db.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn touch(&self, id: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_tokens SET last_used_at_ms = $1 WHERE id = $2")
            .bind(now_ms)
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }
}

fn token_of(r: &sqlx::any::AnyRow) -> Result<TokenRow, StoreError> {
    let groups_json: String = r.try_get("groups_json")?;
    let groups = serde_json::from_str(&groups_json)
        .map_err(|e| StoreError::Corrupt(format!("token groups: {e}")))?;
    Ok(TokenRow {
        id: r.try_get("id")?,
        owner: r.try_get("owner")?,
        groups,
        name: r.try_get("name")?,
        secret_sha256: r.try_get("secret_sha256")?,
        created_at_ms: r.try_get("created_at_ms")?,
        expires_at_ms: r.try_get("expires_at_ms")?,
        last_used_at_ms: r.try_get("last_used_at_ms")?,
    })
}
