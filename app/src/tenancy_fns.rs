//! Server functions of the profiles and tokens pages. Each one is thin: who is asking, the
//! backend call (which checks the role), a DTO. Refusals keep the backend's message and get a
//! 4xx status, as the REST API's do.

use api::{ApiToken, AuditEntry, Contributor, CreatedToken, ProfileDetail, ProfileSummary};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Everything the Profiles page shows about one profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileView {
    pub detail: ProfileDetail,
    pub contributors: Vec<Contributor>,
    /// Present for profile admins only.
    pub audit: Option<Vec<AuditEntry>>,
    /// Whether the caller may change quotas (a cluster admin).
    pub may_set_quota: bool,
}

#[server(prefix = "/fn", endpoint = "my_profiles")]
pub async fn my_profiles() -> Result<Vec<ProfileSummary>, ServerFnError> {
    let (store, principal) = ssr::caller()?;
    backend::profiles::service::profile_summaries(&store, &principal)
        .await
        .map_err(ssr::refused)
}

#[server(prefix = "/fn", endpoint = "load_profile")]
pub async fn load_profile(name: String) -> Result<ProfileView, ServerFnError> {
    use backend::profiles::{Role, service};
    let (store, principal) = ssr::caller()?;
    let (row, role) = service::get_profile(&store, &principal, &name)
        .await
        .map_err(ssr::refused)?;
    let contributors = service::contributors(&store, &principal, &name)
        .await
        .map_err(ssr::refused)?;
    let audit = if role.allows(Role::Admin) {
        Some(
            backend::audit::read(&store, &principal, &name)
                .await
                .map_err(ssr::refused)?
                .into_iter()
                .map(AuditEntry::from)
                .collect(),
        )
    } else {
        None
    };
    Ok(ProfileView {
        detail: ProfileDetail {
            name: row.name,
            role: role.as_str().to_owned(),
            quota: api::Quota::from(&row.quota),
            usage: ssr::engine_caller()?
                .0
                .usage(&name)
                .await
                .map_err(|e| ssr::refused(backend::workload::WorkloadError::from(e)))?,
            created_at_ms: row.created_at_ms,
        },
        contributors: contributors.into_iter().map(Contributor::from).collect(),
        audit,
        may_set_quota: principal.is_admin,
    })
}

#[server(prefix = "/fn", endpoint = "create_profile")]
pub async fn create_profile(name: String, owner: String) -> Result<(), ServerFnError> {
    let (store, principal) = ssr::caller()?;
    let owner = match owner.trim() {
        "" => principal.user.clone(),
        other => other.to_owned(),
    };
    backend::profiles::service::create_profile(
        &store,
        &principal,
        name.trim(),
        &backend::store::Subject::User(owner),
        &backend::store::Quota::default(),
        backend::clock::now_ms(),
    )
    .await
    .map_err(ssr::refused)
}

/// `kind` is `email` or `group`.
#[server(prefix = "/fn", endpoint = "add_contributor")]
pub async fn add_contributor(
    profile: String,
    kind: String,
    subject: String,
    role: String,
) -> Result<(), ServerFnError> {
    let (store, principal) = ssr::caller()?;
    let subject = ssr::subject(&kind, &subject)?;
    let role = ssr::role(&role)?;
    backend::profiles::service::add_contributor(
        &store,
        &principal,
        &profile,
        &subject,
        role,
        backend::clock::now_ms(),
    )
    .await
    .map_err(ssr::refused)
}

#[server(prefix = "/fn", endpoint = "set_contributor_role")]
pub async fn set_contributor_role(
    profile: String,
    kind: String,
    subject: String,
    role: String,
) -> Result<(), ServerFnError> {
    let (store, principal) = ssr::caller()?;
    let subject = ssr::subject(&kind, &subject)?;
    let role = ssr::role(&role)?;
    backend::profiles::service::set_contributor_role(&store, &principal, &profile, &subject, role)
        .await
        .map_err(ssr::refused)
}

#[server(prefix = "/fn", endpoint = "remove_contributor")]
pub async fn remove_contributor(
    profile: String,
    kind: String,
    subject: String,
) -> Result<(), ServerFnError> {
    let (store, principal) = ssr::caller()?;
    let subject = ssr::subject(&kind, &subject)?;
    backend::profiles::service::remove_contributor(&store, &principal, &profile, &subject)
        .await
        .map_err(ssr::refused)
}

