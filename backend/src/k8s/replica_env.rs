//! What one training replica's pod knows of itself and of its gang, as the local runtime tells
//! a process: `CAPSTAN_REPLICA_INDEX`, `CAPSTAN_RANK`, and for a gang where every other replica
//! listens (`CAPSTAN_PEER_<GROUP>_<INDEX>_HOST` as `<pod>.<service>`, the headless Service's DNS
//! name, and `…_PORT_<NAME>` as the container port). First in the container's list, so that the
//! group's values may name them (`$(CAPSTAN_PEER_MASTER_0_HOST)`).

use api::{WorkloadSpec, peer_host_env, peer_port_env};
use k8s_openapi::api::core::v1::EnvVar;

use super::names;

/// The variables of replica `replica` of `group` in workload `workload`.
pub fn replica_env(workload: &str, spec: &WorkloadSpec, group: &str, replica: u32) -> Vec<EnvVar> {
    let mut vars = vec![
        ("CAPSTAN_REPLICA_INDEX".to_owned(), replica.to_string()),
        (
            "CAPSTAN_RANK".to_owned(),
            spec.rank_of(group, replica).to_string(),
        ),
    ];
    if spec.gang {
        // A group without ports has no Service, so no DNS name: nothing to reach.
        for peer in spec.groups.iter().filter(|g| !g.ports.is_empty()) {
            let service = names::service_name(workload, &peer.name);
            for index in 0..peer.replicas {
                let pod = names::replica_pod_name(workload, &peer.name, index);
                vars.push((peer_host_env(&peer.name, index), format!("{pod}.{service}")));
                vars.extend(peer.ports.iter().map(|port| {
                    (
                        peer_port_env(&peer.name, index, &port.name),
                        port.container_port.to_string(),
                    )
                }));
            }
        }
    }
    vars.into_iter()
        .map(|(name, value)| EnvVar {
            name,
            value: Some(value),
            value_from: None,
        })
        .collect()
}
