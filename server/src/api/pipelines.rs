//! `/api/v1/profiles/{p}/pipelines`: upload (JSON, multipart or a YAML body), list, read,
//! delete; `…/pipelines/{name}/versions`: add, read (parameters and graph), delete.

use api::{PipelineView, VersionDetail, VersionView};
use axum::Json;
use axum::extract::{Path, State};
use http::StatusCode;

use super::pipeline_upload::UploadBody;
use crate::auth::Authenticated;
use crate::error::AppError;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
) -> Result<Json<Vec<PipelineView>>, AppError> {
    Ok(Json(
        state.pipelines.list_pipelines(&principal, &profile).await?,
    ))
}

pub async fn upload(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(profile): Path<String>,
    UploadBody(upload): UploadBody,
) -> Result<(StatusCode, Json<PipelineView>), AppError> {
    let view = state
        .pipelines
        .upload(&principal, &profile, &upload)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn get(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<Json<PipelineView>, AppError> {
    Ok(Json(
        state
            .pipelines
            .get_pipeline(&principal, &profile, &name)
            .await?,
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    state
        .pipelines
        .delete_pipeline(&principal, &profile, &name)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn add_version(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name)): Path<(String, String)>,
    UploadBody(upload): UploadBody,
) -> Result<(StatusCode, Json<VersionView>), AppError> {
    let view = state
        .pipelines
        .add_version(&principal, &profile, &name, &upload)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn version(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name, version)): Path<(String, String, String)>,
) -> Result<Json<VersionDetail>, AppError> {
    // `latest` names the newest version.
    let version = (version != "latest").then_some(version);
    Ok(Json(
        state
            .pipelines
            .version_detail(&principal, &profile, &name, version.as_deref())
            .await?,
    ))
}

pub async fn delete_version(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((profile, name, version)): Path<(String, String, String)>,
) -> Result<StatusCode, AppError> {
    state
        .pipelines
        .delete_version(&principal, &profile, &name, &version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
