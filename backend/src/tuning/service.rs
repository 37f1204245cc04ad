//! What users do to tuning experiments. Each operation checks the caller's role in the
//! profile first: viewers read, editors create, stop, resume and delete.

use std::collections::BTreeMap;
use std::sync::Arc;

use api::{
    ExperimentKind, ExperimentView, MetricPoint, TrialMetrics, TrialState, TrialView, TuningDetail,
    TuningState, TuningSummary,
};
use rand::Rng;

use super::controller::TuningController;
use super::error::TuningError;
use super::spec::katib::PipelineTrial;
use super::spec::{self, SpecError, TrialRecipe, TrialValues, TuningSpec};
use super::trial_workload::{GROUP, trial_workload};
use crate::authz::Principal;
use crate::clock::now_ms;
use crate::pipelines::service::PipelineService;
use crate::profiles::{Role, service::require};
use crate::store::{Store, TrialRow, TuningRow};
use crate::workload::Engine;

pub struct TuningService {
    store: Store,
    engine: Arc<Engine>,
    controller: TuningController,
    /// Where pipeline trials run; `None`: they are refused.
    pipelines: Option<Arc<PipelineService>>,
}

impl TuningService {
    pub fn new(
        store: Store,
        engine: Arc<Engine>,
        controller: TuningController,
        pipelines: Option<Arc<PipelineService>>,
    ) -> Arc<Self> {
        Arc::new(TuningService {
            store,
            engine,
            controller,
            pipelines,
        })
    }

