//! The tuning controller: one task per server that drives every running tuning experiment.
//! It asks the experiment's algorithm for assignments, runs each as a trial workload through
//! the scheduler (GPUs, quotas and `parallelTrialCount` respected), collects the metrics the
//! trials report, stops trials early by the median rule, and ends the experiment on its goal,
//! its trial budget, too many failures or an exhausted search. Everything it decides is stored
//! as it happens, so a restarted Capstan goes on where it was.
//!
//! - `active`: an experiment being driven, loaded from the store;
//! - `collect`: a trial's metric reports out of its output;
//! - `advance`: the experiment's next step (new trials, its end);
//! - `ends`: what a trial's end means;
//! - `pipeline_trials`: trials that are pipeline runs.

mod active;
mod advance;
mod collect;
mod ends;
mod pipeline_trials;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use api::{Event, EventKind, Phase};
use tokio::sync::{broadcast, mpsc};

use self::active::ActiveExperiment;
use crate::clock::now_ms;
use crate::events::EventBus;
use crate::pipelines::service::PipelineService;
use crate::store::Store;
use crate::workload::Engine;

/// What users ask, handed to the controller's loop.
#[derive(Debug, Clone)]
enum Command {
    /// A new or resumed experiment (stored as running): drive it.
    Start(i64),
    /// A stopped or deleted experiment: stop its trials and let it go.
    Stop { id: i64, reason: String },
}

/// The handle the services use.
#[derive(Clone)]
pub struct TuningController {
    commands: mpsc::UnboundedSender<Command>,
}

impl TuningController {
    /// Starts the loop; it first picks up the running experiments of a previous process.
    /// Trials' files go under `root`; pipeline trials run through `pipelines`.
    pub fn spawn(
        store: Store,
        engine: Arc<Engine>,
        events: EventBus,
        root: PathBuf,
        pipelines: Option<Arc<PipelineService>>,
    ) -> Self {
        let (commands, receiver) = mpsc::unbounded_channel();
        let workloads = engine.events().subscribe();
        let controller = Controller {
            store,
            engine,
            events,
            root,
            experiments: HashMap::new(),
            by_workload: HashMap::new(),
            by_run: HashMap::new(),
            pipelines,
        };
        tokio::spawn(controller.run(receiver, workloads));
        TuningController { commands }
    }

    pub fn start(&self, id: i64) {
        let _ = self.commands.send(Command::Start(id));
    }

    pub fn stop(&self, id: i64, reason: &str) {
        let _ = self.commands.send(Command::Stop {
            id,
            reason: reason.to_owned(),
        });
    }
}

pub(super) struct Controller {
    store: Store,
    engine: Arc<Engine>,
    events: EventBus,
    root: PathBuf,
    experiments: HashMap<i64, ActiveExperiment>,
    /// A running trial by its workload's id: (experiment id, trial id).
    by_workload: HashMap<i64, (i64, i64)>,
    /// A running pipeline trial by its run's id.
    by_run: HashMap<i64, (i64, i64)>,
    pipelines: Option<Arc<PipelineService>>,
}

/// How often running trials' output is read (metrics, early stopping) and their workloads
/// checked even when no event came.
const TICK: Duration = Duration::from_millis(500);

