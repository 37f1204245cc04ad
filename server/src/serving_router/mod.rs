//! The model router: `/serving/{profile}/{name}/…` (KServe's V1 `v1/models/{m}:predict` and
//! the Open Inference Protocol's `v2/…`) sent to a ready replica of the revision the traffic
//! split picks, the one with the fewest requests outstanding. A request waits (up to the
//! model's timeout) for a replica when none is ready (scale from zero) or all are at their
//! containerConcurrency; it is sent again only when the connection to a replica failed (the
//! request never reached the model). What the runtime answers, 4xx included, goes back as it is.
//!
//! Kept off the dashboard's middleware (tracing, compression, sessions) on the hot path: a
//! model token is checked against the routing table's hashes; other callers go through the
//! sign-in layers and need a role in the profile.

mod access;
mod forward;
mod model_metrics;
mod v1_adapter;

use axum::Router;
use axum::routing::any;

pub use access::gate;
pub use forward::ModelClient;

use crate::state::AppState;

/// The router's routes (the caller adds the sign-in layers and then [`gate`]).
pub fn routes() -> Router<AppState> {
    Router::new().route("/serving/{profile}/{name}/{*rest}", any(access::member))
}
