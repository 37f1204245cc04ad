//! Server functions of the tuning pages: create an experiment (a Katib manifest, or the form),
//! its page (trials, metrics, logs), stop, resume. Thin: who is asking, the tuning service,
//! the DTO; the same rules and answers as `/api/v1/profiles/{p}/experiments`.

use api::{TrialMetrics, TuningDetail, TuningForm};
use leptos::prelude::*;

/// Creates a tuning experiment from a pasted or uploaded manifest; answers its name.
#[server(prefix = "/fn", endpoint = "import_tuning")]
pub async fn import_tuning(profile: String, manifest: String) -> Result<String, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (tuning, principal) = ssr::tuning_caller()?;
    let detail = tuning
        .create(&principal, &profile, &manifest)
        .await
        .map_err(ssr::refused)?;
    Ok(detail.name)
}

/// Creates a tuning experiment from the form; answers its name.
#[server(prefix = "/fn", endpoint = "create_tuning")]
pub async fn create_tuning(profile: String, form: TuningForm) -> Result<String, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (tuning, principal) = ssr::tuning_caller()?;
    // Who is asking first: the form's problems are only for those who may create.
    tuning
        .require_editor(&principal, &profile)
        .await
        .map_err(ssr::refused)?;
    let manifest = backend::tuning::form::manifest_from_form(&form)
        .map_err(|e| ssr::refused(backend::tuning::TuningError::from(e)))?;
    let detail = tuning
        .create(&principal, &profile, &manifest)
        .await
        .map_err(ssr::refused)?;
    Ok(detail.name)
}

#[server(prefix = "/fn", endpoint = "load_tuning")]
pub async fn load_tuning(profile: String, name: String) -> Result<TuningDetail, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (tuning, principal) = ssr::tuning_caller()?;
    tuning
        .detail(&principal, &profile, &name)
        .await
        .map_err(ssr::refused)
}

/// Stop, resume or delete a tuning experiment (`action`).
#[server(prefix = "/fn", endpoint = "tuning_action")]
pub async fn tuning_action(
    profile: String,
    name: String,
    action: String,
) -> Result<(), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (tuning, principal) = ssr::tuning_caller()?;
    let done = match action.as_str() {
        "stop" => tuning.stop(&principal, &profile, &name).await.map(drop),
        "resume" => tuning.resume(&principal, &profile, &name).await.map(drop),
        "delete" => tuning.delete(&principal, &profile, &name).await,
        other => {
            return Err(ssr::refused(backend::tuning::TuningError::Conflict(
                format!("action: `{other}` is none of stop, resume, delete"),
            )));
        }
    };
    done.map_err(ssr::refused)
}

/// A trial's metric history and the end of its output.
#[server(prefix = "/fn", endpoint = "load_trial")]
pub async fn load_trial(
    profile: String,
    name: String,
    trial: String,
) -> Result<(TrialMetrics, Vec<String>), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (tuning, principal) = ssr::tuning_caller()?;
    let metrics = tuning
        .trial_metrics(&principal, &profile, &name, &trial)
        .await
        .map_err(ssr::refused)?;
    // A trial that never started has no output yet: that is not an error for the page.
    let logs = tuning
        .trial_logs(&principal, &profile, &name, &trial, 200)
        .await
        .unwrap_or_default();
    Ok((metrics, logs))
}
