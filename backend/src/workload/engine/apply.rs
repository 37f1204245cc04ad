//! One scheduling cycle, applied: the store's active workloads and the profiles' quotas go
//! in, the scheduler's decisions come out and are carried out through the runtime.

use std::collections::HashMap;
use std::sync::Arc;

use api::Phase;

use super::Engine;
use crate::clock::now_ms;
use crate::runtime::PlacedWorkload;
use crate::scheduler::{Decision, Entry, Limits, ProfileQueue, Spot};
use crate::store::{ProfileRow, Quota, StoreError, Transition, WorkloadRow};
use crate::workload::{placements_of, replicas_of, spots_of};

impl Engine {
    /// Runs one cycle and applies what it decided.
    pub async fn cycle(&self) -> Result<(), StoreError> {
        let mut scheduler = self.scheduler.lock().await;
        tracing::debug!("scheduling cycle");
        let rows = self.store.workloads().active().await?;
        let profiles = self.store.profiles().all().await?;
        let stopping = self.stopping.lock().map(|s| s.clone()).unwrap_or_default();
        // A preempted workload whose processes are still stopping waits outside the cycle.
        let rows: Vec<WorkloadRow> = rows
            .into_iter()
            .filter(|r| !stopping.contains(&r.id))
            .collect();
        let entries: Vec<Entry> = rows.iter().map(entry_of).collect();
        let queues: Vec<ProfileQueue> = profiles.iter().map(queue_of).collect();
        let nodes: Vec<_> = self.nodes().iter().map(|n| n.to_node()).collect();
        let decisions = scheduler.cycle(&nodes, &queues, &entries);
        drop(scheduler);

        let by_id: HashMap<i64, &WorkloadRow> = rows.iter().map(|r| (r.id, r)).collect();
        let mut changed = false;
        let mut admitted = Vec::new();
        // A Hold comes with a Wait for the same workload: keep the spots for the Wait.
        let mut held: HashMap<i64, Vec<Option<Spot>>> = HashMap::new();
        for decision in decisions {
            match decision {
                Decision::Admit { id, spots } => {
                    if let Some(row) = by_id.get(&id) {
                        let spots: Vec<Option<Spot>> = spots.into_iter().map(Some).collect();
                        admitted.push(placed_of(row, &spots));
                        changed = true;
                    }
                }
                Decision::Hold { id, spots } => {
                    held.insert(id, spots);
                    changed = true;
                }
                Decision::Preempt { id, reason } => {
                    if let Some(row) = by_id.get(&id) {
                        self.preempt(row, &reason).await?;
                        changed = true;
                    }
                }
                Decision::Wait { id, reason } => {
                    if let Some(row) = by_id.get(&id) {
                        let spots = held.remove(&id);
                        let placements = match &spots {
                            Some(s) => placements_of(&row.spec, s),
                            None => row.placements.clone(),
                        };
                        if row.reason.as_deref() != Some(reason.as_str()) || spots.is_some() {
                            self.store
                                .workloads()
                                .set_waiting(id, &reason, &placements)
                                .await?;
                            self.publish_workload(
                                &row.profile,
                                id,
                                &row.name,
                                Phase::Queued,
                                &reason,
                            );
                        }
                    }
                }
            }
        }
        self.record_admissions(&admitted).await?;
        self.start_all(admitted).await?;
        if changed {
            self.record_allocation().await?;
            self.publish_cluster();
        }
        Ok(())
    }

    /// Records the cycle's admissions (placed, then starting) in one transaction.
    async fn record_admissions(&self, admitted: &[Admission]) -> Result<(), StoreError> {
        if admitted.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        let changes: Vec<Transition> = admitted
            .iter()
            .flat_map(|a| {
                let placed = &a.placed;
                [
                    (Phase::Admitted, a.reason.as_str()),
                    (Phase::Starting, "starting its processes"),
                ]
                .map(|(phase, reason)| Transition {
                    id: placed.id,
                    phase,
                    reason,
                    placements: &placed.placements,
                    at_ms: now,
                })
            })
            .collect();
        self.store.workloads().transition_all(&changes).await?;
        for a in admitted {
            let placed = &a.placed;
            self.publish_workload(
                &placed.profile,
                placed.id,
                &placed.name,
                Phase::Admitted,
                &a.reason,
            );
        }
        Ok(())
    }

