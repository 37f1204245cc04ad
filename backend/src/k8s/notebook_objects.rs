//! A notebook's objects, in the shape Kubeflow's notebook controller gives them: a StatefulSet
//! `<name>` of one replica (none while stopped), a ClusterIP Service `<name>` on port 80, a
//! standalone workspace claim `<name>-workspace` and a claim per data volume. See the module
//! documentation of [`crate::k8s`] for how this differs from a `notebook` workload's objects.

use std::collections::BTreeMap;

use api::{NotebookSpec, ReplicaGroup, ReplicaPlacement, Resources, WorkloadKind};
use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    Container, EnvVar, EnvVarSource, PersistentVolumeClaim, PersistentVolumeClaimVolumeSource,
    PodSecurityContext, PodTemplateSpec, SecretKeySelector, Service, ServicePort, ServiceSpec,
    Toleration, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use super::config::K8sConfig;
use super::error::BuildError;
use super::labels::{self, Labels};
use super::names;
use super::pod_template::{Claims, PodPlan};
use super::resources::{cpu, memory};
use super::workload_objects::claim_spec;
use crate::notebooks::Configuration;

/// The port JupyterLab listens on in Kubeflow's notebook images.
pub const NOTEBOOK_PORT: u16 = 8888;
/// The container port's name, as Kubeflow's controller names it.
pub const NOTEBOOK_PORT_NAME: &str = "notebook-port";
/// Where the workspace is mounted: the home of Kubeflow images' `jovyan` user.
pub const WORKSPACE_MOUNT: &str = "/home/jovyan";
/// The pod volume of the workspace claim.
pub const WORKSPACE_VOLUME: &str = "workspace";
/// The key of the token in the notebook's token Secret ([`names::notebook_token_secret`]).
pub const TOKEN_SECRET_KEY: &str = "token";
/// On a stopped notebook's StatefulSet, as Kubeflow marks a stopped Notebook.
pub const STOPPED_ANNOTATION: &str = "kubeflow-resource-stopped";
/// The size of a data volume's claim when the volume does not say.
pub const DEFAULT_DATA_VOLUME_MIB: u64 = 10240;
/// The group of the notebooks' image users (`users` in Kubeflow's images): owner of the volumes.
const FS_GROUP: i64 = 100;

/// A notebook, resolved, and what the cluster should make of it.
#[derive(Debug, Clone)]
pub struct NotebookPlan<'a> {
    /// The profile, which is the namespace.
    pub profile: &'a str,
    /// Fully resolved: the defaults fill every field the user left out.
    pub spec: &'a NotebookSpec,
    /// The image of the spec's environment.
    pub image: &'a str,
    /// The configurations the spec picked, in its order.
    pub configurations: Vec<&'a Configuration>,
    /// `false`: stopped, no pod (Kubeflow's `kubeflow-resource-stopped`); the claims stay.
    pub running: bool,
    /// The node (and GPUs) Capstan's scheduler chose, once admitted; `None` while queued.
    pub placement: Option<&'a ReplicaPlacement>,
}

/// A notebook's objects. Serialises as a map of the objects (each with `apiVersion` and `kind`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotebookObjects {
    pub stateful_set: StatefulSet,
    pub service: Service,
    /// Not a claim template: it outlives the StatefulSet, as Kubeflow's workspace volumes do.
    pub workspace: PersistentVolumeClaim,
    /// One claim per data volume, the spec's then the configurations', by the volume's name.
    pub data_volumes: Vec<PersistentVolumeClaim>,
}

