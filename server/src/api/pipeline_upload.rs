//! The body of a pipeline upload, in whichever form the caller sends it:
//!
//! - `application/json`: `api::PipelineUpload` (`{"source": "...", "name": …}`);
//! - `multipart/form-data`: a `file` field with the document, and optional `name`, `version`
//!   and `description` fields (what a browser form or `curl -F file=@pipeline.yaml` sends);
//! - anything else (`application/yaml`, `text/plain`…): the body is the document, and `name`,
//!   `version` and `description` come from the query string.

use api::PipelineUpload;
use axum::extract::{FromRequest, Multipart, Query, Request};
use serde::Deserialize;

use super::json_body::JsonBody;
use crate::error::AppError;

pub struct UploadBody(pub PipelineUpload);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    name: Option<String>,
    version: Option<String>,
    description: Option<String>,
}

impl<S: Send + Sync> FromRequest<S> for UploadBody {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if content_type.starts_with("application/json") {
            let JsonBody(upload) = JsonBody::<PipelineUpload>::from_request(request, state).await?;
            return Ok(UploadBody(upload));
        }
        if content_type.starts_with("multipart/form-data") {
            let multipart = Multipart::from_request(request, state)
                .await
                .map_err(|e| AppError::BadRequest(format!("the form is malformed: {e}")))?;
            return from_form(multipart).await.map(UploadBody);
        }
        let Query(query) = Query::<UploadQuery>::try_from_uri(request.uri())
            .map_err(|e| AppError::BadRequest(format!("the query string: {e}")))?;
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| AppError::BadRequest(format!("cannot read the body: {e}")))?;
        let source = String::from_utf8(bytes.to_vec())
            .map_err(|_| AppError::BadRequest("the document is not UTF-8 text".to_owned()))?;
        Ok(UploadBody(PipelineUpload {
            name: query.name,
            version: query.version,
            description: query.description,
            source,
        }))
    }
}

async fn from_form(mut form: Multipart) -> Result<PipelineUpload, AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::BadRequest(format!("the form is malformed: {e}"))
    };
    let mut upload = PipelineUpload::default();
    let mut has_file = false;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        let text = field.text().await.map_err(bad)?;
        match name.as_str() {
            "file" | "uploadfile" => {
                upload.source = text;
                has_file = true;
            }
            "name" => upload.name = Some(text).filter(|t| !t.is_empty()),
            "version" => upload.version = Some(text).filter(|t| !t.is_empty()),
            "description" => upload.description = Some(text).filter(|t| !t.is_empty()),
            other => {
                return Err(AppError::BadRequest(format!(
                    "the form has a field `{other}`; it takes file, name, version and description"
                )));
            }
        }
    }
    if !has_file {
        return Err(AppError::BadRequest(
            "the form has no `file` field with the pipeline document".to_owned(),
        ));
    }
    Ok(upload)
}
