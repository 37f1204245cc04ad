//! An experiment's next step: its end when a rule says so, otherwise new trials up to
//! `parallelTrialCount` and `maxTrialCount`; and the watch over running trials (metrics,
//! early stopping).

use api::{TrialState, TuningState};
use suggest::Suggestion;

use super::Controller;
use super::active::ActiveTrial;
use crate::authz::Principal;
use crate::clock::now_ms;
use crate::tuning::assignment::to_texts;
use crate::tuning::early_stop::median_stop;
use crate::tuning::spec::{Source, TrialRecipe, TrialValues};
use crate::tuning::trial_workload::{metrics_file, trial_dir, trial_workload};

impl Controller {
    /// Ends the experiment if a rule says so, or starts the trials it has room for.
    pub(super) async fn advance(&mut self, id: i64) {
        let Some(exp) = self.experiments.get(&id) else {
            return;
        };
        if exp.closing {
            if exp.running() == 0 {
                self.experiments.remove(&id);
            }
            return;
        }
        if let Some((state, reason)) = self.verdict(id) {
            self.close(id, Some(state), &reason).await;
            return;
        }
        let Some(exp) = self.experiments.get_mut(&id) else {
            return;
        };
        let created = exp.trials.len();
        let room = (exp.spec.parallel as usize).saturating_sub(exp.running());
        let budget = exp
            .spec
            .max_trials
            .map_or(usize::MAX, |max| (max as usize).saturating_sub(created));
        let want = room.min(budget);
        if want == 0 || exp.exhausted {
            return;
        }
        let history = exp.history();
        match exp.suggest.suggest(&exp.spec.space, &history, want) {
            Suggestion::New(batch) => {
                for values in batch.into_iter().take(want) {
                    self.launch(id, values).await;
                }
            }
            Suggestion::Exhausted => {
                exp.exhausted = true;
                if exp.running() == 0 {
                    let reason = "the algorithm has no more assignments to try".to_owned();
                    self.close(id, Some(TuningState::Succeeded), &reason).await;
                }
            }
        }
    }

    /// Whether the experiment is over: too many failures, the goal reached, the budget spent
    /// or the search exhausted (with no trial left running).
    fn verdict(&self, id: i64) -> Option<(TuningState, String)> {
        let exp = self.experiments.get(&id)?;
        let spec = &exp.spec;
        let failed = exp.count(TrialState::Failed);
        if let Some(max) = spec.max_failed
            && failed > max as usize
        {
            return Some((
                TuningState::Failed,
                format!("{failed} trials failed, more than maxFailedTrialCount ({max})"),
            ));
        }
        let goal = exp.trials.iter().find(|t| {
            t.row.state == TrialState::Succeeded
                && t.objective(spec)
                    .is_some_and(|v| spec.objective.reaches_goal(v))
        });
        if let Some(trial) = goal {
            return Some((
                TuningState::Succeeded,
                format!("trial {} reached the goal", trial.row.name),
            ));
        }
        let running = exp.running();
        if let Some(max) = spec.max_trials
            && exp.trials.len() >= max as usize
            && running == 0
        {
            return Some((
                TuningState::Succeeded,
                format!("all {max} trials (maxTrialCount) have run"),
            ));
        }
        (exp.exhausted && running == 0).then(|| {
            (
                TuningState::Succeeded,
                "the algorithm has no more assignments to try".to_owned(),
            )
        })
    }