/// The objects of the notebook `plan` describes.
pub fn notebook_objects(
    plan: &NotebookPlan,
    config: &K8sConfig,
) -> Result<NotebookObjects, BuildError> {
    let spec = plan.spec;
    let name = spec.name.as_str();
    let labels = labels::notebook_labels(plan.profile, name);
    let meta = |object_name: String, labels: Labels| ObjectMeta {
        name: Some(object_name),
        namespace: Some(plan.profile.to_owned()),
        labels: Some(labels),
        ..ObjectMeta::default()
    };
    let data_volumes = data_volumes(plan)?;

    let workspace = PersistentVolumeClaim {
        metadata: meta(names::notebook_workspace_claim(name), labels.clone()),
        spec: Some(claim_spec(
            config,
            spec.workspace_size_mib.unwrap_or_default(),
            false,
        )),
        ..PersistentVolumeClaim::default()
    };
    // A data volume belongs to the profile (notebooks share it), not to this notebook.
    let data_claims = data_volumes
        .iter()
        .map(|volume| PersistentVolumeClaim {
            metadata: meta(volume.name.clone(), labels::profile_labels(plan.profile)),
            spec: Some(claim_spec(
                config,
                volume.size_mib.unwrap_or(DEFAULT_DATA_VOLUME_MIB),
                false,
            )),
            ..PersistentVolumeClaim::default()
        })
        .collect();

    let service_name = names::service_name_for(name);
    let mut set_meta = meta(names::fit(name, names::MAX_STATEFUL_SET), labels.clone());
    if !plan.running {
        set_meta.annotations = Some(BTreeMap::from([(
            STOPPED_ANNOTATION.to_owned(),
            "true".to_owned(),
        )]));
    }
    let mut pod_labels = labels.clone();
    pod_labels.extend(labels::notebook_selector_labels(name));
    pod_labels.insert(labels::NOTEBOOK_NAME.to_owned(), name.to_owned());
    let stateful_set = StatefulSet {
        metadata: set_meta,
        spec: StatefulSetSpec {
            replicas: Some(i32::from(plan.running)),
            selector: LabelSelector {
                match_labels: Some(labels::notebook_selector_labels(name)),
                ..LabelSelector::default()
            },
            service_name: Some(service_name.clone()),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod_spec(plan, config, &data_volumes)?),
            },
            ..StatefulSetSpec::default()
        },
        ..StatefulSet::default()
    };

    let service = Service {
        metadata: meta(service_name, labels),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_owned()),
            selector: Some(labels::notebook_selector_labels(name)),
            ports: Some(vec![ServicePort {
                name: Some(format!("http-{name}")),
                port: 80,
                target_port: Some(IntOrString::Int(i32::from(NOTEBOOK_PORT))),
                protocol: Some("TCP".to_owned()),
                ..ServicePort::default()
            }]),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    };

    Ok(NotebookObjects {
        stateful_set,
        service,
        workspace,
        data_volumes: data_claims,
    })
}

