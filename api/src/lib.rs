//! Types that cross the wire: request and response bodies of the REST API, server-function
//! results and the events streamed to browsers. Serde only, so that it compiles to wasm.

mod cluster;
mod error;
mod events;
mod identity;
mod notebooks;
mod pipelines;
mod profiles;
mod query;
mod serving;
mod tokens;
mod training;
mod tuning;
mod version;
mod workloads;

pub use cluster::{
    AllocationSample, ClusterGpu, ClusterNode, ClusterView, GpuHolder, ProfileQueueView, QueueView,
    WaitingWorkload,
};
pub use error::ApiError;
pub use events::{Event, EventKind};
pub use identity::{SignInOptions, WhoAmI};
pub use notebooks::{
    ConfigurationChoice, DataVolume, EnvironmentChoice, NotebookDetail, NotebookImport,
    NotebookOptions, NotebookSpec, NotebookState, NotebookView,
};
pub use pipelines::{
    ExperimentView, GraphNode, GraphView, NewExperiment, NewRun, ParameterView, PipelineUpload,
    PipelineView, RecurringRunSpec, RecurringRunView, RunDetail, RunListQuery, RunOptions, RunPage,
    RunState, RunView, TaskState, TaskView, Trigger, VersionDetail, VersionView,
};
pub use profiles::{
    AuditEntry, Contributor, NewProfile, ProfileChoices, ProfileDetail, ProfilePatch,
    ProfileSummary, Quota, Usage,
};
pub use query::encode_query_value;
pub use serving::{
    CreatedModelToken, ModelDetail, ModelEvent, ModelForm, ModelSample, ModelState, ModelSummary,
    ModelTokenView, NewModelToken, REPLICA_GROUP, ReplicaView, RevisionRole, RevisionView,
};
pub use tokens::{ApiToken, CreatedToken, NewToken};
pub use training::{JobCondition, JobDetail, JobForm, JobMetric, JobReplica, JobState, JobSummary};
pub use tuning::{
    ExperimentKind, MetricPoint, TrialMetrics, TrialState, TrialView, TuningDetail, TuningForm,
    TuningState, TuningSummary,
};
pub use version::VersionInfo;
pub use workloads::{
    GpuShare, Phase, PortSpec, ReplicaGroup, ReplicaPlacement, Resources, VolumeSource, VolumeSpec,
    WorkloadDetail, WorkloadEvent, WorkloadKind, WorkloadSpec, WorkloadStatus, peer_host_env,
    peer_port_env, port_env_name,
};
