//! Tuning experiments (rows of `experiments` of kind `tuning`), their trials and the metrics
//! the trials report.

use api::{TrialState, TuningState};
use sqlx::Row;

use super::StoreError;
use super::pools::Pools;

#[derive(Debug, Clone, PartialEq)]
pub struct TuningRow {
    pub id: i64,
    pub profile: String,
    pub name: String,
    pub manifest: String,
    pub state: TuningState,
    pub reason: Option<String>,
    pub seed: u64,
    pub created_by: String,
    pub created_at_ms: i64,
    pub finished_at_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrialRow {
    pub id: i64,
    pub experiment_id: i64,
    pub number: u32,
    pub name: String,
    /// The parameters' values as text, in the spec's order.
    pub assignment: Vec<String>,
    pub state: TrialState,
    pub reason: Option<String>,
    pub workload_id: Option<i64>,
    /// A pipeline trial's run.
    pub run_id: Option<i64>,
    pub objective: Option<f64>,
    pub created_at_ms: i64,
    pub finished_at_ms: Option<i64>,
}

/// One report of a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    pub trial_id: i64,
    pub name: String,
    pub step: u32,
    pub value: f64,
    pub at_ms: i64,
}

/// How a trial ended.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialEnd {
    pub state: TrialState,
    pub reason: Option<String>,
    pub objective: Option<f64>,
    pub at_ms: i64,
}

pub struct Tuning<'a> {
    db: &'a Pools,
}

const EXPERIMENT: &str = "SELECT id, profile, name, manifest, state, reason, seed, created_by, \
     created_at_ms, finished_at_ms FROM experiments";
const TRIAL: &str = "SELECT id, experiment_id, number, name, assignment_json, state, reason, \
     workload_id, run_id, objective, created_at_ms, finished_at_ms FROM trials";

impl<'a> Tuning<'a> {
    pub(super) fn new(db: &'a Pools) -> Self {
        Tuning { db }
    }

