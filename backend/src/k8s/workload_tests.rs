//! Unit tests of [`super::workload_objects`]: which objects each kind becomes, and the fields
//! that decide where and whether pods run.

use api::{Resources, WorkloadKind};
use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::fixtures::{self, group, placement, port, workload};
use super::{BuildError, K8sConfig, PlacedWorkload, QUEUED_GATE, WorkloadObject, workload_objects};

fn build(w: &PlacedWorkload) -> Vec<WorkloadObject> {
    workload_objects(&K8sConfig::default(), w).unwrap()
}

fn kinds_and_names(objects: &[WorkloadObject]) -> Vec<(&'static str, &str)> {
    objects.iter().map(|o| (o.kind(), o.name())).collect()
}

fn template_spec(template: &PodTemplateSpec) -> &PodSpec {
    template.spec.as_ref().unwrap()
}

/// Every pod spec among `objects`, templates included.
fn pod_specs(objects: &[WorkloadObject]) -> Vec<&PodSpec> {
    objects
        .iter()
        .filter_map(|o| match o {
            WorkloadObject::StatefulSet(s) => Some(template_spec(&s.spec.template)),
            WorkloadObject::Deployment(d) => Some(template_spec(&d.spec.template)),
            WorkloadObject::Job(j) => Some(template_spec(&j.spec.as_ref()?.template)),
            WorkloadObject::Pod(p) => p.spec.as_ref(),
            _ => None,
        })
        .collect()
}

fn pinned_nodes(spec: &PodSpec) -> Option<Vec<String>> {
    let term = &spec
        .affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()?
        .node_selector_terms[0];
    term.match_fields.as_ref()?[0].values.clone()
}

fn limit(spec: &PodSpec, resource: &str) -> Option<Quantity> {
    spec.containers[0]
        .resources
        .as_ref()?
        .limits
        .as_ref()?
        .get(resource)
        .cloned()
}

fn cpu_only(name: &str, replicas: u32) -> api::ReplicaGroup {
    group(
        name,
        replicas,
        Resources {
            cpu_milli: 500,
            memory_mib: 1024,
            ..Resources::default()
        },
    )
}

#[test]
fn a_notebook_is_a_stateful_set_with_a_service() {
    let objects = build(&fixtures::notebook());
    assert_eq!(
        kinds_and_names(&objects),
        [("StatefulSet", "lab-main"), ("Service", "lab-main")]
    );
    let WorkloadObject::StatefulSet(set) = &objects[0] else {
        unreachable!()
    };
    assert_eq!(set.metadata.namespace.as_deref(), Some("team-vision"));
    let spec = &set.spec;
    assert_eq!(spec.replicas, Some(1));
    assert_eq!(spec.service_name.as_deref(), Some("lab-main"));
    let claims = spec.volume_claim_templates.as_ref().unwrap();
    assert_eq!(claims[0].metadata.name.as_deref(), Some("home"));
    let pod = template_spec(&spec.template);
    assert_eq!(pod.service_account_name.as_deref(), Some("default-editor"));
    assert_eq!(limit(pod, "nvidia.com/gpu"), Some(Quantity("1".into())));
    assert_eq!(
        pod.node_selector.as_ref().unwrap()["nvidia.com/gpu.product"],
        "NVIDIA-A100-SXM4-80GB"
    );
    assert_eq!(pinned_nodes(pod), Some(vec!["gpu-a100-1".to_owned()]));
    assert!(pod.scheduling_gates.is_none(), "admitted");
    assert!(pod.node_name.is_none());
    // The template's labels are what the selector picks.
    let labels = spec
        .template
        .metadata
        .as_ref()
        .unwrap()
        .labels
        .as_ref()
        .unwrap();
    for (key, value) in spec.selector.match_labels.as_ref().unwrap() {
        assert_eq!(&labels[key], value);
    }
}

#[test]
fn steps_and_trials_are_jobs_without_retries() {
    for kind in [WorkloadKind::Step, WorkloadKind::Trial] {
        let w = workload(3, "prep", kind, vec![cpu_only("main", 1)]);
        let objects = build(&w);
        assert_eq!(kinds_and_names(&objects), [("Job", "prep-main")]);
        let WorkloadObject::Job(job) = &objects[0] else {
            unreachable!()
        };
        let spec = job.spec.as_ref().unwrap();
        assert_eq!(spec.backoff_limit, Some(0));
        assert_eq!(spec.completions, Some(1));
        assert_eq!(spec.suspend, Some(true), "queued");
        assert_eq!(
            template_spec(&spec.template).restart_policy.as_deref(),
            Some("Never")
        );
    }
}