    /// Creates a trial with `values` and submits its workload; a trial the scheduler refuses
    /// fails with the refusal.
    async fn launch(&mut self, id: i64, values: Vec<suggest::Value>) {
        let Some(exp) = self.experiments.get(&id) else {
            return;
        };
        let number = exp.trials.len() as u32;
        let name = format!("{}-{number}", exp.spec.name);
        let texts = to_texts(&exp.spec.space, &values);
        let profile = exp.row.profile.clone();
        let now = now_ms();
        let trial_id = match self
            .store
            .tuning()
            .insert_trial(id, number, &name, &texts, now)
            .await
        {
            Ok(Some(trial_id)) => trial_id,
            Ok(None) => {
                // Someone else made trials of this experiment (another Capstan on the same
                // database): take the experiment as stored.
                tracing::warn!(experiment = id, trial = name, "the trial exists: reloading");
                self.reload(id).await;
                return;
            }
            Err(e) => {
                tracing::warn!(experiment = id, trial = name, error = %e, "cannot store a new trial");
                return;
            }
        };
        let row = crate::store::TrialRow {
            id: trial_id,
            experiment_id: id,
            number,
            name: name.clone(),
            assignment: texts.clone(),
            state: TrialState::Running,
            reason: None,
            workload_id: None,
            run_id: None,
            objective: None,
            created_at_ms: now,
            finished_at_ms: None,
        };
        let index = {
            let Some(exp) = self.experiments.get_mut(&id) else {
                return;
            };
            exp.trials
                .push(ActiveTrial::new(row, values, Default::default()));
            exp.trials.len() - 1
        };
        let Some(exp) = self.experiments.get(&id) else {
            return;
        };
        let values = TrialValues {
            parameters: texts,
            trial_name: name.clone(),
            profile: profile.clone(),
        };
        let started = match &exp.spec.template.recipe {
            TrialRecipe::Pipeline(pipeline) => self
                .start_run(&profile, &exp.spec.template, &values, pipeline)
                .await
                .map(Link::Run),
            TrialRecipe::Command { .. } => {
                let dir = trial_dir(&self.root, id, &name);
                let built = prepare_dir(&dir, &exp.spec.collector.source)
                    .and_then(|()| trial_workload(&exp.spec, &values, &dir));
                match built {
                    Ok(spec) => self
                        .engine
                        .submit(&Principal::service("tuning"), &profile, &spec)
                        .await
                        .map(|w| Link::Workload(w.id))
                        .map_err(|e| format!("the scheduler refused the trial: {e}")),
                    Err(why) => Err(why),
                }
            }
        };
        match started {
            Ok(link) => {
                let tuning = self.store.tuning();
                let stored = match link {
                    Link::Workload(w) => tuning.set_trial_workload(trial_id, w).await,
                    Link::Run(r) => tuning.set_trial_run(trial_id, r).await,
                };
                if let Err(e) = stored {
                    tracing::warn!(trial = name, error = %e, "cannot store what runs the trial");
                }
                if let Some(exp) = self.experiments.get_mut(&id) {
                    let row = &mut exp.trials[index].row;
                    match link {
                        Link::Workload(w) => row.workload_id = Some(w),
                        Link::Run(r) => row.run_id = Some(r),
                    }
                }
                match link {
                    Link::Workload(w) => self.by_workload.insert(w, (id, trial_id)),
                    Link::Run(r) => self.by_run.insert(r, (id, trial_id)),
                };
                self.publish(
                    &profile,
                    serde_json::json!({ "name": self.name_of(id), "trial": name, "state": "running" }),
                );
            }
            Err(why) => {
                self.finish(id, index, TrialState::Failed, Some(why)).await;
            }
        }
    }

    /// Ends an experiment (`Some(state)`) or stops it (`None`: stored by the caller): its
    /// running trials are stopped and it takes no new one.
    pub(super) async fn close(&mut self, id: i64, state: Option<TuningState>, reason: &str) {
        let Some(exp) = self.experiments.get_mut(&id) else {
            return;
        };
        exp.closing = true;
        let profile = exp.row.profile.clone();
        let why = format!("the experiment ended: {reason}");
        let mut stops = Vec::new();
        let mut runs = Vec::new();
        for trial in exp.trials.iter_mut().filter(|t| !t.row.state.is_finished()) {
            trial.ending = Some((TrialState::Killed, why.clone()));
            match trial.row.run_id {
                Some(run) => runs.push(run),
                None => stops.push(trial.row.name.clone()),
            }
        }
        if let Some(state) = state {
            exp.row.state = state;
            if let Err(e) = self
                .store
                .tuning()
                .set_state(
                    id,
                    Some(TuningState::Running),
                    state,
                    Some(reason),
                    Some(now_ms()),
                )
                .await
            {
                tracing::warn!(experiment = id, error = %e, "cannot store the experiment's end");
            }
            self.publish(
                &profile,
                serde_json::json!({ "name": self.name_of(id), "state": state.as_str(), "reason": reason }),
            );
        }
        for name in stops {
            if let Err(e) = self.engine.stop_because(&profile, &name, &why).await {
                tracing::debug!(trial = name, error = %e, "a trial's workload was not running");
            }
        }
        for run in runs {
            self.cancel_run(&profile, run).await;
        }
        // Their ends come as workload events (or the next tick's check).
        if self.experiments.get(&id).is_some_and(|e| e.running() == 0) {
            self.experiments.remove(&id);
        }
    }

