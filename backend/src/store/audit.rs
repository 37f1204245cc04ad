use sqlx::Row;

use super::pools::Pools;

use super::StoreError;

/// One line of the audit log: who did what to which object, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at_ms: i64,
    pub actor: String,
    /// The profile the object belongs to; `None` for cluster-wide objects (tokens).
    pub profile: Option<String>,
    /// What was done, such as `contributor.add`.
    pub action: String,
    /// What it was done to, such as `user:alice@example.com`.
    pub object: String,
    pub detail: String,
}

pub struct Audit<'a> {
    db: &'a Pools,
}

impl<'a> Audit<'a> {
    pub(super) fn new(db: &'a Pools) -> Self {
        Audit { db }
    }

    pub async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_log (at_ms, actor, profile, action, object, detail) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(entry.at_ms)
        .bind(&entry.actor)
        .bind(entry.profile.as_deref())
        .bind(&entry.action)
        .bind(&entry.object)
        .bind(&entry.detail)
        .execute(&self.db.write)
        .await?;
        Ok(())
    }

    /// A profile's entries, newest first, at most `limit`.
    pub async fn of_profile(
        &self,
        profile: &str,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT at_ms, actor, profile, action, object, detail FROM audit_log \
             WHERE profile = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(profile)
        .bind(limit)
        .fetch_all(&self.db.read)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(AuditEntry {
                    at_ms: r.try_get("at_ms")?,
                    actor: r.try_get("actor")?,
                    profile: r.try_get("profile")?,
                    action: r.try_get("action")?,
                    object: r.try_get("object")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }
}
