//! One attempt of a job as one gang workload: a replica group per replica type, in the order
//! that gives the chief or master rank 0, each listening on the kind's port. A restart is a
//! new attempt, `<job>-<attempt>`, so the scheduler places the whole gang again.

use api::{PortSpec, ReplicaGroup, WorkloadKind, WorkloadSpec};

use super::cluster_env::training_env;
use super::spec::TrainingSpec;

pub fn workload_name(job: &str, attempt: u32) -> String {
    format!("{job}-{attempt}")
}

pub fn job_workload(spec: &TrainingSpec, attempt: u32) -> WorkloadSpec {
    let groups = spec
        .replicas
        .iter()
        .map(|replica| {
            let mut env = replica.env.clone();
            // The operator's variables win: a job cannot find its peers without them.
            env.extend(training_env(spec, replica));
            ReplicaGroup {
                name: replica.replica_type.group().to_owned(),
                replicas: replica.replicas,
                command: replica.argv.clone(),
                image: replica.image.clone(),
                args: Vec::new(),
                env,
                ports: vec![PortSpec {
                    name: spec.kind.port_name().to_owned(),
                    container_port: replica.port,
                }],
                volumes: Vec::new(),
                working_dir: None,
                resources: replica.resources.clone(),
            }
        })
        .collect();
    WorkloadSpec {
        name: workload_name(&spec.name, attempt),
        kind: WorkloadKind::Training,
        priority_class: None,
        groups,
        gang: true,
        requeue_on_failure: false,
        // The chief or master decides, as the Training Operator's default success policy:
        // parameter servers and evaluators run until they are stopped.
        leader: spec
            .replicas
            .first()
            .filter(|r| r.replica_type.is_leader())
            .map(|r| r.replica_type.group().to_owned()),
    }
}