/// The pod: the shared pod template of one replica (image, env, port, resources, placement),
/// then what only notebooks have: the token from its Secret, limits above the requests, the
/// volumes, the configurations' tolerations and Kubeflow's `fsGroup`.
fn pod_spec(
    plan: &NotebookPlan,
    config: &K8sConfig,
    data_volumes: &[api::DataVolume],
) -> Result<k8s_openapi::api::core::v1::PodSpec, BuildError> {
    let spec = plan.spec;
    let name = spec.name.as_str();
    let group = ReplicaGroup {
        name: name.to_owned(),
        replicas: 1,
        command: vec![],
        image: Some(plan.image.to_owned()),
        args: vec![],
        env: env(plan),
        ports: vec![api::PortSpec {
            name: NOTEBOOK_PORT_NAME.to_owned(),
            container_port: NOTEBOOK_PORT,
        }],
        volumes: vec![],
        working_dir: None,
        resources: Resources {
            cpu_milli: spec.cpu_milli.unwrap_or_default(),
            memory_mib: spec.memory_mib.unwrap_or_default(),
            gpus: spec.gpus.unwrap_or_default(),
            gpu_milli: spec.gpu_milli.unwrap_or_default(),
            gpu_models: spec.gpu_model.iter().cloned().collect(),
        },
    };
    let nodes: Vec<String> = plan.placement.map(|p| p.node.clone()).into_iter().collect();
    let mut pod = PodPlan {
        config,
        workload: name,
        kind: WorkloadKind::Notebook,
        group: &group,
        claims: Claims::Shared,
        restart_policy: "Always",
        queued: plan.running && plan.placement.is_none(),
        nodes: &nodes,
    }
    .pod_spec()?;

    let container = &mut pod.containers[0];
    container.env.get_or_insert_with(Vec::new).push(EnvVar {
        name: "JUPYTER_TOKEN".to_owned(),
        value: None,
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: names::notebook_token_secret(name),
                key: TOKEN_SECRET_KEY.to_owned(),
                optional: None,
            }),
            ..EnvVarSource::default()
        }),
    });
    set_limits(container, spec)?;
    container.volume_mounts = Some(
        std::iter::once(VolumeMount {
            name: WORKSPACE_VOLUME.to_owned(),
            mount_path: WORKSPACE_MOUNT.to_owned(),
            ..VolumeMount::default()
        })
        .chain(data_volumes.iter().map(|volume| VolumeMount {
            name: volume.name.clone(),
            mount_path: volume.mount_path.clone(),
            ..VolumeMount::default()
        }))
        .collect(),
    );
    let claim_volume = |volume: &str, claim: String| Volume {
        name: volume.to_owned(),
        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
            claim_name: claim,
            read_only: None,
        }),
        ..Volume::default()
    };
    pod.volumes = Some(
        std::iter::once(claim_volume(
            WORKSPACE_VOLUME,
            names::notebook_workspace_claim(name),
        ))
        .chain(
            data_volumes
                .iter()
                .map(|volume| claim_volume(&volume.name, volume.name.clone())),
        )
        .collect(),
    );

    // The GPU tolerations `constrain` gave a GPU notebook, then the configurations' own; the
    // same toleration twice (a `gpu-nodes` configuration on a GPU notebook) once.
    let mut tolerations = pod.tolerations.take().unwrap_or_default();
    for toleration in plan.configurations.iter().flat_map(|c| &c.tolerations) {
        let toleration = Toleration {
            key: toleration.key.clone(),
            operator: toleration.operator.clone(),
            value: toleration.value.clone(),
            effect: toleration.effect.clone(),
            toleration_seconds: None,
        };
        if !tolerations.contains(&toleration) {
            tolerations.push(toleration);
        }
    }
    pod.tolerations = (!tolerations.is_empty()).then_some(tolerations);
    pod.security_context = Some(PodSecurityContext {
        fs_group: Some(FS_GROUP),
        ..PodSecurityContext::default()
    });
    Ok(pod)
}

/// The configurations' env in their order, then the spec's, which wins; then what Capstan sets:
/// `NB_PREFIX`, the path its proxy serves the notebook under. `JUPYTER_TOKEN` comes from the
/// Secret, whatever the spec says.
fn env(plan: &NotebookPlan) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = plan
        .configurations
        .iter()
        .flat_map(|c| c.env.clone())
        .chain(plan.spec.env.clone())
        .collect();
    env.remove("JUPYTER_TOKEN");
    env.insert(
        "NB_PREFIX".to_owned(),
        format!("/notebook/{}/{}", plan.profile, plan.spec.name),
    );
    env
}

/// Limits from the spec's limit fields (the requests stay its requests); a limit left out is the
/// request, and one below it is refused, as Kubernetes would.
fn set_limits(container: &mut Container, spec: &NotebookSpec) -> Result<(), BuildError> {
    let fields = [
        (
            "cpu",
            "cpu_milli",
            spec.cpu_milli,
            "cpu_limit_milli",
            spec.cpu_limit_milli,
            cpu as fn(u64) -> _,
        ),
        (
            "memory",
            "memory_mib",
            spec.memory_mib,
            "memory_limit_mib",
            spec.memory_limit_mib,
            memory,
        ),
    ];
    for (resource, request_field, request, limit_field, limit, quantity) in fields {
        let (request, Some(limit)) = (request.unwrap_or_default(), limit) else {
            continue;
        };
        if limit < request {
            return Err(BuildError::LimitBelowRequest {
                notebook: spec.name.clone(),
                request_field,
                request,
                limit_field,
                limit,
            });
        }
        if limit > 0 {
            container
                .resources
                .get_or_insert_with(Default::default)
                .limits
                .get_or_insert_with(BTreeMap::new)
                .insert(resource.to_owned(), quantity(limit));
        }
    }
    Ok(())
}

