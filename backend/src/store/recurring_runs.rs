//! Recurring runs: a version run on a schedule. `last_fired_ms` is the schedule time of the
//! newest run started, so that a restart neither repeats nor (unless catch-up is asked)
//! replays what it missed.

use api::RecurringRunSpec;
use sqlx::Row;

use super::pools::Pools;

use super::StoreError;

#[derive(Debug, Clone, PartialEq)]
pub struct RecurringRunRow {
    pub id: i64,
    pub profile: String,
    pub name: String,
    pub experiment_id: Option<i64>,
    pub version_id: i64,
    pub spec: RecurringRunSpec,
    pub enabled: bool,
    pub created_by: String,
    pub created_at_ms: i64,
    pub last_fired_ms: Option<i64>,
}

pub struct RecurringRuns<'a> {
    db: &'a Pools,
}

const COLUMNS: &str = "id, profile, name, experiment_id, version_id, spec_json, enabled, \
     created_by, created_at_ms, last_fired_ms";

impl<'a> RecurringRuns<'a> {
    pub(super) fn new(db: &'a Pools) -> Self {
        RecurringRuns { db }
    }

    /// `None` when the profile has a recurring run of that name.
    pub async fn insert(
        &self,
        profile: &str,
        spec: &RecurringRunSpec,
        experiment_id: Option<i64>,
        version_id: i64,
        created_by: &str,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let spec_json = serde_json::to_string(spec)
            .map_err(|e| StoreError::Corrupt(format!("recurring run: {e}")))?;
        let row = sqlx::query(
            "INSERT INTO recurring_runs (profile, name, experiment_id, version_id, spec_json, \
             enabled, created_by, created_at_ms) VALUES ($1, $2, $3, $4, $5, 1, $6, $7) \
             ON CONFLICT (profile, name) DO NOTHING RETURNING id",
        )
        .bind(profile)
        .bind(&spec.name)
        .bind(experiment_id)
        .bind(version_id)
        .bind(spec_json)
        .bind(created_by)
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
    ) -> Result<Option<RecurringRunRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM recurring_runs WHERE profile = $1 AND name = $2"
        ))
        .bind(profile)
        .bind(name)
        .fetch_optional(&self.db.read)
        .await?;
        row.map(|r| recurring_of(&r)).transpose()
    }

    pub async fn of_profile(&self, profile: &str) -> Result<Vec<RecurringRunRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM recurring_runs WHERE profile = $1 ORDER BY name"
        ))
        .bind(profile)
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(recurring_of).collect()
    }

    /// Every enabled recurring run: what the scheduler looks at.
    pub async fn enabled(&self) -> Result<Vec<RecurringRunRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM recurring_runs WHERE enabled = 1 ORDER BY id"
        ))
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(recurring_of).collect()
    }

    pub async fn set_enabled(&self, id: i64, enabled: bool) -> Result<(), StoreError> {
        sqlx::query("UPDATE recurring_runs SET enabled = $1 WHERE id = $2")
            .bind(i64::from(enabled))
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    pub async fn set_last_fired(&self, id: i64, at_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE recurring_runs SET last_fired_ms = $1 WHERE id = $2")
            .bind(at_ms)
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    pub async fn delete(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM recurring_runs WHERE id = $1")
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }
}

fn recurring_of(r: &sqlx::any::AnyRow) -> Result<RecurringRunRow, StoreError> {
    let spec: String = r.try_get("spec_json")?;
    let enabled: i64 = r.try_get("enabled")?;
    Ok(RecurringRunRow {
        id: r.try_get("id")?,
        profile: r.try_get("profile")?,
        name: r.try_get("name")?,
        experiment_id: r.try_get("experiment_id")?,
        version_id: r.try_get("version_id")?,
        spec: serde_json::from_str(&spec)
            .map_err(|e| StoreError::Corrupt(format!("recurring run: {e}")))?,
        enabled: enabled != 0,
        created_by: r.try_get("created_by")?,
        created_at_ms: r.try_get("created_at_ms")?,
        last_fired_ms: r.try_get("last_fired_ms")?,
    })
}
