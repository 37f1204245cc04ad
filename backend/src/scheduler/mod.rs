//! Placement of workloads on nodes and GPUs: pure and synchronous, decisions as values. This
//! first part holds the inventory (nodes, GPUs, what is free on each), what a replica asks for,
//! and the placement policies (`best-fit`, and `fgd`, fragmentation-aware in the spirit of
//! "Beware of Fragmentation", USENIX ATC 2023). Queues, quotas, gangs and preemption build on
//! these in the workload-engine issue.

mod fragmentation;
mod inventory;
mod policy;
mod request;

pub use fragmentation::{TaskClass, TaskMix};
pub use inventory::{Gpu, Node, Placement};
pub use policy::Policy;
pub use request::{GpuAsk, Request};

/// A whole GPU, in thousandths.
pub const WHOLE_GPU_MILLI: u32 = 1000;
