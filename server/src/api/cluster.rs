//! `/api/v1/cluster/nodes` and `/api/v1/queue`: what the GPUs hold and who waits. Every
//! signed-in user may look; holders in profiles they cannot see stay anonymous.

use api::{ClusterView, QueueView};
use axum::Json;
use axum::extract::State;

use crate::auth::Authenticated;
use crate::error::AppError;
use crate::state::AppState;

pub async fn nodes(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
) -> Result<Json<ClusterView>, AppError> {
    Ok(Json(state.engine.cluster_view(&principal).await?))
}

pub async fn queue(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
) -> Result<Json<QueueView>, AppError> {
    Ok(Json(state.engine.queue_view(&principal).await?))
}

/// `POST /api/v1/cluster/discover`: finds this machine's GPUs again (`nvidia-smi`, or the
/// declared simulated ones) — after a driver or hardware change, without a restart. Cluster
/// admins only.
pub async fn discover(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
) -> Result<Json<ClusterView>, AppError> {
    state.engine.rediscover(
        &principal,
        crate::engine_setup::LOCAL_NODE,
        &state.config.gpus,
    )?;
    Ok(Json(state.engine.cluster_view(&principal).await?))
}
