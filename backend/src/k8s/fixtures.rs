//! Inputs shared by the unit and snapshot tests: a team profile, a notebook, a two-group training
//! gang, a model server on GPU shares and a served KServe model from cluster storage.

use std::collections::BTreeMap;

use api::{
    GpuShare, PortSpec, Quota, ReplicaGroup, ReplicaPlacement, Resources, VolumeSource, VolumeSpec,
    WorkloadKind, WorkloadSpec,
};

use super::{PlacedWorkload, ProfileObjects};
use crate::profiles::Role;

pub fn profile() -> ProfileObjects {
    ProfileObjects {
        name: "team-vision".into(),
        contributors: vec![
            ("ana@example.com".into(), Role::Owner),
            ("bo.li@example.com".into(), Role::Admin),
            ("cy@example.com".into(), Role::Edit),
            ("di@example.com".into(), Role::View),
        ],
        quota: Quota {
            gpu_milli: Some(2500),
            cpu_milli: Some(32000),
            memory_mib: Some(131072),
            workloads: Some(8),
            ..Quota::default()
        },
    }
}

pub fn group(name: &str, replicas: u32, resources: Resources) -> ReplicaGroup {
    ReplicaGroup {
        name: name.into(),
        replicas,
        command: vec![],
        image: Some("ghcr.io/example/train:1.0".into()),
        args: vec![],
        env: BTreeMap::new(),
        ports: vec![],
        volumes: vec![],
        working_dir: None,
        resources,
    }
}

pub fn port(name: &str, container_port: u16) -> PortSpec {
    PortSpec {
        name: name.into(),
        container_port,
    }
}

pub fn placement(group: &str, replica: u32, node: &str, gpus: &[(u32, u32)]) -> ReplicaPlacement {
    ReplicaPlacement {
        group: group.into(),
        replica,
        node: node.into(),
        gpus: gpus
            .iter()
            .map(|&(index, milli)| GpuShare { index, milli })
            .collect(),
    }
}

pub fn workload(
    id: i64,
    name: &str,
    kind: WorkloadKind,
    groups: Vec<ReplicaGroup>,
) -> PlacedWorkload {
    PlacedWorkload {
        id,
        profile: "team-vision".into(),
        name: name.into(),
        spec: WorkloadSpec {
            name: name.into(),
            kind,
            priority_class: None,
            groups,
            gang: false,
            requeue_on_failure: false,
            leader: None,
        },
        placements: vec![],
        queued: true,
    }
}

/// An admitted notebook on one A100, with a home volume and a scratch directory.
pub fn notebook() -> PlacedWorkload {
    let mut main = group(
        "main",
        1,
        Resources {
            cpu_milli: 2000,
            memory_mib: 8192,
            gpus: 1,
            gpu_milli: 0,
            gpu_models: vec!["NVIDIA-A100-SXM4-80GB".into()],
        },
    );
    main.image = Some("ghcr.io/example/jupyter-pytorch:2.4".into());
    main.env = BTreeMap::from([
        ("NB_PREFIX".into(), "/notebook/team-vision/lab".into()),
        ("JUPYTER_ENABLE_LAB".into(), "yes".into()),
    ]);
    main.ports = vec![port("http", 8888)];
    main.volumes = vec![
        VolumeSpec {
            name: "home".into(),
            mount_path: "/home/jovyan".into(),
            size_mib: Some(10240),
            source: VolumeSource::Fresh,
        },
        VolumeSpec {
            name: "scratch".into(),
            mount_path: "/scratch".into(),
            size_mib: None,
            source: VolumeSource::Fresh,
        },
    ];
    let mut w = workload(7, "lab", WorkloadKind::Notebook, vec![main]);
    w.placements = vec![placement("main", 0, "gpu-a100-1", &[(3, 1000)])];
    w.queued = false;
    w
}