    /// `None` when the profile has an experiment of that name (of either kind).
    pub async fn insert(
        &self,
        profile: &str,
        name: &str,
        manifest: &str,
        seed: u64,
        created_by: &str,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "INSERT INTO experiments (profile, name, description, created_at_ms, kind, manifest, \
             state, seed, created_by) VALUES ($1, $2, '', $3, 'tuning', $4, 'running', $5, $6) \
             ON CONFLICT (profile, name) DO NOTHING RETURNING id",
        )
        .bind(profile)
        .bind(name)
        .bind(now_ms)
        .bind(manifest)
        .bind(seed as i64)
        .bind(created_by)
        .fetch_optional(&self.db.write)
        .await?;
        row.map(|r| r.try_get("id").map_err(StoreError::from))
            .transpose()
    }

    pub async fn get(&self, profile: &str, name: &str) -> Result<Option<TuningRow>, StoreError> {
        let row = sqlx::query(&format!(
            "{EXPERIMENT} WHERE kind = 'tuning' AND profile = $1 AND name = $2"
        ))
        .bind(profile)
        .bind(name)
        .fetch_optional(&self.db.read)
        .await?;
        row.as_ref().map(tuning_of).transpose()
    }

    pub async fn by_id(&self, id: i64) -> Result<Option<TuningRow>, StoreError> {
        let row = sqlx::query(&format!("{EXPERIMENT} WHERE kind = 'tuning' AND id = $1"))
            .bind(id)
            .fetch_optional(&self.db.read)
            .await?;
        row.as_ref().map(tuning_of).transpose()
    }

    /// Experiments the controller drives: running ones.
    pub async fn running(&self) -> Result<Vec<TuningRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "{EXPERIMENT} WHERE kind = 'tuning' AND state = 'running' ORDER BY id"
        ))
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(tuning_of).collect()
    }

    /// Moves the experiment to `to`, only from `from` when given (a stop and the controller's
    /// own end must not overwrite each other); answers whether it moved.
    pub async fn set_state(
        &self,
        id: i64,
        from: Option<TuningState>,
        to: TuningState,
        reason: Option<&str>,
        finished_at_ms: Option<i64>,
    ) -> Result<bool, StoreError> {
        let only_from = if from.is_some() {
            " AND state = $5"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE experiments SET state = $1, reason = $2, finished_at_ms = $3 \
             WHERE id = $4{only_from}"
        );
        let mut query = sqlx::query(&sql)
            .bind(to.as_str())
            .bind(reason)
            .bind(finished_at_ms)
            .bind(id);
        if let Some(from) = from {
            query = query.bind(from.as_str());
        }
        let done = query.execute(&self.db.write).await?;
        Ok(done.rows_affected() == 1)
    }

    /// A new running trial; `None` when its number is taken.
    pub async fn insert_trial(
        &self,
        experiment_id: i64,
        number: u32,
        name: &str,
        assignment: &[String],
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let json = serde_json::to_string(assignment).unwrap_or_else(|_| "[]".into());
        let row = sqlx::query(
            "INSERT INTO trials (experiment_id, number, name, assignment_json, state, \
             created_at_ms) VALUES ($1, $2, $3, $4, 'running', $5) \
             ON CONFLICT (experiment_id, number) DO NOTHING RETURNING id",
        )
        .bind(experiment_id)
        .bind(i64::from(number))
        .bind(name)
        .bind(json)
        .bind(now_ms)
        .fetch_optional(&self.db.write)
        .await?;
        row.map(|r| r.try_get("id").map_err(StoreError::from))
            .transpose()
    }

    pub async fn set_trial_workload(
        &self,
        trial_id: i64,
        workload_id: i64,
    ) -> Result<(), StoreError> {
        self.set_trial_link(trial_id, "workload_id", workload_id)
            .await
    }

    pub async fn set_trial_run(&self, trial_id: i64, run_id: i64) -> Result<(), StoreError> {
        self.set_trial_link(trial_id, "run_id", run_id).await
    }

    /// What runs a trial: `column` is `workload_id` or `run_id`.
    async fn set_trial_link(&self, trial_id: i64, column: &str, id: i64) -> Result<(), StoreError> {
        sqlx::query(&format!("UPDATE trials SET {column} = $1 WHERE id = $2"))
            .bind(id)
            .bind(trial_id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    /// Records a trial's end, once: a trial already finished keeps its first end.
    pub async fn finish_trial(&self, trial_id: i64, end: &TrialEnd) -> Result<bool, StoreError> {
        // The Any driver sends a NULL double in a format PostgreSQL refuses: no objective is
        // written as SQL's NULL instead of a bound one.
        let objective = if end.objective.is_some() {
            "$5"
        } else {
            "NULL"
        };
        let sql = format!(
            "UPDATE trials SET state = $1, reason = $2, finished_at_ms = $3, objective = {objective} \
             WHERE id = $4 AND state = 'running'"
        );
        let mut query = sqlx::query(&sql)
            .bind(end.state.as_str())
            .bind(end.reason.as_deref())
            .bind(end.at_ms)
            .bind(trial_id);
        if let Some(value) = end.objective {
            query = query.bind(value);
        }
        let done = query.execute(&self.db.write).await?;
        Ok(done.rows_affected() == 1)
    }

    /// The experiment's trials, by number.
    pub async fn trials(&self, experiment_id: i64) -> Result<Vec<TrialRow>, StoreError> {
        let rows = sqlx::query(&format!("{TRIAL} WHERE experiment_id = $1 ORDER BY number"))
            .bind(experiment_id)
            .fetch_all(&self.db.read)
            .await?;
        rows.iter().map(trial_of).collect()
    }

    pub async fn trial(
        &self,
        experiment_id: i64,
        name: &str,
    ) -> Result<Option<TrialRow>, StoreError> {
        let row = sqlx::query(&format!("{TRIAL} WHERE experiment_id = $1 AND name = $2"))
            .bind(experiment_id)
            .bind(name)
            .fetch_optional(&self.db.read)
            .await?;
        row.as_ref().map(trial_of).transpose()
    }

    /// Stores reports in one transaction; a report already stored (same trial, metric and
    /// step: read again after a restart) is kept as it was.
    pub async fn add_metrics(&self, reports: &[MetricRow]) -> Result<(), StoreError> {
        if reports.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.write.begin().await?;
        for r in reports {
            sqlx::query(
                "INSERT INTO trial_metrics (trial_id, name, step, value, at_ms) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (trial_id, name, step) DO NOTHING",
            )
            .bind(r.trial_id)
            .bind(&r.name)
            .bind(i64::from(r.step))
            .bind(r.value)
            .bind(r.at_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every report of the experiment's trials, by trial, metric and step.
    pub async fn metrics_of_experiment(
        &self,
        experiment_id: i64,
    ) -> Result<Vec<MetricRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.trial_id, m.name, m.step, m.value, m.at_ms FROM trial_metrics m \
             JOIN trials t ON t.id = m.trial_id WHERE t.experiment_id = $1 \
             ORDER BY m.trial_id, m.name, m.step",
        )
        .bind(experiment_id)
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(metric_of).collect()
    }

    /// Every report of one trial, by metric and step.
    pub async fn metrics_of_trial(&self, trial_id: i64) -> Result<Vec<MetricRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT trial_id, name, step, value, at_ms FROM trial_metrics WHERE trial_id = $1 \
             ORDER BY name, step",
        )
        .bind(trial_id)
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(metric_of).collect()
    }
}

