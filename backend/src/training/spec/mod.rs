//! A checked training job: the kind (TFJob or PyTorchJob), its replica types in a fixed order
//! (the chief or master first, so that it has rank 0), and the run policy. Refusals name the
//! place in the manifest.

mod kubeflow;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use api::Resources;
use serde::{Deserialize, Serialize};

pub use crate::manifest::SpecError;
use crate::manifest::{Header, container, count};

const API_VERSION: &str = "kubeflow.org/v1";
/// Workloads are `<job>-<attempt>` and pods `<workload>-<type>-<index>`.
const MAX_NAME: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobKind {
    #[serde(rename = "TFJob")]
    TfJob,
    #[serde(rename = "PyTorchJob")]
    PyTorchJob,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::TfJob => "TFJob",
            JobKind::PyTorchJob => "PyTorchJob",
        }
    }

    pub fn named(kind: &str) -> Option<JobKind> {
        match kind {
            "TFJob" => Some(JobKind::TfJob),
            "PyTorchJob" => Some(JobKind::PyTorchJob),
            _ => None,
        }
    }

    /// The replica types the kind knows, in the order their replicas are numbered.
    pub fn replica_types(self) -> &'static [ReplicaType] {
        match self {
            JobKind::TfJob => &[
                ReplicaType::Chief,
                ReplicaType::Master,
                ReplicaType::Ps,
                ReplicaType::Worker,
                ReplicaType::Evaluator,
            ],
            JobKind::PyTorchJob => &[ReplicaType::Master, ReplicaType::Worker],
        }
    }

    /// The field of the job's spec that holds the replica types.
    fn field(self) -> &'static str {
        match self {
            JobKind::TfJob => "tfReplicaSpecs",
            JobKind::PyTorchJob => "pytorchReplicaSpecs",
        }
    }

    /// The operator's default container name and port (name, number).
    fn defaults(self) -> (&'static str, &'static str, u16) {
        match self {
            JobKind::TfJob => ("tensorflow", "tfjob-port", 2222),
            JobKind::PyTorchJob => ("pytorch", "pytorchjob-port", 23456),
        }
    }

    /// The port the replicas listen on for each other.
    pub fn port_name(self) -> &'static str {
        self.defaults().1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ReplicaType {
    Chief,
    Master,
    #[serde(rename = "PS")]
    Ps,
    Worker,
    Evaluator,
}

impl ReplicaType {
    /// As the manifests write it.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplicaType::Chief => "Chief",
            ReplicaType::Master => "Master",
            ReplicaType::Ps => "PS",
            ReplicaType::Worker => "Worker",
            ReplicaType::Evaluator => "Evaluator",
        }
    }

    /// Lower case: the replica group's name, and the task type in TF_CONFIG.
    pub fn group(self) -> &'static str {
        match self {
            ReplicaType::Chief => "chief",
            ReplicaType::Master => "master",
            ReplicaType::Ps => "ps",
            ReplicaType::Worker => "worker",
            ReplicaType::Evaluator => "evaluator",
        }
    }

    /// The chief or master: rank 0, and the one whose success is the job's.
    pub fn is_leader(self) -> bool {
        matches!(self, ReplicaType::Chief | ReplicaType::Master)
    }
}

/// What happens when a replica of the type fails (the training operator's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RestartPolicy {
    Never,
    OnFailure,
    /// Restart when the exit code says the failure may pass (128 and above: killed by a
    /// signal); fail on 1-127.
    ExitCode,
    Always,
}

impl RestartPolicy {
    const NAMES: [&str; 4] = ["Never", "OnFailure", "ExitCode", "Always"];

    fn named(name: &str) -> Option<RestartPolicy> {
        Some(match name {
            "Never" => RestartPolicy::Never,
            "OnFailure" => RestartPolicy::OnFailure,
            "ExitCode" => RestartPolicy::ExitCode,
            "Always" => RestartPolicy::Always,
            _ => return None,
        })
    }
}

