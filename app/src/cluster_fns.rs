//! Server functions of the "GPUs & queue" page. Thin: who is asking, the workload engine
//! (which hides the workloads of profiles the caller cannot see), the DTO. The same views as
//! `GET /api/v1/cluster/nodes` and `GET /api/v1/queue`.

use api::{ClusterView, QueueView};
use leptos::prelude::*;

/// Nodes, their GPUs and who holds each share, allocation over time, the placement policy.
#[server(prefix = "/fn", endpoint = "cluster_view")]
pub async fn load_cluster() -> Result<ClusterView, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (engine, principal) = ssr::engine_caller()?;
    engine.cluster_view(&principal).await.map_err(ssr::refused)
}

/// The queue, usage and quota of every profile the caller can see.
#[server(prefix = "/fn", endpoint = "queue_view")]
pub async fn load_queue() -> Result<QueueView, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (engine, principal) = ssr::engine_caller()?;
    engine.queue_view(&principal).await.map_err(ssr::refused)
}
