//! What users do to notebooks. Each operation checks the caller's role in the profile first:
//! viewers read and connect, editors create, start, stop and delete.

use std::sync::Arc;
use std::time::Duration;

use api::{NotebookDetail, NotebookSpec, NotebookView, Phase, WorkloadKind};
use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;

use super::files::NotebookFiles;
use super::launch::{self, GROUP, workload_name};
use super::live::{Live, Upstream};
use super::probe::Probe;
use super::resolve::resolve;
use super::{NotebookError, SpawnerConfig};
use crate::authz::Principal;
use crate::clock::now_ms;
use crate::profiles::{Role, service::require};
use crate::store::{NotebookRow, Store, WorkloadRow};
use crate::workload::{Engine, WorkloadError};

/// Lines of the log a failed notebook shows.
const FAILED_LOG_LINES: usize = 20;

/// How the monitor watches running notebooks.
#[derive(Debug, Clone)]
pub struct MonitorSettings {
    /// Stop a notebook idle this long (no kernel busy, no activity); `None`: never.
    pub idle_after: Option<Duration>,
    /// How often a ready notebook's activity is read.
    pub activity_poll: Duration,
}

impl Default for MonitorSettings {
    fn default() -> Self {
        MonitorSettings {
            idle_after: None,
            activity_poll: Duration::from_secs(30),
        }
    }
}

pub struct Notebooks {
    pub(super) store: Store,
    pub(super) engine: Arc<Engine>,
    pub(super) config: SpawnerConfig,
    pub(super) files: NotebookFiles,
    pub(super) live: Live,
    pub(super) probe: Probe,
    pub(super) settings: MonitorSettings,
}

impl Notebooks {
    pub fn new(
        store: Store,
        engine: Arc<Engine>,
        config: SpawnerConfig,
        files: NotebookFiles,
        settings: MonitorSettings,
    ) -> Arc<Self> {
        Arc::new(Notebooks {
            store,
            engine,
            config,
            files,
            live: Live::default(),
            probe: Probe::new(),
            settings,
        })
    }

    pub fn config(&self) -> &SpawnerConfig {
        &self.config
    }

    pub fn files(&self) -> &NotebookFiles {
        &self.files
    }