/// The spec's data volumes, then the configurations' not already there by name. None may take
/// the workspace's names or mount a path already mounted.
fn data_volumes(plan: &NotebookPlan) -> Result<Vec<api::DataVolume>, BuildError> {
    let name = &plan.spec.name;
    let workspace_claim = names::notebook_workspace_claim(name);
    let mut volumes: Vec<api::DataVolume> = Vec::new();
    let candidates = plan
        .spec
        .data_volumes
        .iter()
        .chain(plan.configurations.iter().flat_map(|c| &c.volumes));
    for volume in candidates {
        if volumes.iter().any(|v| v.name == volume.name) {
            continue;
        }
        let clash = |problem: String| BuildError::NotebookVolume {
            notebook: name.clone(),
            volume: volume.name.clone(),
            problem,
        };
        if volume.name == WORKSPACE_VOLUME || volume.name == workspace_claim {
            return Err(clash(
                "has the name of the workspace volume or claim".into(),
            ));
        }
        let mounted = std::iter::once((WORKSPACE_VOLUME, WORKSPACE_MOUNT))
            .chain(
                volumes
                    .iter()
                    .map(|v| (v.name.as_str(), v.mount_path.as_str())),
            )
            .find(|(_, path)| *path == volume.mount_path);
        if let Some((other, path)) = mounted {
            return Err(clash(format!("is mounted at `{path}`, as is `{other}`")));
        }
        volumes.push(volume.clone());
    }
    Ok(volumes)
}

#[cfg(test)]
mod tests {
    use api::DataVolume;

    use super::*;
    use crate::notebooks::{DEFAULT_SPAWNER_CONFIG, SpawnerConfig};

    const IMAGE: &str = "ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.10.0";

    fn cpu_spec() -> NotebookSpec {
        NotebookSpec {
            name: "lab".into(),
            environment: Some("jupyterlab".into()),
            cpu_milli: Some(500),
            cpu_limit_milli: Some(2000),
            memory_mib: Some(1024),
            memory_limit_mib: Some(4096),
            gpus: Some(0),
            gpu_milli: Some(0),
            gpu_model: None,
            workspace_size_mib: Some(10240),
            data_volumes: vec![DataVolume {
                name: "datasets".into(),
                mount_path: "/home/jovyan/datasets".into(),
                size_mib: None,
            }],
            env: BTreeMap::from([("JUPYTER_ENABLE_LAB".into(), "yes".into())]),
            configurations: vec![],
        }
    }

    fn gpu_spec() -> NotebookSpec {
        NotebookSpec {
            name: "vision".into(),
            cpu_milli: Some(4000),
            cpu_limit_milli: Some(8000),
            memory_mib: Some(16384),
            memory_limit_mib: Some(32768),
            gpus: Some(1),
            gpu_model: Some("NVIDIA-A100-SXM4-80GB".into()),
            workspace_size_mib: Some(51200),
            data_volumes: vec![DataVolume {
                name: "imagenet".into(),
                mount_path: "/data/imagenet".into(),
                size_mib: Some(512000),
            }],
            env: BTreeMap::from([("HF_HUB_OFFLINE".into(), "0".into())]),
            configurations: vec!["gpu-nodes".into(), "offline-hub".into()],
            ..cpu_spec()
        }
    }

    /// The shipped configurations, with a toleration of a non-GPU taint and a volume added to
    /// `gpu-nodes`, so that both merge paths show.
    fn spawner() -> SpawnerConfig {
        let mut spawner = SpawnerConfig::parse(DEFAULT_SPAWNER_CONFIG).unwrap();
        let gpu_nodes = spawner
            .configurations
            .iter_mut()
            .find(|c| c.name == "gpu-nodes")
            .unwrap();
        gpu_nodes.tolerations.push(crate::notebooks::Toleration {
            key: Some("team".into()),
            operator: Some("Equal".into()),
            value: Some("vision".into()),
            effect: Some("NoSchedule".into()),
        });
        gpu_nodes.volumes.push(DataVolume {
            name: "models".into(),
            mount_path: "/models".into(),
            size_mib: None,
        });
        spawner
    }

