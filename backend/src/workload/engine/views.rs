//! The cluster as the "GPUs & queue" page shows it: nodes with who holds each GPU share,
//! each visible profile's queue with usage against quota, allocation over time.

use std::collections::HashMap;

use api::{
    AllocationSample, ClusterGpu, ClusterNode, ClusterView, GpuHolder, Phase, ProfileQueueView,
    QueueView, Usage, WaitingWorkload,
};

use super::{Engine, HISTORY};
use crate::authz::Principal;
use crate::clock::now_ms;
use crate::profiles::service::visible_profiles;
use crate::store::{StoreError, WorkloadRow};
use crate::workload::{WorkloadError, replicas_of};

impl Engine {
    /// Nodes, GPUs and holders. Holders in profiles the caller cannot see keep their profile
    /// but not their workload's name.
    pub async fn cluster_view(&self, principal: &Principal) -> Result<ClusterView, WorkloadError> {
        let visible = self.visible(principal).await?;
        let rows = self.store.workloads().active().await?;
        let mut nodes: Vec<ClusterNode> = self
            .nodes()
            .iter()
            .map(|n| ClusterNode {
                name: n.name.clone(),
                cpu_milli: n.cpu_milli,
                memory_mib: n.memory_mib,
                used_cpu_milli: 0,
                used_memory_mib: 0,
                simulated: n.simulated,
                gpus: n
                    .gpus
                    .iter()
                    .map(|g| ClusterGpu {
                        index: g.index,
                        model: g.model.clone(),
                        memory_mib: g.memory_mib,
                        used_milli: 0,
                        holders: Vec::new(),
                    })
                    .collect(),
            })
            .collect();
        for row in &rows {
            let shown = visible.contains_key(&row.profile).then(|| row.name.clone());
            let requests = replicas_of(&row.spec);
            for p in &row.placements {
                let Some(node) = nodes.iter_mut().find(|n| n.name == p.node) else {
                    continue;
                };
                if let Some(r) = request_at(&requests, p) {
                    node.used_cpu_milli += r.cpu_milli;
                    node.used_memory_mib += r.memory_mib;
                }
                for share in &p.gpus {
                    if let Some(gpu) = node.gpus.iter_mut().find(|g| g.index == share.index) {
                        gpu.used_milli += share.milli;
                        gpu.holders.push(GpuHolder {
                            profile: row.profile.clone(),
                            workload: shown.clone(),
                            milli: share.milli,
                        });
                    }
                }
            }
        }
        let allocation = self
            .history
            .lock()
            .map(|h| h.iter().copied().collect())
            .unwrap_or_default();
        Ok(ClusterView {
            nodes,
            allocation,
            policy: self.config.policy.as_str().to_owned(),
        })
    }

    /// The queues of the profiles the caller can see.
    pub async fn queue_view(&self, principal: &Principal) -> Result<QueueView, WorkloadError> {
        let visible = self.visible(principal).await?;
        let rows = self.store.workloads().active().await?;
        let mut profiles = Vec::new();
        for row in self.store.profiles().all().await? {
            if !visible.contains_key(&row.name) {
                continue;
            }
            let mine: Vec<&WorkloadRow> = rows.iter().filter(|w| w.profile == row.name).collect();
            let waiting = in_queue_order(mine.iter().copied());
            profiles.push(ProfileQueueView {
                profile: row.name.clone(),
                quota: api::Quota::from(&row.quota),
                usage: usage_of(&mine),
                waiting: waiting
                    .iter()
                    .enumerate()
                    .map(|(i, w)| WaitingWorkload {
                        name: w.name.clone(),
                        position: i + 1,
                        priority_class: w.priority_class.clone(),
                        reason: w.reason.clone(),
                        queued_at_ms: w.created_at_ms,
                    })
                    .collect(),
            });
        }
        Ok(QueueView { profiles })
    }

    /// Each queued workload of a profile with its place in the queue, 1 first.
    pub async fn queue_positions(&self, profile: &str) -> Result<Vec<(i64, u32)>, StoreError> {
        let rows = self.store.workloads().of_profile(profile).await?;
        Ok(in_queue_order(rows.iter())
            .iter()
            .zip(1..)
            .map(|(w, position)| (w.id, position))
            .collect())
    }

    /// What a profile's workloads hold now, in the quota's units (no role check: callers
    /// have read the profile already).
    pub async fn usage(&self, profile: &str) -> Result<Usage, StoreError> {
        let rows = self.store.workloads().active().await?;
        let mine: Vec<&WorkloadRow> = rows.iter().filter(|w| w.profile == profile).collect();
        Ok(usage_of(&mine))
    }

    /// Samples the GPU allocation for the chart.
    pub(super) async fn record_allocation(&self) -> Result<(), StoreError> {
        let rows = self.store.workloads().active().await?;
        let used: u64 = rows
            .iter()
            .flat_map(|w| w.placements.iter())
            .flat_map(|p| p.gpus.iter())
            .map(|g| u64::from(g.milli))
            .sum();
        let total: u64 = self
            .nodes()
            .iter()
            .map(|n| n.gpus.len() as u64 * u64::from(crate::scheduler::WHOLE_GPU_MILLI))
            .sum();
        if let Ok(mut history) = self.history.lock() {
            if history.len() == HISTORY {
                history.pop_front();
            }
            history.push_back(AllocationSample {
                at_ms: now_ms(),
                used_gpu_milli: used,
                total_gpu_milli: total,
            });
        }
        Ok(())
    }

    async fn visible(
        &self,
        principal: &Principal,
    ) -> Result<HashMap<String, crate::profiles::Role>, WorkloadError> {
        Ok(visible_profiles(&self.store, principal)
            .await?
            .into_iter()
            .collect())
    }
}

/// What a profile's workloads hold now: the quota's units.
fn usage_of(rows: &[&WorkloadRow]) -> Usage {
    let mut usage = Usage::default();
    for row in rows.iter().filter(|w| !w.placements.is_empty()) {
        let requests = replicas_of(&row.spec);
        usage.workloads += 1;
        for p in &row.placements {
            if let Some(r) = request_at(&requests, p) {
                usage.gpu_milli += r.gpu.total_milli() as i64;
                usage.cpu_milli += r.cpu_milli as i64;
                usage.memory_mib += r.memory_mib as i64;
            }
        }
    }
    usage
}

/// What the replica at a placement asks for.
fn request_at<'a>(
    requests: &'a [(&str, u32, crate::scheduler::Request)],
    placement: &api::ReplicaPlacement,
) -> Option<&'a crate::scheduler::Request> {
    requests
        .iter()
        .find(|(group, replica, _)| *group == placement.group && *replica == placement.replica)
        .map(|(_, _, r)| r)
}

/// The queued ones, in the order the scheduler considers them within their profile.
fn in_queue_order<'a>(rows: impl Iterator<Item = &'a WorkloadRow>) -> Vec<&'a WorkloadRow> {
    let mut waiting: Vec<&WorkloadRow> = rows.filter(|w| w.phase == Phase::Queued).collect();
    waiting.sort_by_key(|w| (-w.priority, w.created_at_ms, w.id));
    waiting
}
