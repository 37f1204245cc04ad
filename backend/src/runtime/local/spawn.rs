//! Starting a workload's replicas: one plan per replica (directory, argv, environment, ports),
//! then one process each, started from its argv (never through a shell) as the leader of its
//! own process group, with stdin from /dev/null and stdout and stderr appended to its log. Any
//! failure kills what was started and removes the workload's directory.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::{Child, Command};

use super::env::{ReplicaIdentity, peer_env, replica_env};
use super::expand::expand;
use super::pidfile::{self, PidFile};
use super::{logs, paths, ports, signal};
use crate::runtime::{Endpoint, PlacedWorkload, RuntimeError};

/// Everything needed to start one replica.
#[derive(Debug, Clone)]
pub(crate) struct ReplicaPlan {
    pub group: String,
    pub replica: u32,
    pub dir: PathBuf,
    /// Where the process starts: the group's `working_dir`, or `dir`.
    pub cwd: PathBuf,
    pub argv: Vec<String>,
    pub env: BTreeMap<String, String>,
    /// (`PortSpec` name, allocated port), in the group's order.
    pub ports: Vec<(String, u16)>,
}

/// A replica whose process runs.
#[derive(Debug)]
pub(crate) struct Spawned {
    pub plan: ReplicaPlan,
    pub pid: u32,
    /// Its start time in `/proc`, when it could be read.
    pub start_time: Option<u64>,
    pub child: Child,
}

/// Plans every replica of `workload`, in group order then replica order. Allocates the ports.
pub(crate) fn plan(
    workload: &PlacedWorkload,
    workload_dir: &Path,
    inherited: &[(String, String)],
) -> Result<Vec<ReplicaPlan>, RuntimeError> {
    let id = workload.id;
    let groups = &workload.spec.groups;
    let port_count: usize = groups
        .iter()
        .map(|g| g.ports.len() * g.replicas as usize)
        .sum();
    let mut free = ports::allocate(port_count)
        .map_err(|source| RuntimeError::Ports { id, source })?
        .into_iter();
    for group in groups {
        if group.replicas > 0 && group.command.is_empty() {
            return Err(RuntimeError::NoCommand {
                id,
                group: group.name.clone(),
            });
        }
        if let Some(volume) = group.volumes.iter().find(|v| !v.source.is_fresh()) {
            return Err(RuntimeError::ClusterOnlyVolume {
                id,
                group: group.name.clone(),
                volume: volume.name.clone(),
            });
        }
    }
    // Every replica's ports first: a gang's replicas are told each other's.
    let mut replicas = Vec::new();
    for group in groups {
        for replica in 0..group.replicas {
            let ports: Vec<(String, u16)> = group
                .ports
                .iter()
                .zip(free.by_ref())
                .map(|(spec, port)| (spec.name.clone(), port))
                .collect();
            replicas.push((group, replica, ports));
        }
    }
    let peers = if workload.spec.gang {
        let listed: Vec<_> = replicas
            .iter()
            .map(|(group, replica, ports)| (group.name.as_str(), *replica, ports.as_slice()))
            .collect();
        peer_env(&listed)
    } else {
        BTreeMap::new()
    };
    let mut plans = Vec::new();
    for (group, replica, ports) in replicas {
        let dir = paths::replica_dir(workload_dir, &group.name, replica)?;
        let placement = workload
            .placements
            .iter()
            .find(|p| p.group == group.name && p.replica == replica)
            .ok_or_else(|| RuntimeError::NoPlacement {
                id,
                group: group.name.clone(),
                replica,
            })?;
        let who = ReplicaIdentity {
            workload_id: id,
            workload: &workload.name,
            profile: &workload.profile,
            group: &group.name,
            replica,
            rank: workload.spec.rank_of(&group.name, replica),
        };
        let env = replica_env(
            inherited.iter().cloned(),
            &group.env,
            who,
            &placement.gpus,
            &ports,
            &peers,
        );
        let argv = group
            .command
            .iter()
            .chain(&group.args)
            .map(|arg| expand(arg, &env))
            .collect();
        let cwd = group
            .working_dir
            .as_ref()
            .map_or_else(|| dir.clone(), PathBuf::from);
        plans.push(ReplicaPlan {
            group: group.name.clone(),
            replica,
            cwd,
            dir,
            argv,
            env,
            ports,
        });
    }
    if plans.is_empty() {
        return Err(RuntimeError::NoReplicas { id });
    }
    Ok(plans)
}

/// Where the planned ports can be reached.
pub(crate) fn endpoints(plans: &[ReplicaPlan]) -> Vec<Endpoint> {
    plans
        .iter()
        .flat_map(|p| {
            p.ports.iter().map(|(name, port)| Endpoint {
                group: p.group.clone(),
                replica: p.replica,
                port_name: name.clone(),
                host: "127.0.0.1".to_owned(),
                port: *port,
            })
        })
        .collect()
}

