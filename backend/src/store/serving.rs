//! Model serving: InferenceServices, their revisions, which workloads are their replicas,
//! per-model tokens (hashes only) and events.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::StoreError;
use super::columns::{opt_u32_of, u32_of};
use super::pools::Pools;

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRow {
    pub id: i64,
    pub profile: String,
    pub name: String,
    pub manifest: String,
    pub canary_percent: Option<u32>,
    pub stable_revision: Option<u32>,
    pub latest_revision: u32,
    pub created_by: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RevisionRow {
    pub service_id: i64,
    pub number: u32,
    pub spec_json: String,
    pub created_at_ms: i64,
    pub ready_at_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaLink {
    pub workload_id: i64,
    pub service_id: i64,
    pub revision: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelTokenRow {
    pub id: i64,
    pub service_id: i64,
    pub hash: String,
    pub label: String,
    pub created_by: String,
    pub created_at_ms: i64,
}

/// What a new spec changes.
pub struct SpecUpdate<'a> {
    pub manifest: &'a str,
    pub canary_percent: Option<u32>,
    /// A new revision's spec when the revision's part changed (numbered by the store: the
    /// first is 1, each next one more than the latest).
    pub new_revision: Option<&'a str>,
    pub now_ms: i64,
}

pub struct Serving<'a> {
    db: &'a Pools,
}

const SERVICE: &str = "SELECT id, profile, name, manifest, canary_percent, stable_revision, \
     latest_revision, created_by, created_at_ms, updated_at_ms FROM inference_services";
const REVISION: &str =
    "SELECT service_id, number, spec_json, created_at_ms, ready_at_ms FROM serving_revisions";
const REPLICA: &str = "SELECT workload_id, service_id, revision FROM serving_replicas";
const TOKEN: &str =
    "SELECT id, service_id, hash, label, created_by, created_at_ms FROM model_tokens";

impl<'a> Serving<'a> {
    pub(super) fn new(db: &'a Pools) -> Self {
        Serving { db }
    }

    /// A new service with its first revision; `None` when the name is taken.
    pub async fn insert(
        &self,
        profile: &str,
        name: &str,
        update: &SpecUpdate<'_>,
        created_by: &str,
    ) -> Result<Option<i64>, StoreError> {
        let (number, spec) = (1, update.new_revision.unwrap_or("{}"));
        let mut tx = self.db.write.begin().await?;
        let row = sqlx::query(
            "INSERT INTO inference_services (profile, name, manifest, canary_percent, \
             latest_revision, created_by, created_at_ms, updated_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
             ON CONFLICT (profile, name) DO NOTHING RETURNING id",
        )
        .bind(profile)
        .bind(name)
        .bind(update.manifest)
        .bind(update.canary_percent.map(i64::from))
        .bind(i64::from(number))
        .bind(created_by)
        .bind(update.now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        insert_revision(&mut tx, id, number, spec, update.now_ms).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// A new spec: the manifest, the canary percent and perhaps a new revision, at once;
    /// answers the new revision's number. The number is taken inside the transaction, so two
    /// changes at once make two revisions rather than a clash.
    pub async fn update(
        &self,
        id: i64,
        update: &SpecUpdate<'_>,
    ) -> Result<Option<u32>, StoreError> {
        let mut tx = self.db.write.begin().await?;
        sqlx::query(
            "UPDATE inference_services SET manifest = $1, canary_percent = $2, \
             updated_at_ms = $3 WHERE id = $4",
        )
        .bind(update.manifest)
        .bind(update.canary_percent.map(i64::from))
        .bind(update.now_ms)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let mut number = None;
        if let Some(spec) = update.new_revision {
            let row = sqlx::query(
                "UPDATE inference_services SET latest_revision = latest_revision + 1 \
                 WHERE id = $1 RETURNING latest_revision",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let next = u32_of(&row, "latest_revision")?;
            insert_revision(&mut tx, id, next, spec, update.now_ms).await?;
            number = Some(next);
        }
        tx.commit().await?;
        Ok(number)
    }

    /// Sets the stable revision (the one that takes what the canary does not). Only that:
    /// a user's change of the canary percent made meanwhile stays.
    pub async fn set_stable(&self, id: i64, stable: Option<u32>) -> Result<(), StoreError> {
        sqlx::query("UPDATE inference_services SET stable_revision = $1 WHERE id = $2")
            .bind(stable.map(i64::from))
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    pub async fn get(&self, profile: &str, name: &str) -> Result<Option<ServiceRow>, StoreError> {
        let row = sqlx::query(&format!("{SERVICE} WHERE profile = $1 AND name = $2"))
            .bind(profile)
            .bind(name)
            .fetch_optional(&self.db.read)
            .await?;
        row.as_ref().map(service_of).transpose()
    }

    pub async fn of_profile(&self, profile: &str) -> Result<Vec<ServiceRow>, StoreError> {
        let rows = sqlx::query(&format!("{SERVICE} WHERE profile = $1 ORDER BY name"))
            .bind(profile)
            .fetch_all(&self.db.read)
            .await?;
        rows.iter().map(service_of).collect()
    }

    /// Every service, for the controller.
    pub async fn all(&self) -> Result<Vec<ServiceRow>, StoreError> {
        let rows = sqlx::query(&format!("{SERVICE} ORDER BY id"))
            .fetch_all(&self.db.read)
            .await?;
        rows.iter().map(service_of).collect()
    }

    pub async fn delete(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM inference_services WHERE id = $1")
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    pub async fn revisions(&self, service_id: i64) -> Result<Vec<RevisionRow>, StoreError> {
        let rows = sqlx::query(&format!("{REVISION} WHERE service_id = $1 ORDER BY number"))
            .bind(service_id)
            .fetch_all(&self.db.read)
            .await?;
        rows.iter().map(revision_of).collect()
    }

    /// Marks a revision ready the first time one of its replicas answers.
    pub async fn set_revision_ready(
        &self,
        service_id: i64,
        number: u32,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE serving_revisions SET ready_at_ms = $1 \
             WHERE service_id = $2 AND number = $3 AND ready_at_ms IS NULL",
        )
        .bind(at_ms)
        .bind(service_id)
        .bind(i64::from(number))
        .execute(&self.db.write)
        .await?;
        Ok(())
    }

    pub async fn add_replica(&self, link: &ReplicaLink) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO serving_replicas (workload_id, service_id, revision) VALUES ($1, $2, $3)",
        )
        .bind(link.workload_id)
        .bind(link.service_id)
        .bind(i64::from(link.revision))
        .execute(&self.db.write)
        .await?;
        Ok(())
    }

    pub async fn remove_replica(&self, workload_id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM serving_replicas WHERE workload_id = $1")
            .bind(workload_id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    /// Every replica of every service.
    pub async fn replicas(&self) -> Result<Vec<ReplicaLink>, StoreError> {
        let rows = sqlx::query(&format!("{REPLICA} ORDER BY workload_id"))
            .fetch_all(&self.db.read)
            .await?;
        rows.iter().map(link_of).collect()
    }

    /// One service's replicas.
    pub async fn replicas_of(&self, service_id: i64) -> Result<Vec<ReplicaLink>, StoreError> {
        let rows = sqlx::query(&format!(
            "{REPLICA} WHERE service_id = $1 ORDER BY workload_id"
        ))
        .bind(service_id)
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(link_of).collect()
    }

    pub async fn insert_token(
        &self,
        service_id: i64,
        hash: &str,
        label: &str,
        created_by: &str,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO model_tokens (service_id, hash, label, created_by, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(service_id)
        .bind(hash)
        .bind(label)
        .bind(created_by)
        .bind(now_ms)
        .fetch_one(&self.db.write)
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Every token of every service (the router keeps them in memory).
    pub async fn tokens(&self) -> Result<Vec<ModelTokenRow>, StoreError> {
        let rows = sqlx::query(&format!("{TOKEN} ORDER BY id"))
            .fetch_all(&self.db.read)
            .await?;
        rows.iter().map(token_of).collect()
    }

    /// One service's tokens.
    pub async fn tokens_of(&self, service_id: i64) -> Result<Vec<ModelTokenRow>, StoreError> {
        let rows = sqlx::query(&format!("{TOKEN} WHERE service_id = $1 ORDER BY id"))
            .bind(service_id)
            .fetch_all(&self.db.read)
            .await?;
        rows.iter().map(token_of).collect()
    }

    /// Deletes the service's token `id`; answers its hash, `None` when it was not the
    /// service's.
    pub async fn delete_token(
        &self,
        service_id: i64,
        id: i64,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM model_tokens WHERE id = $1 AND service_id = $2 RETURNING hash",
        )
        .bind(id)
        .bind(service_id)
        .fetch_optional(&self.db.write)
        .await?;
        row.map(|r| r.try_get("hash").map_err(StoreError::from))
            .transpose()
    }

    pub async fn add_event(
        &self,
        service_id: i64,
        at_ms: i64,
        message: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO serving_events (service_id, at_ms, message) VALUES ($1, $2, $3)")
            .bind(service_id)
            .bind(at_ms)
            .bind(message)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    /// The latest `limit` events, oldest first.
    pub async fn events(
        &self,
        service_id: i64,
        limit: u32,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT at_ms, message FROM serving_events WHERE service_id = $1 \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(service_id)
        .bind(i64::from(limit))
        .fetch_all(&self.db.read)
        .await?;
        let mut events = rows
            .iter()
            .map(|r| Ok((r.try_get("at_ms")?, r.try_get("message")?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        events.reverse();
        Ok(events)
    }
}

async fn insert_revision(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    service_id: i64,
    number: u32,
    spec_json: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO serving_revisions (service_id, number, spec_json, created_at_ms) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(service_id)
    .bind(i64::from(number))
    .bind(spec_json)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn service_of(r: &AnyRow) -> Result<ServiceRow, StoreError> {
    Ok(ServiceRow {
        id: r.try_get("id")?,
        profile: r.try_get("profile")?,
        name: r.try_get("name")?,
        manifest: r.try_get("manifest")?,
        canary_percent: opt_u32_of(r, "canary_percent")?,
        stable_revision: opt_u32_of(r, "stable_revision")?,
        latest_revision: u32_of(r, "latest_revision")?,
        created_by: r.try_get("created_by")?,
        created_at_ms: r.try_get("created_at_ms")?,
        updated_at_ms: r.try_get("updated_at_ms")?,
    })
}

fn revision_of(r: &AnyRow) -> Result<RevisionRow, StoreError> {
    Ok(RevisionRow {
        service_id: r.try_get("service_id")?,
        number: u32_of(r, "number")?,
        spec_json: r.try_get("spec_json")?,
        created_at_ms: r.try_get("created_at_ms")?,
        ready_at_ms: r.try_get("ready_at_ms")?,
    })
}

fn link_of(r: &AnyRow) -> Result<ReplicaLink, StoreError> {
    Ok(ReplicaLink {
        workload_id: r.try_get("workload_id")?,
        service_id: r.try_get("service_id")?,
        revision: u32_of(r, "revision")?,
    })
}

fn token_of(r: &AnyRow) -> Result<ModelTokenRow, StoreError> {
    Ok(ModelTokenRow {
        id: r.try_get("id")?,
        service_id: r.try_get("service_id")?,
        hash: r.try_get("hash")?,
        label: r.try_get("label")?,
        created_by: r.try_get("created_by")?,
        created_at_ms: r.try_get("created_at_ms")?,
    })
}