/// Blank fields are no limit.
#[server(prefix = "/fn", endpoint = "set_quota")]
pub async fn set_quota(
    profile: String,
    gpus: String,
    cpus: String,
    memory_gib: String,
    workloads: String,
    // Optional so that scripts written before borrowing existed keep working.
    borrow_gpus: Option<String>,
) -> Result<(), ServerFnError> {
    let (store, principal) = ssr::caller()?;
    let quota = backend::store::Quota {
        gpu_milli: ssr::thousandths("GPUs", &gpus)?,
        cpu_milli: ssr::thousandths("CPUs", &cpus)?,
        memory_mib: ssr::scaled("memory (GiB)", &memory_gib, 1024.0)?,
        workloads: ssr::scaled("workloads", &workloads, 1.0)?,
        borrow_gpu_milli: ssr::thousandths(
            "GPUs it may borrow",
            borrow_gpus.as_deref().unwrap_or(""),
        )?,
        ..Default::default()
    };
    backend::profiles::service::set_quota(&store, &principal, &profile, &quota)
        .await
        .map_err(ssr::refused)
}

#[server(prefix = "/fn", endpoint = "my_tokens")]
pub async fn my_tokens() -> Result<Vec<ApiToken>, ServerFnError> {
    let (store, principal) = ssr::caller()?;
    let rows = backend::tokens::list(&store, &principal)
        .await
        .map_err(ssr::refused)?;
    Ok(rows.into_iter().map(ApiToken::from).collect())
}

#[server(prefix = "/fn", endpoint = "create_token")]
pub async fn create_token(
    name: String,
    expires_in_days: String,
) -> Result<CreatedToken, ServerFnError> {
    let (store, principal) = ssr::caller()?;
    let days = match expires_in_days.trim() {
        "" => None,
        text => Some(
            text.parse::<u32>()
                .map_err(|_| ssr::bad_request(format!("`{text}` is not a number of days")))?,
        ),
    };
    let made = backend::tokens::create(&store, &principal, &name, days, backend::clock::now_ms())
        .await
        .map_err(ssr::refused)?;
    Ok(CreatedToken {
        token: ApiToken::from(made.row),
        secret: made.token,
    })
}

