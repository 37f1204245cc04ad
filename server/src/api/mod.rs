//! The JSON API under `/api/v1`, shared by the UI's server functions and scripts. Every
//! handler takes the principal first ([`crate::auth::Authenticated`]).

mod events;
mod identity;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// The routes below `/api/v1` (the caller nests them there).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/whoami", get(identity::whoami))
        .route("/version", get(identity::version))
        .route("/events", get(events::stream))
        .fallback(not_found)
}

async fn not_found() -> crate::error::AppError {
    crate::error::AppError::NotFound
}
