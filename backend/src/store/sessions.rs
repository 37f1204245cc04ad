use sqlx::Row;

use super::pools::Pools;

use super::StoreError;

/// A sign-in session as stored: an opaque id, the session's serialized data and when it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: String,
    pub data: Vec<u8>,
    pub expires_at_ms: i64,
}

pub struct Sessions<'a> {
    db: &'a Pools,
}

impl<'a> Sessions<'a> {
    pub(super) fn new(db: &'a Pools) -> Self {
        Sessions { db }
    }

    /// Inserts a session with a fresh id; answers false (and writes nothing) if the id is taken.
    pub async fn create(&self, record: &SessionRecord) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO sessions (id, data, expires_at_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&record.id)
        .bind(&record.data)
        .bind(record.expires_at_ms)
        .execute(&self.db.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn save(&self, record: &SessionRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id, data, expires_at_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET data = $2, expires_at_ms = $3",
        )
        .bind(&record.id)
        .bind(&record.data)
        .bind(record.expires_at_ms)
        .execute(&self.db.write)
        .await?;
        Ok(())
    }

    /// The session with this id, unless it has expired by `now_ms`.
    pub async fn load(&self, id: &str, now_ms: i64) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, data, expires_at_ms FROM sessions WHERE id = $1 AND expires_at_ms > $2",
        )
        .bind(id)
        .bind(now_ms)
        .fetch_optional(&self.db.read)
        .await?;
        row.map(|r| {
            Ok(SessionRecord {
                id: r.try_get("id")?,
                data: r.try_get("data")?,
                expires_at_ms: r.try_get("expires_at_ms")?,
            })
        })
        .transpose()
    }

    pub async fn delete(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    /// Removes every session that expired before `now_ms`; answers how many.
    pub async fn delete_expired(&self, now_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at_ms <= $1")
            .bind(now_ms)
            .execute(&self.db.write)
            .await?;
        Ok(done.rows_affected())
    }
}
