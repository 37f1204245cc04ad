//! The cluster's nodes as the scheduler's inventory, kept current: the Node objects are
//! listed, then any change (a node added, cordoned, its GPUs or labels changed) lists them
//! again and sends the new inventory. Nodes that cannot take Capstan's pods are left out and
//! logged once each time the reason changes.

use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::Node;
use kube::Client;
use kube::api::{Api, ListParams, WatchParams};
use tokio::sync::watch;

use crate::inventory::{NodeInfo, node_from_kube};
use crate::k8s::K8sConfig;

/// A watch ends after this long and is opened again.
const WATCH_SECONDS: u32 = 60;
const RETRY: Duration = Duration::from_secs(1);

/// The usable nodes, and why each of the others is left out.
pub fn inventory_of(nodes: &[Node], config: &K8sConfig) -> (Vec<NodeInfo>, Vec<String>) {
    let mut usable = Vec::new();
    let mut left_out = Vec::new();
    for node in nodes {
        match node_from_kube(node, config) {
            Ok(info) => usable.push(info),
            Err(why) => left_out.push(why),
        }
    }
    usable.sort_by(|a, b| a.name.cmp(&b.name));
    (usable, left_out)
}

/// Sends the inventory on `inventory` whenever it changes, until every receiver is gone.
pub async fn follow_nodes(
    client: Client,
    config: K8sConfig,
    inventory: watch::Sender<Vec<NodeInfo>>,
) {
    let nodes: Api<Node> = Api::all(client);
    let mut reasons: Vec<String> = Vec::new();
    loop {
        if inventory.is_closed() {
            return;
        }
        let listed = match nodes.list(&ListParams::default()).await {
            Ok(listed) => listed,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list the cluster's nodes");
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        let (usable, left_out) = inventory_of(&listed.items, &config);
        if left_out != reasons {
            for why in &left_out {
                tracing::info!(%why, "a node is left out of the inventory");
            }
            reasons = left_out;
        }
        inventory.send_if_modified(|current| {
            let changed = *current != usable;
            *current = usable;
            changed
        });
        let version = listed.metadata.resource_version.unwrap_or_default();
        match nodes
            .watch(&WatchParams::default().timeout(WATCH_SECONDS), &version)
            .await
        {
            Ok(stream) => {
                let _ = stream.boxed().next().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch the cluster's nodes");
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}
