//! Workloads and their events. A phase change and its event are written in one transaction,
//! so the history never misses a step that the status shows.

use std::collections::HashMap;

use api::{Phase, ReplicaPlacement, WorkloadKind, WorkloadSpec};
use sqlx::Row;

use super::pools::Pools;

use super::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadRow {
    pub id: i64,
    pub profile: String,
    pub name: String,
    pub kind: WorkloadKind,
    pub priority_class: String,
    pub priority: i32,
    pub spec: WorkloadSpec,
    pub phase: Phase,
    pub reason: Option<String>,
    pub placements: Vec<ReplicaPlacement>,
    pub created_at_ms: i64,
    pub admitted_at_ms: Option<i64>,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
}

/// One phase change of one workload, for [`Workloads::transition_all`].
#[derive(Debug, Clone, Copy)]
pub struct Transition<'a> {
    pub id: i64,
    pub phase: Phase,
    pub reason: &'a str,
    pub placements: &'a [ReplicaPlacement],
    pub at_ms: i64,
}

/// What is stored for a new workload; it starts queued.
#[derive(Debug, Clone)]
pub struct NewWorkload<'a> {
    pub profile: &'a str,
    pub spec: &'a WorkloadSpec,
    pub priority_class: &'a str,
    pub priority: i32,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub at_ms: i64,
    pub phase: Phase,
    pub reason: String,
}

pub struct Workloads<'a> {
    db: &'a Pools,
}

const COLUMNS: &str = "id, profile, name, kind, priority_class, priority, spec_json, phase, \
     reason, placements_json, created_at_ms, admitted_at_ms, started_at_ms, finished_at_ms";

/// Phases that hold or wait for resources: what the scheduler and the runtimes look at.
const ACTIVE: &str = "('queued', 'admitted', 'starting', 'running')";

impl<'a> Workloads<'a> {
    pub(super) fn new(db: &'a Pools) -> Self {
        Workloads { db }
    }

    /// Stores a queued workload and its first event; answers the row as stored, or `None` when
    /// the profile already has a workload of that name.
    pub async fn insert(&self, new: &NewWorkload<'_>) -> Result<Option<WorkloadRow>, StoreError> {
        let stored = self.insert_all(std::slice::from_ref(new)).await?;
        Ok(stored.into_iter().next().flatten())
    }

