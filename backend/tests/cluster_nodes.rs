//! The inventory follows the cluster's nodes, against the fake API server.

use std::time::Duration;

use backend::cluster::nodes::follow_nodes;
use backend::inventory::NodeInfo;
use backend::k8s::K8sConfig;
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, PostParams};
use kube::{Client, Config};
use kube_fake::FakeApiServer;
use serde_json::json;
use tokio::sync::watch;

/// Waits until the inventory satisfies `check`.
async fn until(
    receiver: &mut watch::Receiver<Vec<NodeInfo>>,
    check: impl Fn(&[NodeInfo]) -> bool,
) -> Vec<NodeInfo> {
    tokio::time::timeout(
        Duration::from_secs(10),
        receiver.wait_for(|nodes| check(nodes)),
    )
    .await
    .expect("the inventory changed within 10 s")
    .unwrap()
    .clone()
}

fn status(gpus: &str, ready: &str) -> serde_json::Value {
    json!({
        "allocatable": {"cpu": "64", "memory": "512Gi", "nvidia.com/gpu": gpus},
        "conditions": [{"type": "Ready", "status": ready}],
    })
}

#[tokio::test]
async fn a_node_with_eight_gpus_feeds_the_inventory_and_leaves_it_when_cordoned() {
    let server = FakeApiServer::start().await.unwrap();
    let client = Client::try_from(Config::new(server.url().parse().unwrap())).unwrap();
    let (sender, mut inventory) = watch::channel(Vec::new());
    tokio::spawn(follow_nodes(client.clone(), K8sConfig::default(), sender));

    let nodes: Api<Node> = Api::all(client);
    let node: Node = serde_json::from_value(json!({
        "metadata": {"name": "gpu-h100-1", "labels": {"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"}},
        "spec": {"taints": [{"key": "nvidia.com/gpu", "effect": "NoSchedule"}]},
    }))
    .unwrap();
    nodes.create(&PostParams::default(), &node).await.unwrap();
    // First reported not ready (left out), then ready.
    server
        .set_status("v1", "nodes", "", "gpu-h100-1", status("8", "False"))
        .unwrap();
    server
        .set_status("v1", "nodes", "", "gpu-h100-1", status("8", "True"))
        .unwrap();
    let found = until(&mut inventory, |n| n.len() == 1).await;
    assert_eq!(found[0].gpus.len(), 8);
    assert_eq!(found[0].gpus[0].model, "NVIDIA-H100-80GB-HBM3");
    assert_eq!(found[0].cpu_milli, 64_000);

    // One GPU fails (the device plugin lowers allocatable), then the node is cordoned.
    server
        .set_status("v1", "nodes", "", "gpu-h100-1", status("7", "True"))
        .unwrap();
    until(&mut inventory, |n| {
        n.first().is_some_and(|n| n.gpus.len() == 7)
    })
    .await;
    let mut cordoned = nodes.get("gpu-h100-1").await.unwrap();
    cordoned.spec.as_mut().unwrap().unschedulable = Some(true);
    nodes
        .replace("gpu-h100-1", &PostParams::default(), &cordoned)
        .await
        .unwrap();
    until(&mut inventory, |n| n.is_empty()).await;
}
