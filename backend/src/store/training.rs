//! Training jobs: the job (its spec, state and current attempt), its conditions and the metrics
//! its leading replica reported. A state change and its condition are one transaction.

use api::{JobCondition, JobMetric, JobState};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::StoreError;
use super::columns::u32_of;
use super::pools::Pools;

#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub id: i64,
    pub profile: String,
    pub name: String,
    pub kind: String,
    pub manifest: String,
    pub spec_json: String,
    pub state: JobState,
    pub attempt: u32,
    pub restarts: u32,
    pub workload_id: Option<i64>,
    pub restart_at_ms: Option<i64>,
    pub created_by: String,
    pub created_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
}

/// A condition to record with a change: (type, reason, message).
pub type NewCondition<'a> = (&'a str, &'a str, &'a str);

pub struct Training<'a> {
    db: &'a Pools,
}

const JOB: &str = "SELECT id, profile, name, kind, manifest, spec_json, state, attempt, restarts, \
     workload_id, restart_at_ms, created_by, created_at_ms, started_at_ms, finished_at_ms \
     FROM training_jobs";

impl<'a> Training<'a> {
    pub(super) fn new(db: &'a Pools) -> Self {
        Training { db }
    }

    /// A new job in `row.state` with its first conditions; `None` when the name is taken.
    pub async fn insert(
        &self,
        row: &JobRow,
        conditions: &[NewCondition<'_>],
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.db.write.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO training_jobs (profile, name, kind, manifest, spec_json, state, \
             attempt, restarts, created_by, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, 0, $7, $8) \
             ON CONFLICT (profile, name) DO NOTHING RETURNING id",
        )
        .bind(&row.profile)
        .bind(&row.name)
        .bind(&row.kind)
        .bind(&row.manifest)
        .bind(&row.spec_json)
        .bind(row.state.as_str())
        .bind(&row.created_by)
        .bind(row.created_at_ms)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(inserted) = inserted else {
            return Ok(None);
        };
        let id: i64 = inserted.try_get("id")?;
        for condition in conditions {
            add_condition(&mut tx, id, *condition, row.created_at_ms).await?;
        }
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Writes what changes in a job's life (state, attempt, restarts, workload, times) and,
    /// with it, the condition that says why. False when the job is gone.
    pub async fn save(
        &self,
        row: &JobRow,
        condition: Option<NewCondition<'_>>,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.db.write.begin().await?;
        let done = sqlx::query(
            "UPDATE training_jobs SET state = $1, attempt = $2, restarts = $3, \
             workload_id = $4, restart_at_ms = $5, started_at_ms = $6, finished_at_ms = $7 \
             WHERE id = $8",
        )
        .bind(row.state.as_str())
        .bind(i64::from(row.attempt))
        .bind(i64::from(row.restarts))
        .bind(row.workload_id)
        .bind(row.restart_at_ms)
        .bind(row.started_at_ms)
        .bind(row.finished_at_ms)
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        if let Some(condition) = condition {
            add_condition(&mut tx, row.id, condition, now_ms).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn get(&self, profile: &str, name: &str) -> Result<Option<JobRow>, StoreError> {
        let row = sqlx::query(&format!("{JOB} WHERE profile = $1 AND name = $2"))
            .bind(profile)
            .bind(name)
            .fetch_optional(&self.db.read)
            .await?;
        row.as_ref().map(job_of).transpose()
    }

    pub async fn by_id(&self, id: i64) -> Result<Option<JobRow>, StoreError> {
        let row = sqlx::query(&format!("{JOB} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db.read)
            .await?;
        row.as_ref().map(job_of).transpose()
    }

    /// The profile's jobs, newest first.
    pub async fn list(&self, profile: &str) -> Result<Vec<JobRow>, StoreError> {
        let rows = sqlx::query(&format!("{JOB} WHERE profile = $1 ORDER BY id DESC"))
            .bind(profile)
            .fetch_all(&self.db.read)
            .await?;
        rows.iter().map(job_of).collect()
    }

    /// Every job the controller may still have to act on: all but the finished ones that
    /// have no time to live to wait out (those are read back from the spec by the caller).
    pub async fn all(&self) -> Result<Vec<JobRow>, StoreError> {
        let rows = sqlx::query(&format!("{JOB} ORDER BY id"))
            .fetch_all(&self.db.read)
            .await?;
        rows.iter().map(job_of).collect()
    }

    pub async fn delete(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM training_jobs WHERE id = $1")
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    pub async fn conditions(&self, job_id: i64) -> Result<Vec<JobCondition>, StoreError> {
        let rows = sqlx::query(
            "SELECT condition_type, reason, message, at_ms FROM training_conditions \
             WHERE job_id = $1 ORDER BY id",
        )
        .bind(job_id)
        .fetch_all(&self.db.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(JobCondition {
                    condition_type: r.try_get("condition_type")?,
                    reason: r.try_get("reason")?,
                    message: r.try_get("message")?,
                    at_ms: r.try_get("at_ms")?,
                })
            })
            .collect()
    }

    /// Stores reports; one already stored (same attempt, name and step) is kept as it was.
    pub async fn add_metrics(&self, job_id: i64, reports: &[JobMetric]) -> Result<(), StoreError> {
        if reports.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.write.begin().await?;
        for m in reports {
            sqlx::query(
                "INSERT INTO training_metrics (job_id, attempt, name, step, value, at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (job_id, attempt, name, step) DO NOTHING",
            )
            .bind(job_id)
            .bind(i64::from(m.attempt))
            .bind(&m.name)
            .bind(i64::from(m.step))
            .bind(m.value)
            .bind(m.at_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every report of the job, by attempt, metric and step.
    pub async fn metrics(&self, job_id: i64) -> Result<Vec<JobMetric>, StoreError> {
        let rows = sqlx::query(
            "SELECT attempt, name, step, value, at_ms FROM training_metrics WHERE job_id = $1 \
             ORDER BY attempt, name, step",
        )
        .bind(job_id)
        .fetch_all(&self.db.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(JobMetric {
                    name: r.try_get("name")?,
                    attempt: u32_of(r, "attempt")?,
                    step: u32_of(r, "step")?,
                    value: r.try_get("value")?,
                    at_ms: r.try_get("at_ms")?,
                })
            })
            .collect()
    }
}

async fn add_condition(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job_id: i64,
    (condition_type, reason, message): NewCondition<'_>,
    at_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO training_conditions (job_id, condition_type, reason, message, at_ms) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(job_id)
    .bind(condition_type)
    .bind(reason)
    .bind(message)
    .bind(at_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn job_of(r: &AnyRow) -> Result<JobRow, StoreError> {
    let state: String = r.try_get("state")?;
    Ok(JobRow {
        id: r.try_get("id")?,
        profile: r.try_get("profile")?,
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        manifest: r.try_get("manifest")?,
        spec_json: r.try_get("spec_json")?,
        state: JobState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("training job state {state}")))?,
        attempt: u32_of(r, "attempt")?,
        restarts: u32_of(r, "restarts")?,
        workload_id: r.try_get("workload_id")?,
        restart_at_ms: r.try_get("restart_at_ms")?,
        created_by: r.try_get("created_by")?,
        created_at_ms: r.try_get("created_at_ms")?,
        started_at_ms: r.try_get("started_at_ms")?,
        finished_at_ms: r.try_get("finished_at_ms")?,
    })
}
