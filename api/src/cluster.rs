//! The "GPUs & queue" view: nodes and who holds each GPU share, each profile's queue, usage
//! against quota, and allocation over time. Holders in profiles the caller cannot see are
//! shown without their workload's name.

use serde::{Deserialize, Serialize};

use crate::{Quota, Usage};

/// `GET /api/v1/cluster/nodes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterView {
    pub nodes: Vec<ClusterNode>,
    /// GPU allocation sampled after scheduling cycles, oldest first.
    pub allocation: Vec<AllocationSample>,
    /// The placement policy in use (`fgd`, `best-fit`).
    pub policy: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterNode {
    pub name: String,
    pub cpu_milli: u64,
    pub memory_mib: u64,
    pub used_cpu_milli: u64,
    pub used_memory_mib: u64,
    /// Declared in configuration rather than found on the machine.
    pub simulated: bool,
    pub gpus: Vec<ClusterGpu>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterGpu {
    pub index: u32,
    pub model: String,
    pub memory_mib: u64,
    pub used_milli: u32,
    pub holders: Vec<GpuHolder>,
}

/// Who holds a share of a GPU. `workload` is `None` when the caller may not see the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuHolder {
    pub profile: String,
    pub workload: Option<String>,
    pub milli: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AllocationSample {
    pub at_ms: i64,
    pub used_gpu_milli: u64,
    pub total_gpu_milli: u64,
}

/// `GET /api/v1/queue`: the queues of the profiles the caller can see.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueView {
    pub profiles: Vec<ProfileQueueView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileQueueView {
    pub profile: String,
    pub quota: Quota,
    pub usage: Usage,
    /// Waiting workloads in the order the scheduler considers them (priority, then arrival).
    pub waiting: Vec<WaitingWorkload>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingWorkload {
    pub name: String,
    /// 1 for the first in the profile's queue.
    pub position: usize,
    pub priority_class: String,
    pub reason: Option<String>,
    pub queued_at_ms: i64,
}
