//! The nodes of a run's graph that the engine reached, one row each, and the metrics its
//! tasks reported. The engine rebuilds a run from these rows after a restart.

use api::TaskState;
use serde_json::Value;
use sqlx::Row;

use super::pools::Pools;

use super::StoreError;

#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    pub node: String,
    pub state: TaskState,
    pub reason: String,
    pub attempt: u32,
    pub workload_id: Option<i64>,
    pub cache_key: Option<String>,
    pub inputs: Option<Value>,
    pub outputs: Option<Value>,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
}

pub struct RunTasks<'a> {
    db: &'a Pools,
}

const COLUMNS: &str = "node, state, reason, attempt, workload_id, cache_key, inputs_json, \
     outputs_json, started_at_ms, finished_at_ms";

impl<'a> RunTasks<'a> {
    pub(super) fn new(db: &'a Pools) -> Self {
        RunTasks { db }
    }

    /// Writes a node's row, new or not.
    pub async fn put(&self, run_id: i64, task: &TaskRow) -> Result<(), StoreError> {
        self.put_all(run_id, std::slice::from_ref(task)).await
    }

    /// Writes nodes' rows in one transaction (one commit for a whole walk's changes).
    pub async fn put_all(&self, run_id: i64, tasks: &[TaskRow]) -> Result<(), StoreError> {
        let json = |v: &Option<Value>| v.as_ref().map(Value::to_string);
        let sql = format!(
            "INSERT INTO run_tasks (run_id, {COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (run_id, node) DO UPDATE SET state = $3, reason = $4, attempt = $5, \
             workload_id = $6, cache_key = $7, inputs_json = $8, outputs_json = $9, \
             started_at_ms = $10, finished_at_ms = $11"
        );
        let mut tx = self.db.write.begin().await?;
        for task in tasks {
            sqlx::query(&sql)
                .bind(run_id)
                .bind(&task.node)
                .bind(task.state.as_str())
                .bind(&task.reason)
                .bind(i64::from(task.attempt))
                .bind(task.workload_id)
                .bind(task.cache_key.as_deref())
                .bind(json(&task.inputs))
                .bind(json(&task.outputs))
                .bind(task.started_at_ms)
                .bind(task.finished_at_ms)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Forgets nodes (a retried run's nodes that will run again).
    pub async fn remove(&self, run_id: i64, nodes: &[String]) -> Result<(), StoreError> {
        let mut tx = self.db.write.begin().await?;
        for node in nodes {
            sqlx::query("DELETE FROM run_tasks WHERE run_id = $1 AND node = $2")
                .bind(run_id)
                .bind(node)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A run's nodes, in the order they were reached.
    pub async fn of_run(&self, run_id: i64) -> Result<Vec<TaskRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM run_tasks WHERE run_id = $1 ORDER BY id"
        ))
        .bind(run_id)
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(task_of).collect()
    }

    /// The outputs of the newest task of the profile that succeeded with this cache key.
    pub async fn cached_outputs(
        &self,
        profile: &str,
        cache_key: &str,
    ) -> Result<Option<Value>, StoreError> {
        let row = sqlx::query(
            "SELECT t.outputs_json FROM run_tasks t JOIN runs r ON r.id = t.run_id \
             WHERE t.cache_key = $1 AND r.profile = $2 AND t.state = 'succeeded' \
             AND t.outputs_json IS NOT NULL ORDER BY t.id DESC LIMIT 1",
        )
        .bind(cache_key)
        .bind(profile)
        .fetch_optional(&self.db.read)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let text: String = row.try_get("outputs_json")?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("task outputs: {e}")))
    }

    /// Records a task's metrics (replacing what it reported before).
    pub async fn put_metrics(
        &self,
        run_id: i64,
        node: &str,
        metrics: &[(String, f64)],
    ) -> Result<(), StoreError> {
        let mut tx = self.db.write.begin().await?;
        sqlx::query("DELETE FROM run_metrics WHERE run_id = $1 AND node = $2")
            .bind(run_id)
            .bind(node)
            .execute(&mut *tx)
            .await?;
        for (name, value) in metrics {
            sqlx::query(
                "INSERT INTO run_metrics (run_id, node, name, value) VALUES ($1, $2, $3, $4)",
            )
            .bind(run_id)
            .bind(node)
            .bind(name)
            .bind(*value)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A run's metrics: (node, name, value), by node then name.
    pub async fn metrics(&self, run_id: i64) -> Result<Vec<(String, String, f64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT node, name, value FROM run_metrics WHERE run_id = $1 ORDER BY node, name",
        )
        .bind(run_id)
        .fetch_all(&self.db.read)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("node")?, r.try_get("name")?, r.try_get("value")?)))
            .collect()
    }
}

fn task_of(r: &sqlx::any::AnyRow) -> Result<TaskRow, StoreError> {
    let state: String = r.try_get("state")?;
    let attempt: i64 = r.try_get("attempt")?;
    let json = |column: &str| -> Result<Option<Value>, StoreError> {
        let text: Option<String> = r.try_get(column)?;
        text.map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("task {column}: {e}")))
    };
    Ok(TaskRow {
        node: r.try_get("node")?,
        state: TaskState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("task state `{state}`")))?,
        reason: r.try_get("reason")?,
        attempt: u32::try_from(attempt).unwrap_or(0),
        workload_id: r.try_get("workload_id")?,
        cache_key: r.try_get("cache_key")?,
        inputs: json("inputs_json")?,
        outputs: json("outputs_json")?,
        started_at_ms: r.try_get("started_at_ms")?,
        finished_at_ms: r.try_get("finished_at_ms")?,
    })
}