    /// Creates a notebook and queues its first run. Refused, with nothing stored, when the
    /// spec is malformed, a locked field differs from its default, or it can never run here
    /// (more GPUs than the quota or any node has).
    pub async fn create(
        &self,
        principal: &Principal,
        profile: &str,
        spec: &NotebookSpec,
    ) -> Result<NotebookView, NotebookError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let spec = resolve(&self.config, spec)?;
        let workload = launch::workload_spec(&self.config, &self.files, profile, &spec);
        self.engine.vet(principal, profile, &workload).await?;
        if self
            .store
            .notebooks()
            .get(profile, &spec.name)
            .await?
            .is_some()
        {
            return Err(already_exists(&spec.name, profile));
        }
        let token = new_token();
        let id = self
            .store
            .notebooks()
            .insert(profile, &spec, &token, now_ms())
            .await?
            .ok_or_else(|| already_exists(&spec.name, profile))?;
        if let Err(e) = self.launch(principal, profile, &spec, &token).await {
            self.store.notebooks().delete(id).await?;
            self.files.remove(profile, &spec.name, id);
            return Err(e);
        }
        self.view_of(principal, profile, &spec.name).await
    }

    pub async fn list(
        &self,
        principal: &Principal,
        profile: &str,
    ) -> Result<Vec<NotebookView>, NotebookError> {
        require(&self.store, principal, profile, Role::View).await?;
        let rows = self.store.notebooks().of_profile(profile).await?;
        let workloads = self.store.workloads().of_profile(profile).await?;
        let positions = self.engine.queue_positions(profile).await?;
        let mut views = Vec::with_capacity(rows.len());
        for row in &rows {
            let workload = workloads
                .iter()
                .find(|w| w.name == workload_name(&row.name));
            views.push(self.view(principal, row, workload, &positions).await);
        }
        Ok(views)
    }

    pub async fn detail(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<NotebookDetail, NotebookError> {
        require(&self.store, principal, profile, Role::View).await?;
        let (row, workload, notebook) = self.current(principal, profile, name).await?;
        let events = match &workload {
            Some(w) => self.store.workloads().events(w.id).await?,
            None => Vec::new(),
        };
        Ok(NotebookDetail {
            notebook,
            events: events
                .into_iter()
                .map(|e| api::WorkloadEvent {
                    at_ms: e.at_ms,
                    phase: e.phase,
                    reason: e.reason,
                })
                .collect(),
            spec_yaml: serde_yaml::to_string(&row.spec).unwrap_or_default(),
        })
    }

    /// Queues a new run of a stopped or failed notebook, with a new token.
    pub async fn start(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<NotebookView, NotebookError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let row = self.find(profile, name).await?;
        let token = new_token();
        self.store.notebooks().set_token(row.id, &token).await?;
        self.launch(principal, profile, &row.spec, &token).await?;
        self.view_of(principal, profile, name).await
    }

    /// Stops the current run: its resources are released, its workspace kept.
    pub async fn stop(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<NotebookView, NotebookError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        self.find(profile, name).await?;
        match self
            .engine
            .stop(principal, profile, &workload_name(name))
            .await
        {
            Ok(_) => {}
            Err(WorkloadError::Finished(_) | WorkloadError::NotFound(..)) => {
                return Err(NotebookError::NotRunning(name.to_owned()));
            }
            Err(e) => return Err(e.into()),
        }
        self.live.remove(profile, name);
        self.view_of(principal, profile, name).await
    }

    /// Deletes a notebook: its run is stopped, its workspace removed.
    pub async fn delete(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<(), NotebookError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let row = self.find(profile, name).await?;
        match self
            .engine
            .delete(principal, profile, &workload_name(name))
            .await
        {
            Ok(()) | Err(WorkloadError::NotFound(..)) => {}
            Err(e) => return Err(e.into()),
        }
        self.store.notebooks().delete(row.id).await?;
        self.live.remove(profile, name);
        self.files.remove(profile, name, row.id);
        Ok(())
    }

    /// Where the proxy sends a member's requests to a notebook. Any role in the profile will
    /// do: the notebook is the profile's.
    pub async fn upstream(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<Upstream, NotebookError> {
        require(&self.store, principal, profile, Role::View).await?;
        if let Some(upstream) = self.live.ready_upstream(profile, name) {
            return Ok(upstream);
        }
        self.find(profile, name).await?;
        match self.live.get(profile, name) {
            Some(_) => Err(NotebookError::NotReady(name.to_owned())),
            None => Err(NotebookError::NotRunning(name.to_owned())),
        }
    }

    /// The last lines JupyterLab wrote.
    pub async fn logs(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
        lines: usize,
    ) -> Result<Vec<String>, NotebookError> {
        require(&self.store, principal, profile, Role::View).await?;
        self.find(profile, name).await?;
        Ok(self
            .engine
            .logs(principal, profile, &workload_name(name), GROUP, 0, lines)
            .await?)
    }

    /// Removes the files of a deleted profile's notebooks (the rows went with the profile).
    pub fn forget_profile(&self, profile: &str) {
        self.files.remove_profile(profile);
    }

    /// Readies the files and queues a run. A finished earlier run is deleted first (its
    /// events and log go with it); one still active makes this a conflict.
    pub(super) async fn launch(
        &self,
        principal: &Principal,
        profile: &str,
        spec: &NotebookSpec,
        token: &str,
    ) -> Result<(), NotebookError> {
        let workloads = self.store.workloads();
        if let Some(old) = workloads.get(profile, &workload_name(&spec.name)).await?
            && old.kind == WorkloadKind::Notebook
        {
            if !old.phase.is_finished() {
                return Err(NotebookError::AlreadyRunning(spec.name.clone()));
            }
            self.engine.delete(principal, profile, &old.name).await?;
        }
        let workload = launch::workload_spec(&self.config, &self.files, profile, spec);
        let volumes: Vec<_> = launch::data_volumes(&self.config, spec).cloned().collect();
        self.files.prepare(profile, &spec.name, token, &volumes)?;
        self.engine.submit(principal, profile, &workload).await?;
        Ok(())
    }

    async fn view_of(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<NotebookView, NotebookError> {
        Ok(self.current(principal, profile, name).await?.2)
    }

    /// The notebook, its current run's workload and the view of both.
    async fn current(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<(NotebookRow, Option<WorkloadRow>, NotebookView), NotebookError> {
        let row = self.find(profile, name).await?;
        let workload = self
            .store
            .workloads()
            .get(profile, &workload_name(name))
            .await?;
        let positions = self.engine.queue_positions(profile).await?;
        let view = self
            .view(principal, &row, workload.as_ref(), &positions)
            .await;
        Ok((row, workload, view))
    }

    /// A notebook as its users see it: the run's phase, refined by whether JupyterLab
    /// answers.
    async fn view(
        &self,
        principal: &Principal,
        row: &NotebookRow,
        workload: Option<&WorkloadRow>,
        positions: &[(i64, u32)],
    ) -> NotebookView {
        let live = self.live.get(&row.profile, &row.name);
        let ready = live
            .as_ref()
            .is_some_and(|l| l.ready && Some(l.workload_id) == workload.map(|w| w.id));
        let (state, reason) = super::view::state_of(workload, ready);
        let last_log_lines = if state == api::NotebookState::Failed {
            self.logs(principal, &row.profile, &row.name, FAILED_LOG_LINES)
                .await
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        NotebookView {
            profile: row.profile.clone(),
            name: row.name.clone(),
            environment_name: row
                .spec
                .environment
                .as_deref()
                .and_then(|key| self.config.environment(key))
                .map(|e| e.display_name.clone())
                .unwrap_or_default(),
            spec: row.spec.clone(),
            state,
            reason,
            queue_position: workload.and_then(|w| {
                positions
                    .iter()
                    .find(|(id, _)| *id == w.id)
                    .map(|(_, position)| *position)
            }),
            created_at_ms: row.created_at_ms,
            started_at_ms: workload
                .filter(|w| w.phase == Phase::Running)
                .and_then(|w| w.started_at_ms),
            last_activity_ms: live
                .and_then(|l| l.last_activity_ms)
                .or(row.last_activity_ms),
            url: launch::base_url(&row.profile, &row.name),
            last_log_lines,
        }
    }

    pub(super) async fn find(
        &self,
        profile: &str,
        name: &str,
    ) -> Result<NotebookRow, NotebookError> {
        self.store
            .notebooks()
            .get(profile, name)
            .await?
            .ok_or_else(|| NotebookError::NotFound(name.to_owned(), profile.to_owned()))
    }
}

fn already_exists(name: &str, profile: &str) -> NotebookError {
    NotebookError::AlreadyExists(name.to_owned(), profile.to_owned())
}

/// A fresh token for a run: 40 alphanumerics (about 238 bits).
fn new_token() -> String {
    Alphanumeric.sample_string(&mut OsRng, 40)
}