    /// Starts the cycle's admitted workloads side by side: a wave of pipeline tasks released
    /// by one exit would otherwise wait for each other's process spawns. A start that fails
    /// fails its workload with the runtime's reason (the program does not exist, say).
    async fn start_all(&self, admitted: Vec<Admission>) -> Result<(), StoreError> {
        let starts: Vec<_> = admitted
            .into_iter()
            .map(|Admission { placed, .. }| {
                let runtime = Arc::clone(&self.runtime);
                let to_start = placed.clone();
                let start = tokio::spawn(async move { runtime.start(&to_start).await });
                (placed, start)
            })
            .collect();
        for (placed, start) in starts {
            let error = match start.await {
                Ok(started) => started.err().map(|e| e.to_string()),
                Err(e) => Some(format!("the runtime gave up: {e}")),
            };
            if let Some(error) = error {
                let reason = format!("could not start: {error}");
                self.store
                    .workloads()
                    .transition(
                        placed.id,
                        Phase::Failed,
                        &reason,
                        &placed.placements,
                        now_ms(),
                    )
                    .await?;
                self.publish_workload(
                    &placed.profile,
                    placed.id,
                    &placed.name,
                    Phase::Failed,
                    &reason,
                );
            }
        }
        Ok(())
    }

    /// Stops the victim (in the background: the grace period must not hold up the cycle) and
    /// puts it back in the queue, recording why.
    async fn preempt(&self, row: &WorkloadRow, reason: &str) -> Result<(), StoreError> {
        let workloads = self.store.workloads();
        if row.phase.holds_resources() {
            if let Ok(mut stopping) = self.stopping.lock() {
                stopping.insert(row.id);
            }
            let runtime = Arc::clone(&self.runtime);
            let stopping = Arc::clone(&self.stopping);
            let (id, grace) = (row.id, self.config.stop_grace);
            // The runtime's report of the stop takes it out of `stopping`; a stop that fails
            // sends none, so it comes out here.
            tokio::spawn(async move {
                if let Err(e) = runtime.stop(id, grace).await {
                    tracing::warn!(workload = id, error = %e, "could not stop a preempted workload");
                    if let Ok(mut stopping) = stopping.lock() {
                        stopping.remove(&id);
                    }
                }
            });
        }
        // A victim that held only a partial reservation ran nothing: the event says it all.
        workloads
            .transition(row.id, Phase::Preempted, reason, &[], now_ms())
            .await?;
        let again = "back in the queue after preemption";
        workloads
            .transition(row.id, Phase::Queued, again, &[], now_ms())
            .await?;
        self.publish_workload(&row.profile, row.id, &row.name, Phase::Preempted, reason);
        Ok(())
    }
}

/// A workload the cycle admitted: where it goes, and the event's reason.
struct Admission {
    placed: PlacedWorkload,
    reason: String,
}

fn placed_of(row: &WorkloadRow, spots: &[Option<Spot>]) -> Admission {
    let placements = placements_of(&row.spec, spots);
    let nodes: Vec<&str> = {
        let mut n: Vec<&str> = placements.iter().map(|p| p.node.as_str()).collect();
        n.dedup();
        n
    };
    Admission {
        reason: format!("placed on {}", nodes.join(", ")),
        placed: PlacedWorkload {
            id: row.id,
            profile: row.profile.clone(),
            name: row.name.clone(),
            spec: row.spec.clone(),
            placements,
        },
    }
}

fn entry_of(row: &WorkloadRow) -> Entry {
    Entry {
        id: row.id,
        profile: row.profile.clone(),
        name: row.name.clone(),
        priority: row.priority,
        arrival: (row.created_at_ms, row.id),
        gang: row.spec.gang,
        replicas: replicas_of(&row.spec)
            .into_iter()
            .map(|(_, _, r)| r)
            .collect(),
        placed: spots_of(&row.spec, &row.placements),
    }
}

fn queue_of(profile: &ProfileRow) -> ProfileQueue {
    ProfileQueue {
        profile: profile.name.clone(),
        quota: limits_of(&profile.quota),
        borrow_cap: borrow_cap_of(&profile.quota),
    }
}

fn non_negative(v: Option<i64>) -> Option<u64> {
    v.map(|v| v.max(0) as u64)
}

pub(super) fn limits_of(quota: &Quota) -> Limits {
    Limits {
        gpu_milli: non_negative(quota.gpu_milli),
        cpu_milli: non_negative(quota.cpu_milli),
        memory_mib: non_negative(quota.memory_mib),
        workloads: non_negative(quota.workloads),
    }
}

/// No borrowing unless the quota says how much.
fn borrow_cap_of(quota: &Quota) -> Limits {
    Limits {
        gpu_milli: Some(non_negative(quota.borrow_gpu_milli).unwrap_or(0)),
        cpu_milli: Some(non_negative(quota.borrow_cpu_milli).unwrap_or(0)),
        memory_mib: Some(non_negative(quota.borrow_memory_mib).unwrap_or(0)),
        workloads: Some(0),
    }
}
