//! What the scheduler may place on. Standalone: this machine, with its GPUs found by
//! `nvidia-smi` or declared in configuration as simulated (so that machines without GPUs still
//! exercise scheduling). Cluster: Node objects, from the Kubernetes runtime.

mod host;
mod kube_nodes;
mod nvidia_smi;
mod simulated;

pub use host::local_node;
pub use kube_nodes::node_from_kube;
pub use nvidia_smi::{NVIDIA_SMI_QUERY, discover, parse_nvidia_smi};
pub use simulated::parse_simulated;

use crate::scheduler::Node;

/// One GPU as found or declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuInfo {
    pub index: u32,
    pub model: String,
    pub memory_mib: u64,
}

/// A node as the inventory knows it: capacity, GPUs, and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    pub name: String,
    pub cpu_milli: u64,
    pub memory_mib: u64,
    pub gpus: Vec<GpuInfo>,
    /// Declared in configuration, not found on the machine: shown as "simulated".
    pub simulated: bool,
}

impl NodeInfo {
    /// The scheduler's view: full capacity, every GPU idle. A node's model is its first GPU's
    /// (the scheduler matches one model per node, as Kubernetes' GPU product label does).
    pub fn to_node(&self) -> Node {
        let mut node = Node::new(
            &self.name,
            self.cpu_milli,
            self.memory_mib,
            0,
            self.gpus.first().map(|g| g.model.as_str()),
        );
        node.gpus = self
            .gpus
            .iter()
            .map(|g| crate::scheduler::Gpu {
                index: g.index,
                free_milli: crate::scheduler::WHOLE_GPU_MILLI,
            })
            .collect();
        node
    }
}

/// This machine as the standalone inventory: its GPUs from `gpus` (`discover`, `none`, or a
/// simulated declaration such as `2xH100:81920`).
pub fn standalone(name: &str, gpus: &str) -> Result<NodeInfo, String> {
    Ok(match gpus {
        "none" => local_node(name, Vec::new(), false),
        "discover" => local_node(name, discover()?.unwrap_or_default(), false),
        declared => local_node(name, parse_simulated(declared)?, true),
    })
}