    fn build(
        spec: &NotebookSpec,
        running: bool,
        placement: Option<&ReplicaPlacement>,
    ) -> Result<NotebookObjects, BuildError> {
        let spawner = spawner();
        let plan = NotebookPlan {
            profile: "team-vision",
            spec,
            image: IMAGE,
            configurations: spec
                .configurations
                .iter()
                .filter_map(|c| spawner.configuration(c))
                .collect(),
            running,
            placement,
        };
        notebook_objects(&plan, &K8sConfig::default())
    }

    fn placement() -> ReplicaPlacement {
        super::super::fixtures::placement("main", 0, "gpu-a100-1", &[(3, 1000)])
    }

    fn cpu_placement() -> ReplicaPlacement {
        super::super::fixtures::placement("main", 0, "cpu-node-3", &[])
    }

    fn pod(objects: &NotebookObjects) -> &k8s_openapi::api::core::v1::PodSpec {
        objects.stateful_set.spec.template.spec.as_ref().unwrap()
    }

    #[test]
    fn cpu_notebook() {
        let objects = build(&cpu_spec(), true, Some(&cpu_placement())).unwrap();
        insta::assert_yaml_snapshot!(objects);
    }

    #[test]
    fn gpu_notebook_with_a_model_and_a_configuration() {
        let objects = build(&gpu_spec(), true, Some(&placement())).unwrap();
        insta::assert_yaml_snapshot!(objects);
    }

    #[test]
    fn a_stopped_notebook_has_no_replica_and_keeps_its_claims() {
        let objects = build(&cpu_spec(), false, None).unwrap();
        let set = &objects.stateful_set;
        assert_eq!(set.spec.replicas, Some(0));
        assert!(
            set.metadata
                .annotations
                .as_ref()
                .unwrap()
                .contains_key(STOPPED_ANNOTATION)
        );
        assert!(pod(&objects).scheduling_gates.is_none(), "no pod to hold");
        assert_eq!(
            objects.workspace.metadata.name.as_deref(),
            Some("lab-workspace")
        );
        assert_eq!(objects.data_volumes.len(), 1);

        let running = build(&cpu_spec(), true, Some(&cpu_placement())).unwrap();
        assert_eq!(running.stateful_set.spec.replicas, Some(1));
        assert!(running.stateful_set.metadata.annotations.is_none());
    }

    #[test]
    fn a_queued_notebook_waits_at_the_gate_on_no_node() {
        let objects = build(&gpu_spec(), true, None).unwrap();
        let pod = pod(&objects);
        let gates = pod.scheduling_gates.as_ref().unwrap();
        assert_eq!(gates[0].name, super::super::QUEUED_GATE);
        assert!(pod.affinity.is_none(), "not pinned");
        assert!(pod.node_name.is_none());
        assert_eq!(
            pod.node_selector.as_ref().unwrap()["nvidia.com/gpu.product"],
            "NVIDIA-A100-SXM4-80GB",
            "the model holds while queued"
        );

        let admitted = build(&gpu_spec(), true, Some(&placement())).unwrap();
        let pod = self::pod(&admitted);
        assert!(pod.scheduling_gates.is_none());
        let term = &pod
            .affinity
            .as_ref()
            .unwrap()
            .node_affinity
            .as_ref()
            .unwrap()
            .required_during_scheduling_ignored_during_execution
            .as_ref()
            .unwrap()
            .node_selector_terms[0];
        assert_eq!(
            term.match_fields.as_ref().unwrap()[0].values.as_deref(),
            Some(&["gpu-a100-1".to_owned()][..])
        );
    }

