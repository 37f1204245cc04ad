//! This machine as a node: its CPUs and memory.

use super::{GpuInfo, NodeInfo};

/// The machine Capstan runs on, with the given GPUs.
pub fn local_node(name: &str, gpus: Vec<GpuInfo>, simulated: bool) -> NodeInfo {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    NodeInfo {
        name: name.to_owned(),
        cpu_milli: cpus * 1000,
        memory_mib: total_memory_mib().unwrap_or(1024),
        gpus,
        simulated,
    }
}

/// `MemTotal` from /proc/meminfo, in MiB.
fn total_memory_mib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
