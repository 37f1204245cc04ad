//! Pipelines and their versions: upload (a new pipeline, or a new version of one), list, read
//! (parameters and graph), delete. A document is read and validated before anything is
//! stored; every problem comes back with its path in the document.

use api::{ParameterView, PipelineUpload, PipelineView, VersionDetail, VersionView};

use super::graph_view::pipeline_graph;
use super::names::{check_name, tidy_name};
use super::{PipelineError, PipelineService};
use crate::authz::Principal;
use crate::clock::now_ms;
use crate::pipelines::load_document;
use crate::pipelines::model::Pipeline;
use crate::profiles::{Role, service::require};
use crate::store::{NewVersion, PipelineRow, VersionRow};

/// Uploaded documents larger than this are refused.
pub const MAX_SOURCE_BYTES: usize = 2 << 20;

impl PipelineService {
    /// A new pipeline with its first version.
    pub async fn upload(
        &self,
        principal: &Principal,
        profile: &str,
        upload: &PipelineUpload,
    ) -> Result<PipelineView, PipelineError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let (format, pipeline) = read(upload)?;
        let name = match &upload.name {
            Some(name) => name.clone(),
            None => tidy_name(&pipeline.name),
        };
        check_name("name", &name)?;
        let version = upload.version.clone().unwrap_or_else(|| "v1".to_owned());
        check_name("version", &version)?;
        let description = description(upload, &pipeline);
        let created = self
            .store
            .pipelines()
            .create(
                profile,
                &name,
                &description,
                NewVersion {
                    name: &version,
                    description: &description,
                    format,
                    source: &upload.source,
                    now_ms: now_ms(),
                },
            )
            .await?;
        if created.is_none() {
            return Err(PipelineError::AlreadyExists(
                "a pipeline",
                name,
                profile.to_owned(),
            ));
        }
        self.pipeline_view(profile, &name).await
    }

    /// A new version of a pipeline.
    pub async fn add_version(
        &self,
        principal: &Principal,
        profile: &str,
        pipeline_name: &str,
        upload: &PipelineUpload,
    ) -> Result<VersionView, PipelineError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let row = self.pipeline_row(profile, pipeline_name).await?;
        if upload.name.as_deref().is_some_and(|n| n != pipeline_name) {
            return Err(PipelineError::invalid(
                "name",
                "a new version keeps its pipeline's name; leave `name` out",
            ));
        }
        let (format, pipeline) = read(upload)?;
        let description = description(upload, &pipeline);
        let pipelines = self.store.pipelines();
        let named = upload.version.is_some();
        let count = pipelines
            .versions_of_profile(profile)
            .await?
            .iter()
            .filter(|v| v.pipeline_id == row.id)
            .count();
        // An automatic name skips over names taken (by deleted versions too).
        for n in 0..20 {
            let version = match &upload.version {
                Some(version) => version.clone(),
                None => format!("v{}", count + 1 + n),
            };
            check_name("version", &version)?;
            let new = NewVersion {
                name: &version,
                description: &description,
                format,
                source: &upload.source,
                now_ms: now_ms(),
            };
            if pipelines.add_version(row.id, new).await?.is_some() {
                let stored = pipelines.version(row.id, &version).await?;
                return stored.map(|v| version_view(&v)).ok_or_else(|| {
                    PipelineError::NotFound("version", version, profile.to_owned())
                });
            }
            if named {
                return Err(PipelineError::AlreadyExists(
                    "a version",
                    format!("{pipeline_name}/{version}"),
                    profile.to_owned(),
                ));
            }
        }
        Err(PipelineError::Conflict(
            "no free version name; name the version".to_owned(),
        ))
    }

    pub async fn list_pipelines(
        &self,
        principal: &Principal,
        profile: &str,
    ) -> Result<Vec<PipelineView>, PipelineError> {
        require(&self.store, principal, profile, Role::View).await?;
        let pipelines = self.store.pipelines();
        let rows = pipelines.of_profile(profile).await?;
        let versions = pipelines.versions_of_profile(profile).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let mine = versions.iter().filter(|v| v.pipeline_id == row.id);
                view(&row, mine.map(version_view).collect())
            })
            .collect())
    }

    pub async fn get_pipeline(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<PipelineView, PipelineError> {
        require(&self.store, principal, profile, Role::View).await?;
        self.pipeline_view(profile, name).await
    }

    /// A version (the newest when `version` is `None`) with its parameters and graph.
    pub async fn version_detail(
        &self,
        principal: &Principal,
        profile: &str,
        pipeline_name: &str,
        version: Option<&str>,
    ) -> Result<VersionDetail, PipelineError> {
        require(&self.store, principal, profile, Role::View).await?;
        let row = self.version_row(profile, pipeline_name, version).await?;
        let pipeline = self.parsed.get(&row).map_err(PipelineError::Spec)?;
        Ok(VersionDetail {
            pipeline: pipeline_name.to_owned(),
            version: version_view(&row),
            parameters: parameters(&pipeline),
            graph: pipeline_graph(&pipeline),
            source: row.source,
        })
    }

    pub async fn delete_pipeline(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<(), PipelineError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let row = self.pipeline_row(profile, name).await?;
        self.store.pipelines().delete(row.id, now_ms()).await?;
        Ok(())
    }

    pub async fn delete_version(
        &self,
        principal: &Principal,
        profile: &str,
        pipeline_name: &str,
        version: &str,
    ) -> Result<(), PipelineError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let row = self
            .version_row(profile, pipeline_name, Some(version))
            .await?;
        self.store
            .pipelines()
            .delete_version(row.id, now_ms())
            .await?;
        Ok(())
    }

    pub(super) async fn pipeline_row(
        &self,
        profile: &str,
        name: &str,
    ) -> Result<PipelineRow, PipelineError> {
        self.store
            .pipelines()
            .get(profile, name)
            .await?
            .ok_or_else(|| PipelineError::NotFound("pipeline", name.to_owned(), profile.to_owned()))
    }

    /// A version that is not deleted; the newest when `version` is `None`.
    pub(super) async fn version_row(
        &self,
        profile: &str,
        pipeline_name: &str,
        version: Option<&str>,
    ) -> Result<VersionRow, PipelineError> {
        let pipeline = self.pipeline_row(profile, pipeline_name).await?;
        let pipelines = self.store.pipelines();
        let row = match version {
            Some(version) => pipelines.version(pipeline.id, version).await?,
            None => pipelines.latest_version(pipeline.id).await?,
        };
        row.ok_or_else(|| {
            PipelineError::NotFound(
                "version",
                format!("{pipeline_name}/{}", version.unwrap_or("(newest)")),
                profile.to_owned(),
            )
        })
    }

    async fn pipeline_view(
        &self,
        profile: &str,
        name: &str,
    ) -> Result<PipelineView, PipelineError> {
        let row = self.pipeline_row(profile, name).await?;
        let versions = self.store.pipelines().versions_of_profile(profile).await?;
        let mine = versions.iter().filter(|v| v.pipeline_id == row.id);
        Ok(view(&row, mine.map(version_view).collect()))
    }
}

