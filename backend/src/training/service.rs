//! What users do to training jobs. Each operation checks the caller's role in the profile
//! first: viewers read, editors create, suspend, resume and delete.

use std::sync::Arc;

use api::{JobDetail, JobState, JobSummary};

use super::controller::TrainingController;
use super::error::TrainingError;
use super::job_workload::job_workload;
use super::spec::{self, SpecRules, TrainingSpec};
use super::views;
use crate::authz::Principal;
use crate::clock::now_ms;
use crate::profiles::{Role, service::require};
use crate::store::{JobRow, Store};
use crate::workload::Engine;

pub struct TrainingService {
    store: Store,
    engine: Arc<Engine>,
    controller: TrainingController,
    /// Cluster mode runs images; standalone runs commands.
    cluster: bool,
}

impl TrainingService {
    pub fn new(
        store: Store,
        engine: Arc<Engine>,
        controller: TrainingController,
        cluster: bool,
    ) -> Arc<Self> {
        Arc::new(TrainingService {
            store,
            engine,
            controller,
            cluster,
        })
    }

    /// Checks a TFJob or PyTorchJob manifest (YAML or JSON), stores it and starts it (or
    /// holds it, with `runPolicy.suspend`). A job that could never be scheduled here (more
    /// GPUs than a node has, over the quota) is refused now.
    pub async fn create(
        &self,
        principal: &Principal,
        profile: &str,
        manifest: &str,
    ) -> Result<JobDetail, TrainingError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let rules = SpecRules {
            cluster: self.cluster,
            max_node_gpus: self
                .engine
                .nodes()
                .iter()
                .map(|n| u32::try_from(n.gpus.len()).unwrap_or(u32::MAX))
                .max()
                .unwrap_or(0),
        };
        let spec = spec::parse(manifest, &rules)?;
        self.engine
            .vet(principal, profile, &job_workload(&spec, 0))
            .await?;
        let kind = spec.kind.as_str();
        let suspended = spec.run_policy.suspend;
        let row = JobRow {
            id: 0,
            profile: profile.to_owned(),
            name: spec.name.clone(),
            kind: kind.to_owned(),
            manifest: manifest.to_owned(),
            spec_json: serde_json::to_string(&spec)
                .map_err(|e| TrainingError::Conflict(format!("the job cannot be stored: {e}")))?,
            state: if suspended {
                JobState::Suspended
            } else {
                JobState::Created
            },
            attempt: 0,
            restarts: 0,
            workload_id: None,
            restart_at_ms: None,
            created_by: principal.user.clone(),
            created_at_ms: now_ms(),
            started_at_ms: None,
            finished_at_ms: None,
        };
        let created = format!("{kind} {} created by {}", spec.name, principal.user);
        let (created_reason, suspended_reason) =
            (format!("{kind}Created"), format!("{kind}Suspended"));
        let mut conditions = vec![("Created", created_reason.as_str(), created.as_str())];
        if suspended {
            conditions.push((
                "Suspended",
                suspended_reason.as_str(),
                "created suspended (runPolicy.suspend)",
            ));
        }
        let id = self
            .store
            .training()
            .insert(&row, &conditions)
            .await?
            .ok_or_else(|| TrainingError::AlreadyExists(spec.name.clone(), profile.to_owned()))?;
        self.controller.wake(id);
        self.detail(principal, profile, &spec.name).await
    }

    pub async fn list(
        &self,
        principal: &Principal,
        profile: &str,
    ) -> Result<Vec<JobSummary>, TrainingError> {
        require(&self.store, principal, profile, Role::View).await?;
        let training = self.store.training();
        let mut out = Vec::new();
        for row in training.list(profile).await? {
            let conditions = training.conditions(row.id).await?;
            out.push(views::summary(&row, &spec_of(&row)?, conditions.last()));
        }
        Ok(out)
    }

    pub async fn detail(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<JobDetail, TrainingError> {
        require(&self.store, principal, profile, Role::View).await?;
        let row = self.find(profile, name).await?;
        let training = self.store.training();
        let workload = match row.workload_id {
            Some(id) => self.store.workloads().by_id(id).await?,
            None => None,
        };
        Ok(views::detail(
            &row,
            &spec_of(&row)?,
            training.conditions(row.id).await?,
            workload.as_ref(),
            training.metrics(row.id).await?,
        ))
    }

    /// [`TrainingService::create`] from the jobs page's form.
    pub async fn create_from_form(
        &self,
        principal: &Principal,
        profile: &str,
        form: &api::JobForm,
    ) -> Result<JobDetail, TrainingError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let manifest = super::form::manifest_from_form(form)?;
        self.create(principal, profile, &manifest).await
    }

    /// Refuses a caller who may not create jobs in the profile (the form's page asks first).
    pub async fn require_editor(
        &self,
        principal: &Principal,
        profile: &str,
    ) -> Result<(), TrainingError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        Ok(())
    }

    /// Stops the running attempt and holds the job, its GPUs free for others.
    pub async fn suspend(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<JobDetail, TrainingError> {
        let row = self.editable(principal, profile, name).await?;
        self.controller.suspend(row.id, &principal.user).await?;
        self.detail(principal, profile, name).await
    }

    /// Starts a suspended job again, as a new attempt.
    pub async fn resume(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<JobDetail, TrainingError> {
        let row = self.editable(principal, profile, name).await?;
        self.controller.resume(row.id, &principal.user).await?;
        self.detail(principal, profile, name).await
    }

    /// Deletes the job, its attempts' workloads and their logs.
    pub async fn delete(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<(), TrainingError> {
        let row = self.editable(principal, profile, name).await?;
        self.controller.delete(row.id).await
    }

    /// The last `lines` lines of a replica (`worker-1`) of the job's current attempt.
    pub async fn logs(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
        replica: &str,
        lines: usize,
    ) -> Result<Vec<String>, TrainingError> {
        require(&self.store, principal, profile, Role::View).await?;
        let row = self.find(profile, name).await?;
        let spec = spec_of(&row)?;
        let known = replica
            .rsplit_once('-')
            .and_then(|(group, index)| Some((group, index.parse::<u32>().ok()?)))
            .filter(|(group, index)| spec.replica(group).is_some_and(|r| *index < r.replicas));
        let Some((group, index)) = known else {
            return Err(TrainingError::NotFound(
                format!("{name}/{replica}"),
                profile.to_owned(),
            ));
        };
        // An attempt not submitted yet, or still in the queue, has printed nothing.
        let workload = match row.workload_id {
            Some(id) => self.store.workloads().by_id(id).await?,
            None => None,
        };
        match workload {
            Some(w) if w.started_at_ms.is_some() => {
                Ok(self.engine.tail_log_of(w.id, group, index, lines).await?)
            }
            _ => Ok(Vec::new()),
        }
    }

    /// The job, for a caller who may change it.
    async fn editable(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<JobRow, TrainingError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        self.find(profile, name).await
    }

    async fn find(&self, profile: &str, name: &str) -> Result<JobRow, TrainingError> {
        self.store
            .training()
            .get(profile, name)
            .await?
            .ok_or_else(|| TrainingError::NotFound(name.to_owned(), profile.to_owned()))
    }
}

fn spec_of(row: &JobRow) -> Result<TrainingSpec, TrainingError> {
    serde_json::from_str(&row.spec_json).map_err(|e| {
        TrainingError::Store(crate::store::StoreError::Corrupt(format!(
            "training job {}: {e}",
            row.name
        )))
    })
}
