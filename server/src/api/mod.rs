//! The JSON API under `/api/v1`, shared by the UI's server functions and scripts. Every
//! handler takes the principal first ([`crate::auth::Authenticated`]).

mod cluster;
mod contributors;
mod events;
mod identity;
mod json_body;
mod log_lines;
mod log_stream;
mod notebooks;
mod profiles;
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