impl Controller {
    async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut workloads: broadcast::Receiver<Event>,
    ) {
        self.recover().await;
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Start(id)) => self.activate(id).await,
                    Some(Command::Stop { id, reason }) => self.close(id, None, &reason).await,
                    None => break,
                },
                event = workloads.recv() => match event {
                    Ok(event) => self.on_event(&event).await,
                    Err(broadcast::error::RecvError::Lagged(_)) => self.check_workloads().await,
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                _ = tick.tick() => self.on_tick().await,
            }
        }
    }

    /// Picks up every running experiment of a previous process.
    async fn recover(&mut self) {
        match self.store.tuning().running().await {
            Ok(rows) => {
                for row in rows {
                    self.activate(row.id).await;
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the running tuning experiments"),
        }
    }

    /// Loads a running experiment (once) and takes its next step. One resumed while its
    /// stopped trials were still ending is taken up again as it is.
    async fn activate(&mut self, id: i64) {
        if let Some(exp) = self.experiments.get_mut(&id)
            && exp.closing
        {
            let resumed = self.store.tuning().by_id(id).await;
            if let Ok(Some(row)) = resumed
                && row.state == api::TuningState::Running
            {
                exp.closing = false;
                exp.exhausted = false;
                exp.row = row;
            }
        }
        if !self.experiments.contains_key(&id) {
            let loaded = self.load(id).await;
            match loaded {
                Ok(Some(exp)) => {
                    for trial in exp.trials.iter().filter(|t| !t.row.state.is_finished()) {
                        if let Some(w) = trial.row.workload_id {
                            self.by_workload.insert(w, (id, trial.row.id));
                        }
                        if let Some(r) = trial.row.run_id {
                            self.by_run.insert(r, (id, trial.row.id));
                        }
                    }
                    self.experiments.insert(id, exp);
                }
                Ok(None) => return,
                Err(why) => {
                    tracing::warn!(experiment = id, why, "a tuning experiment cannot go on");
                    let store = self.store.tuning();
                    let _ = store
                        .set_state(
                            id,
                            Some(api::TuningState::Running),
                            api::TuningState::Failed,
                            Some(&why),
                            Some(now_ms()),
                        )
                        .await;
                    return;
                }
            }
            self.adopt_orphans(id).await;
        }
        self.check_workloads().await;
        self.check_runs().await;
        self.advance(id).await;
    }

    /// Forgets what is known of an experiment and loads it again from the store.
    pub(super) async fn reload(&mut self, id: i64) {
        self.experiments.remove(&id);
        self.by_workload
            .retain(|_, (experiment, _)| *experiment != id);
        Box::pin(self.activate(id)).await;
    }

    async fn load(&self, id: i64) -> Result<Option<ActiveExperiment>, String> {
        let store = self.store.tuning();
        let row = match store.by_id(id).await.map_err(|e| e.to_string())? {
            Some(row) if row.state == api::TuningState::Running => row,
            _ => return Ok(None),
        };
        let trials = store.trials(id).await.map_err(|e| e.to_string())?;
        let metrics = store
            .metrics_of_experiment(id)
            .await
            .map_err(|e| e.to_string())?;
        ActiveExperiment::load(row, trials, metrics).map(Some)
    }

    async fn on_event(&mut self, event: &Event) {
        if event.kind == EventKind::Run {
            self.on_run_event(event).await;
            return;
        }
        if event.kind != EventKind::Workload {
            return;
        }
        let Some(id) = event.data.get("id").and_then(|v| v.as_i64()) else {
            return;
        };
        if !self.by_workload.contains_key(&id) {
            return;
        }
        let phase = event
            .data
            .get("phase")
            .and_then(|p| serde_json::from_value::<Phase>(p.clone()).ok());
        if let Some(phase) = phase.filter(|p| p.is_finished()) {
            let reason = event.data.get("reason").and_then(|r| r.as_str());
            self.workload_ended(id, phase, reason.unwrap_or_default())
                .await;
        }
    }

    async fn on_tick(&mut self) {
        let ids: Vec<i64> = self.experiments.keys().copied().collect();
        for id in ids {
            self.watch_running(id).await;
        }
        self.check_workloads().await;
        self.check_runs().await;
        let ids: Vec<i64> = self.experiments.keys().copied().collect();
        for id in ids {
            self.advance(id).await;
        }
    }

    /// Looks at every running trial's workload in the store: those that ended are handled.
    async fn check_workloads(&mut self) {
        let ids: Vec<i64> = self.by_workload.keys().copied().collect();
        for id in ids {
            let ended = match self.store.workloads().by_id(id).await {
                Ok(Some(row)) if row.phase.is_finished() => {
                    Some((row.phase, row.reason.unwrap_or_default()))
                }
                Ok(Some(_)) => None,
                Ok(None) => Some((Phase::Failed, "its workload was deleted".to_owned())),
                Err(e) => {
                    tracing::warn!(workload = id, error = %e, "cannot read a trial's workload");
                    None
                }
            };
            if let Some((phase, reason)) = ended {
                self.workload_ended(id, phase, &reason).await;
            }
        }
    }

    /// Where a trial of an active experiment is in its list.
    fn trial_index(&self, experiment: i64, trial_id: i64) -> Option<usize> {
        self.experiments.get(&experiment)?.index_of(trial_id)
    }

    fn publish(&self, profile: &str, data: serde_json::Value) {
        self.events.publish(Event {
            kind: EventKind::Tuning,
            profile: Some(profile.to_owned()),
            user: None,
            at_ms: now_ms(),
            data,
        });
    }
}
