//! A profile's usage beside its quota, resource by resource, in the units people read
//! (GPUs and CPUs whole, memory in GiB): what the Profiles and the GPUs & queue pages show.

use api::{Quota, Usage};

/// (label, used, limit, divisor from stored units to shown units); `None` limit: no limit.
pub type QuotaRow = (&'static str, i64, Option<i64>, f64);

pub fn quota_rows(quota: &Quota, usage: &Usage) -> [QuotaRow; 4] {
    [
        ("GPUs", usage.gpu_milli, quota.gpu_milli, 1000.0),
        ("CPUs", usage.cpu_milli, quota.cpu_milli, 1000.0),
        ("Memory (GiB)", usage.memory_mib, quota.memory_mib, 1024.0),
        ("Workloads", usage.workloads, quota.workloads, 1.0),
    ]
}
