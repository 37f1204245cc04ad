//! The training controller: one task per server that drives every training job. It submits a
//! job's attempt as a gang workload, follows the workload (running, succeeded, failed), restarts
//! a failed attempt by policy after its back-off, ends a job past its deadline, deletes a
//! finished one when its time to live is over, and collects the `name=value` lines its leading
//! replica prints. Users' suspend, resume and delete come to it as commands, so that one task
//! writes a job's state. Everything is stored as it happens: a restarted Capstan goes on.
//!
//! - `reconcile`: one job's next step, from its stored state and its workload's phase;
//! - `actions`: what users ask;
//! - `collect`: metric lines out of the leader's log.

mod actions;
mod collect;
mod reconcile;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use api::{Event, EventKind, JobState};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::error::TrainingError;
use super::spec::TrainingSpec;
use crate::clock::now_ms;
use crate::events::EventBus;
use crate::store::{JobRow, Store};
use crate::workload::Engine;

/// What users ask; each answers when done.
enum Command {
    /// A new job was stored: drive it.
    Wake(i64),
    Suspend {
        id: i64,
        by: String,
        reply: oneshot::Sender<Result<(), TrainingError>>,
    },
    Resume {
        id: i64,
        by: String,
        reply: oneshot::Sender<Result<(), TrainingError>>,
    },
    Delete {
        id: i64,
        reply: oneshot::Sender<Result<(), TrainingError>>,
    },
}

/// The handle the service uses.
#[derive(Clone)]
pub struct TrainingController {
    commands: mpsc::UnboundedSender<Command>,
}

impl TrainingController {
    /// Starts the loop; it first picks up the jobs of a previous process. A failed attempt's
    /// first restart waits `backoff`, each next one twice as long.
    pub fn spawn(store: Store, engine: Arc<Engine>, events: EventBus, backoff: Duration) -> Self {
        let (commands, receiver) = mpsc::unbounded_channel();
        let workloads = engine.events().subscribe();
        let controller = Controller {
            store,
            engine,
            events,
            backoff,
            jobs: HashMap::new(),
        };
        tokio::spawn(controller.run(receiver, workloads));
        TrainingController { commands }
    }

    pub fn wake(&self, id: i64) {
        let _ = self.commands.send(Command::Wake(id));
    }

    pub async fn suspend(&self, id: i64, by: &str) -> Result<(), TrainingError> {
        self.ask(|reply| Command::Suspend {
            id,
            by: by.to_owned(),
            reply,
        })
        .await
    }

    pub async fn resume(&self, id: i64, by: &str) -> Result<(), TrainingError> {
        self.ask(|reply| Command::Resume {
            id,
            by: by.to_owned(),
            reply,
        })
        .await
    }

    pub async fn delete(&self, id: i64) -> Result<(), TrainingError> {
        self.ask(|reply| Command::Delete { id, reply }).await
    }

    async fn ask(
        &self,
        command: impl FnOnce(oneshot::Sender<Result<(), TrainingError>>) -> Command,
    ) -> Result<(), TrainingError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .map_err(|_| TrainingError::Unavailable)?;
        answer.await.map_err(|_| TrainingError::Unavailable)?
    }
}

/// A job the controller follows: its row as stored, its spec, and how far its leader's log of
/// the current attempt has been read.
struct Active {
    row: JobRow,
    spec: TrainingSpec,
    lines_read: usize,
    /// Reports met per metric in the current attempt: the next one's step.
    steps: HashMap<String, u32>,
}

struct Controller {
    store: Store,
    engine: Arc<Engine>,
    events: EventBus,
    backoff: Duration,
    jobs: HashMap<i64, Active>,
}

/// How often jobs are looked at even when no event came: deadlines, back-offs, metric lines.
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
                    Some(command) => self.on_command(command).await,
                    None => break,
                },
                event = workloads.recv() => match event {
                    Ok(event) => self.on_event(&event).await,
                    Err(broadcast::error::RecvError::Lagged(_)) => self.reconcile_all().await,
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                _ = tick.tick() => {
                    self.collect_all().await;
                    self.reconcile_all().await;
                }
            }
        }
    }

    async fn recover(&mut self) {
        match self.store.training().all().await {
            Ok(rows) => {
                for row in rows {
                    self.follow(row);
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the training jobs"),
        }
        self.reconcile_all().await;
    }

    /// Starts following a stored job; one whose spec cannot be read is left alone, logged.
    fn follow(&mut self, row: JobRow) {
        match serde_json::from_str::<TrainingSpec>(&row.spec_json) {
            Ok(spec) => {
                self.jobs.insert(
                    row.id,
                    Active {
                        row,
                        spec,
                        lines_read: 0,
                        steps: HashMap::new(),
                    },
                );
            }
            Err(e) => {
                tracing::error!(job = row.id, error = %e, "a stored training job is unreadable")
            }
        }
    }

    async fn on_command(&mut self, command: Command) {
        match command {
            Command::Wake(id) => {
                if !self.jobs.contains_key(&id)
                    && let Ok(Some(row)) = self.store.training().by_id(id).await
                {
                    self.follow(row);
                }
                self.reconcile(id).await;
            }
            Command::Suspend { id, by, reply } => {
                let _ = reply.send(self.suspend(id, &by).await);
            }
            Command::Resume { id, by, reply } => {
                let _ = reply.send(self.resume(id, &by).await);
            }
            Command::Delete { id, reply } => {
                let _ = reply.send(self.delete(id).await);
            }
        }
    }

    /// A change of one of the jobs' workloads: that job's next step now, not at the tick.
    async fn on_event(&mut self, event: &Event) {
        if event.kind != EventKind::Workload {
            return;
        }
        let Some(workload) = event.data.get("id").and_then(|v| v.as_i64()) else {
            return;
        };
        let job = self
            .jobs
            .iter()
            .find(|(_, job)| job.row.workload_id == Some(workload))
            .map(|(id, _)| *id);
        if let Some(id) = job {
            self.reconcile(id).await;
        }
    }

    async fn reconcile_all(&mut self) {
        let ids: Vec<i64> = self.jobs.keys().copied().collect();
        for id in ids {
            self.reconcile(id).await;
        }
    }

    fn publish(&self, row: &JobRow) {
        self.events.publish(Event {
            kind: EventKind::Training,
            profile: Some(row.profile.clone()),
            user: None,
            at_ms: now_ms(),
            data: serde_json::json!({ "name": row.name, "state": row.state }),
        });
    }

    fn publish_deleted(&self, row: &JobRow) {
        self.events.publish(Event {
            kind: EventKind::Training,
            profile: Some(row.profile.clone()),
            user: None,
            at_ms: now_ms(),
            data: serde_json::json!({ "name": row.name, "state": "deleted" }),
        });
    }

    /// Stores the job's new row with the condition that says why, and tells the browsers.
    async fn save(&mut self, id: i64, row: JobRow, reason: &str, message: &str) {
        let condition = (row.state.condition(), reason, message);
        match self
            .store
            .training()
            .save(&row, Some(condition), now_ms())
            .await
        {
            Ok(true) => {
                self.publish(&row);
                if let Some(job) = self.jobs.get_mut(&id) {
                    job.row = row;
                }
            }
            Ok(false) => {
                self.jobs.remove(&id);
            }
            Err(e) => tracing::warn!(job = id, error = %e, "cannot store a training job's state"),
        }
    }
}

/// `PyTorchJobRunning`: the Training Operator's reasons.
fn reason(spec: &TrainingSpec, state: JobState) -> String {
    format!("{}{}", spec.kind.as_str(), state.condition())
}
