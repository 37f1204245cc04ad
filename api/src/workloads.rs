//! Workloads as they cross the wire: what a user submits (`WorkloadSpec`), what the scheduler
//! and the runtimes report back (`WorkloadStatus`, `WorkloadEvent`). Every notebook, pipeline
//! step, trial, model server and training replica set becomes one of these.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What the workload is for; the engines that create workloads set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
    Notebook,
    Step,
    Trial,
    Server,
    Training,
}

impl WorkloadKind {
    pub const ALL: [WorkloadKind; 5] = [
        WorkloadKind::Notebook,
        WorkloadKind::Step,
        WorkloadKind::Trial,
        WorkloadKind::Server,
        WorkloadKind::Training,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Notebook => "notebook",
            WorkloadKind::Step => "step",
            WorkloadKind::Trial => "trial",
            WorkloadKind::Server => "server",
            WorkloadKind::Training => "training",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// `POST /api/v1/profiles/{p}/workloads`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    /// A DNS-1123 label, unique among the profile's workloads.
    pub name: String,
    pub kind: WorkloadKind,
    /// One of the configured priority classes; the configured default when absent.
    #[serde(default)]
    pub priority_class: Option<String>,
    pub groups: Vec<ReplicaGroup>,
    /// All replicas of all groups are placed together or none is.
    #[serde(default)]
    pub gang: bool,
    /// Whether a workload that fails (or is lost when Capstan restarts) goes back to the queue.
    #[serde(default)]
    pub requeue_on_failure: bool,
    /// The group that decides success: once every replica of it exited 0, the workload has
    /// succeeded and the others are stopped (a TFJob's chief; its parameter servers never end
    /// on their own). `None`: every replica must exit 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<String>,
}

impl WorkloadSpec {
    /// A replica's place among all the workload's replicas, groups in order: the rank that
    /// distributed training gives it (`master-0` is 0, then `worker-0` is 1…).
    pub fn rank_of(&self, group: &str, replica: u32) -> u32 {
        self.groups
            .iter()
            .take_while(|g| g.name != group)
            .map(|g| g.replicas)
            .sum::<u32>()
            + replica
    }
}

/// How the replicas of a gang find each other, in both runtimes: every replica's environment
/// holds `CAPSTAN_PEER_<GROUP>_<INDEX>_HOST` (127.0.0.1 standalone, the pod's DNS name in a
/// cluster) and `CAPSTAN_PEER_<GROUP>_<INDEX>_PORT_<NAME>` for every replica of the workload.
pub fn peer_host_env(group: &str, replica: u32) -> String {
    format!("CAPSTAN_PEER_{}_{replica}_HOST", env_word(group))
}

/// See [`peer_host_env`].
pub fn peer_port_env(group: &str, replica: u32, port: &str) -> String {
    format!(
        "CAPSTAN_PEER_{}_{replica}_PORT_{}",
        env_word(group),
        env_word(port)
    )
}

/// Upper case, with anything but letters and digits as `_`.
fn env_word(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Replicas that share one command (standalone) or image (cluster) and one set of resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaGroup {
    /// A DNS-1123 label, unique within the workload (`worker`, `ps`, `main`).
    pub name: String,
    #[serde(default = "one")]
    pub replicas: u32,
    /// argv of the process to start in standalone mode.
    #[serde(default)]
    pub command: Vec<String>,
    /// Container image in cluster mode.
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub ports: Vec<PortSpec>,
    #[serde(default)]
    pub volumes: Vec<VolumeSpec>,
    /// Standalone only: the absolute path of the directory the process starts in, created if
    /// missing (a notebook's workspace). Default: the replica's own fresh directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    pub resources: Resources,
}

fn one() -> u32 {
    1
}

/// A port the replica listens on. Standalone: a free port is allocated and passed in the
/// environment as `CAPSTAN_PORT_<NAME>`; cluster: the container port behind the Service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortSpec {
    pub name: String,
    pub container_port: u16,
}

/// The environment variable that carries a named port: `CAPSTAN_PORT_<NAME>`, the name
/// upper-cased with anything but letters and digits as `_`. Both runtimes set it, so a command
/// may say `--port=$(CAPSTAN_PORT_HTTP)` in either mode.
pub fn port_env_name(name: &str) -> String {
    format!("CAPSTAN_PORT_{}", env_word(name))
}

/// A volume mounted into every replica of the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeSpec {
    pub name: String,
    pub mount_path: String,
    /// Size of the claim in cluster mode; standalone volumes are directories. Only for a
    /// fresh volume: a claim that exists has its size.
    #[serde(default)]
    pub size_mib: Option<u64>,
    /// What the volume holds when the replica starts; a fresh, empty one by default.
    #[serde(default, skip_serializing_if = "VolumeSource::is_fresh")]
    pub source: VolumeSource,
}

/// Where a volume's contents come from. Only a fresh volume exists in standalone mode; the
/// others are how a served model reaches its pods in cluster mode, as KServe does it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", deny_unknown_fields)]
pub enum VolumeSource {
    /// Empty at start: a directory (standalone), an `emptyDir` or a new claim (cluster).
    #[default]
    Fresh,
    /// An existing PersistentVolumeClaim of the profile, its `sub_path` mounted.
    Claim {
        claim: String,
        #[serde(default)]
        sub_path: String,
        #[serde(default)]
        read_only: bool,
    },
    /// A copy of `uri` (`s3://bucket/key`), made by an init container before the replica starts.
    Download { uri: String },
}

