//! Trace-driven simulation of placement (`capstan sim`): the Alibaba GPU cluster trace
//! (../shared/data/alibaba-gpu-v2023) replayed with the protocol of the FGD paper's artifact.

mod replay;
mod trace;

pub use replay::{Outcome, ReplayConfig, replay};
pub use trace::{TraceError, read_nodes, read_pods};
