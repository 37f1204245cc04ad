//! Placement and admission of workloads: pure and synchronous, decisions as values. The
//! inventory (nodes, GPUs, what is free on each), what a replica asks for, the placement
//! policies (`best-fit`, and `fgd`, fragmentation-aware in the spirit of "Beware of
//! Fragmentation", USENIX ATC 2023), and the cycle that admits workloads from the profiles'
//! queues with quotas, borrowing, fair shares, gangs and preemption.

mod amount;
mod cycle;
mod fragmentation;
mod index;
mod inventory;
mod placing;
mod policy;
mod preemption;
mod queue;
mod request;

pub use amount::{Amount, Limits};
pub use cycle::Scheduler;
pub use fragmentation::{TaskClass, TaskMix};
pub use index::IndexedCluster;
pub use inventory::{Gpu, Node, Placement};
pub use placing::WorkingInventory;
pub use policy::Policy;
pub use queue::{Decision, Entry, ProfileQueue, Spot};
pub use request::{GpuAsk, Request};

/// A whole GPU, in thousandths.
pub const WHOLE_GPU_MILLI: u32 = 1000;
