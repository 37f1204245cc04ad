//! Pipelines and their versions. A version's document never changes; deleting a pipeline or a
//! version only marks it, so that runs made from it keep their graph.

use sqlx::Row;

use super::pools::Pools;

use super::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineRow {
    pub id: i64,
    pub profile: String,
    pub name: String,
    pub description: String,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRow {
    pub id: i64,
    pub pipeline_id: i64,
    pub pipeline: String,
    pub profile: String,
    pub name: String,
    pub description: String,
    /// `kfp-ir` or `capstan`.
    pub format: String,
    pub source: String,
    pub created_at_ms: i64,
    pub deleted: bool,
}

/// A version to store.
#[derive(Debug, Clone, Copy)]
pub struct NewVersion<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub format: &'a str,
    pub source: &'a str,
    pub now_ms: i64,
}

pub struct Pipelines<'a> {
    db: &'a Pools,
}

const VERSION_COLUMNS: &str = "v.id, v.pipeline_id, p.name AS pipeline, p.profile, v.name, \
     v.description, v.format, v.source, v.created_at_ms, v.deleted_at_ms";

impl<'a> Pipelines<'a> {
    pub(super) fn new(db: &'a Pools) -> Self {
        Pipelines { db }
    }

    /// Stores a new pipeline with its first version, both or neither; `None` when the profile
    /// has a pipeline of that name. Answers the pipeline's and the version's ids.
    pub async fn create(
        &self,
        profile: &str,
        name: &str,
        description: &str,
        version: NewVersion<'_>,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        let mut tx = self.db.write.begin().await?;
        let row = sqlx::query(
            "INSERT INTO pipelines (profile, name, description, created_at_ms) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (profile, name) WHERE deleted_at_ms IS NULL DO NOTHING RETURNING id",
        )
        .bind(profile)
        .bind(name)
        .bind(description)
        .bind(version.now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let pipeline_id: i64 = row.try_get("id")?;
        let version_id = insert_version(&mut tx, pipeline_id, version)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a new pipeline already had a version".into()))?;
        tx.commit().await?;
        Ok(Some((pipeline_id, version_id)))
    }

    /// Adds a version; `None` when the pipeline has one of that name.
    pub async fn add_version(
        &self,
        pipeline_id: i64,
        version: NewVersion<'_>,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.db.write.begin().await?;
        let id = insert_version(&mut tx, pipeline_id, version).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn get(&self, profile: &str, name: &str) -> Result<Option<PipelineRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, profile, name, description, created_at_ms FROM pipelines \
             WHERE profile = $1 AND name = $2 AND deleted_at_ms IS NULL",
        )
        .bind(profile)
        .bind(name)
        .fetch_optional(&self.db.read)
        .await?;
        row.map(|r| pipeline_of(&r)).transpose()
    }

    /// A profile's pipelines, by name.
    pub async fn of_profile(&self, profile: &str) -> Result<Vec<PipelineRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, profile, name, description, created_at_ms FROM pipelines \
             WHERE profile = $1 AND deleted_at_ms IS NULL ORDER BY name",
        )
        .bind(profile)
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(pipeline_of).collect()
    }

    /// The versions of a profile's pipelines that are not deleted, newest first.
    pub async fn versions_of_profile(&self, profile: &str) -> Result<Vec<VersionRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM pipeline_versions v \
             JOIN pipelines p ON p.id = v.pipeline_id \
             WHERE p.profile = $1 AND p.deleted_at_ms IS NULL AND v.deleted_at_ms IS NULL \
             ORDER BY v.created_at_ms DESC, v.id DESC"
        ))
        .bind(profile)
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(version_of).collect()
    }

    /// A version that is not deleted.
    pub async fn version(
        &self,
        pipeline_id: i64,
        name: &str,
    ) -> Result<Option<VersionRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM pipeline_versions v \
             JOIN pipelines p ON p.id = v.pipeline_id \
             WHERE v.pipeline_id = $1 AND v.name = $2 AND v.deleted_at_ms IS NULL"
        ))
        .bind(pipeline_id)
        .bind(name)
        .fetch_optional(&self.db.read)
        .await?;
        row.map(|r| version_of(&r)).transpose()
    }

    /// The newest version that is not deleted.
    pub async fn latest_version(&self, pipeline_id: i64) -> Result<Option<VersionRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM pipeline_versions v \
             JOIN pipelines p ON p.id = v.pipeline_id \
             WHERE v.pipeline_id = $1 AND v.deleted_at_ms IS NULL \
             ORDER BY v.created_at_ms DESC, v.id DESC LIMIT 1"
        ))
        .bind(pipeline_id)
        .fetch_optional(&self.db.read)
        .await?;
        row.map(|r| version_of(&r)).transpose()
    }

    /// Any version, deleted or not (what a run was made from).
    pub async fn version_by_id(&self, id: i64) -> Result<Option<VersionRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM pipeline_versions v \
             JOIN pipelines p ON p.id = v.pipeline_id WHERE v.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.db.read)
        .await?;
        row.map(|r| version_of(&r)).transpose()
    }

    /// Marks a pipeline and all its versions deleted.
    pub async fn delete(&self, pipeline_id: i64, now_ms: i64) -> Result<(), StoreError> {
        let mut tx = self.db.write.begin().await?;
        sqlx::query(
            "UPDATE pipeline_versions SET deleted_at_ms = $1 \
             WHERE pipeline_id = $2 AND deleted_at_ms IS NULL",
        )
        .bind(now_ms)
        .bind(pipeline_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE pipelines SET deleted_at_ms = $1 WHERE id = $2")
            .bind(now_ms)
            .bind(pipeline_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_version(&self, version_id: i64, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE pipeline_versions SET deleted_at_ms = $1 WHERE id = $2")
            .bind(now_ms)
            .bind(version_id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }
}

async fn insert_version(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    pipeline_id: i64,
    version: NewVersion<'_>,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query(
        "INSERT INTO pipeline_versions \
         (pipeline_id, name, description, format, source, created_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (pipeline_id, name) WHERE deleted_at_ms IS NULL DO NOTHING RETURNING id",
    )
    .bind(pipeline_id)
    .bind(version.name)
    .bind(version.description)
    .bind(version.format)
    .bind(version.source)
    .bind(version.now_ms)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| r.try_get("id").map_err(StoreError::from))
        .transpose()
}

fn pipeline_of(r: &sqlx::any::AnyRow) -> Result<PipelineRow, StoreError> {
    Ok(PipelineRow {
        id: r.try_get("id")?,
        profile: r.try_get("profile")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        created_at_ms: r.try_get("created_at_ms")?,
    })
}

fn version_of(r: &sqlx::any::AnyRow) -> Result<VersionRow, StoreError> {
    let deleted: Option<i64> = r.try_get("deleted_at_ms")?;
    Ok(VersionRow {
        id: r.try_get("id")?,
        pipeline_id: r.try_get("pipeline_id")?,
        pipeline: r.try_get("pipeline")?,
        profile: r.try_get("profile")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        format: r.try_get("format")?,
        source: r.try_get("source")?,
        created_at_ms: r.try_get("created_at_ms")?,
        deleted: deleted.is_some(),
    })
}