#[test]
fn an_admitted_job_runs() {
    let mut w = workload(3, "prep", WorkloadKind::Step, vec![cpu_only("main", 1)]);
    w.queued = false;
    w.placements = vec![placement("main", 0, "cpu-1", &[])];
    let objects = build(&w);
    let WorkloadObject::Job(job) = &objects[0] else {
        unreachable!()
    };
    assert_eq!(job.spec.as_ref().unwrap().suspend, Some(false));
}

#[test]
fn a_training_gang_is_one_pod_per_replica_each_on_its_own_node() {
    let objects = build(&fixtures::training_gang());
    assert_eq!(
        kinds_and_names(&objects),
        [
            ("Pod", "resnet-master-0"),
            ("Service", "resnet-master"),
            ("PersistentVolumeClaim", "resnet-worker-dataset"),
            ("Pod", "resnet-worker-0"),
            ("Pod", "resnet-worker-1"),
            ("Service", "resnet-worker"),
        ]
    );
    let pods: Vec<_> = objects
        .iter()
        .filter_map(|o| match o {
            WorkloadObject::Pod(p) => Some(p),
            _ => None,
        })
        .collect();
    let nodes: Vec<_> = pods
        .iter()
        .map(|p| pinned_nodes(p.spec.as_ref().unwrap()).unwrap())
        .collect();
    assert_eq!(nodes, [["gpu-node-a"], ["gpu-node-a"], ["gpu-node-b"]]);
    let worker = pods[2];
    let spec = worker.spec.as_ref().unwrap();
    assert_eq!(spec.hostname.as_deref(), Some("resnet-worker-1"));
    assert_eq!(spec.subdomain.as_deref(), Some("resnet-worker"));
    assert_eq!(spec.restart_policy.as_deref(), Some("Never"));
    assert_eq!(limit(spec, "nvidia.com/gpu"), Some(Quantity("2".into())));
    assert_eq!(
        worker.metadata.labels.as_ref().unwrap()["capstan.dev/replica"],
        "1"
    );
    let WorkloadObject::Service(service) = &objects[5] else {
        unreachable!()
    };
    let service = service.spec.as_ref().unwrap();
    assert_eq!(service.cluster_ip.as_deref(), Some("None"), "headless");
    assert_eq!(
        service.selector.as_ref().unwrap()["app.kubernetes.io/component"],
        "worker"
    );
    let WorkloadObject::PersistentVolumeClaim(claim) = &objects[2] else {
        unreachable!()
    };
    assert_eq!(
        claim.spec.as_ref().unwrap().access_modes.as_deref(),
        Some(&["ReadWriteMany".to_owned()][..]),
        "two replicas share it"
    );
}

#[test]
fn a_server_on_shares_asks_for_the_shared_resource_and_waits_at_the_gate() {
    let objects = build(&fixtures::shared_gpu_server());
    assert_eq!(
        kinds_and_names(&objects),
        [
            ("Deployment", "llm-serve-predictor"),
            ("Service", "llm-serve-predictor")
        ]
    );
    let WorkloadObject::Deployment(deployment) = &objects[0] else {
        unreachable!()
    };
    let spec = &deployment.spec;
    assert_eq!(spec.replicas, Some(2));
    assert_eq!(
        spec.strategy.as_ref().unwrap().type_.as_deref(),
        Some("Recreate")
    );
    let pod = template_spec(&spec.template);
    assert_eq!(
        limit(pod, "capstan.dev/gpu-milli"),
        Some(Quantity("500".into()))
    );
    assert_eq!(limit(pod, "nvidia.com/gpu"), None);
    assert!(pod.tolerations.is_some());
    assert_eq!(pod.scheduling_gates.as_ref().unwrap()[0].name, QUEUED_GATE);
    assert!(pinned_nodes(pod).is_none(), "queued: no node yet");
    assert_eq!(
        pod.containers[0].command,
        Some(vec!["python".into(), "-m".into(), "server".into()])
    );
}

#[test]
fn the_gate_is_present_only_while_queued() {
    let mut w = fixtures::training_gang();
    for spec in pod_specs(&build(&w)) {
        assert!(spec.scheduling_gates.is_none());
    }
    w.queued = true;
    w.placements.clear();
    let objects = build(&w);
    let specs = pod_specs(&objects);
    assert_eq!(specs.len(), 3);
    for spec in specs {
        let gates = spec.scheduling_gates.as_ref().unwrap();
        assert_eq!(gates.len(), 1);
        assert_eq!(gates[0].name, "capstan.dev/queued");
        assert!(pinned_nodes(spec).is_none());
    }
}

