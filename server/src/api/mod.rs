//! The JSON API under `/api/v1`, shared by the UI's server functions and scripts. Every
//! handler takes the principal first ([`crate::auth::Authenticated`]).

mod cluster;
mod contributors;
mod events;
mod experiments;
mod identity;
mod jobs;
mod json_body;
mod log_lines;
mod log_stream;
mod models;
mod notebooks;
mod pipeline_upload;
mod pipelines;
mod profiles;
mod recurring_runs;
mod runs;
mod tokens;
mod workloads;

use axum::Router;
use axum::routing::{delete, get, post};

use crate::state::AppState;

/// The routes below `/api/v1` (the caller nests them there).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/whoami", get(identity::whoami))
        .route("/version", get(identity::version))
        .route("/events", get(events::stream))
        .route("/profiles", get(profiles::list).post(profiles::create))
        .route(
            "/profiles/{profile}",
            get(profiles::get)
                .patch(profiles::patch)
                .delete(profiles::delete),
        )
        .route(
            "/profiles/{profile}/contributors",
            get(contributors::list)
                .post(contributors::add)
                .patch(contributors::change_role)
                .delete(contributors::remove),
        )
        .route("/profiles/{profile}/audit", get(profiles::audit))
        .route(
            "/profiles/{profile}/workloads",
            get(workloads::list).post(workloads::submit),
        )
        .route(
            "/profiles/{profile}/workloads/{name}",
            get(workloads::get).delete(workloads::delete),
        )
        .route(
            "/profiles/{profile}/workloads/{name}/stop",
            post(workloads::stop),
        )
        .route(
            "/profiles/{profile}/workloads/{name}/logs",
            get(workloads::logs),
        )
        .route(
            "/profiles/{profile}/workloads/{name}/logs/follow",
            get(workloads::follow_logs),
        )
        .route("/notebooks/options", get(notebooks::options))
        .route("/notebooks/import", post(notebooks::import))
        .route(
            "/profiles/{profile}/notebooks",
            get(notebooks::list).post(notebooks::create),
        )
        .route(
            "/profiles/{profile}/notebooks/{name}",
            get(notebooks::get).delete(notebooks::delete),
        )
        .route(
            "/profiles/{profile}/notebooks/{name}/start",
            post(notebooks::start),
        )
        .route(
            "/profiles/{profile}/notebooks/{name}/stop",
            post(notebooks::stop),
        )
        .route(
            "/profiles/{profile}/notebooks/{name}/logs",
            get(notebooks::logs),
        )
        .route(
            "/profiles/{profile}/pipelines",
            get(pipelines::list).post(pipelines::upload),
        )
        .route(
            "/profiles/{profile}/pipelines/{name}",
            get(pipelines::get).delete(pipelines::delete),
        )
        .route(
            "/profiles/{profile}/pipelines/{name}/versions",
            post(pipelines::add_version),
        )
        .route(
            "/profiles/{profile}/pipelines/{name}/versions/{version}",
            get(pipelines::version).delete(pipelines::delete_version),
        )
        .route(
            "/profiles/{profile}/models",
            get(models::list).post(models::create),
        )
        .route(
            "/profiles/{profile}/models/{name}",
            get(models::get).put(models::replace).delete(models::delete),
        )
        .route(
            "/profiles/{profile}/models/{name}/promote",
            post(models::promote),
        )
        .route(
            "/profiles/{profile}/models/{name}/rollback",
            post(models::rollback),
        )
        .route(
            "/profiles/{profile}/models/{name}/tokens",
            post(models::create_token),
        )
        .route(
            "/profiles/{profile}/models/{name}/tokens/{id}",
            axum::routing::delete(models::delete_token),
        )
        .route(
            "/profiles/{profile}/jobs",
            get(jobs::list).post(jobs::create),
        )
        .route(
            "/profiles/{profile}/jobs/{name}",
            get(jobs::get).delete(jobs::delete),
        )
        .route(
            "/profiles/{profile}/jobs/{name}/suspend",
            post(jobs::suspend),
        )
        .route("/profiles/{profile}/jobs/{name}/resume", post(jobs::resume))
        .route("/profiles/{profile}/jobs/{name}/logs", get(jobs::logs))
        .route(
            "/profiles/{profile}/experiments",
            get(experiments::list).post(experiments::create),
        )
        .route(
            "/profiles/{profile}/experiments/{name}",
            get(experiments::get).delete(experiments::delete),
        )
        .route(
            "/profiles/{profile}/experiments/{name}/stop",
            post(experiments::stop),
        )
        .route(
            "/profiles/{profile}/experiments/{name}/resume",
            post(experiments::resume),
        )
        .route(
            "/profiles/{profile}/experiments/{name}/trials",
            get(experiments::trials),
        )
        .route(
            "/profiles/{profile}/experiments/{name}/trials/{trial}/metrics",
            get(experiments::trial_metrics),
        )
        .route(
            "/profiles/{profile}/experiments/{name}/trials/{trial}/logs",
            get(experiments::trial_logs),
        )
        .route(
            "/profiles/{profile}/experiments/{name}/archive",
            post(experiments::archive),
        )
        .route(
            "/profiles/{profile}/experiments/{name}/unarchive",
            post(experiments::unarchive),
        )
        .route(
            "/profiles/{profile}/runs",
            get(runs::list).post(runs::create),
        )
        .route(
            "/profiles/{profile}/runs/{id}",
            get(runs::get).delete(runs::delete),
        )
        .route("/profiles/{profile}/runs/{id}/cancel", post(runs::cancel))
        .route("/profiles/{profile}/runs/{id}/retry", post(runs::retry))
        .route("/profiles/{profile}/runs/{id}/archive", post(runs::archive))
        .route(
            "/profiles/{profile}/runs/{id}/unarchive",
            post(runs::unarchive),
        )
        .route("/profiles/{profile}/runs/{id}/logs", get(runs::task_logs))
        .route(
            "/profiles/{profile}/runs/{id}/logs/follow",
            get(runs::follow_task_logs),
        )
        .route(
            "/profiles/{profile}/recurring-runs",
            get(recurring_runs::list).post(recurring_runs::create),
        )
        .route(
            "/profiles/{profile}/recurring-runs/{name}",
            get(recurring_runs::get).delete(recurring_runs::delete),
        )
        .route(
            "/profiles/{profile}/recurring-runs/{name}/enable",
            post(recurring_runs::enable),
        )
        .route(
            "/profiles/{profile}/recurring-runs/{name}/disable",
            post(recurring_runs::disable),
        )
        .route("/cluster/nodes", get(cluster::nodes))
        .route("/cluster/discover", post(cluster::discover))
        .route("/queue", get(cluster::queue))
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}", delete(tokens::revoke))
        .fallback(not_found)
}

async fn not_found() -> crate::error::AppError {
    crate::error::AppError::NotFound
}