/// Starts every planned replica in a fresh `workload_dir` (what an earlier attempt left there is
/// removed first). On error, kills and reaps what was started and removes the directory.
pub(crate) async fn spawn_all(
    id: i64,
    workload_dir: &Path,
    plans: Vec<ReplicaPlan>,
) -> Result<Vec<Spawned>, RuntimeError> {
    let mut spawned = Vec::with_capacity(plans.len());
    let result = (|| {
        fresh_dir(workload_dir)?;
        for plan in plans {
            spawned.push(spawn_one(id, plan)?);
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(spawned),
        Err(e) => {
            for mut s in spawned {
                signal::signal_group_logged(s.pid, libc::SIGKILL);
                let _ = s.child.wait().await;
            }
            remove_dir(workload_dir);
            Err(e)
        }
    }
}

fn fresh_dir(dir: &Path) -> Result<(), RuntimeError> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(RuntimeError::io("remove the old directory", dir, e));
        }
        _ => {}
    }
    fs::create_dir_all(dir).map_err(|e| RuntimeError::io("create directory", dir, e))
}

/// Removes a workload's directory; a missing one is fine, other failures are logged.
pub(crate) fn remove_dir(dir: &Path) {
    if let Err(e) = fs::remove_dir_all(dir)
        && e.kind() != io::ErrorKind::NotFound
    {
        tracing::warn!(dir = %dir.display(), error = %e, "cannot remove a workload directory");
    }
}

fn spawn_one(id: i64, plan: ReplicaPlan) -> Result<Spawned, RuntimeError> {
    for dir in [&plan.dir, &plan.cwd] {
        fs::create_dir_all(dir).map_err(|e| RuntimeError::io("create directory", dir, e))?;
    }
    let log_path = logs::log_path(&plan.dir);
    let stdout =
        logs::open_for_append(&log_path).map_err(|e| RuntimeError::io("open log", &log_path, e))?;
    let stderr = stdout
        .try_clone()
        .map_err(|e| RuntimeError::io("open log", &log_path, e))?;
    let spawn_error = |source| RuntimeError::Spawn {
        id,
        group: plan.group.clone(),
        program: plan.argv.first().cloned().unwrap_or_default(),
        source,
    };
    let (program, args) = plan
        .argv
        .split_first()
        .ok_or_else(|| spawn_error(io::Error::new(io::ErrorKind::InvalidInput, "empty argv")))?;
    let mut child = Command::new(program)
        .args(args)
        .env_clear()
        .envs(&plan.env)
        .current_dir(&plan.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::from(stderr))
        .process_group(0)
        .spawn()
        .map_err(spawn_error)?;
    let Some(pid) = child.id() else {
        // Not reaped before anyone waited: cannot happen, but never leave a process unknown.
        let _ = child.start_kill();
        return Err(spawn_error(io::Error::other("the process has no pid")));
    };
    let start_time = pidfile::start_time(pid);
    let pid_file = PidFile {
        pid,
        // 0 when /proc cannot tell: recovery then takes the replica for gone.
        start_time: start_time.unwrap_or(0),
        ports: plan.ports.iter().cloned().collect(),
    };
    let spawned = Spawned {
        plan,
        pid,
        start_time,
        child,
    };
    if let Err(e) = pidfile::write(&spawned.plan.dir, &pid_file) {
        signal::signal_group_logged(pid, libc::SIGKILL);
        // Reaped by tokio once dropped.
        drop(spawned);
        return Err(e);
    }
    Ok(spawned)
}

#[cfg(test)]
mod tests {
    use api::{
        GpuShare, PortSpec, ReplicaGroup, ReplicaPlacement, Resources, WorkloadKind, WorkloadSpec,
    };

    use super::*;

    fn group(name: &str, replicas: u32, ports: &[&str]) -> ReplicaGroup {
        ReplicaGroup {
            name: name.to_owned(),
            replicas,
            command: vec!["python".to_owned(), "train.py".to_owned()],
            image: None,
            args: vec!["--lr".to_owned(), "0.1".to_owned()],
            env: BTreeMap::new(),
            ports: ports
                .iter()
                .map(|n| PortSpec {
                    name: (*n).to_owned(),
                    container_port: 80,
                })
                .collect(),
            volumes: vec![],
            working_dir: None,
            resources: Resources::default(),
        }
    }

