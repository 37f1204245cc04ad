//! Starting, stopping and deleting workloads, and what happens when a replica ends.

use std::sync::Arc;
use std::time::Duration;

use api::Phase;

use super::state::WorkloadState;
use super::{
    Inner, KILL_WAIT, Live, Replica, lock, paths, pidfile, recovery, signal, spawn, watch,
};
use crate::clock::now_ms;
use crate::runtime::{Endpoint, ExitOutcome, PlacedWorkload, RuntimeError, RuntimeReport};

/// Marks a workload as starting while it lives.
struct Starting<'a> {
    inner: &'a Inner,
    id: i64,
}

impl Drop for Starting<'_> {
    fn drop(&mut self) {
        lock(&self.inner.starting).remove(&self.id);
    }
}

impl Inner {
    /// A replica ended: record it, kill what it left in its process group, stop the others
    /// after a first failure, and report the workload once every replica has ended.
    pub(super) fn replica_exited(self: &Arc<Self>, id: i64, index: usize, outcome: ExitOutcome) {
        let at_ms = now_ms();
        tracing::debug!(workload = id, index, %outcome, "replica exited");
        let (pid, child, dir, step, exits, ended) = {
            let mut live = lock(&self.live);
            let Some(entry) = live.get_mut(&id) else {
                return;
            };
            let Some(replica) = entry.replicas.get(index) else {
                return;
            };
            let (pid, child, dir) = (replica.pid, replica.child, replica.dir.clone());
            let step = entry.state.record(index, outcome);
            let exits = entry.state.exits();
            let ended = if step.finished.is_some() {
                live.remove(&id)
            } else {
                None
            };
            (pid, child, dir, step, exits, ended)
        };
        if child && pid > 1 {
            // What the leader left in its group (like a container whose main process ended).
            // Only for children, just reaped: an adopted leader may have been gone for a poll
            // interval, long enough for its pid to be reused by another group's leader.
            signal::signal_group_logged(pid, libc::SIGKILL);
        }
        pidfile::remove(&dir);
        if step.stop_others {
            let inner = self.clone();
            let grace = self.options.stop_grace;
            let task = tokio::spawn(async move { inner.terminate(id, grace).await });
            self.add_tasks(id, vec![task.abort_handle()]);
        }
        if let Some((phase, reason)) = step.finished {
            if let Some(entry) = ended {
                entry.done.send_replace(true);
            }
            self.push_report(RuntimeReport {
                id,
                phase,
                reason,
                exits,
                at_ms,
            });
        }
    }

    /// SIGTERM to every replica that runs, SIGKILL to those left after `grace`, then waits a
    /// while for them to be reaped.
    async fn terminate(&self, id: i64, grace: Duration) {
        let mut done = {
            let live = lock(&self.live);
            let Some(entry) = live.get(&id) else {
                return;
            };
            entry.signal_running(libc::SIGTERM);
            entry.done.subscribe()
        };
        if tokio::time::timeout(grace, done.wait_for(|d| *d))
            .await
            .is_ok()
        {
            return;
        }
        if let Some(entry) = lock(&self.live).get(&id) {
            entry.signal_running(libc::SIGKILL);
        }
        let _ = tokio::time::timeout(KILL_WAIT, done.wait_for(|d| *d)).await;
    }

    pub(super) async fn start(
        self: &Arc<Self>,
        workload: &PlacedWorkload,
    ) -> Result<Vec<Endpoint>, RuntimeError> {
        let id = workload.id;
        if self.is_live(id) || !lock(&self.starting).insert(id) {
            return Err(RuntimeError::AlreadyRunning { id });
        }
        // Cleared however the start ends, a dropped future included.
        let _starting = Starting { inner: self, id };
        self.start_unguarded(workload).await
    }

    async fn start_unguarded(
        self: &Arc<Self>,
        workload: &PlacedWorkload,
    ) -> Result<Vec<Endpoint>, RuntimeError> {
        let id = workload.id;
        let dir = paths::workload_dir(&self.data_dir, id);
        let plans = spawn::plan(workload, &dir, &self.inherited_env())?;
        let endpoints = spawn::endpoints(&plans);
        let spawned = spawn::spawn_all(id, &dir, plans).await?;
        let at_ms = now_ms();
        tracing::debug!(workload = id, "replicas spawned");
        let count = spawned.len();
        let mut replicas = Vec::with_capacity(count);
        let mut children = Vec::with_capacity(count);
        for s in spawned {
            replicas.push(Replica {
                group: s.plan.group,
                replica: s.plan.replica,
                pid: s.pid,
                start_time: s.start_time,
                child: true,
                dir: s.plan.dir,
            });
            children.push(s.child);
        }
        let state = WorkloadState::new(
            replicas
                .iter()
                .map(|r| (r.group.clone(), r.replica))
                .collect(),
        )
        .with_leader(workload.spec.leader.as_deref());
        self.insert_live(id, Live::new(replicas, state, endpoints.clone()));
        self.push_report(RuntimeReport {
            id,
            phase: Phase::Running,
            reason: format!("started {count} replica(s)"),
            exits: Vec::new(),
            at_ms,
        });
        let tasks = children
            .into_iter()
            .enumerate()
            .map(|(index, child)| watch::child(self.clone(), id, index, child))
            .collect();
        self.add_tasks(id, tasks);
        Ok(endpoints)
    }

    pub(super) async fn stop(&self, id: i64, grace: Duration) {
        match lock(&self.live).get_mut(&id) {
            Some(entry) => entry.state.request_stop(),
            None => return,
        }
        self.terminate(id, grace).await;
    }

    pub(super) async fn delete(&self, id: i64) -> Result<(), RuntimeError> {
        self.stop(id, self.options.stop_grace).await;
        let dir = paths::workload_dir(&self.data_dir, id);
        // Processes that a pid file names but nobody watches (left by an earlier Capstan).
        recovery::kill_found(&dir);
        tokio::task::spawn_blocking(move || spawn::remove_dir(&dir))
            .await
            .map_err(|e| RuntimeError::Task(e.to_string()))
    }
}
