//! What users do to workloads. Each checks the caller's role in the profile first: viewers
//! read, editors submit, stop and delete.

use std::sync::Arc;

use api::{Phase, WorkloadSpec};

use super::Engine;
use crate::authz::Principal;
use crate::clock::now_ms;
use crate::profiles::{ProfileError, Role, service::require};
use crate::runtime::RuntimeError;
use crate::store::{EventRow, NewWorkload, WorkloadRow};
use crate::workload::{WorkloadError, check_can_run, check_spec};

impl Engine {
    /// Validates and queues a workload. Refused with the reason when it is malformed or can
    /// never run here (larger than any node, a GPU model no node has, over the quota).
    pub async fn submit(
        &self,
        principal: &Principal,
        profile: &str,
        spec: &WorkloadSpec,
    ) -> Result<WorkloadRow, WorkloadError> {
        let answers = self
            .submit_all(principal, profile, std::slice::from_ref(spec))
            .await?;
        answers
            .into_iter()
            .next()
            .unwrap_or_else(|| Err(WorkloadError::invalid("", "nothing was submitted")))
    }

    /// [`Engine::submit`] for several workloads of one profile, stored in one transaction with
    /// one wake-up of the scheduler: a wave of pipeline tasks is admitted in one cycle. Each
    /// answer is its workload's own (one refused does not refuse the others); the outer error
    /// is the database's. The rows are as stored (queued), not whatever a scheduling cycle has
    /// made of them since.
    pub async fn submit_all(
        &self,
        principal: &Principal,
        profile: &str,
        specs: &[WorkloadSpec],
    ) -> Result<Vec<Result<WorkloadRow, WorkloadError>>, WorkloadError> {
        let mut vetted = Vec::with_capacity(specs.len());
        for spec in specs {
            vetted.push(self.vet(principal, profile, spec).await);
        }
        let now = now_ms();
        let news: Vec<NewWorkload> = specs
            .iter()
            .zip(&vetted)
            .filter_map(|(spec, vet)| {
                let (class, priority) = vet.as_ref().ok()?;
                Some(NewWorkload {
                    profile,
                    spec,
                    priority_class: class,
                    priority: *priority,
                    now_ms: now,
                })
            })
            .collect();
        let mut stored = self.store.workloads().insert_all(&news).await?.into_iter();
        let answers = specs
            .iter()
            .zip(vetted)
            .map(|(spec, vet)| {
                vet?;
                let row = stored.next().flatten().ok_or_else(|| {
                    WorkloadError::AlreadyExists(spec.name.clone(), profile.to_owned())
                })?;
                self.publish_workload(profile, row.id, &spec.name, Phase::Queued, "submitted");
                Ok(row)
            })
            .collect();
        self.wake();
        Ok(answers)
    }