    #[test]
    fn the_token_comes_from_the_notebooks_secret() {
        let mut spec = cpu_spec();
        spec.env.insert("JUPYTER_TOKEN".into(), "guessable".into());
        let objects = build(&spec, true, None).unwrap();
        let env = pod(&objects).containers[0].env.as_ref().unwrap();
        let tokens: Vec<&EnvVar> = env.iter().filter(|e| e.name == "JUPYTER_TOKEN").collect();
        assert_eq!(tokens.len(), 1, "the spec's value is dropped");
        assert_eq!(tokens[0].value, None);
        let secret = tokens[0]
            .value_from
            .as_ref()
            .unwrap()
            .secret_key_ref
            .as_ref()
            .unwrap();
        assert_eq!(secret.name, "lab-token");
        assert_eq!(secret.key, "token");
    }

    #[test]
    fn the_workspace_is_a_claim_of_its_size_and_not_a_template() {
        let objects = build(&gpu_spec(), true, None).unwrap();
        assert!(objects.stateful_set.spec.volume_claim_templates.is_none());
        let storage = |claim: &PersistentVolumeClaim| {
            claim
                .spec
                .as_ref()
                .unwrap()
                .resources
                .as_ref()
                .unwrap()
                .requests
                .as_ref()
                .unwrap()["storage"]
                .0
                .clone()
        };
        assert_eq!(
            objects.workspace.metadata.name.as_deref(),
            Some("vision-workspace")
        );
        assert_eq!(storage(&objects.workspace), "51200Mi");
        assert_eq!(
            objects
                .workspace
                .spec
                .as_ref()
                .unwrap()
                .access_modes
                .as_deref(),
            Some(&["ReadWriteOnce".to_owned()][..])
        );
        let data: Vec<(&str, String)> = objects
            .data_volumes
            .iter()
            .map(|c| (c.metadata.name.as_deref().unwrap(), storage(c)))
            .collect();
        assert_eq!(
            data,
            [
                ("imagenet", "512000Mi".to_owned()),
                ("models", "10240Mi".to_owned())
            ],
            "the configuration's volume after the spec's, 10 GiB when unsized"
        );
        let volume = &pod(&objects).volumes.as_ref().unwrap()[0];
        assert_eq!(volume.name, WORKSPACE_VOLUME);
        assert_eq!(
            volume.persistent_volume_claim.as_ref().unwrap().claim_name,
            "vision-workspace"
        );
    }

    #[test]
    fn the_spec_env_wins_and_nb_prefix_is_capstans() {
        let mut spec = gpu_spec();
        spec.env.insert("NB_PREFIX".into(), "/elsewhere".into());
        let objects = build(&spec, true, None).unwrap();
        let env: BTreeMap<&str, Option<&str>> = pod(&objects).containers[0]
            .env
            .as_ref()
            .unwrap()
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_deref()))
            .collect();
        assert_eq!(
            env["HF_HUB_OFFLINE"],
            Some("0"),
            "the spec over `offline-hub`"
        );
        assert_eq!(env["TRANSFORMERS_OFFLINE"], Some("1"));
        assert_eq!(env["NB_PREFIX"], Some("/notebook/team-vision/vision"));
    }

    #[test]
    fn a_limit_below_its_request_is_refused() {
        let mut spec = cpu_spec();
        spec.memory_limit_mib = Some(512);
        let err = build(&spec, true, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "notebook `lab`: memory_limit_mib (512) is below memory_mib (1024)"
        );
    }

    #[test]
    fn a_data_volume_may_not_take_the_workspaces_name_or_place() {
        let mut spec = cpu_spec();
        spec.data_volumes[0].name = "lab-workspace".into();
        assert!(matches!(
            build(&spec, true, None),
            Err(BuildError::NotebookVolume { .. })
        ));
        let mut spec = cpu_spec();
        spec.data_volumes[0].mount_path = WORKSPACE_MOUNT.into();
        let err = build(&spec, true, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "notebook `lab`: volume `datasets` is mounted at `/home/jovyan`, as is `workspace`"
        );
    }
}
