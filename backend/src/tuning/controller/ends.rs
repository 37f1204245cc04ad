//! What a trial's end means: its metrics read to the last line, its state (succeeded with an
//! objective, failed with the reason, stopped early or killed), stored once.

use api::{Phase, TrialState};

use super::Controller;
use crate::clock::now_ms;
use crate::store::TrialEnd;
use crate::tuning::trial_workload::GROUP;

/// How a trial's workload or run ended.
pub(super) enum Exit {
    Succeeded,
    /// Stopped from outside, with the reason.
    Stopped(String),
    Failed(String),
}

/// Lines of a failed trial's log its reason quotes.
const FAILED_LOG_LINES: usize = 3;

impl Controller {
    /// A trial's workload ended (once: a second word of the same end finds nothing).
    pub(super) async fn workload_ended(&mut self, workload: i64, phase: Phase, reason: &str) {
        let Some((experiment, trial_id)) = self.by_workload.remove(&workload) else {
            return;
        };
        let Some(index) = self.trial_index(experiment, trial_id) else {
            return;
        };
        self.collect(experiment, index, true).await;
        let exit = match phase {
            Phase::Succeeded => Exit::Succeeded,
            Phase::Stopped => Exit::Stopped(reason.to_owned()),
            _ => Exit::Failed(self.failure(workload, reason).await),
        };
        if !self.exited(experiment, index, exit).await {
            // Not stored: the next check tries again.
            self.by_workload.insert(workload, (experiment, trial_id));
        }
    }

    /// What a trial's end makes of it: the end Capstan stopped it for, else succeeded when it
    /// reported the objective, failed otherwise. Answers whether the end was stored; the
    /// experiment then takes its next step.
    pub(super) async fn exited(&mut self, experiment: i64, index: usize, exit: Exit) -> bool {
        let Some(exp) = self.experiments.get(&experiment) else {
            return false;
        };
        let trial = &exp.trials[index];
        let metric = &exp.spec.objective.metric;
        let (state, why) = match (&trial.ending, exit) {
            (Some((state, why)), _) => (*state, Some(why.clone())),
            (None, Exit::Succeeded) if trial.objective(&exp.spec).is_some() => {
                (TrialState::Succeeded, None)
            }
            (None, Exit::Succeeded) => (
                TrialState::Failed,
                Some(format!("the trial succeeded but never reported `{metric}`")),
            ),
            (None, Exit::Stopped(reason)) => (TrialState::Killed, Some(reason)),
            (None, Exit::Failed(reason)) => (TrialState::Failed, Some(reason)),
        };
        let stored = self.finish(experiment, index, state, why).await;
        if stored {
            self.advance(experiment).await;
        }
        stored
    }

    /// The workload's reason and the last lines the trial printed.
    async fn failure(&self, workload: i64, reason: &str) -> String {
        let tail = self
            .engine
            .tail_log_of(workload, GROUP, 0, FAILED_LOG_LINES)
            .await
            .unwrap_or_default();
        let tail: Vec<&str> = tail
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        if tail.is_empty() {
            reason.to_owned()
        } else {
            format!("{reason}: {}", tail.join(" | "))
        }
    }

    /// Stores the trial's end and tells the browsers; false when it could not be stored.
    pub(super) async fn finish(
        &mut self,
        experiment: i64,
        index: usize,
        state: TrialState,
        reason: Option<String>,
    ) -> bool {
        let Some(exp) = self.experiments.get_mut(&experiment) else {
            return false;
        };
        let objective = exp.trials[index].objective(&exp.spec);
        let trial = &mut exp.trials[index];
        let end = TrialEnd {
            state,
            reason: reason.clone(),
            objective,
            at_ms: now_ms(),
        };
        match self.store.tuning().finish_trial(trial.row.id, &end).await {
            Ok(_) => {
                trial.row.state = state;
                trial.row.reason = reason;
                trial.row.objective = objective;
                trial.row.finished_at_ms = Some(end.at_ms);
            }
            Err(e) => {
                tracing::warn!(trial = trial.row.name, error = %e, "cannot store a trial's end");
                return false;
            }
        }
        let profile = exp.row.profile.clone();
        let data = serde_json::json!({
            "name": exp.row.name,
            "trial": trial.row.name,
            "state": state.as_str(),
        });
        self.publish(&profile, data);
        true
    }
}
