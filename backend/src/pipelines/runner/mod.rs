//! The pipeline runner: one task per server that drives every unfinished run. It walks a
//! run's graph, hands ready tasks to the workload engine (so the scheduler places them, GPUs
//! and quotas included), listens for their workloads to end, reads their outputs and walks
//! again. Every node's state is stored as it changes, so a restart picks each run up where it
//! was: tasks still running are waited for, finished ones are not run again.
//!
//! - `active`: a run being driven, loaded from the store;
//! - `drive`: walking a run and launching what is ready;
//! - `ends`: what a task's end means (outputs, retries, cancel, Capstan restarts);
//! - `warm`: lightweight Python components' tasks through the warm Python.

mod active;
mod drive;
mod ends;
mod warm;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use api::{Event, EventKind, Phase};
use tokio::sync::{broadcast, mpsc};

use self::active::ActiveRun;
use crate::clock::now_ms;
use crate::events::EventBus;
use crate::pipelines::model::Pipeline;
use crate::pipelines::run::task_workload::task_path;
use crate::pipelines::warm::WarmPython;
use crate::store::Store;
use crate::workload::Engine;

/// How the runner runs tasks.
#[derive(Debug, Clone)]
pub struct RunnerSettings {
    /// Runs' files go under `<data_dir>/pipelines/runs/<id>`.
    pub data_dir: PathBuf,
    /// Put before `PATH` for every task: where a `python3` with the kfp package is.
    pub path_prefix: Option<String>,
    /// At most this many tasks of one run at once, unless the run asks for another limit.
    pub parallelism: u32,
    /// The launcher program and its leading arguments (`[<capstan>, "task-launch"]`): KFP
    /// lightweight components' tasks run in the warm Python through it. None: off.
    pub warm_launcher: Option<Vec<String>>,
}

/// What users ask of runs, handed to the runner's loop.
#[derive(Debug, Clone, Copy)]
enum Command {
    Start(i64),
    Cancel(i64),
    Retry(i64),
}

/// The handle the services use.
#[derive(Clone)]
pub struct PipelineRunner {
    commands: mpsc::UnboundedSender<Command>,
}

impl PipelineRunner {
    /// Starts the runner's loop; it first picks up the runs a previous process left.
    pub fn spawn(
        store: Store,
        engine: Arc<Engine>,
        events: EventBus,
        settings: RunnerSettings,
    ) -> PipelineRunner {
        let (commands, receiver) = mpsc::unbounded_channel();
        let workloads = engine.events().subscribe();
        let warm = settings.warm_launcher.as_ref().map(|_| {
            let path = task_path(settings.path_prefix.as_deref());
            WarmPython::new(&settings.data_dir, path)
        });
        let runner = Runner {
            store,
            engine,
            events,
            settings,
            runs: HashMap::new(),
            workloads: HashMap::new(),
            pipelines: HashMap::new(),
            warm,
        };
        tokio::spawn(runner.run(receiver, workloads));
        PipelineRunner { commands }
    }

    /// A stored pending run: drive it.
    pub fn start(&self, run_id: i64) {
        let _ = self.commands.send(Command::Start(run_id));
    }

    pub fn cancel(&self, run_id: i64) {
        let _ = self.commands.send(Command::Cancel(run_id));
    }

    /// A finished run that failed or was canceled: run again what did not succeed.
    pub fn retry(&self, run_id: i64) {
        let _ = self.commands.send(Command::Retry(run_id));
    }
}

/// A task's try, by workload id.
#[derive(Debug, Clone)]
struct TaskTry {
    run_id: i64,
    node: String,
    workload: String,
}

struct Runner {
    store: Store,
    engine: Arc<Engine>,
    events: EventBus,
    settings: RunnerSettings,
    runs: HashMap<i64, ActiveRun>,
    workloads: HashMap<i64, TaskTry>,
    /// Versions already read, by id (a version never changes).
    pipelines: HashMap<i64, Arc<Pipeline>>,
    /// Started at the first task that can use it, when `settings.warm_launcher` is set;
    /// stopped when the runner ends.
    warm: Option<WarmPython>,
}

/// How often the runner checks on its tasks' workloads even when no event came (events can
/// be missed by a lagging subscriber) and wakes for retries and timeouts.
const TICK: Duration = Duration::from_millis(500);

