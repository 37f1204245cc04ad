//! Watching the notebooks that run: a notebook is ready once JupyterLab answers `api/status`
//! (polled every 100 ms while one starts); a ready one's activity is read every
//! `activity_poll`, stored for the list, and a notebook idle for `idle_after` with no kernel
//! busy is stopped (culled), as Kubeflow's culler does. Notebooks whose processes were lost
//! while Capstan was down are queued again.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use api::{Event, EventKind, Phase, WorkloadKind};

use super::launch::{PORT_NAME, base_url, notebook_of};
use super::live::{LiveNotebook, Upstream};
use super::{NotebookError, Notebooks};
use crate::authz::Principal;
use crate::clock::now_ms;
use crate::runtime::{RESTARTED, RESTARTED_WHILE_RUNNING};
use crate::store::WorkloadRow;

/// While a notebook starts: how often to ask whether it answers.
const STARTING_TICK: Duration = Duration::from_millis(100);
/// Otherwise: how often to look at all.
const IDLE_TICK: Duration = Duration::from_secs(2);
/// How often to look for notebooks lost in a restart.
const LOST_CHECK: Duration = Duration::from_secs(30);

/// Capstan acting on its own: bringing notebooks back after a restart.
const SYSTEM: &str = "capstan";

impl Notebooks {
    /// Runs until `shutdown` turns true. Any workload event wakes it, so that a notebook
    /// that starts is probed at once.
    pub async fn watch(self: Arc<Self>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut events = self.engine.events().subscribe();
        let mut last_lost_check: Option<Instant> = None;
        let mut tick = IDLE_TICK;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(tick) => {}
                _ = events.recv() => {}
                changed = shutdown.changed() => if changed.is_err() || *shutdown.borrow() { break },
            }
            if last_lost_check.is_none_or(|t| t.elapsed() >= LOST_CHECK) {
                last_lost_check = Some(Instant::now());
                if let Err(e) = self.bring_back_lost().await {
                    tracing::warn!(error = %e, "could not bring notebooks back");
                }
            }
            tick = match self.look().await {
                Ok(true) => STARTING_TICK,
                Ok(false) => IDLE_TICK,
                Err(e) => {
                    tracing::warn!(error = %e, "could not look at the notebooks");
                    IDLE_TICK
                }
            };
        }
    }

    /// One look at every running notebook. Answers whether one is still starting.
    pub async fn look(&self) -> Result<bool, NotebookError> {
        let active: Vec<WorkloadRow> = self
            .store
            .workloads()
            .active()
            .await?
            .into_iter()
            .filter(|w| w.kind == WorkloadKind::Notebook)
            .collect();
        let running: HashSet<i64> = active
            .iter()
            .filter(|w| w.phase == Phase::Running)
            .map(|w| w.id)
            .collect();
        self.live.retain_runs(&running);
        let mut starting = active.iter().any(|w| w.phase != Phase::Running);
        for w in active.iter().filter(|w| w.phase == Phase::Running) {
            if !self.look_at(w).await? {
                starting = true;
            }
        }
        Ok(starting)
    }

    /// Answers whether the notebook is ready.
    async fn look_at(&self, w: &WorkloadRow) -> Result<bool, NotebookError> {
        let Some(name) = notebook_of(&w.name) else {
            return Ok(true);
        };
        let profile = w.profile.as_str();
        let mut live = match self.live.get(profile, name) {
            Some(l) if l.workload_id == w.id => l,
            _ => match self.first_sight(w, name).await? {
                Some(l) => l,
                None => return Ok(false),
            },
        };
        let base = base_url(profile, name);
        let Upstream { addr, token } = live.upstream.clone();
        if !live.ready {
            if self.probe.answers(addr, &base, &token).await {
                live.ready = true;
                self.live.put(profile, name, live);
                self.publish(profile, name, "ready");
                return Ok(true);
            }
            return Ok(false);
        }
        if live
            .polled
            .is_some_and(|t| t.elapsed() < self.settings.activity_poll)
        {
            return Ok(true);
        }
        live.polled = Some(Instant::now());
        match self.probe.activity(addr, &base, &token).await {
            Ok(activity) => {
                let changed = activity.last_activity_ms != live.last_activity_ms;
                live.last_activity_ms = activity.last_activity_ms;
                live.busy = activity.busy;
                self.live.put(profile, name, live.clone());
                if changed && let Some(at) = activity.last_activity_ms {
                    self.store
                        .notebooks()
                        .set_last_activity(live.notebook_id, at)
                        .await?;
                    self.publish(profile, name, "activity");
                }
            }
            Err(e) => {
                self.live.put(profile, name, live.clone());
                tracing::debug!(notebook = name, profile, error = %e, "no activity reading");
            }
        }
        self.cull_if_idle(w, name, &live).await?;
        Ok(true)
    }

    /// A run seen for the first time: where it listens and its token.
    async fn first_sight(
        &self,
        w: &WorkloadRow,
        name: &str,
    ) -> Result<Option<LiveNotebook>, NotebookError> {
        let Some(endpoint) = self
            .engine
            .endpoints(w.id)
            .into_iter()
            .find(|e| e.port_name == PORT_NAME)
        else {
            return Ok(None);
        };
        let Some(row) = self.store.notebooks().get(&w.profile, name).await? else {
            return Ok(None);
        };
        let Ok(ip) = endpoint.host.parse() else {
            return Ok(None);
        };
        let live = LiveNotebook {
            notebook_id: row.id,
            workload_id: w.id,
            upstream: Upstream {
                addr: std::net::SocketAddr::new(ip, endpoint.port),
                token: row.token,
            },
            ready: false,
            last_activity_ms: row.last_activity_ms,
            busy: false,
            polled: None,
        };
        self.live.put(&w.profile, name, live.clone());
        Ok(Some(live))
    }

    async fn cull_if_idle(
        &self,
        w: &WorkloadRow,
        name: &str,
        live: &LiveNotebook,
    ) -> Result<(), NotebookError> {
        let Some(idle_after) = self.settings.idle_after else {
            return Ok(());
        };
        let Some(last) = live.last_activity_ms else {
            return Ok(());
        };
        let idle_ms = now_ms() - last;
        if live.busy || idle_ms < i64::try_from(idle_after.as_millis()).unwrap_or(i64::MAX) {
            return Ok(());
        }
        let reason = format!("culled: idle for {} min", idle_ms / 60_000);
        tracing::info!(notebook = name, profile = %w.profile, %reason, "stopping an idle notebook");
        self.engine
            .stop_because(&w.profile, &w.name, &reason)
            .await?;
        self.live.remove(&w.profile, name);
        Ok(())
    }

    /// Queues again the notebooks whose processes were gone when Capstan came back: a
    /// notebook runs until someone stops it, as a StatefulSet's pod would be restarted.
    pub async fn bring_back_lost(&self) -> Result<(), NotebookError> {
        let system = Principal::local_admin(SYSTEM);
        for row in self.store.notebooks().all().await? {
            let workload = self
                .store
                .workloads()
                .get(&row.profile, &super::workload_name(&row.name))
                .await?;
            let lost = workload.is_some_and(|w| {
                w.phase == Phase::Failed
                    && matches!(
                        w.reason.as_deref(),
                        Some(RESTARTED) | Some(RESTARTED_WHILE_RUNNING)
                    )
            });
            if !lost {
                continue;
            }
            tracing::info!(notebook = %row.name, profile = %row.profile, "bringing back a notebook lost in a restart");
            if let Err(e) = self.start(&system, &row.profile, &row.name).await {
                tracing::warn!(notebook = %row.name, profile = %row.profile, error = %e, "could not bring the notebook back");
            }
        }
        Ok(())
    }

    fn publish(&self, profile: &str, name: &str, what: &str) {
        self.engine.events().publish(Event {
            kind: EventKind::Notebook,
            profile: Some(profile.to_owned()),
            user: None,
            at_ms: now_ms(),
            data: serde_json::json!({ "name": name, "change": what }),
        });
    }
}
