//! The environment of a replica's process: a few variables inherited from Capstan, the group's
//! `env`, then Capstan's own variables, which win over both (a workload cannot widen its GPUs by
//! setting `CUDA_VISIBLE_DEVICES` itself).

use std::collections::BTreeMap;

use api::{GpuShare, port_env_name};

use super::expand::expand;
use crate::runtime::replica_label;
use crate::scheduler::WHOLE_GPU_MILLI;

/// Which replica a process is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReplicaIdentity<'a> {
    pub workload_id: i64,
    pub workload: &'a str,
    pub profile: &'a str,
    pub group: &'a str,
    pub replica: u32,
    /// Its place among all the workload's replicas ([`api::WorkloadSpec::rank_of`]).
    pub rank: u32,
}

/// The full environment of one replica; the process gets exactly this (`env_clear` first).
///
/// - `inherited`: the variables taken from Capstan's own environment (`PATH`, `HOME`…).
/// - `CAPSTAN_WORKLOAD` (name), `CAPSTAN_WORKLOAD_ID`, `CAPSTAN_PROFILE`, `CAPSTAN_GROUP`,
///   `CAPSTAN_REPLICA` (`worker-1`), `CAPSTAN_REPLICA_INDEX` (`1`).
/// - GPUs: see [`gpu_env`].
/// - `CAPSTAN_RANK`: its place among all the workload's replicas.
/// - `CAPSTAN_PORT_<NAME>` per named port, in `ports` order, and `PORT` for the first one.
/// - `peers`: where the other replicas of a gang listen (see [`peer_env`]).
pub(crate) fn replica_env(
    inherited: impl IntoIterator<Item = (String, String)>,
    group_env: &BTreeMap<String, String>,
    who: ReplicaIdentity<'_>,
    gpus: &[GpuShare],
    ports: &[(String, u16)],
    peers: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = inherited.into_iter().collect();
    env.extend(group_env.iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut set = |k: &str, v: String| {
        env.insert(k.to_owned(), v);
    };
    set("CAPSTAN_WORKLOAD", who.workload.to_owned());
    set("CAPSTAN_WORKLOAD_ID", who.workload_id.to_string());
    set("CAPSTAN_PROFILE", who.profile.to_owned());
    set("CAPSTAN_GROUP", who.group.to_owned());
    set("CAPSTAN_REPLICA", replica_label(who.group, who.replica));
    set("CAPSTAN_REPLICA_INDEX", who.replica.to_string());
    set("CAPSTAN_RANK", who.rank.to_string());
    for (k, v) in gpu_env(gpus) {
        set(k, v);
    }
    for (name, port) in ports {
        set(&port_env_name(name), port.to_string());
    }
    if let Some((_, port)) = ports.first() {
        set("PORT", port.to_string());
    }
    for (k, v) in peers {
        set(k, v.clone());
    }
    // As Kubernetes does, `$(NAME)` in the group's values names another variable: a program
    // that reads its port from its own variable gets `MLSERVER_HTTP_PORT=$(CAPSTAN_PORT_HTTP)`.
    // Only values still the group's: one Capstan set over it stays Capstan's.
    for (k, v) in group_env {
        if v.contains("$(") && env.get(k) == Some(v) {
            let expanded = expand(v, &env);
            env.insert(k.clone(), expanded);
        }
    }
    env
}

/// `CUDA_VISIBLE_DEVICES` lists the placed GPU indices, comma-separated. With no GPU it is the
/// empty string, which CUDA reads as "no device": a CPU-only replica cannot take a GPU that the
/// scheduler gave to another. A share of one GPU (under 1000 milli) also sets
/// `CAPSTAN_GPU_MILLI` and `CUDA_MPS_ACTIVE_THREAD_PERCENTAGE` (milli / 10, at least 1), which
/// caps the replica's compute when the node runs the MPS daemon and is ignored otherwise.
/// Memory is not capped: a shared GPU's memory is shared on trust.
pub(crate) fn gpu_env(gpus: &[GpuShare]) -> Vec<(&'static str, String)> {
    let indices: Vec<String> = gpus.iter().map(|g| g.index.to_string()).collect();
    let mut env = vec![("CUDA_VISIBLE_DEVICES", indices.join(","))];
    if let Some(share) = gpus.iter().find(|g| g.milli < WHOLE_GPU_MILLI) {
        env.push(("CAPSTAN_GPU_MILLI", share.milli.to_string()));
        env.push((
            "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE",
            (share.milli / 10).max(1).to_string(),
        ));
    }
    env
}

/// A replica's group, index and allocated (name, port) pairs.
pub(crate) type ReplicaPorts<'a> = (&'a str, u32, &'a [(String, u16)]);

/// For a gang, `CAPSTAN_PEER_<GROUP>_<INDEX>_HOST` and `…_PORT_<NAME>` of every replica
/// (`api::peer_host_env`): replicas that start together find each other on this machine.
/// `ports`: each replica's (group, index, allocated ports), in plan order.
pub(crate) fn peer_env(ports: &[ReplicaPorts<'_>]) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for (group, replica, ports) in ports {
        env.insert(api::peer_host_env(group, *replica), "127.0.0.1".to_owned());
        for (name, port) in *ports {
            env.insert(api::peer_port_env(group, *replica, name), port.to_string());
        }
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who() -> ReplicaIdentity<'static> {
        ReplicaIdentity {
            workload_id: 42,
            workload: "train",
            profile: "alice",
            group: "worker",
            replica: 1,
            rank: 2,
        }
    }

    fn whole(index: u32) -> GpuShare {
        GpuShare {
            index,
            milli: WHOLE_GPU_MILLI,
        }
    }

    #[test]
    fn whole_gpus_are_listed_without_mps() {
        let env = gpu_env(&[whole(0), whole(3)]);
        assert_eq!(env, vec![("CUDA_VISIBLE_DEVICES", "0,3".to_owned())]);
    }

    #[test]
    fn no_gpu_hides_every_device() {
        assert_eq!(gpu_env(&[]), vec![("CUDA_VISIBLE_DEVICES", String::new())]);
    }

    #[test]
    fn a_share_sets_mps_percentage_and_milli() {
        let env = gpu_env(&[GpuShare {
            index: 2,
            milli: 250,
        }]);
        assert_eq!(
            env,
            vec![
                ("CUDA_VISIBLE_DEVICES", "2".to_owned()),
                ("CAPSTAN_GPU_MILLI", "250".to_owned()),
                ("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", "25".to_owned()),
            ]
        );
        let tiny = gpu_env(&[GpuShare { index: 0, milli: 5 }]);
        assert!(tiny.contains(&("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", "1".to_owned())));
    }

    #[test]
    fn capstan_variables_win_over_the_groups() {
        let group_env = BTreeMap::from([
            ("CUDA_VISIBLE_DEVICES".to_owned(), "0,1,2,3".to_owned()),
            ("LR".to_owned(), "0.1".to_owned()),
            ("PATH".to_owned(), "/opt/bin".to_owned()),
        ]);
        let inherited = [
            ("PATH".to_owned(), "/usr/bin".to_owned()),
            ("HOME".to_owned(), "/home/c".to_owned()),
        ];
        let env = replica_env(
            inherited,
            &group_env,
            who(),
            &[whole(1)],
            &[("http".to_owned(), 8001), ("grpc-admin".to_owned(), 8002)],
            &BTreeMap::new(),
        );
        assert_eq!(env["CUDA_VISIBLE_DEVICES"], "1");
        assert_eq!(env["LR"], "0.1");
        assert_eq!(
            env["PATH"], "/opt/bin",
            "the group's env overrides what is inherited"
        );
        assert_eq!(env["HOME"], "/home/c");
        assert_eq!(env["CAPSTAN_WORKLOAD"], "train");
        assert_eq!(env["CAPSTAN_WORKLOAD_ID"], "42");
        assert_eq!(env["CAPSTAN_PROFILE"], "alice");
        assert_eq!(env["CAPSTAN_GROUP"], "worker");
        assert_eq!(env["CAPSTAN_REPLICA"], "worker-1");
        assert_eq!(env["CAPSTAN_REPLICA_INDEX"], "1");
        assert_eq!(env["CAPSTAN_PORT_HTTP"], "8001");
        assert_eq!(env["CAPSTAN_PORT_GRPC_ADMIN"], "8002");
        assert_eq!(env["PORT"], "8001");
    }

    #[test]
    fn no_port_no_port_variable() {
        let env = replica_env([], &BTreeMap::new(), who(), &[], &[], &BTreeMap::new());
        assert!(!env.contains_key("PORT"));
        assert_eq!(env["CUDA_VISIBLE_DEVICES"], "");
    }

    #[test]
    fn group_values_may_name_capstans_variables() {
        let group = BTreeMap::from([
            ("APP_PORT".to_owned(), "$(CAPSTAN_PORT_HTTP)".to_owned()),
            ("CAPSTAN_PORT_HTTP".to_owned(), "1".to_owned()),
        ]);
        let env = replica_env(
            [],
            &group,
            who(),
            &[],
            &[("http".to_owned(), 8123)],
            &BTreeMap::new(),
        );
        assert_eq!(env["APP_PORT"], "8123");
        assert_eq!(env["CAPSTAN_PORT_HTTP"], "8123", "Capstan's own wins");
    }
}