    fn placed(groups: Vec<ReplicaGroup>) -> PlacedWorkload {
        let placements = groups
            .iter()
            .flat_map(|g| {
                (0..g.replicas).map(|r| ReplicaPlacement {
                    group: g.name.clone(),
                    replica: r,
                    node: "local".to_owned(),
                    gpus: vec![GpuShare {
                        index: r,
                        milli: 1000,
                    }],
                })
            })
            .collect();
        PlacedWorkload {
            id: 5,
            profile: "alice".to_owned(),
            name: "train".to_owned(),
            spec: WorkloadSpec {
                name: "train".to_owned(),
                kind: WorkloadKind::Training,
                priority_class: None,
                groups,
                gang: true,
                requeue_on_failure: false,
                leader: None,
            },
            placements,
        }
    }

    #[test]
    fn plans_every_replica_with_its_own_ports_and_gpus() {
        let w = placed(vec![
            group("ps", 1, &["grpc"]),
            group("worker", 2, &["http", "metrics"]),
        ]);
        let plans = plan(&w, Path::new("/d/workloads/5"), &[]).expect("plan");
        let labels: Vec<_> = plans
            .iter()
            .map(|p| format!("{}-{}", p.group, p.replica))
            .collect();
        assert_eq!(labels, ["ps-0", "worker-0", "worker-1"]);
        assert_eq!(plans[2].dir, Path::new("/d/workloads/5/worker-1"));
        assert_eq!(plans[2].argv, ["python", "train.py", "--lr", "0.1"]);
        assert_eq!(plans[2].env["CUDA_VISIBLE_DEVICES"], "1");
        let mut all: Vec<u16> = plans
            .iter()
            .flat_map(|p| p.ports.iter().map(|(_, port)| *port))
            .collect();
        assert_eq!(all.len(), 5);
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 5, "one start never hands a port twice");
        assert_eq!(
            plans[1].env["PORT"], plans[1].env["CAPSTAN_PORT_HTTP"],
            "PORT is the first port"
        );
        let endpoints = endpoints(&plans);
        assert_eq!(endpoints.len(), 5);
        assert_eq!(endpoints[1].port_name, "http");
        assert_eq!(endpoints[1].group, "worker");
    }

    #[test]
    fn the_replicas_of_a_gang_know_where_each_other_listen() {
        let mut w = placed(vec![
            group("master", 1, &["dist"]),
            group("worker", 2, &["dist"]),
        ]);
        w.spec.gang = false;
        assert!(
            !plan(&w, Path::new("/w"), &[]).expect("plan")[0]
                .env
                .contains_key("CAPSTAN_PEER_MASTER_0_HOST"),
            "only a gang starts together"
        );
        w.spec.gang = true;
        let plans = plan(&w, Path::new("/w"), &[]).expect("plan");
        let ranks: Vec<&str> = plans
            .iter()
            .map(|p| p.env["CAPSTAN_RANK"].as_str())
            .collect();
        assert_eq!(ranks, ["0", "1", "2"]);
        for p in &plans {
            assert_eq!(p.env["CAPSTAN_PEER_MASTER_0_HOST"], "127.0.0.1");
            assert_eq!(
                p.env["CAPSTAN_PEER_WORKER_1_PORT_DIST"],
                plans[2].env["CAPSTAN_PORT_DIST"]
            );
        }
    }

    #[test]
    fn refuses_what_it_cannot_start() {
        let mut no_command = group("main", 1, &[]);
        no_command.command.clear();
        assert!(matches!(
            plan(&placed(vec![no_command]), Path::new("/w"), &[]),
            Err(RuntimeError::NoCommand { .. })
        ));

        let mut unplaced = placed(vec![group("main", 2, &[])]);
        unplaced.placements.pop();
        let err = plan(&unplaced, Path::new("/w"), &[]).expect_err("unplaced");
        assert!(err.to_string().contains("main-1"), "{err}");

        assert!(matches!(
            plan(&placed(vec![group("main", 0, &[])]), Path::new("/w"), &[]),
            Err(RuntimeError::NoReplicas { .. })
        ));

        assert!(matches!(
            plan(&placed(vec![group("../up", 1, &[])]), Path::new("/w"), &[]),
            Err(RuntimeError::InvalidName { .. })
        ));

        let mut from_a_claim = group("main", 1, &[]);
        from_a_claim.volumes = vec![api::VolumeSpec {
            name: "model".to_owned(),
            mount_path: "/mnt/models".to_owned(),
            size_mib: None,
            source: api::VolumeSource::Claim {
                claim: "models".to_owned(),
                sub_path: String::new(),
                read_only: true,
            },
        }];
        let err = plan(&placed(vec![from_a_claim]), Path::new("/w"), &[]).expect_err("claim");
        assert!(err.to_string().contains("only cluster mode"), "{err}");
    }
}
