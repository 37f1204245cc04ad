//! The environment that distributed training reads, as the Kubeflow Training Operator sets it,
//! written with the runtime's `$(CAPSTAN_…)` variables so that one replica group serves every
//! replica of a type, in either mode (see `api::peer_host_env`):
//!
//! - TFJob: `TF_CONFIG`, the cluster spec (`host:port` of every replica by type, the evaluator
//!   apart, as the operator does) and the replica's own task type and index.
//! - PyTorchJob: `MASTER_ADDR`, `MASTER_PORT`, `WORLD_SIZE`, `RANK`, and the `PET_*` variables
//!   that torchrun reads.

use std::collections::BTreeMap;

use api::{peer_host_env, peer_port_env};

use super::spec::{JobKind, ReplicaSpec, ReplicaType, TrainingSpec};

/// The variables of every replica of `replica`'s type.
pub fn training_env(spec: &TrainingSpec, replica: &ReplicaSpec) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert("PYTHONUNBUFFERED".to_owned(), "1".to_owned());
    match spec.kind {
        JobKind::TfJob => {
            env.insert(
                "TF_CONFIG".to_owned(),
                tf_config(spec, replica.replica_type),
            );
        }
        JobKind::PyTorchJob => env.extend(pytorch_env(spec)),
    }
    env
}

/// `host:port` of replica `index` of `replica_type`, as the runtime will know it.
fn address(spec: &TrainingSpec, replica_type: ReplicaType, index: u32) -> String {
    let group = replica_type.group();
    format!(
        "$({}):$({})",
        peer_host_env(group, index),
        peer_port_env(group, index, spec.kind.port_name())
    )
}

fn tf_config(spec: &TrainingSpec, task: ReplicaType) -> String {
    let cluster: serde_json::Map<String, serde_json::Value> = spec
        .replicas
        .iter()
        .filter(|r| r.replica_type != ReplicaType::Evaluator)
        .map(|r| {
            let addresses = (0..r.replicas)
                .map(|i| address(spec, r.replica_type, i).into())
                .collect();
            (
                r.replica_type.group().to_owned(),
                serde_json::Value::Array(addresses),
            )
        })
        .collect();
    // The index is a number in TF_CONFIG: written bare, filled in by the runtime.
    let task_json = format!(
        r#"{{"type":"{}","index":$(CAPSTAN_REPLICA_INDEX)}}"#,
        task.group()
    );
    format!(
        r#"{{"cluster":{},"task":{task_json},"environment":"cloud"}}"#,
        serde_json::Value::Object(cluster)
    )
}

fn pytorch_env(spec: &TrainingSpec) -> Vec<(String, String)> {
    let master = ReplicaType::Master.group();
    let addr = format!("$({})", peer_host_env(master, 0));
    let port = format!("$({})", peer_port_env(master, 0, spec.kind.port_name()));
    let nodes = spec.total_replicas();
    let per_node: Option<u32> = spec.nproc_per_node.as_deref().and_then(|n| n.parse().ok());
    let mut env = vec![
        ("MASTER_ADDR", addr.clone()),
        ("MASTER_PORT", port.clone()),
        ("WORLD_SIZE", (nodes * per_node.unwrap_or(1)).to_string()),
        ("RANK", "$(CAPSTAN_RANK)".to_owned()),
        ("PET_MASTER_ADDR", addr),
        ("PET_MASTER_PORT", port),
        ("PET_NNODES", nodes.to_string()),
        ("PET_NODE_RANK", "$(CAPSTAN_RANK)".to_owned()),
    ];
    if let Some(n) = &spec.nproc_per_node {
        env.push(("PET_NPROC_PER_NODE", n.clone()));
    }
    env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
