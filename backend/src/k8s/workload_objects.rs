//! A workload's objects, group by group: the controller (or the pods) that its kind maps to,
//! claims for its sized volumes and a Service when the group listens on ports. See the module
//! documentation of [`crate::k8s`] for the mapping and why.

use std::collections::BTreeMap;

use api::{ReplicaGroup, ReplicaPlacement, WorkloadKind, WorkloadSpec};
use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, StatefulSet, StatefulSetSpec,
};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimSpec, Pod, PodTemplateSpec, Service, ServicePort,
    ServiceSpec, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use super::config::K8sConfig;
use super::error::BuildError;
use super::labels::{GroupRef, Labels, REPLICA};
use super::names;
use super::pod_template::{Claims, PodPlan};
use super::replica_env::replica_env;
use super::resources::memory;

/// A workload as the runtime hands it over: the spec, and where the scheduler put each replica
/// once admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedWorkload {
    pub id: i64,
    /// The profile, which is the namespace.
    pub profile: String,
    pub name: String,
    pub spec: WorkloadSpec,
    /// One per replica once admitted; ignored while queued.
    pub placements: Vec<ReplicaPlacement>,
    /// Not admitted yet: the pods are held by a scheduling gate and not pinned to a node.
    pub queued: bool,
}

/// One object to apply. Serialises as the object itself (with `apiVersion` and `kind`). Boxed:
/// the objects are kilobytes each and differ in size.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum WorkloadObject {
    PersistentVolumeClaim(Box<PersistentVolumeClaim>),
    StatefulSet(Box<StatefulSet>),
    Deployment(Box<Deployment>),
    Job(Box<Job>),
    Pod(Box<Pod>),
    Service(Box<Service>),
}

impl WorkloadObject {
    pub fn kind(&self) -> &'static str {
        match self {
            WorkloadObject::PersistentVolumeClaim(_) => "PersistentVolumeClaim",
            WorkloadObject::StatefulSet(_) => "StatefulSet",
            WorkloadObject::Deployment(_) => "Deployment",
            WorkloadObject::Job(_) => "Job",
            WorkloadObject::Pod(_) => "Pod",
            WorkloadObject::Service(_) => "Service",
        }
    }

    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            WorkloadObject::PersistentVolumeClaim(o) => &o.metadata,
            WorkloadObject::StatefulSet(o) => &o.metadata,
            WorkloadObject::Deployment(o) => &o.metadata,
            WorkloadObject::Job(o) => &o.metadata,
            WorkloadObject::Pod(o) => &o.metadata,
            WorkloadObject::Service(o) => &o.metadata,
        }
    }

    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or_default()
    }
}

/// The objects of `workload`, group by group in the spec's order; within a group claims first,
/// then the controller or pods, then the Service.
pub fn workload_objects(
    config: &K8sConfig,
    workload: &PlacedWorkload,
) -> Result<Vec<WorkloadObject>, BuildError> {
    let spec = &workload.spec;
    if spec.groups.is_empty() {
        return Err(BuildError::NoGroups {
            workload: workload.name.clone(),
        });
    }
    if !workload.queued
        && let Some(stray) = workload
            .placements
            .iter()
            .find(|p| !spec.groups.iter().any(|g| g.name == p.group))
    {
        return Err(BuildError::UnknownPlacementGroup {
            workload: workload.name.clone(),
            group: stray.group.clone(),
        });
    }
    let mut objects = Vec::new();
    for group in &spec.groups {
        GroupBuild::new(config, workload, group)?.push_objects(&mut objects)?;
    }
    Ok(objects)
}

/// One group's objects being built.
struct GroupBuild<'a> {
    config: &'a K8sConfig,
    workload: &'a PlacedWorkload,
    group: &'a ReplicaGroup,
    owner: GroupRef<'a>,
    /// The node of each replica, by index; empty while queued.
    replica_nodes: Vec<String>,
}

impl<'a> GroupBuild<'a> {
    fn new(
        config: &'a K8sConfig,
        workload: &'a PlacedWorkload,
        group: &'a ReplicaGroup,
    ) -> Result<Self, BuildError> {
        let replica_nodes = if workload.queued {
            Vec::new()
        } else {
            (0..group.replicas)
                .map(|replica| {
                    workload
                        .placements
                        .iter()
                        .find(|p| p.group == group.name && p.replica == replica)
                        .map(|p| p.node.clone())
                        .ok_or_else(|| BuildError::MissingPlacement {
                            workload: workload.name.clone(),
                            group: group.name.clone(),
                            replica,
                        })
                })
                .collect::<Result<_, _>>()?
        };
        Ok(GroupBuild {
            config,
            workload,
            group,
            owner: GroupRef {
                profile: &workload.profile,
                workload_id: workload.id,
                workload: &workload.name,
                kind: workload.spec.kind.as_str(),
                group: &group.name,
            },
            replica_nodes,
        })
    }

