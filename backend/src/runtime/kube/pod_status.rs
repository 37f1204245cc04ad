//! A workload's phase from its pods, as the Kubernetes runtime's watcher sees them, in the
//! words the local runtime uses for its processes (`replica worker-1 exited with code 3`), so
//! that the engine and the engines above it read both runtimes alike.
//!
//! - Failed: a container ended with a non-zero code or a signal in a pod that is not restarted
//!   (training replicas, steps, trials), or cannot start (`ImagePullBackOff`, `ErrImagePull`,
//!   `CreateContainerConfigError`, `CrashLoopBackOff`…), with the container's reason.
//! - Succeeded: every expected pod of a run-to-completion kind succeeded.
//! - Running: every expected pod runs (or, for run-to-completion kinds, ran to success).
//! - Nothing to say while pods are missing or pending.

use api::{Phase, WorkloadKind};
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

use crate::k8s::labels::{COMPONENT, REPLICA};
use crate::runtime::replica_label;

/// Waiting reasons that will not pass by waiting.
const STUCK: [&str; 6] = [
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "CrashLoopBackOff",
];

/// The workload's phase and reason, or `None` while nothing decisive is known. `expected`:
/// how many pods the workload has when all are there.
pub fn workload_phase(
    kind: WorkloadKind,
    expected: usize,
    pods: &[Pod],
) -> Option<(Phase, String)> {
    let runs_to_completion = matches!(
        kind,
        WorkloadKind::Step | WorkloadKind::Trial | WorkloadKind::Training
    );
    for (index, pod) in pods.iter().enumerate() {
        if let Some(reason) = failure(pod, index, runs_to_completion) {
            return Some((Phase::Failed, reason));
        }
    }
    if pods.len() < expected || expected == 0 {
        return None;
    }
    let phase = |pod: &Pod| {
        pod.status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_default()
    };
    let succeeded = pods.iter().filter(|p| phase(p) == "Succeeded").count();
    let running = pods.iter().filter(|p| phase(p) == "Running").count();
    if runs_to_completion && succeeded == pods.len() {
        return Some((
            Phase::Succeeded,
            "all replicas exited with code 0".to_owned(),
        ));
    }
    let all_up = if runs_to_completion {
        running + succeeded == pods.len() && running > 0
    } else {
        running == pods.len()
    };
    all_up.then(|| (Phase::Running, format!("{} pod(s) running", running)))
}

