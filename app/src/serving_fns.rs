//! Server functions of the Models pages: deploy a model (an InferenceService manifest, or the
//! form), its page, promote, roll back, delete, model tokens, a replica's log. Thin: who is
//! asking, the serving service, the DTO; the same rules and answers as
//! `/api/v1/profiles/{p}/models`.

use api::{CreatedModelToken, ModelDetail, ModelForm, ModelSummary};
use leptos::prelude::*;

#[server(prefix = "/fn", endpoint = "list_models")]
pub async fn list_models(profile: String) -> Result<Vec<ModelSummary>, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (serving, principal) = ssr::serving_caller()?;
    serving
        .list(&principal, &profile)
        .await
        .map_err(ssr::refused)
}

#[server(prefix = "/fn", endpoint = "load_model")]
pub async fn load_model(profile: String, name: String) -> Result<ModelDetail, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (serving, principal) = ssr::serving_caller()?;
    serving
        .detail(&principal, &profile, &name)
        .await
        .map_err(ssr::refused)
}

/// Deploys a model from a pasted or uploaded manifest; answers its name.
#[server(prefix = "/fn", endpoint = "import_model")]
pub async fn import_model(profile: String, manifest: String) -> Result<String, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (serving, principal) = ssr::serving_caller()?;
    let summary = serving
        .create(&principal, &profile, &manifest)
        .await
        .map_err(ssr::refused)?;
    Ok(summary.name)
}

/// Deploys a model from the form (written as a manifest, then checked as an import is);
/// answers its name.
#[server(prefix = "/fn", endpoint = "create_model")]
pub async fn create_model(profile: String, form: ModelForm) -> Result<String, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (serving, principal) = ssr::serving_caller()?;
    // Who is asking first: the form's problems are only for those who may deploy.
    serving
        .require_editor(&principal, &profile)
        .await
        .map_err(ssr::refused)?;
    let manifest = backend::serving::form::manifest_from_form(&form)
        .map_err(|e| ssr::refused(backend::serving::ServingError::from(e)))?;
    let summary = serving
        .create(&principal, &profile, &manifest)
        .await
        .map_err(ssr::refused)?;
    Ok(summary.name)
}

/// Promote, roll back or delete a model (`action`).
#[server(prefix = "/fn", endpoint = "model_action")]
pub async fn model_action(
    profile: String,
    name: String,
    action: String,
) -> Result<(), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (serving, principal) = ssr::serving_caller()?;
    let done = match action.as_str() {
        "promote" => serving.promote(&principal, &profile, &name).await.map(drop),
        "rollback" => serving
            .roll_back(&principal, &profile, &name)
            .await
            .map(drop),
        "delete" => serving.delete(&principal, &profile, &name).await,
        other => {
            return Err(ssr::bad_request(format!(
                "action: `{other}` is none of promote, rollback, delete"
            )));
        }
    };
    done.map_err(ssr::refused)
}

/// A new token for the model's endpoints; its text comes back this once.
#[server(prefix = "/fn", endpoint = "create_model_token")]
pub async fn create_model_token(
    profile: String,
    name: String,
    label: String,
) -> Result<CreatedModelToken, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (serving, principal) = ssr::serving_caller()?;
    serving
        .create_token(&principal, &profile, &name, &label)
        .await
        .map_err(ssr::refused)
}

#[server(prefix = "/fn", endpoint = "delete_model_token")]
pub async fn delete_model_token(
    profile: String,
    name: String,
    id: i64,
) -> Result<(), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (serving, principal) = ssr::serving_caller()?;
    serving
        .delete_token(&principal, &profile, &name, id)
        .await
        .map_err(ssr::refused)
}

/// The end of a replica's log: its workload's, as `/workloads/{replica}/logs` answers it.
#[server(prefix = "/fn", endpoint = "replica_log")]
pub async fn replica_log(profile: String, workload: String) -> Result<Vec<String>, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (engine, principal) = ssr::engine_caller()?;
    engine
        .logs(&principal, &profile, &workload, api::REPLICA_GROUP, 0, 200)
        .await
        .map_err(ssr::refused)
}
