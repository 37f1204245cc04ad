//! Why a profile or a workload cannot become Kubernetes objects, naming the part at fault.

/// What is wrong with the input, and where; the builders never half-build.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("workload `{workload}` has no replica groups")]
    NoGroups { workload: String },
    #[error("group `{group}` of workload `{workload}` has no image; cluster mode runs images")]
    MissingImage { workload: String, group: String },
    #[error(
        "group `{group}` of workload `{workload}` asks for {gpus} whole GPUs and a share of \
         {milli} thousandths; ask for one or the other"
    )]
    GpusAndShare {
        workload: String,
        group: String,
        gpus: u32,
        milli: u32,
    },
    #[error(
        "group `{group}` of workload `{workload}` asks for a share of {milli} thousandths of a \
         GPU; a share is 1 to 999, ask for whole GPUs beyond that"
    )]
    ShareOutOfRange {
        workload: String,
        group: String,
        milli: u32,
    },
    #[error(
        "group `{group}` of workload `{workload}` asks for a GPU share, but no shared-GPU \
         resource is configured for the cluster"
    )]
    SharedGpuNotConfigured { workload: String, group: String },
    #[error(
        "workload `{workload}` is admitted but replica {replica} of group `{group}` has no \
         placement"
    )]
    MissingPlacement {
        workload: String,
        group: String,
        replica: u32,
    },
    #[error("workload `{workload}` has a placement for group `{group}`, which it does not have")]
    UnknownPlacementGroup { workload: String, group: String },
    #[error("notebook `{notebook}`: {limit_field} ({limit}) is below {request_field} ({request})")]
    LimitBelowRequest {
        notebook: String,
        request_field: &'static str,
        request: u64,
        limit_field: &'static str,
        limit: u64,
    },
    #[error("notebook `{notebook}`: volume `{volume}` {problem}")]
    NotebookVolume {
        notebook: String,
        volume: String,
        problem: String,
    },
    #[error("quota `{field}` of profile `{profile}` is negative ({value})")]
    NegativeQuota {
        profile: String,
        field: &'static str,
        value: i64,
    },
}