impl VolumeSource {
    pub fn is_fresh(&self) -> bool {
        matches!(self, VolumeSource::Fresh)
    }
}

/// What each replica of a group needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    #[serde(default)]
    pub cpu_milli: u64,
    #[serde(default)]
    pub memory_mib: u64,
    /// Whole GPUs.
    #[serde(default)]
    pub gpus: u32,
    /// A share of one GPU in thousandths (1-999), instead of whole GPUs.
    #[serde(default)]
    pub gpu_milli: u32,
    /// GPU models this replica accepts; empty: any.
    #[serde(default)]
    pub gpu_models: Vec<String>,
}

/// Where a workload is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Queued,
    Admitted,
    Starting,
    Running,
    Succeeded,
    Failed,
    Preempted,
    Stopped,
}

impl Phase {
    pub const ALL: [Phase; 8] = [
        Phase::Queued,
        Phase::Admitted,
        Phase::Starting,
        Phase::Running,
        Phase::Succeeded,
        Phase::Failed,
        Phase::Preempted,
        Phase::Stopped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Queued => "queued",
            Phase::Admitted => "admitted",
            Phase::Starting => "starting",
            Phase::Running => "running",
            Phase::Succeeded => "succeeded",
            Phase::Failed => "failed",
            Phase::Preempted => "preempted",
            Phase::Stopped => "stopped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Holds resources on a node: admitted and not yet finished.
    pub fn holds_resources(self) -> bool {
        matches!(self, Phase::Admitted | Phase::Starting | Phase::Running)
    }

    /// Nothing more will happen to it (unless it is requeued).
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            Phase::Succeeded | Phase::Failed | Phase::Preempted | Phase::Stopped
        )
    }
}

/// One replica's place: the node, and the thousandths taken on each of its GPUs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaPlacement {
    pub group: String,
    pub replica: u32,
    pub node: String,
    pub gpus: Vec<GpuShare>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuShare {
    /// The GPU's index on its node (what `CUDA_VISIBLE_DEVICES` names).
    pub index: u32,
    pub milli: u32,
}

/// `GET /api/v1/profiles/{p}/workloads` and `…/workloads/{w}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadStatus {
    pub id: i64,
    pub profile: String,
    pub name: String,
    pub kind: WorkloadKind,
    pub priority_class: String,
    pub priority: i32,
    pub phase: Phase,
    /// Why it is in this phase (waiting, failed, preempted…), in words.
    pub reason: Option<String>,
    pub created_at_ms: i64,
    pub admitted_at_ms: Option<i64>,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
    pub placements: Vec<ReplicaPlacement>,
    pub spec: WorkloadSpec,
}

/// Something that happened to a workload, newest last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadEvent {
    pub at_ms: i64,
    pub phase: Phase,
    pub reason: String,
}

/// `GET /api/v1/profiles/{p}/workloads/{w}`: the status with its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadDetail {
    pub status: WorkloadStatus,
    pub events: Vec<WorkloadEvent>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_names_become_upper_case_variables() {
        assert_eq!(port_env_name("http"), "CAPSTAN_PORT_HTTP");
        assert_eq!(port_env_name("grpc-admin"), "CAPSTAN_PORT_GRPC_ADMIN");
        assert_eq!(port_env_name("a.b"), "CAPSTAN_PORT_A_B");
    }

    #[test]
    fn peers_are_named_by_group_index_and_port() {
        assert_eq!(peer_host_env("master", 0), "CAPSTAN_PEER_MASTER_0_HOST");
        assert_eq!(
            peer_port_env("worker", 2, "pytorchjob-port"),
            "CAPSTAN_PEER_WORKER_2_PORT_PYTORCHJOB_PORT"
        );
    }

    #[test]
    fn ranks_count_through_the_groups_in_order() {
        let group = |name: &str, replicas| ReplicaGroup {
            name: name.into(),
            replicas,
            command: vec!["x".into()],
            image: None,
            args: vec![],
            env: Default::default(),
            ports: vec![],
            volumes: vec![],
            working_dir: None,
            resources: Resources::default(),
        };
        let spec = WorkloadSpec {
            name: "job".into(),
            kind: WorkloadKind::Training,
            priority_class: None,
            groups: vec![group("master", 1), group("worker", 2)],
            gang: true,
            requeue_on_failure: false,
            leader: None,
        };
        assert_eq!(spec.rank_of("master", 0), 0);
        assert_eq!(spec.rank_of("worker", 0), 1);
        assert_eq!(spec.rank_of("worker", 1), 2);
    }

    #[test]
    fn a_volume_stored_before_sources_existed_reads_as_fresh() {
        let old = r#"{"name":"home","mount_path":"/home","size_mib":10}"#;
        let volume: VolumeSpec = serde_json::from_str(old).expect("old form");
        assert_eq!(volume.source, VolumeSource::Fresh);
        assert_eq!(serde_json::to_string(&volume).expect("json"), old);
        let claim = r#"{"name":"model","mount_path":"/mnt/models","size_mib":null,"source":{"type":"claim","claim":"models","sub_path":"iris","read_only":true}}"#;
        let volume: VolumeSpec = serde_json::from_str(claim).expect("claim");
        assert_eq!(serde_json::to_string(&volume).expect("json"), claim);
    }
}
