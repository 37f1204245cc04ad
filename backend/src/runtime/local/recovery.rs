//! What a Capstan that starts again finds on disk. Replica processes lead their own process
//! groups and write to files, so they outlive Capstan; their pid files say which they are.
//!
//! - A workload the store thinks holds resources, with no replica alive: `Failed` with reason
//!   [`RESTARTED`]; the caller requeues it per its policy.
//! - One with at least one replica alive: adopted. Its live replicas are watched through `/proc`
//!   and it is reported when they have all ended, `Failed` with [`RESTARTED_WHILE_RUNNING`]
//!   (their exit codes cannot be known), or `Stopped` when stopped. Replicas already gone count
//!   as ended with an unknown status; they do not stop the others.
//! - A workload directory with live processes that the store does not list (it finished or was
//!   deleted while Capstan was down and they were not stopped): its processes are killed, since
//!   the scheduler will give their GPUs to others. The directory stays for `delete`.
//!
//! [`RESTARTED_WHILE_RUNNING`]: crate::runtime::RESTARTED_WHILE_RUNNING

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use api::Phase;

use super::pidfile::{self, PidFile};
use super::state::WorkloadState;
use super::{Inner, Live, Replica, paths, signal, watch};
use crate::clock::now_ms;
use crate::runtime::{Endpoint, ExitOutcome, RESTARTED, RuntimeReport};

/// A replica found on disk.
struct Found {
    group: String,
    replica: u32,
    dir: std::path::PathBuf,
    /// Its pid file, when its process still runs.
    alive: Option<PidFile>,
}

pub(crate) fn recover(inner: &Arc<Inner>, known: &[(i64, Phase)]) -> Vec<RuntimeReport> {
    let mut reports = Vec::with_capacity(known.len());
    for &(id, _) in known {
        if inner.is_live(id) {
            reports.push(running(id, "running"));
            continue;
        }
        let dir = paths::workload_dir(&inner.data_dir, id);
        let found = scan(&dir);
        if found.iter().all(|f| f.alive.is_none()) {
            reports.push(RuntimeReport {
                id,
                phase: Phase::Failed,
                reason: RESTARTED.to_owned(),
                exits: Vec::new(),
                at_ms: now_ms(),
            });
            continue;
        }
        adopt(inner, id, found);
        reports.push(running(
            id,
            "adopted: its processes outlived a capstan restart",
        ));
    }
    let known: HashSet<i64> = known.iter().map(|(id, _)| *id).collect();
    kill_orphans(inner, &known);
    reports
}

/// Kills the live processes that a workload directory's pid files name.
pub(crate) fn kill_found(dir: &Path) {
    for f in scan(dir) {
        if let Some(p) = f.alive {
            signal::signal_group_logged(p.pid, libc::SIGKILL);
        }
    }
}

fn running(id: i64, reason: &str) -> RuntimeReport {
    RuntimeReport {
        id,
        phase: Phase::Running,
        reason: reason.to_owned(),
        exits: Vec::new(),
        at_ms: now_ms(),
    }
}

fn adopt(inner: &Arc<Inner>, id: i64, found: Vec<Found>) {
    let mut state =
        WorkloadState::new(found.iter().map(|f| (f.group.clone(), f.replica)).collect());
    let mut replicas = Vec::with_capacity(found.len());
    let mut endpoints = Vec::new();
    let mut alive = Vec::new();
    for (index, f) in found.into_iter().enumerate() {
        match &f.alive {
            Some(p) => {
                endpoints.extend(p.ports.iter().map(|(name, port)| Endpoint {
                    group: f.group.clone(),
                    replica: f.replica,
                    port_name: name.clone(),
                    host: "127.0.0.1".to_owned(),
                    port: *port,
                }));
                alive.push((index, p.clone()));
            }
            None => {
                state.record(index, ExitOutcome::Unknown);
            }
        }
        replicas.push(Replica {
            group: f.group,
            replica: f.replica,
            pid: f.alive.as_ref().map_or(0, |p| p.pid),
            start_time: f.alive.as_ref().map(|p| p.start_time),
            child: false,
            dir: f.dir,
        });
    }
    inner.insert_live(id, Live::new(replicas, state, endpoints));
    let tasks = alive
        .into_iter()
        .map(|(index, p)| watch::adopted(inner.clone(), id, index, p, inner.options.poll_interval))
        .collect();
    inner.add_tasks(id, tasks);
}

fn kill_orphans(inner: &Arc<Inner>, known: &HashSet<i64>) {
    let root = paths::workloads_dir(&inner.data_dir);
    let Ok(entries) = fs::read_dir(&root) else {
        return;
    };
    for entry in entries.flatten() {
        let Some(id) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i64>().ok())
        else {
            continue;
        };
        if known.contains(&id) || inner.is_live(id) {
            continue;
        }
        for f in scan(&entry.path()) {
            if let Some(p) = f.alive {
                tracing::warn!(
                    workload = id,
                    pid = p.pid,
                    "killing a replica of a workload that the store does not run"
                );
                signal::signal_group_logged(p.pid, libc::SIGKILL);
            }
        }
    }
}

/// The replica directories of a workload, sorted; none when the directory is missing.
fn scan(dir: &Path) -> Vec<Found> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<Found> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| {
            let (group, replica) = paths::parse_replica_dir(e.file_name().to_str()?)?;
            let dir = e.path();
            let alive = pidfile::read(&dir).filter(pidfile::is_alive);
            Some(Found {
                group,
                replica,
                dir,
                alive,
            })
        })
        .collect();
    found.sort_by(|a, b| (&a.group, a.replica).cmp(&(&b.group, b.replica)));
    found
}