    /// [`Workloads::insert`] for several workloads in one transaction (a wave of pipeline
    /// tasks); one answer per workload, in order.
    pub async fn insert_all(
        &self,
        news: &[NewWorkload<'_>],
    ) -> Result<Vec<Option<WorkloadRow>>, StoreError> {
        let mut answers = Vec::with_capacity(news.len());
        let mut tx = self.db.write.begin().await?;
        for new in news {
            let row = sqlx::query(&format!(
                "INSERT INTO workloads (profile, name, kind, priority_class, priority, spec_json, \
                 phase, reason, placements_json, created_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'queued', NULL, '[]', $7) \
                 ON CONFLICT (profile, name) DO NOTHING RETURNING {COLUMNS}"
            ))
            .bind(new.profile)
            .bind(&new.spec.name)
            .bind(new.spec.kind.as_str())
            .bind(new.priority_class)
            .bind(i64::from(new.priority))
            .bind(json(new.spec, "workload spec")?)
            .bind(new.now_ms)
            .fetch_optional(&mut *tx)
            .await?;
            // None: the name was taken, and nothing was written.
            let stored = row.map(|r| workload_of(&r)).transpose()?;
            if let Some(stored) = &stored {
                insert_event(&mut tx, stored.id, new.now_ms, Phase::Queued, "submitted").await?;
            }
            answers.push(stored);
        }
        tx.commit().await?;
        Ok(answers)
    }

    pub async fn get(&self, profile: &str, name: &str) -> Result<Option<WorkloadRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM workloads WHERE profile = $1 AND name = $2"
        ))
        .bind(profile)
        .bind(name)
        .fetch_optional(&self.db.read)
        .await?;
        row.map(|r| workload_of(&r)).transpose()
    }

    pub async fn by_id(&self, id: i64) -> Result<Option<WorkloadRow>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM workloads WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db.read)
            .await?;
        row.map(|r| workload_of(&r)).transpose()
    }

    /// A profile's workloads, oldest first.
    /// The names of the workloads with these ids (those that exist), a few queries for many.
    pub async fn names_of(&self, ids: &[i64]) -> Result<HashMap<i64, String>, StoreError> {
        let mut names = HashMap::with_capacity(ids.len());
        // Well under what either database takes as bound parameters in one statement.
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id, name FROM workloads WHERE id IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&self.db.read).await? {
                names.insert(row.try_get("id")?, row.try_get("name")?);
            }
        }
        Ok(names)
    }

    pub async fn of_profile(&self, profile: &str) -> Result<Vec<WorkloadRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM workloads WHERE profile = $1 ORDER BY id"
        ))
        .bind(profile)
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(workload_of).collect()
    }

    /// Every workload that waits or holds resources, oldest first.
    pub async fn active(&self) -> Result<Vec<WorkloadRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM workloads WHERE phase IN {ACTIVE} ORDER BY id"
        ))
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(workload_of).collect()
    }

    /// Moves a workload to `phase` with its reason and placements, stamps the phase's time and
    /// records the event. Answers whether the workload exists.
    pub async fn transition(
        &self,
        id: i64,
        phase: Phase,
        reason: &str,
        placements: &[ReplicaPlacement],
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = self
            .transition_all(&[Transition {
                id,
                phase,
                reason,
                placements,
                at_ms: now_ms,
            }])
            .await?;
        Ok(done.first().copied().unwrap_or(false))
    }

    /// [`Workloads::transition`] for several changes in one transaction: a scheduling cycle
    /// that admits a wave of workloads commits once, not twice per workload. Answers, for each
    /// change, whether its workload exists.
    pub async fn transition_all(
        &self,
        changes: &[Transition<'_>],
    ) -> Result<Vec<bool>, StoreError> {
        let mut done = Vec::with_capacity(changes.len());
        let mut tx = self.db.write.begin().await?;
        for change in changes {
            let (sql, stamped) = transition_sql(change.phase);
            let mut query = sqlx::query(&sql)
                .bind(change.phase.as_str())
                .bind(change.reason)
                .bind(json(change.placements, "placements")?)
                .bind(change.id);
            if stamped {
                query = query.bind(change.at_ms);
            }
            let found = query.execute(&mut *tx).await?.rows_affected() == 1;
            if found {
                insert_event(
                    &mut tx,
                    change.id,
                    change.at_ms,
                    change.phase,
                    change.reason,
                )
                .await?;
            }
            done.push(found);
        }
        tx.commit().await?;
        Ok(done)
    }

    /// Changes what a waiting workload holds (some replicas of a non-gang workload) and why it
    /// waits, without an event: this changes from cycle to cycle.
    pub async fn set_waiting(
        &self,
        id: i64,
        reason: &str,
        placements: &[ReplicaPlacement],
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE workloads SET reason = $1, placements_json = $2 \
             WHERE id = $3 AND phase = 'queued'",
        )
        .bind(reason)
        .bind(json(placements, "placements")?)
        .bind(id)
        .execute(&self.db.write)
        .await?;
        Ok(())
    }

    pub async fn events(&self, id: i64) -> Result<Vec<EventRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT at_ms, phase, reason FROM workload_events WHERE workload_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.db.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(EventRow {
                    at_ms: r.try_get("at_ms")?,
                    phase: phase_of(&r.try_get::<String, _>("phase")?)?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect()
    }

    /// Deletes a workload and its events; answers whether there was one.
    pub async fn delete(&self, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM workloads WHERE id = $1")
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// The UPDATE for a move to `phase`, and whether it binds the phase's time as `$5`.
fn transition_sql(phase: Phase) -> (String, bool) {
    let stamped = match phase {
        Phase::Admitted => Some("admitted_at_ms"),
        Phase::Running => Some("started_at_ms"),
        p if p.is_finished() => Some("finished_at_ms"),
        _ => None,
    };
    let times = match stamped {
        Some(column) => format!(", {column} = $5"),
        // Back in the queue: the times of the last run no longer apply.
        None => ", admitted_at_ms = NULL, started_at_ms = NULL, finished_at_ms = NULL".to_owned(),
    };
    let sql = format!(
        "UPDATE workloads SET phase = $1, reason = $2, placements_json = $3{times} WHERE id = $4"
    );
    (sql, stamped.is_some())
}

async fn insert_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
    at_ms: i64,
    phase: Phase,
    reason: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO workload_events (workload_id, at_ms, phase, reason) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(at_ms)
    .bind(phase.as_str())
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn json<T: serde::Serialize + ?Sized>(value: &T, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn phase_of(text: &str) -> Result<Phase, StoreError> {
    Phase::parse(text).ok_or_else(|| StoreError::Corrupt(format!("workload phase `{text}`")))
}

fn workload_of(r: &sqlx::any::AnyRow) -> Result<WorkloadRow, StoreError> {
    let kind: String = r.try_get("kind")?;
    let spec: String = r.try_get("spec_json")?;
    let placements: String = r.try_get("placements_json")?;
    let priority: i64 = r.try_get("priority")?;
    Ok(WorkloadRow {
        id: r.try_get("id")?,
        profile: r.try_get("profile")?,
        name: r.try_get("name")?,
        kind: WorkloadKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("workload kind `{kind}`")))?,
        priority_class: r.try_get("priority_class")?,
        priority: i32::try_from(priority)
            .map_err(|_| StoreError::Corrupt(format!("workload priority {priority}")))?,
        spec: serde_json::from_str(&spec)
            .map_err(|e| StoreError::Corrupt(format!("workload spec: {e}")))?,
        phase: phase_of(&r.try_get::<String, _>("phase")?)?,
        reason: r.try_get("reason")?,
        placements: serde_json::from_str(&placements)
            .map_err(|e| StoreError::Corrupt(format!("placements: {e}")))?,
        created_at_ms: r.try_get("created_at_ms")?,
        admitted_at_ms: r.try_get("admitted_at_ms")?,
        started_at_ms: r.try_get("started_at_ms")?,
        finished_at_ms: r.try_get("finished_at_ms")?,
    })
}