    fn push_objects(&self, out: &mut Vec<WorkloadObject>) -> Result<(), BuildError> {
        match self.workload.spec.kind {
            WorkloadKind::Notebook => {
                out.push(WorkloadObject::StatefulSet(Box::new(self.stateful_set()?)))
            }
            WorkloadKind::Server => {
                out.extend(self.shared_claims());
                out.push(WorkloadObject::Deployment(Box::new(self.deployment()?)));
            }
            WorkloadKind::Step | WorkloadKind::Trial => {
                out.extend(self.shared_claims());
                out.push(WorkloadObject::Job(Box::new(self.job()?)));
            }
            WorkloadKind::Training => {
                out.extend(self.shared_claims());
                for replica in 0..self.group.replicas {
                    out.push(WorkloadObject::Pod(Box::new(self.replica_pod(replica)?)));
                }
            }
        }
        if let Some(service) = self.service() {
            out.push(WorkloadObject::Service(Box::new(service)));
        }
        Ok(())
    }

    fn workload_name(&self) -> &str {
        &self.workload.name
    }

    fn labels(&self) -> Labels {
        self.owner.labels(&names::group_object_name(
            self.workload_name(),
            &self.group.name,
        ))
    }

    fn meta(&self, name: String) -> ObjectMeta {
        ObjectMeta {
            name: Some(name),
            namespace: Some(self.workload.profile.clone()),
            labels: Some(self.labels()),
            ..ObjectMeta::default()
        }
    }

    fn replicas(&self) -> i32 {
        i32::try_from(self.group.replicas).unwrap_or(i32::MAX)
    }

    fn has_service(&self) -> bool {
        !self.group.ports.is_empty()
    }

    fn service_name(&self) -> String {
        names::service_name(self.workload_name(), &self.group.name)
    }

    /// The nodes a controller's pods may go to: all the group's placed nodes, since one pod
    /// template serves every replica. With one replica (the usual notebook, step or trial) that
    /// is exactly its node.
    fn group_nodes(&self) -> Vec<String> {
        let mut nodes = self.replica_nodes.clone();
        nodes.sort();
        nodes.dedup();
        nodes
    }

