//! Notebooks: the spec a user asked for and the token of the current run. The run itself is a
//! workload (see `crate::notebooks`).

use api::NotebookSpec;
use sqlx::Row;

use super::pools::Pools;

use super::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotebookRow {
    pub id: i64,
    pub profile: String,
    pub name: String,
    /// With every default filled in.
    pub spec: NotebookSpec,
    pub token: String,
    pub created_at_ms: i64,
    pub last_activity_ms: Option<i64>,
}

pub struct Notebooks<'a> {
    db: &'a Pools,
}

const COLUMNS: &str = "id, profile, name, spec_json, token, created_at_ms, last_activity_ms";

impl<'a> Notebooks<'a> {
    pub(super) fn new(db: &'a Pools) -> Self {
        Notebooks { db }
    }

    /// Stores a notebook; `None` when the profile already has one of that name.
    pub async fn insert(
        &self,
        profile: &str,
        spec: &NotebookSpec,
        token: &str,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let spec_json = serde_json::to_string(spec)
            .map_err(|e| StoreError::Corrupt(format!("notebook spec: {e}")))?;
        let row = sqlx::query(
            "INSERT INTO notebooks (profile, name, spec_json, token, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (profile, name) DO NOTHING RETURNING id",
        )
        .bind(profile)
        .bind(&spec.name)
        .bind(spec_json)
        .bind(token)
        .bind(now_ms)
        .fetch_optional(&self.db.write)
        .await?;
        row.map(|r| r.try_get("id").map_err(StoreError::from))
            .transpose()
    }

    pub async fn get(&self, profile: &str, name: &str) -> Result<Option<NotebookRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM notebooks WHERE profile = $1 AND name = $2"
        ))
        .bind(profile)
        .bind(name)
        .fetch_optional(&self.db.read)
        .await?;
        row.map(|r| notebook_of(&r)).transpose()
    }

    /// A profile's notebooks, by name.
    pub async fn of_profile(&self, profile: &str) -> Result<Vec<NotebookRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM notebooks WHERE profile = $1 ORDER BY name"
        ))
        .bind(profile)
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(notebook_of).collect()
    }

    /// Every notebook of every profile.
    pub async fn all(&self) -> Result<Vec<NotebookRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM notebooks ORDER BY profile, name"
        ))
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(notebook_of).collect()
    }

    /// A new token for the next run.
    pub async fn set_token(&self, id: i64, token: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE notebooks SET token = $1 WHERE id = $2")
            .bind(token)
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    pub async fn set_last_activity(&self, id: i64, at_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE notebooks SET last_activity_ms = $1 WHERE id = $2")
            .bind(at_ms)
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    /// Answers whether it existed.
    pub async fn delete(&self, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM notebooks WHERE id = $1")
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

fn notebook_of(r: &sqlx::any::AnyRow) -> Result<NotebookRow, StoreError> {
    let spec: String = r.try_get("spec_json")?;
    Ok(NotebookRow {
        id: r.try_get("id")?,
        profile: r.try_get("profile")?,
        name: r.try_get("name")?,
        spec: serde_json::from_str(&spec)
            .map_err(|e| StoreError::Corrupt(format!("notebook spec: {e}")))?,
        token: r.try_get("token")?,
        created_at_ms: r.try_get("created_at_ms")?,
        last_activity_ms: r.try_get("last_activity_ms")?,
    })
}