fn read(upload: &PipelineUpload) -> Result<(&'static str, Pipeline), PipelineError> {
    if upload.source.len() > MAX_SOURCE_BYTES {
        return Err(PipelineError::invalid(
            "source",
            format!(
                "the document is {} bytes; the limit is {MAX_SOURCE_BYTES}",
                upload.source.len()
            ),
        ));
    }
    if upload.source.trim().is_empty() {
        return Err(PipelineError::invalid("source", "the document is empty"));
    }
    load_document(&upload.source).map_err(PipelineError::Spec)
}

fn description(upload: &PipelineUpload, pipeline: &Pipeline) -> String {
    upload
        .description
        .clone()
        .or_else(|| pipeline.description.clone())
        .unwrap_or_default()
}

fn view(row: &PipelineRow, versions: Vec<VersionView>) -> PipelineView {
    PipelineView {
        name: row.name.clone(),
        description: row.description.clone(),
        created_at_ms: row.created_at_ms,
        versions,
    }
}

pub(super) fn version_view(row: &VersionRow) -> VersionView {
    VersionView {
        name: row.name.clone(),
        description: row.description.clone(),
        format: row.format.clone(),
        created_at_ms: row.created_at_ms,
    }
}

/// The run parameters a pipeline declares, for the create-run form.
pub(super) fn parameters(pipeline: &Pipeline) -> Vec<ParameterView> {
    pipeline
        .inputs
        .parameters
        .iter()
        .map(|(name, def)| ParameterView {
            name: name.clone(),
            ty: def.ty.kfp_name().to_owned(),
            default: def.default.clone(),
            optional: def.optional,
            description: def.description.clone(),
        })
        .collect()
}