fn tuning_of(r: &sqlx::any::AnyRow) -> Result<TuningRow, StoreError> {
    let state: Option<String> = r.try_get("state")?;
    let seed: Option<i64> = r.try_get("seed")?;
    Ok(TuningRow {
        id: r.try_get("id")?,
        profile: r.try_get("profile")?,
        name: r.try_get("name")?,
        manifest: r
            .try_get::<Option<String>, _>("manifest")?
            .unwrap_or_default(),
        state: state
            .as_deref()
            .and_then(TuningState::parse)
            .ok_or_else(|| StoreError::Corrupt(format!("tuning state {state:?}")))?,
        reason: r.try_get("reason")?,
        seed: seed.unwrap_or_default() as u64,
        created_by: r
            .try_get::<Option<String>, _>("created_by")?
            .unwrap_or_default(),
        created_at_ms: r.try_get("created_at_ms")?,
        finished_at_ms: r.try_get("finished_at_ms")?,
    })
}

fn trial_of(r: &sqlx::any::AnyRow) -> Result<TrialRow, StoreError> {
    let state: String = r.try_get("state")?;
    let assignment: String = r.try_get("assignment_json")?;
    let number: i64 = r.try_get("number")?;
    Ok(TrialRow {
        id: r.try_get("id")?,
        experiment_id: r.try_get("experiment_id")?,
        number: u32::try_from(number).unwrap_or_default(),
        name: r.try_get("name")?,
        assignment: serde_json::from_str(&assignment)
            .map_err(|e| StoreError::Corrupt(format!("trial assignment: {e}")))?,
        state: TrialState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("trial state {state:?}")))?,
        reason: r.try_get("reason")?,
        workload_id: r.try_get("workload_id")?,
        run_id: r.try_get("run_id")?,
        objective: r.try_get("objective")?,
        created_at_ms: r.try_get("created_at_ms")?,
        finished_at_ms: r.try_get("finished_at_ms")?,
    })
}

fn metric_of(r: &sqlx::any::AnyRow) -> Result<MetricRow, StoreError> {
    let step: i64 = r.try_get("step")?;
    Ok(MetricRow {
        trial_id: r.try_get("trial_id")?,
        name: r.try_get("name")?,
        step: u32::try_from(step).unwrap_or_default(),
        value: r.try_get("value")?,
        at_ms: r.try_get("at_ms")?,
    })
}
