//! Stored jobs as the API shows them.

use api::{JobCondition, JobDetail, JobMetric, JobReplica, JobSummary};

use super::spec::TrainingSpec;
use crate::store::{JobRow, WorkloadRow};

pub fn summary(row: &JobRow, spec: &TrainingSpec, last: Option<&JobCondition>) -> JobSummary {
    JobSummary {
        name: row.name.clone(),
        kind: row.kind.clone(),
        state: row.state,
        message: last.map(|c| c.message.clone()).unwrap_or_default(),
        replicas: spec
            .replicas
            .iter()
            .map(|r| (r.replica_type.as_str().to_owned(), r.replicas))
            .collect(),
        gpus: spec
            .replicas
            .iter()
            .map(|r| r.resources.gpus * r.replicas)
            .sum(),
        attempt: row.attempt,
        restarts: row.restarts,
        backoff_limit: spec.run_policy.backoff_limit,
        created_by: row.created_by.clone(),
        created_at_ms: row.created_at_ms,
        started_at_ms: row.started_at_ms,
        finished_at_ms: row.finished_at_ms,
    }
}

/// Every replica of the current attempt, placed or not yet.
pub fn replicas(spec: &TrainingSpec, workload: Option<&WorkloadRow>) -> Vec<JobReplica> {
    spec.replicas
        .iter()
        .flat_map(|r| {
            let group = r.replica_type.group();
            (0..r.replicas).map(move |index| {
                let placed = workload.and_then(|w| {
                    w.placements
                        .iter()
                        .find(|p| p.group == group && p.replica == index)
                });
                JobReplica {
                    replica_type: r.replica_type.as_str().to_owned(),
                    group: group.to_owned(),
                    index,
                    phase: workload
                        .map_or("not submitted", |w| w.phase.as_str())
                        .to_owned(),
                    node: placed.map(|p| p.node.clone()),
                    gpus: placed.map(|p| p.gpus.clone()).unwrap_or_default(),
                }
            })
        })
        .collect()
}

pub fn detail(
    row: &JobRow,
    spec: &TrainingSpec,
    conditions: Vec<JobCondition>,
    workload: Option<&WorkloadRow>,
    metrics: Vec<JobMetric>,
) -> JobDetail {
    JobDetail {
        summary: summary(row, spec, conditions.last()),
        replicas: replicas(spec, workload),
        workload: workload.map(|w| w.name.clone()),
        conditions,
        metrics,
        manifest: row.manifest.clone(),
    }
}