#[test]
fn tolerations_only_for_groups_that_use_gpus() {
    let mut gpu = cpu_only("gpu", 1);
    gpu.resources.gpus = 1;
    let w = workload(
        5,
        "mixed",
        WorkloadKind::Training,
        vec![cpu_only("ps", 1), gpu],
    );
    let objects = build(&w);
    let specs = pod_specs(&objects);
    assert!(
        specs[0].tolerations.is_none(),
        "the CPU-only parameter server"
    );
    let tolerations = specs[1].tolerations.as_ref().unwrap();
    assert_eq!(tolerations[0].key.as_deref(), Some("nvidia.com/gpu"));
}

#[test]
fn a_multi_replica_controller_may_use_each_placed_node() {
    let mut w = fixtures::shared_gpu_server();
    w.queued = false;
    w.placements = vec![
        placement("predictor", 0, "node-b", &[(0, 500)]),
        placement("predictor", 1, "node-a", &[(1, 500)]),
    ];
    let objects = build(&w);
    let spec = pod_specs(&objects)[0];
    assert_eq!(
        pinned_nodes(spec),
        Some(vec!["node-a".to_owned(), "node-b".to_owned()])
    );
    assert!(spec.scheduling_gates.is_none());
}

#[test]
fn a_group_without_an_image_is_named_in_the_error() {
    let mut w = fixtures::training_gang();
    w.spec.groups[1].image = None;
    let err = workload_objects(&K8sConfig::default(), &w).unwrap_err();
    assert_eq!(
        err,
        BuildError::MissingImage {
            workload: "resnet".into(),
            group: "worker".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "group `worker` of workload `resnet` has no image; cluster mode runs images"
    );
}

#[test]
fn an_admitted_workload_needs_every_replica_placed() {
    let mut w = fixtures::training_gang();
    w.placements.pop();
    assert_eq!(
        workload_objects(&K8sConfig::default(), &w),
        Err(BuildError::MissingPlacement {
            workload: "resnet".into(),
            group: "worker".into(),
            replica: 1
        })
    );

    let mut w = fixtures::training_gang();
    w.placements.push(placement("chief", 0, "n", &[]));
    assert!(matches!(
        workload_objects(&K8sConfig::default(), &w),
        Err(BuildError::UnknownPlacementGroup { group, .. }) if group == "chief"
    ));
}

#[test]
fn a_workload_without_groups_is_refused() {
    let w = workload(1, "empty", WorkloadKind::Step, vec![]);
    assert!(matches!(
        workload_objects(&K8sConfig::default(), &w),
        Err(BuildError::NoGroups { .. })
    ));
}

#[test]
fn no_ports_no_service() {
    let w = workload(
        1,
        "batch",
        WorkloadKind::Training,
        vec![cpu_only("main", 2)],
    );
    let objects = build(&w);
    assert!(objects.iter().all(|o| o.kind() == "Pod"));
    for spec in pod_specs(&objects) {
        assert!(spec.subdomain.is_none());
    }
}

#[test]
fn long_names_are_shortened_everywhere_and_stay_valid() {
    let long = "a".repeat(60);
    let mut main = cpu_only("main", 2);
    main.ports = vec![port("http", 80)];
    let w = workload(1, &long, WorkloadKind::Training, vec![main]);
    let objects = build(&w);
    for object in &objects {
        let name = object.name();
        assert!(name.len() <= 63, "{name}");
        assert!(name.starts_with(&"a".repeat(50)), "{name}");
        let labels = object.metadata().labels.as_ref().unwrap();
        for value in labels.values() {
            assert!(value.len() <= 63, "label value {value}");
        }
    }
    assert!(objects[0].name().ends_with("-0"));
    assert!(objects[1].name().ends_with("-1"));
    assert_ne!(objects[0].name(), objects[1].name());

    let notebook = workload(2, &long, WorkloadKind::Notebook, vec![cpu_only("main", 1)]);
    assert!(
        build(&notebook)[0].name().len() <= 52,
        "StatefulSet names stop at 52"
    );
}

#[test]
fn labels_say_whose_objects_these_are() {
    let objects = build(&fixtures::notebook());
    let labels = objects[0].metadata().labels.as_ref().unwrap();
    assert_eq!(labels["app.kubernetes.io/name"], "lab");
    assert_eq!(labels["app.kubernetes.io/instance"], "lab-main");
    assert_eq!(labels["app.kubernetes.io/component"], "main");
    assert_eq!(labels["app.kubernetes.io/managed-by"], "capstan");
    assert_eq!(labels["capstan.dev/profile"], "team-vision");
    assert_eq!(labels["capstan.dev/workload"], "7");
    assert_eq!(labels["capstan.dev/kind"], "notebook");
}