/// An admitted PyTorch gang: a master and two workers, two GPUs each of either model, the
/// workers sharing a dataset volume.
pub fn training_gang() -> PlacedWorkload {
    let gpus = Resources {
        cpu_milli: 8000,
        memory_mib: 65536,
        gpus: 2,
        gpu_milli: 0,
        gpu_models: vec![
            "NVIDIA-A100-SXM4-80GB".into(),
            "NVIDIA-H100-80GB-HBM3".into(),
        ],
    };
    let mut master = group("master", 1, gpus.clone());
    let mut worker = group("worker", 2, gpus);
    for g in [&mut master, &mut worker] {
        g.command = vec!["torchrun".into()];
        g.args = vec!["--nnodes=3".into(), "train.py".into()];
        g.env = BTreeMap::from([
            ("MASTER_ADDR".into(), "resnet-master-0.resnet-master".into()),
            ("MASTER_PORT".into(), "29500".into()),
        ]);
        g.ports = vec![port("rendezvous", 29500)];
    }
    worker.volumes = vec![VolumeSpec {
        name: "dataset".into(),
        mount_path: "/data".into(),
        size_mib: Some(51200),
        source: VolumeSource::Fresh,
    }];
    let mut w = workload(12, "resnet", WorkloadKind::Training, vec![master, worker]);
    w.spec.gang = true;
    w.placements = vec![
        placement("master", 0, "gpu-node-a", &[(0, 1000), (1, 1000)]),
        placement("worker", 0, "gpu-node-a", &[(2, 1000), (3, 1000)]),
        placement("worker", 1, "gpu-node-b", &[(0, 1000), (1, 1000)]),
    ];
    w.queued = false;
    w
}

/// A queued model server: two replicas on half a GPU each.
pub fn shared_gpu_server() -> PlacedWorkload {
    let mut serve = group(
        "predictor",
        2,
        Resources {
            cpu_milli: 1000,
            memory_mib: 16384,
            gpus: 0,
            gpu_milli: 500,
            gpu_models: vec![],
        },
    );
    serve.image = Some("ghcr.io/example/llm-server:0.9".into());
    serve.command = vec!["python".into(), "-m".into(), "server".into()];
    serve.args = vec!["--model=/models/small".into()];
    serve.ports = vec![port("http", 8080), port("metrics", 9090)];
    workload(21, "llm-serve", WorkloadKind::Server, vec![serve])
}

/// The admitted replica of KServe's `sklearn-iris` served from `storage_uri` (`pvc://` or
/// `s3://`), from the manifest through the serving engine's own builder.
pub fn served_model(storage_uri: &str) -> PlacedWorkload {
    use crate::serving::replica::{RuntimePaths, workload_spec};
    use crate::serving::spec::{StorageRules, parse};

    let manifest = format!(
        "apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: sklearn-iris
spec:
  predictor:
    model:
      modelFormat:
        name: sklearn
      storageUri: {storage_uri}
      resources:
        limits: {{cpu: '1', memory: 2Gi}}
"
    );
    let rules = StorageRules {
        roots: vec![],
        cluster: true,
    };
    let spec = parse(&manifest, &rules).expect("a valid cluster manifest");
    let paths = RuntimePaths {
        mlserver: "mlserver".into(),
        python_runtimes: None,
    };
    let replica = workload_spec(
        "sklearn-iris",
        &spec.revision,
        &paths,
        "sklearn-iris-1-x7k2p".into(),
    );
    let mut w = workload(
        31,
        &replica.name,
        WorkloadKind::Server,
        replica.groups.clone(),
    );
    w.spec = replica;
    w.placements = vec![placement(
        crate::serving::replica::GROUP,
        0,
        "cpu-node-1",
        &[],
    )];
    w.queued = false;
    w
}

/// The first attempt of a PyTorchJob (a master and two workers, a GPU each), admitted on two
/// nodes, from the manifest through the training engine's own builder.
pub fn pytorch_job() -> PlacedWorkload {
    use crate::training::job_workload::job_workload;
    use crate::training::spec::{SpecRules, parse};

    let manifest = "apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: ddp
spec:
  pytorchReplicaSpecs:
    Master:
      template:
        spec:
          containers:
            - name: pytorch
              image: ghcr.io/example/ddp:1.0
              command: [torchrun, train.py]
              resources: {limits: {nvidia.com/gpu: 1}}
    Worker:
      replicas: 2
      restartPolicy: OnFailure
      template:
        spec:
          containers:
            - name: pytorch
              image: ghcr.io/example/ddp:1.0
              command: [torchrun, train.py]
              resources: {limits: {nvidia.com/gpu: 1}}
";
    let rules = SpecRules {
        cluster: true,
        max_node_gpus: 8,
    };
    let spec = parse(manifest, &rules).expect("a valid cluster manifest");
    let attempt = job_workload(&spec, 0);
    let mut w = workload(
        41,
        &attempt.name,
        WorkloadKind::Training,
        attempt.groups.clone(),
    );
    w.spec = attempt;
    w.placements = vec![
        placement("master", 0, "gpu-node-a", &[(0, 1000)]),
        placement("worker", 0, "gpu-node-a", &[(1, 1000)]),
        placement("worker", 1, "gpu-node-b", &[(0, 1000)]),
    ];
    w.queued = false;
    w
}