#[server(prefix = "/fn", endpoint = "revoke_token")]
pub async fn revoke_token(id: String) -> Result<(), ServerFnError> {
    let (store, principal) = ssr::caller()?;
    backend::tokens::revoke(&store, &principal, &id)
        .await
        .map_err(ssr::refused)
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use std::sync::Arc;

    use backend::authz::Principal;
    use backend::profiles::{ProfileError, Role};
    use backend::refusal::Refusal;
    use backend::store::{Store, Subject};
    use backend::tokens::TokenError;
    use backend::workload::{Engine, WorkloadError};
    use http::StatusCode;
    use leptos::prelude::*;

    /// The store (provided by the server) and the signed-in principal, or a 401.
    pub fn caller() -> Result<(Store, Principal), ServerFnError> {
        let store = use_context::<Store>()
            .ok_or_else(|| ServerFnError::new("the server did not provide its store"))?;
        Ok((store, principal()?))
    }

    /// The workload engine (provided by the server) and the signed-in principal, or a 401.
    pub fn engine_caller() -> Result<(Arc<Engine>, Principal), ServerFnError> {
        let engine = use_context::<Arc<Engine>>()
            .ok_or_else(|| ServerFnError::new("the server did not provide its workload engine"))?;
        Ok((engine, principal()?))
    }

    /// The notebook service (provided by the server) and the signed-in principal, or a 401.
    pub fn notebooks_caller()
    -> Result<(Arc<backend::notebooks::Notebooks>, Principal), ServerFnError> {
        let notebooks = use_context::<Arc<backend::notebooks::Notebooks>>()
            .ok_or_else(|| ServerFnError::new("the server did not provide its notebook service"))?;
        Ok((notebooks, principal()?))
    }

    /// The pipeline service (provided by the server) and the signed-in principal, or a 401.
    pub fn pipelines_caller()
    -> Result<(Arc<backend::pipelines::service::PipelineService>, Principal), ServerFnError> {
        let pipelines = use_context::<Arc<backend::pipelines::service::PipelineService>>()
            .ok_or_else(|| ServerFnError::new("the server did not provide its pipeline service"))?;
        Ok((pipelines, principal()?))
    }

    /// The tuning service (provided by the server) and the signed-in principal, or a 401.
    pub fn tuning_caller() -> Result<(Arc<backend::tuning::TuningService>, Principal), ServerFnError>
    {
        let tuning = use_context::<Arc<backend::tuning::TuningService>>()
            .ok_or_else(|| ServerFnError::new("the server did not provide its tuning service"))?;
        Ok((tuning, principal()?))
    }

    /// The model serving service (provided by the server) and the signed-in principal, or a 401.
    pub fn serving_caller() -> Result<(Arc<backend::serving::Serving>, Principal), ServerFnError> {
        let serving = use_context::<Arc<backend::serving::Serving>>()
            .ok_or_else(|| ServerFnError::new("the server did not provide its serving service"))?;
        Ok((serving, principal()?))
    }

    /// The training service (provided by the server) and the signed-in principal, or a 401.
    pub fn training_caller()
    -> Result<(Arc<backend::training::TrainingService>, Principal), ServerFnError> {
        let training = use_context::<Arc<backend::training::TrainingService>>()
            .ok_or_else(|| ServerFnError::new("the server did not provide its training service"))?;
        Ok((training, principal()?))
    }

    fn principal() -> Result<Principal, ServerFnError> {
        crate::server_fns::current_principal()
            .ok_or_else(|| fail(StatusCode::UNAUTHORIZED, "sign in first".to_owned()))
    }

    /// The error as the user should read it, with the status the REST API would give.
    pub fn refused(error: impl Into<Refused>) -> ServerFnError {
        let Refused(refusal, message) = error.into();
        let status =
            StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        fail(status, message)
    }

    pub struct Refused(Refusal, String);

    impl From<ProfileError> for Refused {
        fn from(e: ProfileError) -> Self {
            Refused(e.refusal(), e.to_string())
        }
    }

    impl From<TokenError> for Refused {
        fn from(e: TokenError) -> Self {
            Refused(e.refusal(), e.to_string())
        }
    }

    impl From<backend::notebooks::NotebookError> for Refused {
        fn from(e: backend::notebooks::NotebookError) -> Self {
            Refused(e.refusal(), e.to_string())
        }
    }

    impl From<backend::pipelines::service::PipelineError> for Refused {
        fn from(e: backend::pipelines::service::PipelineError) -> Self {
            Refused(e.refusal(), e.to_string())
        }
    }

    impl From<backend::tuning::TuningError> for Refused {
        fn from(e: backend::tuning::TuningError) -> Self {
            Refused(e.refusal(), e.to_string())
        }
    }

    impl From<backend::serving::ServingError> for Refused {
        fn from(e: backend::serving::ServingError) -> Self {
            Refused(e.refusal(), e.to_string())
        }
    }

    impl From<backend::training::TrainingError> for Refused {
        fn from(e: backend::training::TrainingError) -> Self {
            Refused(e.refusal(), e.to_string())
        }
    }

    impl From<WorkloadError> for Refused {
        fn from(e: WorkloadError) -> Self {
            Refused(e.refusal(), e.to_string())
        }
    }

    /// A list's row action that turns something on or off, or deletes it: `Some(true)` for
    /// `on`, `Some(false)` for `off`, `None` for `delete`; anything else is refused.
    pub fn switch_or_delete(
        action: &str,
        on: &str,
        off: &str,
    ) -> Result<Option<bool>, ServerFnError> {
        match action {
            "delete" => Ok(None),
            a if a == on => Ok(Some(true)),
            a if a == off => Ok(Some(false)),
            other => Err(bad_request(format!(
                "action: `{other}` is none of {on}, {off}, delete"
            ))),
        }
    }

    pub fn bad_request(message: String) -> ServerFnError {
        fail(StatusCode::BAD_REQUEST, message)
    }

    fn fail(status: StatusCode, message: String) -> ServerFnError {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(status);
        }
        ServerFnError::new(message)
    }

    pub fn subject(kind: &str, name: &str) -> Result<Subject, ServerFnError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(bad_request("give an email address or a group name".into()));
        }
        match kind {
            "email" => Ok(Subject::User(name.to_owned())),
            "group" => Ok(Subject::Group(name.to_owned())),
            other => Err(bad_request(format!("`{other}` is neither email nor group"))),
        }
    }

    pub fn role(text: &str) -> Result<Role, ServerFnError> {
        Role::parse(text)
            .ok_or_else(|| bad_request(format!("`{text}` is not a role: use admin, edit or view")))
    }

    /// "1.5" GPUs -> 1500 thousandths; blank -> no limit.
    pub fn thousandths(what: &str, text: &str) -> Result<Option<i64>, ServerFnError> {
        scaled(what, text, 1000.0)
    }

    pub fn scaled(what: &str, text: &str, factor: f64) -> Result<Option<i64>, ServerFnError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() && n >= 0.0 && n * factor < 9.0e15 => {
                Ok(Some((n * factor).round() as i64))
            }
            _ => Err(bad_request(format!(
                "{what}: `{text}` is not a number of zero or more"
            ))),
        }
    }
}
