//! Server functions of the training jobs pages: create a job (a TFJob or PyTorchJob manifest,
//! or the form), the list, a job's page, suspend, resume, delete, a replica's log. Thin: who is
//! asking, the training service, the DTO; the same rules and answers as
//! `/api/v1/profiles/{p}/jobs`.

use api::{JobForm, JobSummary};
use leptos::prelude::*;

/// The profile's jobs, and the server's clock (ms) to tell their ages by.
#[server(prefix = "/fn", endpoint = "list_jobs")]
pub async fn list_jobs(profile: String) -> Result<(i64, Vec<JobSummary>), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (training, principal) = ssr::training_caller()?;
    let list = training
        .list(&principal, &profile)
        .await
        .map_err(ssr::refused)?;
    Ok((backend::clock::now_ms(), list))
}

/// A job's page (`JobDetail` here is this function's arguments; the answer is the API's).
#[server(prefix = "/fn", endpoint = "job_detail")]
pub async fn job_detail(profile: String, name: String) -> Result<api::JobDetail, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (training, principal) = ssr::training_caller()?;
    training
        .detail(&principal, &profile, &name)
        .await
        .map_err(ssr::refused)
}

/// Creates a job from the form (written as a manifest, then checked as an import is; the role
/// is checked before the form's own problems); answers its name.
#[server(prefix = "/fn", endpoint = "create_job_from_form")]
pub async fn create_job_from_form(profile: String, form: JobForm) -> Result<String, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (training, principal) = ssr::training_caller()?;
    let detail = training
        .create_from_form(&principal, &profile, &form)
        .await
        .map_err(ssr::refused)?;
    Ok(detail.summary.name)
}

/// Creates a job from a pasted or uploaded TFJob or PyTorchJob manifest; answers its name.
#[server(prefix = "/fn", endpoint = "import_job")]
pub async fn import_job(profile: String, manifest: String) -> Result<String, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (training, principal) = ssr::training_caller()?;
    let detail = training
        .create(&principal, &profile, &manifest)
        .await
        .map_err(ssr::refused)?;
    Ok(detail.summary.name)
}

/// Stops the running attempt and holds the job, its GPUs free for others.
#[server(prefix = "/fn", endpoint = "suspend_job")]
pub async fn suspend_job(profile: String, name: String) -> Result<(), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (training, principal) = ssr::training_caller()?;
    let done = training.suspend(&principal, &profile, &name).await;
    done.map(drop).map_err(ssr::refused)
}

/// Starts a suspended job again, as a new attempt.
#[server(prefix = "/fn", endpoint = "resume_job")]
pub async fn resume_job(profile: String, name: String) -> Result<(), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (training, principal) = ssr::training_caller()?;
    let done = training.resume(&principal, &profile, &name).await;
    done.map(drop).map_err(ssr::refused)
}

/// Deletes the job, its attempts' workloads and their logs.
#[server(prefix = "/fn", endpoint = "delete_job")]
pub async fn delete_job(profile: String, name: String) -> Result<(), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (training, principal) = ssr::training_caller()?;
    let done = training.delete(&principal, &profile, &name).await;
    done.map_err(ssr::refused)
}

/// The last lines of a replica (`worker-1`) of the job's current attempt.
#[server(prefix = "/fn", endpoint = "job_logs")]
pub async fn job_logs(
    profile: String,
    name: String,
    replica: String,
) -> Result<Vec<String>, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (training, principal) = ssr::training_caller()?;
    training
        .logs(&principal, &profile, &name, &replica, JOB_LOG_LINES)
        .await
        .map_err(ssr::refused)
}

/// How many of a replica's last lines the job page shows.
#[cfg(feature = "ssr")]
const JOB_LOG_LINES: usize = 200;