impl Runner {
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
                    Some(command) => self.obey(command).await,
                    None => break,
                },
                event = workloads.recv() => match event {
                    Ok(event) => self.on_event(&event).await,
                    Err(broadcast::error::RecvError::Lagged(_)) => self.check_workloads().await,
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                _ = tick.tick() => {
                    self.check_workloads().await;
                    self.check_timers().await;
                }
            }
        }
    }

    /// Picks up every unfinished run of a previous process.
    async fn recover(&mut self) {
        let unfinished = match self.store.runs().unfinished().await {
            Ok(runs) => runs,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the unfinished pipeline runs");
                return;
            }
        };
        for row in unfinished {
            let id = row.id;
            self.activate(row).await;
            // Tasks that ended while Capstan was down are handled by the first check.
            self.drive(id).await;
        }
        self.check_workloads().await;
    }

    async fn obey(&mut self, command: Command) {
        match command {
            Command::Start(id) => {
                if !self.runs.contains_key(&id) {
                    match self.store.runs().get(id).await {
                        Ok(Some(row)) if !row.state.is_finished() => self.activate(row).await,
                        Ok(_) => return,
                        Err(e) => {
                            tracing::warn!(run = id, error = %e, "cannot read the run");
                            return;
                        }
                    }
                }
                self.drive(id).await;
            }
            Command::Cancel(id) => self.cancel(id).await,
            Command::Retry(id) => self.retry(id).await,
        }
    }

    async fn on_event(&mut self, event: &Event) {
        if event.kind != EventKind::Workload {
            return;
        }
        let Some(id) = event.data.get("id").and_then(|v| v.as_i64()) else {
            return;
        };
        if !self.workloads.contains_key(&id) {
            return;
        }
        let phase = event
            .data
            .get("phase")
            .and_then(|p| serde_json::from_value::<Phase>(p.clone()).ok());
        // The event says how it ended: no need to read it back. A preempted task goes back to
        // the queue: the store says where it is.
        tracing::debug!(workload = id, ?phase, "a task's workload changed");
        if phase == Some(Phase::Preempted) {
            self.check_workload(id).await;
        } else if let Some(phase) = phase.filter(|p| p.is_finished()) {
            let reason = event.data.get("reason").and_then(|r| r.as_str());
            self.end_task(id, phase, reason.unwrap_or_default()).await;
        }
    }

    /// A task's workload ended (once: a second word of the same end finds nothing): its node
    /// takes the outcome, and its run goes on.
    async fn end_task(&mut self, workload_id: i64, phase: Phase, reason: &str) {
        if let Some(task) = self.workloads.remove(&workload_id) {
            self.task_ended(&task, phase, reason).await;
            self.drive(task.run_id).await;
        }
    }

    /// Looks at every task's workload in the store: those that ended are handled.
    async fn check_workloads(&mut self) {
        let ids: Vec<i64> = self.workloads.keys().copied().collect();
        for id in ids {
            self.check_workload(id).await;
        }
    }

    async fn check_workload(&mut self, id: i64) {
        let row = match self.store.workloads().by_id(id).await {
            Ok(row) => row,
            Err(e) => {
                tracing::warn!(workload = id, error = %e, "cannot read a task's workload");
                return;
            }
        };
        let ended = match &row {
            Some(row) if row.phase.is_finished() => {
                Some((row.phase, row.reason.clone().unwrap_or_default()))
            }
            Some(_) => None,
            None => Some((Phase::Failed, "its workload was deleted".to_owned())),
        };
        if let Some((phase, reason)) = ended {
            self.end_task(id, phase, &reason).await;
        }
    }

    /// Retries whose wait is over and tasks past their timeout.
    async fn check_timers(&mut self) {
        let now = now_ms();
        let ids: Vec<i64> = self.runs.keys().copied().collect();
        for id in ids {
            let Some(run) = self.runs.get_mut(&id) else {
                continue;
            };
            let overdue = run.overdue(now);
            for (node, workload) in overdue {
                let reason = "timed out".to_owned();
                run.timed_out.insert(node.clone(), reason.clone());
                let profile = run.profile.clone();
                if let Err(e) = self.engine.stop_because(&profile, &workload, &reason).await {
                    tracing::warn!(run = id, node, error = %e, "cannot stop a task past its timeout");
                }
            }
            if self.runs.get(&id).is_some_and(|r| r.waiting_retry_due(now)) {
                self.drive(id).await;
            }
        }
    }

    fn publish(&self, profile: &str, run_id: i64, state: &str, node: Option<&str>) {
        self.events.publish(Event {
            kind: EventKind::Run,
            profile: Some(profile.to_owned()),
            user: None,
            at_ms: now_ms(),
            data: serde_json::json!({ "id": run_id, "state": state, "node": node }),
        });
    }
}