    /// Reads running trials' output and stops early those the median rule condemns.
    pub(super) async fn watch_running(&mut self, id: i64) {
        let Some(exp) = self.experiments.get(&id) else {
            return;
        };
        let running: Vec<usize> = (0..exp.trials.len())
            .filter(|i| !exp.trials[*i].row.state.is_finished())
            .collect();
        for index in running.iter().copied() {
            self.collect(id, index, false).await;
        }
        let Some(exp) = self.experiments.get_mut(&id) else {
            return;
        };
        let Some(rule) = exp.spec.early_stopping else {
            return;
        };
        let maximize = exp.spec.objective.maximize;
        let metric = exp.spec.objective.metric.clone();
        let mut stops = Vec::new();
        {
            let completed = exp.completed_series();
            for index in running.iter().copied() {
                let trial = &exp.trials[index];
                if trial.ending.is_some() {
                    continue;
                }
                let reports = trial
                    .reports
                    .get(&metric)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                if let Some(why) = median_stop(&rule, maximize, reports, &completed) {
                    stops.push((index, why));
                }
            }
        }
        let profile = exp.row.profile.clone();
        for (index, why) in stops {
            let name = exp.trials[index].row.name.clone();
            exp.trials[index].ending = Some((TrialState::EarlyStopped, why.clone()));
            if let Err(e) = self.engine.stop_because(&profile, &name, &why).await {
                tracing::debug!(trial = name, error = %e, "an early-stopped trial had ended");
            }
        }
    }

    /// Trials a previous process created but did not get to submit: their workload, if it
    /// exists, is adopted; otherwise they failed with the restart.
    pub(super) async fn adopt_orphans(&mut self, id: i64) {
        let Some(exp) = self.experiments.get(&id) else {
            return;
        };
        let profile = exp.row.profile.clone();
        let orphans: Vec<(usize, String)> = exp
            .trials
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                !t.row.state.is_finished() && t.row.workload_id.is_none() && t.row.run_id.is_none()
            })
            .map(|(i, t)| (i, t.row.name.clone()))
            .collect();
        for (index, name) in orphans {
            match self.store.workloads().get(&profile, &name).await {
                Ok(Some(workload)) => {
                    let Some(exp) = self.experiments.get_mut(&id) else {
                        return;
                    };
                    let trial_id = exp.trials[index].row.id;
                    exp.trials[index].row.workload_id = Some(workload.id);
                    let _ = self
                        .store
                        .tuning()
                        .set_trial_workload(trial_id, workload.id)
                        .await;
                    self.by_workload.insert(workload.id, (id, trial_id));
                }
                _ => {
                    let why = "Capstan stopped before the trial's workload was submitted";
                    self.finish(id, index, TrialState::Failed, Some(why.to_owned()))
                        .await;
                }
            }
        }
    }

    pub(super) fn name_of(&self, id: i64) -> String {
        self.experiments
            .get(&id)
            .map(|e| e.row.name.clone())
            .unwrap_or_default()
    }
}

/// What runs a trial.
#[derive(Clone, Copy)]
enum Link {
    Workload(i64),
    Run(i64),
}

/// The trial's directory, and the File collector's folder inside it.
fn prepare_dir(dir: &std::path::Path, source: &Source) -> Result<(), String> {
    let make = |path: &std::path::Path| {
        std::fs::create_dir_all(path).map_err(|e| format!("cannot create {}: {e}", path.display()))
    };
    make(dir)?;
    if let Source::File { path } = source
        && let Some(parent) = metrics_file(dir, path).parent()
    {
        make(parent)?;
    }
    Ok(())
}