/// Which replicas are cleaned up when the job ends: in standalone mode every process ends
/// with the job anyway, so `All` also deletes the replicas' logs and the others keep them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CleanPodPolicy {
    None,
    Running,
    All,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaSpec {
    pub replica_type: ReplicaType,
    pub replicas: u32,
    /// Command then args (standalone mode runs them).
    pub argv: Vec<String>,
    pub env: BTreeMap<String, String>,
    /// Cluster mode runs it.
    pub image: Option<String>,
    pub resources: Resources,
    pub restart_policy: RestartPolicy,
    /// The port the replica listens on for the others (`tfjob-port`, `pytorchjob-port`).
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunPolicy {
    pub clean_pod_policy: CleanPodPolicy,
    /// Restarts before the job fails; Kubernetes Jobs' default (6) when the manifest says none.
    pub backoff_limit: u32,
    pub active_deadline_seconds: Option<u32>,
    pub ttl_seconds_after_finished: Option<u32>,
    pub suspend: bool,
}

pub const DEFAULT_BACKOFF_LIMIT: u32 = 6;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSpec {
    pub name: String,
    pub kind: JobKind,
    /// In [`JobKind::replica_types`] order; none with 0 replicas.
    pub replicas: Vec<ReplicaSpec>,
    pub run_policy: RunPolicy,
    /// PyTorchJob's `nprocPerNode`, passed to torchrun as `PET_NPROC_PER_NODE`.
    pub nproc_per_node: Option<String>,
}

impl TrainingSpec {
    pub fn total_replicas(&self) -> u32 {
        self.replicas.iter().map(|r| r.replicas).sum()
    }

    pub fn replica(&self, group: &str) -> Option<&ReplicaSpec> {
        self.replicas
            .iter()
            .find(|r| r.replica_type.group() == group)
    }
}

/// What the checks depend on beyond the manifest.
#[derive(Debug, Clone, Copy)]
pub struct SpecRules {
    /// Cluster mode runs images; standalone runs commands.
    pub cluster: bool,
    /// The most GPUs any node has: a replica asking more could never start.
    pub max_node_gpus: u32,
}

/// Reads and checks a manifest (YAML or JSON).
pub fn parse(text: &str, rules: &SpecRules) -> Result<TrainingSpec, SpecError> {
    check(crate::manifest::read(text)?, rules)
}

fn check(job: kubeflow::TrainingJob, rules: &SpecRules) -> Result<TrainingSpec, SpecError> {
    let kind = JobKind::named(&job.kind).ok_or_else(|| {
        SpecError::at(
            "kind",
            format!("`{}` is not a TFJob or a PyTorchJob", job.kind),
        )
    })?;
    Header {
        api_version: API_VERSION,
        kind: kind.as_str(),
        owner: "the Kubeflow Training Operator",
        max_name: MAX_NAME,
        named_after: "replicas",
    }
    .check(&job.api_version, &job.kind, &job.metadata.name)?;
    let spec = &job.spec;
    let (mine, other) = match kind {
        JobKind::TfJob => (&spec.tf_replica_specs, &spec.pytorch_replica_specs),
        JobKind::PyTorchJob => (&spec.pytorch_replica_specs, &spec.tf_replica_specs),
    };
    let field = kind.field();
    if other.is_some() {
        let theirs = if kind == JobKind::TfJob {
            JobKind::PyTorchJob
        } else {
            JobKind::TfJob
        };
        return Err(SpecError::at(
            format!("spec.{}", theirs.field()),
            format!("a {}'s replicas are in spec.{field}", kind.as_str()),
        ));
    }
    if kind == JobKind::TfJob && (spec.nproc_per_node.is_some() || spec.elastic_policy.is_some()) {
        return Err(SpecError::at(
            "spec",
            "nprocPerNode and elasticPolicy are PyTorchJob's",
        ));
    }
    if spec.elastic_policy.is_some() {
        return Err(SpecError::at(
            "spec.elasticPolicy",
            "elastic training is not supported: give a fixed number of replicas",
        ));
    }
    let Some(specs) = mine.as_ref().filter(|s| !s.is_empty()) else {
        return Err(SpecError::at(
            format!("spec.{field}"),
            "no replicas: give at least one replica type",
        ));
    };
    let mut replicas = Vec::new();
    for (written, replica) in specs {
        let at = format!("spec.{field}.{written}");
        let replica_type = kind
            .replica_types()
            .iter()
            .copied()
            .find(|t| t.as_str().eq_ignore_ascii_case(written))
            .ok_or_else(|| {
                let known: Vec<&str> = kind.replica_types().iter().map(|t| t.as_str()).collect();
                SpecError::at(
                    &at,
                    format!(
                        "a {} has no replica type `{written}`; it knows {}",
                        kind.as_str(),
                        known.join(", ")
                    ),
                )
            })?;
        if replicas
            .iter()
            .any(|r: &ReplicaSpec| r.replica_type == replica_type)
        {
            return Err(SpecError::at(&at, "the replica type is given twice"));
        }
        replicas.push(read_replica(kind, replica_type, replica, &at, rules)?);
    }
    replicas.sort_by_key(|r| r.replica_type);
    replicas.retain(|r| r.replicas > 0);
    if replicas.is_empty() {
        return Err(SpecError::at(
            format!("spec.{field}"),
            "no replicas: every replica type has 0",
        ));
    }
    let leaders: Vec<_> = replicas
        .iter()
        .filter(|r| r.replica_type.is_leader())
        .collect();
    if leaders.len() > 1 {
        return Err(SpecError::at(
            format!("spec.{field}"),
            "Chief and Master are the same role: give one",
        ));
    }
    if kind == JobKind::PyTorchJob && leaders.is_empty() {
        return Err(SpecError::at(
            format!("spec.{field}.Master"),
            "missing: the workers find each other through the master (MASTER_ADDR)",
        ));
    }
    Ok(TrainingSpec {
        name: job.metadata.name.clone(),
        kind,
        replicas,
        run_policy: run_policy(spec.run_policy.clone().unwrap_or_default())?,
        nproc_per_node: spec.nproc_per_node.as_ref().map(|n| match n {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
    })
}

fn read_replica(
    kind: JobKind,
    replica_type: ReplicaType,
    replica: &kubeflow::ReplicaSpec,
    at: &str,
    rules: &SpecRules,
) -> Result<ReplicaSpec, SpecError> {
    let count = count(replica.replicas, &format!("{at}.replicas"), 0)?.unwrap_or(1);
    if replica_type.is_leader() && count > 1 {
        return Err(SpecError::at(
            format!("{at}.replicas"),
            format!("there is one {}: must be 0 or 1", replica_type.as_str()),
        ));
    }
    let restart_policy = match replica.restart_policy.as_deref() {
        None => RestartPolicy::Never,
        Some(name) => RestartPolicy::named(name).ok_or_else(|| {
            SpecError::at(
                format!("{at}.restartPolicy"),
                format!("`{name}` is not one of {}", RestartPolicy::NAMES.join(", ")),
            )
        })?,
    };
    let (default_container, port_name, default_port) = kind.defaults();
    let containers = &replica.template.spec.containers;
    let index = containers
        .iter()
        .position(|c| c.get("name").and_then(|n| n.as_str()) == Some(default_container))
        .or((containers.len() == 1).then_some(0))
        .ok_or_else(|| {
            SpecError::at(
                format!("{at}.template.spec.containers"),
                format!("no container named `{default_container}`, which is the one that trains"),
            )
        })?;
    let path = format!("{at}.template.spec.containers[{index}]");
    let c = container::read(&containers[index], &path)?;
    if !rules.cluster && c.argv.is_empty() {
        return Err(SpecError::at(
            format!("{path}.command"),
            "missing: standalone mode runs the container's command",
        ));
    }
    if rules.cluster && c.image.as_deref().is_none_or(str::is_empty) {
        return Err(SpecError::at(
            format!("{path}.image"),
            "missing: cluster mode runs the container's image",
        ));
    }
    if c.resources.gpus > rules.max_node_gpus {
        return Err(SpecError::at(
            format!("{path}.resources.limits[\"nvidia.com/gpu\"]"),
            format!(
                "{} GPUs per replica, and no node has more than {}",
                c.resources.gpus, rules.max_node_gpus
            ),
        ));
    }
    let port = containers[index]
        .get("ports")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(port_name))
        .and_then(|p| p.get("containerPort").and_then(|n| n.as_u64()))
        .and_then(|n| u16::try_from(n).ok())
        .unwrap_or(default_port);
    Ok(ReplicaSpec {
        replica_type,
        replicas: count,
        argv: c.argv,
        env: c.env,
        image: c.image,
        resources: c.resources,
        restart_policy,
        port,
    })
}

fn run_policy(policy: kubeflow::RunPolicy) -> Result<RunPolicy, SpecError> {
    let at = |field: &str| format!("spec.runPolicy.{field}");
    let clean_pod_policy = match policy.clean_pod_policy.as_deref() {
        None | Some("Running") => CleanPodPolicy::Running,
        Some("None") => CleanPodPolicy::None,
        Some("All") => CleanPodPolicy::All,
        Some(other) => {
            return Err(SpecError::at(
                at("cleanPodPolicy"),
                format!("`{other}` is not one of None, Running, All"),
            ));
        }
    };
    Ok(RunPolicy {
        clean_pod_policy,
        backoff_limit: count(policy.backoff_limit, &at("backoffLimit"), 0)?
            .unwrap_or(DEFAULT_BACKOFF_LIMIT),
        active_deadline_seconds: count(
            policy.active_deadline_seconds,
            &at("activeDeadlineSeconds"),
            1,
        )?,
        ttl_seconds_after_finished: count(
            policy.ttl_seconds_after_finished,
            &at("ttlSecondsAfterFinished"),
            0,
        )?,
        suspend: policy.suspend.unwrap_or(false),
    })
}
