//! Pipeline trials: a trial that is a run of one of the profile's pipelines, its parameters
//! filled with the trial's values. The run's tasks are workloads through the scheduler as any
//! run's are; the trial's metrics are the run's (KFP Metrics artifacts, or what its tasks write
//! to `$CAPSTAN_METRICS_FILE`), read when the run ends.

use std::collections::BTreeMap;

use api::{Event, NewRun, RunState};
use serde_json::Value;

use super::Controller;
use super::ends::Exit;
use crate::authz::Principal;
use crate::tuning::spec::katib::PipelineTrial;
use crate::tuning::spec::{Template, TrialValues};

fn principal() -> Principal {
    Principal::service("tuning")
}

impl Controller {
    /// Starts the trial's run; answers its id, or why it could not start.
    pub(super) async fn start_run(
        &self,
        profile: &str,
        template: &Template,
        values: &TrialValues,
        pipeline: &PipelineTrial,
    ) -> Result<i64, String> {
        let Some(pipelines) = &self.pipelines else {
            return Err("this Capstan runs no pipelines".to_owned());
        };
        // A value that reads as JSON (a number, a list) is passed typed, as the run form does.
        let parameters: BTreeMap<String, Value> = pipeline
            .parameters
            .iter()
            .map(|(name, text)| {
                let text = template.substitute(text, values);
                let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
                (name.clone(), value)
            })
            .collect();
        let new = NewRun {
            name: Some(values.trial_name.clone()),
            pipeline: pipeline.pipeline.clone(),
            version: pipeline.version.clone(),
            experiment: None,
            parameters,
            caching: false,
            parallelism: None,
        };
        pipelines
            .create_run(&principal(), profile, &new)
            .await
            .map(|run| run.id)
            .map_err(|e| format!("the trial's run was refused: {e}"))
    }

    /// Cancels a pipeline trial's run (the experiment ended or was stopped).
    pub(super) async fn cancel_run(&self, profile: &str, run: i64) {
        if let Some(pipelines) = &self.pipelines
            && let Err(e) = pipelines.cancel_run(&principal(), profile, run).await
        {
            tracing::debug!(run, error = %e, "a trial's run had ended");
        }
    }

    /// A run event: a pipeline trial's run that finished ends its trial.
    pub(super) async fn on_run_event(&mut self, event: &Event) {
        let Some(id) = event.data.get("id").and_then(|v| v.as_i64()) else {
            return;
        };
        let whole_run = event.data.get("node").is_none_or(Value::is_null);
        if whole_run && self.by_run.contains_key(&id) {
            self.check_run(id).await;
        }
    }

    /// Looks at every pipeline trial's run in the store.
    pub(super) async fn check_runs(&mut self) {
        let ids: Vec<i64> = self.by_run.keys().copied().collect();
        for id in ids {
            self.check_run(id).await;
        }
    }

    async fn check_run(&mut self, run: i64) {
        let exit = match self.store.runs().get(run).await {
            Ok(Some(row)) => match row.state {
                RunState::Succeeded => Exit::Succeeded,
                RunState::Canceled => {
                    Exit::Stopped(format!("its run was canceled: {}", row.reason))
                }
                RunState::Failed => Exit::Failed(format!("its run failed: {}", row.reason)),
                _ => return,
            },
            Ok(None) => Exit::Failed("its run was deleted".to_owned()),
            Err(e) => {
                tracing::warn!(run, error = %e, "cannot read a trial's run");
                return;
            }
        };
        let Some((experiment, trial_id)) = self.by_run.remove(&run) else {
            return;
        };
        let Some(index) = self.trial_index(experiment, trial_id) else {
            return;
        };
        self.record(experiment, index, self.run_metrics(experiment, run).await)
            .await;
        if !self.exited(experiment, index, exit).await {
            self.by_run.insert(run, (experiment, trial_id));
        }
    }

    /// The run's metrics that the experiment knows, task by task.
    async fn run_metrics(&self, experiment: i64, run: i64) -> Vec<(String, f64)> {
        let (Some(pipelines), Some(exp)) = (&self.pipelines, self.experiments.get(&experiment))
        else {
            return Vec::new();
        };
        let known: Vec<&String> = exp.spec.objective.metrics().collect();
        match pipelines
            .run_detail(&principal(), &exp.row.profile, run)
            .await
        {
            Ok(detail) => detail
                .metrics
                .into_values()
                .flatten()
                .filter(|(name, value)| known.contains(&name) && value.is_finite())
                .collect(),
            Err(e) => {
                tracing::warn!(run, error = %e, "cannot read a trial's run");
                Vec::new()
            }
        }
    }
}
