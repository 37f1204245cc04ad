//! The workload engine: one per server. Submissions and stops come from users; the loop runs
//! a scheduling cycle whenever something changed (or every interval), applies its decisions
//! through the runtime, and brings the runtime's reports back into the store.

mod apply;
mod operations;
mod reports;
mod views;

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use api::{AllocationSample, Event, EventKind};
use tokio::sync::Notify;

use super::PriorityClasses;
use crate::clock::now_ms;
use crate::events::EventBus;
use crate::inventory::NodeInfo;
use crate::runtime::Runtime;
use crate::scheduler::{Policy, Scheduler};
use crate::store::Store;

/// Allocation samples kept for the chart: one per cycle that changed something.
const HISTORY: usize = 240;

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub policy: Policy,
    pub classes: PriorityClasses,
    /// Cycles the head of the queue waits before what competes with it is held back.
    pub patience: u32,
    /// How long a stopped or preempted workload has between SIGTERM and SIGKILL.
    pub stop_grace: Duration,
    /// A cycle runs at least this often, even when nothing woke the loop.
    pub interval: Duration,
}

pub struct Engine {
    store: Store,
    runtime: Arc<dyn Runtime>,
    nodes: RwLock<Vec<NodeInfo>>,
    config: EngineConfig,
    /// Also serialises cycles: one at a time.
    scheduler: tokio::sync::Mutex<Scheduler>,
    wake: Notify,
    events: EventBus,
    /// Preempted workloads whose processes are still stopping: not placed again until their
    /// runtime says they stopped, so that an old run's report never lands on a new run.
    stopping: Arc<Mutex<HashSet<i64>>>,
    history: Mutex<VecDeque<AllocationSample>>,
}

impl Engine {
    pub fn new(
        store: Store,
        runtime: Arc<dyn Runtime>,
        nodes: Vec<NodeInfo>,
        config: EngineConfig,
        events: EventBus,
    ) -> Arc<Self> {
        Arc::new(Engine {
            store,
            runtime,
            nodes: RwLock::new(nodes),
            scheduler: tokio::sync::Mutex::new(Scheduler::new(config.policy, config.patience)),
            config,
            wake: Notify::new(),
            events,
            stopping: Arc::new(Mutex::new(HashSet::new())),
            history: Mutex::new(VecDeque::new()),
        })
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    pub fn nodes(&self) -> Vec<NodeInfo> {
        self.nodes.read().map(|n| n.clone()).unwrap_or_default()
    }

    /// Finds this machine's GPUs again (`gpus`: `discover`, `none` or a declaration) when a
    /// cluster admin asks; the next cycle places on the new inventory.
    pub fn rediscover(
        &self,
        principal: &crate::authz::Principal,
        node_name: &str,
        gpus: &str,
    ) -> Result<(), super::WorkloadError> {
        if !principal.is_admin {
            return Err(crate::profiles::ProfileError::AdminsOnly("discover GPUs").into());
        }
        let node = crate::inventory::standalone(node_name, gpus)
            .map_err(|e| super::WorkloadError::invalid("gpus", e))?;
        self.set_nodes(vec![node]);
        self.publish_cluster();
        Ok(())
    }

    /// Replaces the inventory; the next cycle places on it.
    pub fn set_nodes(&self, nodes: Vec<NodeInfo>) {
        if let Ok(mut current) = self.nodes.write() {
            *current = nodes;
        }
        self.wake();
    }

    /// Where a running workload's ports can be reached.
    pub fn endpoints(&self, id: i64) -> Vec<crate::runtime::Endpoint> {
        self.runtime.endpoints(id)
    }

    /// The bus the engine publishes on, for services built on workloads.
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// Asks for a cycle soon.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs until `shutdown` turns true: a cycle after every wake-up, runtime report or
    /// interval. Errors are logged and the loop goes on: a database that blinks must not stop
    /// scheduling for good.
    pub async fn run(self: Arc<Self>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        if let Err(e) = self.recover().await {
            tracing::error!(error = %e, "could not recover workloads after the restart");
        }
        let mut last_rotation = std::time::Instant::now();
        let mut listening = true;
        loop {
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.config.interval) => {}
                reports = self.runtime.next_reports() => {
                    for report in reports {
                        if let Err(e) = self.apply_report(report).await {
                            tracing::warn!(error = %e, "could not record a runtime report");
                        }
                    }
                }
                changed = shutdown.changed(), if listening => match changed {
                    Ok(()) if *shutdown.borrow() => break,
                    Ok(()) => {}
                    // A dropped sender: nobody can ask to stop any more; keep going.
                    Err(_) => listening = false,
                },
            }
            if let Err(e) = self.cycle().await {
                tracing::warn!(error = %e, "scheduling cycle failed");
            }
            if last_rotation.elapsed() > Duration::from_secs(60) {
                last_rotation = std::time::Instant::now();
                if let Err(e) = self.runtime.rotate_logs().await {
                    tracing::warn!(error = %e, "could not rotate workload logs");
                }
            }
        }
    }

    fn publish_workload(
        &self,
        profile: &str,
        id: i64,
        name: &str,
        phase: api::Phase,
        reason: &str,
    ) {
        self.events.publish(Event {
            kind: EventKind::Workload,
            profile: Some(profile.to_owned()),
            user: None,
            at_ms: now_ms(),
            data: serde_json::json!({ "id": id, "name": name, "phase": phase, "reason": reason }),
        });
    }

    fn publish_cluster(&self) {
        self.events.publish(Event {
            kind: EventKind::Cluster,
            profile: None,
            user: None,
            at_ms: now_ms(),
            data: serde_json::Value::Null,
        });
    }
}