/// Why `pod` failed, if it did.
fn failure(pod: &Pod, index: usize, runs_to_completion: bool) -> Option<String> {
    let label = label_of(pod, index);
    let statuses = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten();
    for status in statuses {
        if let Some(reason) = stuck(status) {
            return Some(format!("replica {label} cannot start: {reason}"));
        }
        if !runs_to_completion {
            continue;
        }
        let terminated = status.state.as_ref().and_then(|s| s.terminated.as_ref());
        if let Some(t) = terminated.filter(|t| t.exit_code != 0) {
            let how = match t.signal {
                Some(signal) => format!("was killed by signal {signal}"),
                None => format!("exited with code {}", t.exit_code),
            };
            let why = [t.reason.as_deref(), t.message.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ");
            return Some(if why.is_empty() || why == "Error" {
                format!("replica {label} {how}")
            } else {
                format!("replica {label} {how} ({why})")
            });
        }
    }
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    let evicted = pod.status.as_ref().and_then(|s| s.reason.clone());
    (phase == Some("Failed")).then(|| match evicted {
        Some(reason) => format!("replica {label} failed: {reason}"),
        None => format!("replica {label} failed"),
    })
}

fn stuck(status: &ContainerStatus) -> Option<String> {
    let waiting = status.state.as_ref()?.waiting.as_ref()?;
    let reason = waiting.reason.as_deref()?;
    STUCK.contains(&reason).then(|| match &waiting.message {
        Some(message) => format!("{reason}: {message}"),
        None => reason.to_owned(),
    })
}

/// `worker-1`: the group's label and the replica's index (its label for training pods, else
/// its place among the group's pods).
fn label_of(pod: &Pod, index: usize) -> String {
    let labels = pod.metadata.labels.as_ref();
    let group = labels
        .and_then(|l| l.get(COMPONENT))
        .cloned()
        .unwrap_or_else(|| "main".to_owned());
    let replica = labels
        .and_then(|l| l.get(REPLICA))
        .and_then(|r| r.parse().ok())
        .unwrap_or(index as u32);
    replica_label(&group, replica)
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{
        ContainerState, ContainerStateTerminated, ContainerStateWaiting, PodStatus,
    };
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    use super::*;
    use crate::runtime::ReplicaExit;

    fn pod(group: &str, replica: u32, phase: &str, state: Option<ContainerState>) -> Pod {
        Pod {
            metadata: ObjectMeta {
                labels: Some(
                    [
                        (COMPONENT, group.to_owned()),
                        (REPLICA, replica.to_string()),
                    ]
                    .map(|(k, v)| (k.to_owned(), v))
                    .into(),
                ),
                ..ObjectMeta::default()
            },
            status: Some(PodStatus {
                phase: Some(phase.to_owned()),
                container_statuses: state.map(|state| {
                    vec![ContainerStatus {
                        name: group.to_owned(),
                        state: Some(state),
                        ..ContainerStatus::default()
                    }]
                }),
                ..PodStatus::default()
            }),
            ..Pod::default()
        }
    }

    fn exited(code: i32) -> Option<ContainerState> {
        Some(ContainerState {
            terminated: Some(ContainerStateTerminated {
                exit_code: code,
                reason: Some(if code == 0 { "Completed" } else { "Error" }.into()),
                ..ContainerStateTerminated::default()
            }),
            ..ContainerState::default()
        })
    }

    #[test]
    fn a_training_gang_runs_then_succeeds() {
        let kind = WorkloadKind::Training;
        let pending = [
            pod("master", 0, "Pending", None),
            pod("worker", 0, "Pending", None),
        ];
        assert_eq!(workload_phase(kind, 2, &pending), None);
        let one = [pod("master", 0, "Running", None)];
        assert_eq!(workload_phase(kind, 2, &one), None, "a pod is missing");
        let up = [
            pod("master", 0, "Running", None),
            pod("worker", 0, "Succeeded", exited(0)),
        ];
        assert_eq!(
            workload_phase(kind, 2, &up).map(|p| p.0),
            Some(Phase::Running)
        );
        let done = [
            pod("master", 0, "Succeeded", exited(0)),
            pod("worker", 0, "Succeeded", exited(0)),
        ];
        assert_eq!(
            workload_phase(kind, 2, &done).map(|p| p.0),
            Some(Phase::Succeeded)
        );
    }

    #[test]
    fn a_failure_reads_as_the_local_runtime_writes_it() {
        let pods = [
            pod("master", 0, "Running", None),
            pod("worker", 1, "Failed", exited(3)),
        ];
        let (phase, reason) = workload_phase(WorkloadKind::Training, 2, &pods).unwrap();
        assert_eq!(phase, Phase::Failed);
        assert_eq!(reason, "replica worker-1 exited with code 3");
        // The training controller reads it back to apply the restart policy.
        let exit = ReplicaExit::from_reason(&reason).unwrap();
        assert_eq!((exit.group.as_str(), exit.replica), ("worker", 1));
    }

    #[test]
    fn an_image_that_cannot_be_pulled_fails_with_the_containers_reason() {
        let waiting = Some(ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: Some("ImagePullBackOff".into()),
                message: Some("Back-off pulling image \"nope:1\"".into()),
            }),
            ..ContainerState::default()
        });
        let pods = [pod("main", 0, "Pending", waiting)];
        let (phase, reason) = workload_phase(WorkloadKind::Server, 1, &pods).unwrap();
        assert_eq!(phase, Phase::Failed);
        assert!(
            reason.contains("ImagePullBackOff: Back-off pulling image"),
            "{reason}"
        );
        // A server's container that exited is restarted by its Deployment: not a failure.
        let restarted = [pod("main", 0, "Running", exited(1))];
        assert_eq!(
            workload_phase(WorkloadKind::Server, 1, &restarted).map(|p| p.0),
            Some(Phase::Running)
        );
    }
}
