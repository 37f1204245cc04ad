//! Experiments: named groups of runs in a profile.

use sqlx::Row;

use super::pools::Pools;

use super::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentRow {
    pub id: i64,
    pub profile: String,
    pub name: String,
    pub description: String,
    pub created_at_ms: i64,
    pub archived: bool,
    /// Runs in it, archived ones included.
    pub runs: i64,
    /// A group of runs or a tuning experiment.
    pub kind: api::ExperimentKind,
}

pub struct Experiments<'a> {
    db: &'a Pools,
}

const SELECT: &str = "SELECT e.id, e.profile, e.name, e.description, e.created_at_ms, \
     e.archived_at_ms, e.kind, (SELECT COUNT(*) FROM runs r WHERE r.experiment_id = e.id) AS runs \
     FROM experiments e";

impl<'a> Experiments<'a> {
    pub(super) fn new(db: &'a Pools) -> Self {
        Experiments { db }
    }

    /// `None` when the profile has an experiment of that name.
    pub async fn insert(
        &self,
        profile: &str,
        name: &str,
        description: &str,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "INSERT INTO experiments (profile, name, description, created_at_ms) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (profile, name) DO NOTHING RETURNING id",
        )
        .bind(profile)
        .bind(name)
        .bind(description)
        .bind(now_ms)
        .fetch_optional(&self.db.write)
        .await?;
        row.map(|r| r.try_get("id").map_err(StoreError::from))
            .transpose()
    }

    pub async fn get(
        &self,
        profile: &str,
        name: &str,
    ) -> Result<Option<ExperimentRow>, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE e.profile = $1 AND e.name = $2"))
            .bind(profile)
            .bind(name)
            .fetch_optional(&self.db.read)
            .await?;
        row.map(|r| experiment_of(&r)).transpose()
    }

    /// A profile's experiments, by name.
    pub async fn of_profile(&self, profile: &str) -> Result<Vec<ExperimentRow>, StoreError> {
        let rows = sqlx::query(&format!("{SELECT} WHERE e.profile = $1 ORDER BY e.name"))
            .bind(profile)
            .fetch_all(&self.db.read)
            .await?;
        rows.iter().map(experiment_of).collect()
    }

    /// Archives (`Some(now)`) or restores (`None`).
    pub async fn set_archived(&self, id: i64, at_ms: Option<i64>) -> Result<(), StoreError> {
        sqlx::query("UPDATE experiments SET archived_at_ms = $1 WHERE id = $2")
            .bind(at_ms)
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    /// Deletes it; its runs stay, outside any experiment.
    pub async fn delete(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM experiments WHERE id = $1")
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }
}

fn experiment_of(r: &sqlx::any::AnyRow) -> Result<ExperimentRow, StoreError> {
    let archived: Option<i64> = r.try_get("archived_at_ms")?;
    Ok(ExperimentRow {
        id: r.try_get("id")?,
        profile: r.try_get("profile")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        created_at_ms: r.try_get("created_at_ms")?,
        archived: archived.is_some(),
        runs: r.try_get("runs")?,
        kind: match r.try_get::<String, _>("kind")?.as_str() {
            "tuning" => api::ExperimentKind::Tuning,
            _ => api::ExperimentKind::Runs,
        },
    })
}
