//! Server functions of the Pipelines pages: pipelines and their versions (list, upload, delete)
//! and a version's page. Thin: who is asking, the pipeline service, the DTO; the same rules and
//! answers as `/api/v1/profiles/{p}/pipelines`. Starting runs of a version: `run_start_fns`.

use api::{ExperimentView, PipelineUpload, PipelineView, RecurringRunView, VersionDetail};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[server(prefix = "/fn", endpoint = "list_pipelines")]
pub async fn list_pipelines(profile: String) -> Result<Vec<PipelineView>, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (pipelines, principal) = ssr::pipelines_caller()?;
    pipelines
        .list_pipelines(&principal, &profile)
        .await
        .map_err(ssr::refused)
}

/// Uploads a new pipeline, or (`pipeline` not blank) a new version of that pipeline; answers
/// `pipeline/version`. Blank fields of the upload mean "the default".
#[server(prefix = "/fn", endpoint = "upload_pipeline")]
pub async fn upload_pipeline(
    profile: String,
    #[server(default)] pipeline: String,
    upload: PipelineUpload,
) -> Result<String, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (pipelines, principal) = ssr::pipelines_caller()?;
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let mut upload = PipelineUpload {
        name: blank(upload.name),
        version: blank(upload.version),
        description: blank(upload.description),
        source: upload.source,
    };
    match pipeline.trim() {
        "" => {
            let view = pipelines
                .upload(&principal, &profile, &upload)
                .await
                .map_err(ssr::refused)?;
            let version = view.versions.first().map(|v| v.name.as_str()).unwrap_or("");
            Ok(format!("{}/{version}", view.name))
        }
        pipeline => {
            upload.name = None;
            let version = pipelines
                .add_version(&principal, &profile, pipeline, &upload)
                .await
                .map_err(ssr::refused)?;
            Ok(format!("{pipeline}/{}", version.name))
        }
    }
}

/// Deletes a pipeline with all its versions, or (`version` not blank) one version.
#[server(prefix = "/fn", endpoint = "delete_pipeline")]
pub async fn delete_pipeline(
    profile: String,
    name: String,
    version: String,
) -> Result<(), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (pipelines, principal) = ssr::pipelines_caller()?;
    let done = match version.trim() {
        "" => pipelines.delete_pipeline(&principal, &profile, &name).await,
        version => {
            pipelines
                .delete_version(&principal, &profile, &name, version)
                .await
        }
    };
    done.map_err(ssr::refused)
}

/// What a version's page shows: the version (parameters, graph, source), its pipeline's
/// versions, the experiments a run may go in, and the pipeline's recurring runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelinePage {
    pub detail: VersionDetail,
    pub pipeline: PipelineView,
    pub experiments: Vec<ExperimentView>,
    pub recurring: Vec<RecurringRunView>,
}

/// A version's page; the newest version when `version` is blank.
#[server(prefix = "/fn", endpoint = "pipeline_page")]
pub async fn load_pipeline_page(
    profile: String,
    name: String,
    version: Option<String>,
) -> Result<PipelinePage, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (pipelines, principal) = ssr::pipelines_caller()?;
    let version = version.filter(|v| !v.trim().is_empty());
    let detail = pipelines
        .version_detail(&principal, &profile, &name, version.as_deref())
        .await
        .map_err(ssr::refused)?;
    let pipeline = pipelines
        .get_pipeline(&principal, &profile, &name)
        .await
        .map_err(ssr::refused)?;
    let experiments = pipelines
        .list_experiments(&principal, &profile)
        .await
        .map_err(ssr::refused)?;
    let recurring = pipelines
        .list_recurring_runs(&principal, &profile)
        .await
        .map_err(ssr::refused)?
        .into_iter()
        .filter(|r| r.spec.pipeline == name)
        .collect();
    Ok(PipelinePage {
        detail,
        pipeline,
        experiments,
        recurring,
    })
}