    /// Everything [`Engine::submit`] checks before it stores anything: the caller may edit
    /// the profile, the spec is well-formed and can run here. Answers the priority class and
    /// its value.
    pub async fn vet(
        &self,
        principal: &Principal,
        profile: &str,
        spec: &WorkloadSpec,
    ) -> Result<(String, i32), WorkloadError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        check_spec(spec)?;
        let (class, priority) = self
            .config
            .classes
            .value_of(spec.priority_class.as_deref())
            .ok_or_else(|| {
                WorkloadError::invalid(
                    "priority_class",
                    format!(
                        "no class `{}`; the classes are {}",
                        spec.priority_class.as_deref().unwrap_or_default(),
                        self.config.classes
                    ),
                )
            })?;
        let quota = self
            .store
            .profiles()
            .get(profile)
            .await?
            .ok_or_else(|| ProfileError::NotFound(profile.to_owned()))?
            .quota;
        let nodes: Vec<_> = self.nodes().iter().map(|n| n.to_node()).collect();
        check_can_run(spec, profile, &nodes, &quota)?;
        Ok((class.to_owned(), priority))
    }

    pub async fn list(
        &self,
        principal: &Principal,
        profile: &str,
    ) -> Result<Vec<WorkloadRow>, WorkloadError> {
        require(&self.store, principal, profile, Role::View).await?;
        Ok(self.store.workloads().of_profile(profile).await?)
    }

    pub async fn get(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<(WorkloadRow, Vec<EventRow>), WorkloadError> {
        require(&self.store, principal, profile, Role::View).await?;
        let row = self.find(profile, name).await?;
        let events = self.store.workloads().events(row.id).await?;
        Ok((row, events))
    }

    /// Stops a workload: a queued one leaves the queue, a running one gets SIGTERM and, after
    /// the grace period, SIGKILL.
    pub async fn stop(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<WorkloadRow, WorkloadError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        self.stop_because(profile, name, &format!("stopped by {}", principal.user))
            .await
    }

    /// Stops a workload on Capstan's own account (a notebook idle for too long), with the
    /// reason its users will read. No role check: the caller decided.
    pub async fn stop_because(
        &self,
        profile: &str,
        name: &str,
        reason: &str,
    ) -> Result<WorkloadRow, WorkloadError> {
        let row = self.find(profile, name).await?;
        if row.phase.is_finished() {
            return Err(WorkloadError::Finished(name.to_owned()));
        }
        self.store
            .workloads()
            .transition(row.id, Phase::Stopped, reason, &row.placements, now_ms())
            .await?;
        if row.phase.holds_resources() {
            self.stop_in_background(row.id);
        }
        self.publish_workload(profile, row.id, name, Phase::Stopped, reason);
        self.publish_cluster();
        self.wake();
        self.find(profile, name).await
    }

    /// Deletes a workload, its events, its processes and its working directory.
    pub async fn delete(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<(), WorkloadError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        self.remove(profile, name).await
    }

    /// [`Engine::delete`] on Capstan's own account (a model's replica scaled down). No role
    /// check: the caller decided.
    pub async fn remove(&self, profile: &str, name: &str) -> Result<(), WorkloadError> {
        let row = self.find(profile, name).await?;
        self.store.workloads().delete(row.id).await?;
        self.delete_in_background(row.id);
        self.publish_workload(profile, row.id, name, Phase::Stopped, "deleted");
        self.publish_cluster();
        self.wake();
        Ok(())
    }

    /// Deletes a profile (see [`crate::profiles::service::delete_profile`]); with `cascade`,
    /// its workloads go with it, so their processes are stopped and their files removed here
    /// rather than left running on GPUs the scheduler now thinks are free.
    pub async fn delete_profile(
        &self,
        principal: &Principal,
        profile: &str,
        cascade: bool,
    ) -> Result<(), WorkloadError> {
        let ids: Vec<i64> = self
            .store
            .workloads()
            .of_profile(profile)
            .await?
            .into_iter()
            .map(|w| w.id)
            .collect();
        crate::profiles::service::delete_profile(&self.store, principal, profile, cascade).await?;
        for id in ids {
            self.delete_in_background(id);
        }
        self.publish_cluster();
        self.wake();
        Ok(())
    }

    /// Lines a replica prints from now on, as they come.
    pub async fn follow_logs(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
        group: &str,
        replica: u32,
    ) -> Result<tokio::sync::mpsc::Receiver<String>, WorkloadError> {
        require(&self.store, principal, profile, Role::View).await?;
        let row = self.find(profile, name).await?;
        self.runtime
            .log_follow(row.id, group, replica)
            .await
            .map_err(runtime_error)
    }

    /// The last `lines` lines a replica printed.
    pub async fn logs(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
        group: &str,
        replica: u32,
        lines: usize,
    ) -> Result<Vec<String>, WorkloadError> {
        require(&self.store, principal, profile, Role::View).await?;
        let row = self.find(profile, name).await?;
        self.runtime
            .log_tail(row.id, group, replica, lines)
            .await
            .map_err(runtime_error)
    }

    /// The last `lines` lines a replica printed, for Capstan's own readers (a trial's metrics
    /// collector). No role check: the caller decided.
    pub async fn tail_log_of(
        &self,
        id: i64,
        group: &str,
        replica: u32,
        lines: usize,
    ) -> Result<Vec<String>, WorkloadError> {
        self.runtime
            .log_tail(id, group, replica, lines)
            .await
            .map_err(runtime_error)
    }

    /// The runtime stops what still runs, then removes the files.
    fn delete_in_background(&self, id: i64) {
        let runtime = Arc::clone(&self.runtime);
        tokio::spawn(async move {
            if let Err(e) = runtime.delete(id).await {
                tracing::warn!(workload = id, error = %e, "could not delete the workload's files");
            }
        });
    }

    fn stop_in_background(&self, id: i64) {
        let runtime = Arc::clone(&self.runtime);
        let grace = self.config.stop_grace;
        tokio::spawn(async move {
            if let Err(e) = runtime.stop(id, grace).await {
                tracing::warn!(workload = id, error = %e, "could not stop the workload");
            }
        });
    }

    async fn find(&self, profile: &str, name: &str) -> Result<WorkloadRow, WorkloadError> {
        self.store
            .workloads()
            .get(profile, name)
            .await?
            .ok_or_else(|| WorkloadError::NotFound(name.to_owned(), profile.to_owned()))
    }
}

fn runtime_error(e: RuntimeError) -> WorkloadError {
    match e {
        RuntimeError::NoLog { .. } => WorkloadError::NoLog(e.to_string()),
        other => WorkloadError::Runtime(other.to_string()),
    }
}