    /// Checks a Katib `Experiment` manifest (YAML or JSON), stores it and starts it. A trial
    /// that could never be scheduled here (more GPUs than a node has, over the quota) is
    /// refused now, not after the first trial fails.
    pub async fn create(
        &self,
        principal: &Principal,
        profile: &str,
        manifest: &str,
    ) -> Result<TuningDetail, TuningError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        // A seed that fits a signed 64-bit column.
        let seed = rand::thread_rng().r#gen::<u64>() >> 1;
        let spec = spec::parse(manifest, seed)?;
        self.check_trials_can_run(principal, profile, &spec).await?;
        let id = self
            .store
            .tuning()
            .insert(
                profile,
                &spec.name,
                manifest,
                seed,
                &principal.user,
                now_ms(),
            )
            .await?
            .ok_or_else(|| TuningError::AlreadyExists(spec.name.clone(), profile.to_owned()))?;
        self.controller.start(id);
        self.detail(principal, profile, &spec.name).await
    }

    /// Refuses a caller who may not create experiments in the profile.
    pub async fn require_editor(
        &self,
        principal: &Principal,
        profile: &str,
    ) -> Result<(), TuningError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        Ok(())
    }

    /// The scheduler's own checks on a trial of the experiment.
    async fn check_trials_can_run(
        &self,
        principal: &Principal,
        profile: &str,
        spec: &TuningSpec,
    ) -> Result<(), TuningError> {
        if let TrialRecipe::Pipeline(trial) = &spec.template.recipe {
            return self.check_pipeline(principal, profile, trial).await;
        }
        let values = TrialValues {
            parameters: vec![String::new(); spec.space.len()],
            trial_name: format!("{}-0", spec.name),
            profile: profile.to_owned(),
        };
        let dir = std::env::temp_dir();
        let workload = trial_workload(spec, &values, &dir)
            .map_err(|why| SpecError::at("spec.trialTemplate", why))?;
        self.engine
            .vet(principal, profile, &workload)
            .await
            .map_err(|e| {
                SpecError::at(
                    "spec.trialTemplate",
                    format!("a trial cannot run here: {e}"),
                )
            })?;
        Ok(())
    }

    /// A pipeline trial's pipeline (and version) exists and takes the parameters it is given.
    async fn check_pipeline(
        &self,
        principal: &Principal,
        profile: &str,
        trial: &PipelineTrial,
    ) -> Result<(), TuningError> {
        let path = "spec.trialTemplate.pipeline";
        let Some(pipelines) = &self.pipelines else {
            return Err(SpecError::at(path, "this Capstan runs no pipelines").into());
        };
        let version = pipelines
            .version_detail(
                principal,
                profile,
                &trial.pipeline,
                trial.version.as_deref(),
            )
            .await
            .map_err(|e| SpecError::at(path, e.to_string()))?;
        for name in trial.parameters.keys() {
            if !version.parameters.iter().any(|p| &p.name == name) {
                let known: Vec<&str> = version.parameters.iter().map(|p| p.name.as_str()).collect();
                return Err(SpecError::at(
                    format!("{path}.parameters.{name}"),
                    format!(
                        "pipeline `{}` has no parameter `{name}`; it has {}",
                        trial.pipeline,
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    ),
                )
                .into());
            }
        }
        Ok(())
    }

    pub async fn detail(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<TuningDetail, TuningError> {
        require(&self.store, principal, profile, Role::View).await?;
        let row = self.row(profile, name).await?;
        let spec = spec::parse(&row.manifest, row.seed)?;
        let trials = self.store.tuning().trials(row.id).await?;
        let metrics = self.store.tuning().metrics_of_experiment(row.id).await?;
        let mut reports: BTreeMap<i64, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
        for m in metrics {
            reports
                .entry(m.trial_id)
                .or_default()
                .entry(m.name)
                .or_default()
                .push(m.value);
        }
        let views: Vec<TrialView> = trials
            .iter()
            .map(|t| trial_view(&spec, t, reports.get(&t.id)))
            .collect();
        Ok(TuningDetail {
            name: row.name.clone(),
            summary: summary(&row, &spec, &trials),
            created_at_ms: row.created_at_ms,
            parameters: spec.space.params.iter().map(|p| p.name.clone()).collect(),
            metrics: spec.objective.metrics().cloned().collect(),
            goal: spec.objective.goal,
            parallel_trials: spec.parallel,
            max_trials: spec.max_trials,
            max_failed_trials: spec.max_failed,
            early_stopping: spec.early_stopping.map(|_| "medianstop".to_owned()),
            trials: views,
            manifest: row.manifest,
        })
    }

    /// Fills in the tuning summaries of a profile's experiments list (the caller has read it
    /// with the viewer's role checked).
    pub async fn annotate(
        &self,
        profile: &str,
        views: &mut [ExperimentView],
    ) -> Result<(), TuningError> {
        for view in views
            .iter_mut()
            .filter(|v| v.kind == ExperimentKind::Tuning)
        {
            let Some(row) = self.store.tuning().get(profile, &view.name).await? else {
                continue;
            };
            let Ok(spec) = spec::parse(&row.manifest, row.seed) else {
                continue;
            };
            let trials = self.store.tuning().trials(row.id).await?;
            view.runs = trials.len() as u64;
            view.tuning = Some(summary(&row, &spec, &trials));
        }
        Ok(())
    }

    /// Every report of a trial's metrics.
    pub async fn trial_metrics(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
        trial: &str,
    ) -> Result<TrialMetrics, TuningError> {
        require(&self.store, principal, profile, Role::View).await?;
        let trial = self.trial(profile, name, trial).await?;
        let mut metrics: BTreeMap<String, Vec<MetricPoint>> = BTreeMap::new();
        for m in self.store.tuning().metrics_of_trial(trial.id).await? {
            metrics.entry(m.name).or_default().push(MetricPoint {
                step: m.step,
                value: m.value,
                at_ms: m.at_ms,
            });
        }
        Ok(TrialMetrics { metrics })
    }

    /// The last `lines` lines of a trial's output.
    pub async fn trial_logs(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
        trial: &str,
        lines: usize,
    ) -> Result<Vec<String>, TuningError> {
        require(&self.store, principal, profile, Role::View).await?;
        let trial = self.trial(profile, name, trial).await?;
        Ok(self
            .engine
            .logs(principal, profile, &trial.name, GROUP, 0, lines)
            .await?)
    }

    /// Stops a running experiment: its running trials are killed, no new one starts.
    pub async fn stop(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<TuningDetail, TuningError> {
        let reason = format!("stopped by {}", principal.user);
        let id = self
            .change_state(
                principal,
                profile,
                name,
                TuningState::Stopped,
                Some(&reason),
            )
            .await?;
        self.controller.stop(id, &reason);
        self.detail(principal, profile, name).await
    }

    /// Resumes a stopped experiment where it was: the trials it ran count, the algorithm
    /// goes on from them.
    pub async fn resume(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<TuningDetail, TuningError> {
        let id = self
            .change_state(principal, profile, name, TuningState::Running, None)
            .await?;
        self.controller.start(id);
        self.detail(principal, profile, name).await
    }

    /// Running → stopped or stopped → running, for an editor; answers the experiment's id.
    async fn change_state(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
        to: TuningState,
        reason: Option<&str>,
    ) -> Result<i64, TuningError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let row = self.row(profile, name).await?;
        let from = match to {
            TuningState::Stopped => TuningState::Running,
            _ => TuningState::Stopped,
        };
        let conflict = |now: TuningState| {
            TuningError::Conflict(format!(
                "experiment `{name}` is {}, not {}",
                now.as_str(),
                from.as_str()
            ))
        };
        if row.state != from {
            return Err(conflict(row.state));
        }
        // Conditional: the controller may have ended it since it was read.
        let moved = self
            .store
            .tuning()
            .set_state(row.id, Some(from), to, reason, None)
            .await?;
        if !moved {
            let now = self.row(profile, name).await?.state;
            return Err(conflict(now));
        }
        Ok(row.id)
    }

    /// Deletes an experiment with its trials, their workloads and metrics.
    pub async fn delete(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<(), TuningError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let row = self.row(profile, name).await?;
        self.controller
            .stop(row.id, &format!("deleted by {}", principal.user));
        for trial in self.store.tuning().trials(row.id).await? {
            if let (Some(run), Some(pipelines)) = (trial.run_id, &self.pipelines) {
                pipelines.delete_run(principal, profile, run).await.ok();
                continue;
            }
            match self.engine.delete(principal, profile, &trial.name).await {
                Ok(()) | Err(crate::workload::WorkloadError::NotFound(..)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.store.experiments().delete(row.id).await?;
        Ok(())
    }

    /// Whether `name` is a tuning experiment of the profile (the REST routes share the
    /// experiments' paths with groups of runs); the caller must be able to read the profile.
    pub async fn is_tuning(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<bool, TuningError> {
        require(&self.store, principal, profile, Role::View).await?;
        Ok(self.store.tuning().get(profile, name).await?.is_some())
    }

    async fn row(&self, profile: &str, name: &str) -> Result<TuningRow, TuningError> {
        self.store
            .tuning()
            .get(profile, name)
            .await?
            .ok_or_else(|| TuningError::NotFound(name.to_owned(), profile.to_owned()))
    }

    async fn trial(&self, profile: &str, name: &str, trial: &str) -> Result<TrialRow, TuningError> {
        let row = self.row(profile, name).await?;
        self.store
            .tuning()
            .trial(row.id, trial)
            .await?
            .ok_or_else(|| TuningError::NoTrial(trial.to_owned(), name.to_owned()))
    }
}

fn trial_view(
    spec: &TuningSpec,
    row: &TrialRow,
    reports: Option<&BTreeMap<String, Vec<f64>>>,
) -> TrialView {
    let metrics = spec
        .objective
        .metrics()
        .filter_map(|name| {
            let series = reports?.get(name)?;
            let value = spec.objective.strategies.get(name)?.apply(series)?;
            Some((name.clone(), value))
        })
        .collect();
    TrialView {
        name: row.name.clone(),
        number: row.number,
        state: row.state,
        reason: row.reason.clone(),
        parameters: spec
            .space
            .params
            .iter()
            .zip(&row.assignment)
            .map(|(p, v)| (p.name.clone(), v.clone()))
            .collect(),
        metrics,
        objective: row.objective,
        workload: row.name.clone(),
        created_at_ms: row.created_at_ms,
        finished_at_ms: row.finished_at_ms,
    }
}

fn summary(row: &TuningRow, spec: &TuningSpec, trials: &[TrialRow]) -> TuningSummary {
    let count = |state: TrialState| trials.iter().filter(|t| t.state == state).count() as u64;
    let objective = &spec.objective;
    let best = trials
        .iter()
        .filter(|t| t.state == TrialState::Succeeded)
        .filter_map(|t| t.objective.map(|v| (t, v)))
        .reduce(|a, b| if objective.better(b.1, a.1) { b } else { a });
    TuningSummary {
        state: row.state,
        reason: row.reason.clone(),
        algorithm: spec.algorithm.name().to_owned(),
        objective_metric: objective.metric.clone(),
        maximize: objective.maximize,
        trials: trials.len() as u64,
        running: count(TrialState::Running),
        succeeded: count(TrialState::Succeeded),
        failed: count(TrialState::Failed),
        early_stopped: count(TrialState::EarlyStopped),
        best_trial: best.map(|(t, _)| t.name.clone()),
        best_value: best.map(|(_, v)| v),
        created_by: row.created_by.clone(),
        finished_at_ms: row.finished_at_ms,
    }
}