    fn template(
        &self,
        claims: Claims,
        restart_policy: &'static str,
    ) -> Result<PodTemplateSpec, BuildError> {
        let nodes = self.group_nodes();
        let plan = self.plan(claims, restart_policy, &nodes);
        Ok(PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(self.labels()),
                ..ObjectMeta::default()
            }),
            spec: Some(plan.pod_spec()?),
        })
    }

    fn plan<'b>(
        &'b self,
        claims: Claims,
        restart_policy: &'static str,
        nodes: &'b [String],
    ) -> PodPlan<'b> {
        PodPlan {
            config: self.config,
            workload: self.workload_name(),
            kind: self.workload.spec.kind,
            group: self.group,
            claims,
            restart_policy,
            queued: self.workload.queued,
            nodes,
        }
    }

    /// Notebooks: a stable pod name and a home volume per replica that outlives restarts.
    /// `Parallel`: the queue admitted all replicas at once, so they start at once.
    fn stateful_set(&self) -> Result<StatefulSet, BuildError> {
        let templates: Vec<PersistentVolumeClaim> = self
            .group
            .volumes
            .iter()
            .filter_map(|volume| {
                volume.size_mib.map(|size| PersistentVolumeClaim {
                    metadata: ObjectMeta {
                        name: Some(volume.name.clone()),
                        labels: Some(self.labels()),
                        ..ObjectMeta::default()
                    },
                    spec: Some(claim_spec(self.config, size, false)),
                    ..PersistentVolumeClaim::default()
                })
            })
            .collect();
        Ok(StatefulSet {
            metadata: self.meta(names::stateful_set_name(
                self.workload_name(),
                &self.group.name,
            )),
            spec: StatefulSetSpec {
                replicas: Some(self.replicas()),
                selector: self.owner.selector(),
                service_name: self.has_service().then(|| self.service_name()),
                pod_management_policy: Some("Parallel".to_owned()),
                template: self.template(Claims::Templates, "Always")?,
                volume_claim_templates: (!templates.is_empty()).then_some(templates),
                ..StatefulSetSpec::default()
            },
            ..StatefulSet::default()
        })
    }

    /// Model servers. `Recreate`: a surge pod of a rolling update would need GPUs that the
    /// scheduler has not set aside, and would wait forever.
    fn deployment(&self) -> Result<Deployment, BuildError> {
        Ok(Deployment {
            metadata: self.meta(names::group_object_name(
                self.workload_name(),
                &self.group.name,
            )),
            spec: DeploymentSpec {
                replicas: Some(self.replicas()),
                selector: self.owner.selector(),
                strategy: Some(DeploymentStrategy {
                    type_: Some("Recreate".to_owned()),
                    rolling_update: None,
                }),
                template: self.template(Claims::Shared, "Always")?,
                ..DeploymentSpec::default()
            },
            ..Deployment::default()
        })
    }

    /// Pipeline steps and trials run to completion. No retries (`backoffLimit: 0`): whether a
    /// failure goes back to the queue is Capstan's decision (`requeue_on_failure`). A queued Job
    /// is also suspended, so that it has no pods at all, and because Kubernetes lets the pod
    /// template of a suspended, never-started Job gain node affinity and lose gates, which
    /// admission does.
    fn job(&self) -> Result<Job, BuildError> {
        Ok(Job {
            metadata: self.meta(names::group_object_name(
                self.workload_name(),
                &self.group.name,
            )),
            spec: Some(JobSpec {
                parallelism: Some(self.replicas()),
                completions: Some(self.replicas()),
                backoff_limit: Some(0),
                suspend: Some(self.workload.queued),
                template: self.template(Claims::Shared, "Never")?,
                ..JobSpec::default()
            }),
            ..Job::default()
        })
    }

    /// One training replica, named by its index like the training operators' pods, reachable at
    /// `<pod>.<service>` through the group's headless Service, pinned to its own node.
    fn replica_pod(&self, replica: u32) -> Result<Pod, BuildError> {
        let name = names::replica_pod_name(self.workload_name(), &self.group.name, replica);
        let node: Vec<String> = self
            .replica_nodes
            .get(replica as usize)
            .cloned()
            .into_iter()
            .collect();
        let mut spec = self.plan(Claims::Shared, "Never", &node).pod_spec()?;
        if let Some(container) = spec.containers.first_mut() {
            let mut env = replica_env(
                self.workload_name(),
                &self.workload.spec,
                &self.group.name,
                replica,
            );
            env.extend(container.env.take().unwrap_or_default());
            container.env = Some(env);
        }
        if self.has_service() {
            spec.hostname = Some(name.clone());
            spec.subdomain = Some(self.service_name());
        }
        let mut metadata = self.meta(name);
        if let Some(labels) = metadata.labels.as_mut() {
            labels.insert(REPLICA.to_owned(), replica.to_string());
        }
        Ok(Pod {
            metadata,
            spec: Some(spec),
            ..Pod::default()
        })
    }

    /// One claim per sized volume, mounted by every replica of the group: `ReadWriteMany` when
    /// there are several replicas, which may sit on different nodes.
    fn shared_claims(&self) -> Vec<WorkloadObject> {
        let shared = self.group.replicas > 1;
        self.group
            .volumes
            .iter()
            .filter_map(|volume| {
                volume.size_mib.map(|size| {
                    WorkloadObject::PersistentVolumeClaim(Box::new(PersistentVolumeClaim {
                        metadata: self.meta(names::claim_name(
                            self.workload_name(),
                            &self.group.name,
                            &volume.name,
                        )),
                        spec: Some(claim_spec(self.config, size, shared)),
                        ..PersistentVolumeClaim::default()
                    }))
                })
            })
            .collect()
    }

    /// A Service for a group with ports. Training gets a headless one, which gives each replica
    /// pod its own DNS name (also before it is ready: rendezvous comes first); the others get a
    /// cluster IP that spreads over the replicas.
    fn service(&self) -> Option<Service> {
        if !self.has_service() {
            return None;
        }
        let training = self.workload.spec.kind == WorkloadKind::Training;
        Some(Service {
            metadata: self.meta(self.service_name()),
            spec: Some(ServiceSpec {
                cluster_ip: training.then(|| "None".to_owned()),
                publish_not_ready_addresses: training.then_some(true),
                selector: Some(self.owner.selector_labels()),
                ports: Some(
                    self.group
                        .ports
                        .iter()
                        .map(|port| ServicePort {
                            name: Some(port.name.clone()),
                            port: i32::from(port.container_port),
                            target_port: Some(IntOrString::Int(i32::from(port.container_port))),
                            protocol: Some("TCP".to_owned()),
                            ..ServicePort::default()
                        })
                        .collect(),
                ),
                ..ServiceSpec::default()
            }),
            ..Service::default()
        })
    }
}

/// A claim of `size_mib` in the configured storage class: `ReadWriteMany` when `shared` by pods
/// that may sit on different nodes, else `ReadWriteOnce`.
pub(super) fn claim_spec(
    config: &K8sConfig,
    size_mib: u64,
    shared: bool,
) -> PersistentVolumeClaimSpec {
    let mode = if shared {
        "ReadWriteMany"
    } else {
        "ReadWriteOnce"
    };
    PersistentVolumeClaimSpec {
        access_modes: Some(vec![mode.to_owned()]),
        resources: Some(VolumeResourceRequirements {
            requests: Some(BTreeMap::from([("storage".to_owned(), memory(size_mib))])),
            limits: None,
        }),
        storage_class_name: config.storage_class.clone(),
        ..PersistentVolumeClaimSpec::default()
    }
}
