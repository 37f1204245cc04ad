//! The Kubernetes runtime against the in-process fake API server, through the real kube
//! client: a training gang becomes its pods and headless Services, owned by the workload's
//! anchor and applied by the `capstan` field manager; pods' status changes come back as the
//! workload's phase in the local runtime's words; a stop takes everything away; a restarted
//! Capstan adopts what runs without creating anything twice; a refusal of the API is an error
//! with the API's message and leaves nothing half-created.

use std::collections::BTreeMap;
use std::time::Duration;

use api::{
    GpuShare, Phase, PortSpec, ReplicaGroup, ReplicaPlacement, Resources, WorkloadKind,
    WorkloadSpec,
};
use backend::k8s::K8sConfig;
use backend::runtime::kube::KubeRuntime;
use backend::runtime::{PlacedWorkload, Runtime, RuntimeReport};
use kube::api::{Api, PostParams};
use kube::{Client, Config};
use kube_fake::FakeApiServer;
use serde_json::{Value, json};

async fn cluster() -> (FakeApiServer, KubeRuntime) {
    let server = FakeApiServer::start().await.unwrap();
    let client = Client::try_from(Config::new(server.url().parse().unwrap())).unwrap();
    let ns = k8s_openapi::api::core::v1::Namespace {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some("team-a".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    Api::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .unwrap();
    let runtime = KubeRuntime::new(client, K8sConfig::default());
    (server, runtime)
}

fn group(name: &str, replicas: u32) -> ReplicaGroup {
    ReplicaGroup {
        name: name.into(),
        replicas,
        command: vec!["torchrun".into(), "train.py".into()],
        image: Some("ghcr.io/example/ddp:1.0".into()),
        args: vec![],
        env: BTreeMap::new(),
        ports: vec![PortSpec {
            name: "pytorchjob-port".into(),
            container_port: 23456,
        }],
        volumes: vec![],
        working_dir: None,
        resources: Resources {
            gpus: 1,
            ..Resources::default()
        },
    }
}

fn gang() -> PlacedWorkload {
    let placement = |group: &str, replica, node: &str| ReplicaPlacement {
        group: group.into(),
        replica,
        node: node.into(),
        gpus: vec![GpuShare {
            index: replica,
            milli: 1000,
        }],
    };
    PlacedWorkload {
        id: 7,
        profile: "team-a".into(),
        name: "ddp-0".into(),
        spec: WorkloadSpec {
            name: "ddp-0".into(),
            kind: WorkloadKind::Training,
            priority_class: None,
            groups: vec![group("master", 1), group("worker", 2)],
            gang: true,
            requeue_on_failure: false,
            leader: Some("master".into()),
        },
        placements: vec![
            placement("master", 0, "gpu-a"),
            placement("worker", 0, "gpu-a"),
            placement("worker", 1, "gpu-b"),
        ],
    }
}

async fn next_report(runtime: &KubeRuntime) -> RuntimeReport {
    let reports = tokio::time::timeout(Duration::from_secs(10), runtime.next_reports())
        .await
        .expect("a report within 10 s");
    reports.into_iter().next().unwrap()
}

fn terminated(code: i32) -> Value {
    json!({
        "containerStatuses": [{
            "name": "c", "image": "i", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"terminated": {"exitCode": code, "reason": if code == 0 { "Completed" } else { "Error" }}}
        }],
        "phase": if code == 0 { "Succeeded" } else { "Failed" }
    })
}

#[tokio::test]
async fn a_gang_becomes_owned_pods_and_headless_services() {
    let (server, runtime) = cluster().await;
    let endpoints = runtime.start(&gang()).await.unwrap();
    let pods = server.objects("v1", "pods");
    assert_eq!(
        server.names("v1", "pods"),
        ["ddp-0-master-0", "ddp-0-worker-0", "ddp-0-worker-1"]
    );
    let anchor = &server.objects("v1", "configmaps")[0];
    assert_eq!(anchor["metadata"]["name"], "capstan-workload-7");
    for pod in &pods {
        assert_eq!(
            pod["metadata"]["ownerReferences"][0]["uid"],
            anchor["metadata"]["uid"]
        );
        assert_eq!(pod["metadata"]["managedFields"][0]["manager"], "capstan");
    }
    let services = server.objects("v1", "services");
    assert_eq!(
        server.names("v1", "services"),
        ["ddp-0-master", "ddp-0-worker"]
    );
    assert!(
        services.iter().all(|s| s["spec"]["clusterIP"] == "None"),
        "headless"
    );
    assert_eq!(endpoints.len(), 3);
    assert_eq!(endpoints[2].host, "ddp-0-worker-1.ddp-0-worker.team-a.svc");
    assert_eq!(endpoints[2].port, 23456);
}

#[tokio::test]
async fn pod_status_comes_back_as_the_workloads_phase() {
    let (server, runtime) = cluster().await;
    runtime.start(&gang()).await.unwrap();
    for pod in ["ddp-0-master-0", "ddp-0-worker-0", "ddp-0-worker-1"] {
        server
            .set_status("v1", "pods", "team-a", pod, json!({"phase": "Running"}))
            .unwrap();
    }
    let running = next_report(&runtime).await;
    assert_eq!((running.id, running.phase), (7, Phase::Running));
    server
        .set_status("v1", "pods", "team-a", "ddp-0-worker-1", terminated(3))
        .unwrap();
    let failed = next_report(&runtime).await;
    assert_eq!(failed.phase, Phase::Failed);
    assert_eq!(failed.reason, "replica worker-1 exited with code 3");
    // The gang cannot go on: the pods still running are stopped, the failed one kept (its log).
    assert_eq!(server.names("v1", "pods"), ["ddp-0-worker-1"]);

    server.set_pod_log("team-a", "ddp-0-worker-1", "epoch=1 loss=0.5\nboom\n");
    let lines = runtime.log_tail(7, "worker", 1, 100).await.unwrap();
    assert_eq!(lines, ["epoch=1 loss=0.5", "boom"]);
}

#[tokio::test]
async fn a_stop_takes_everything_away() {
    let (server, runtime) = cluster().await;
    runtime.start(&gang()).await.unwrap();
    runtime.stop(7, Duration::from_secs(5)).await.unwrap();
    assert_eq!(next_report(&runtime).await.phase, Phase::Stopped);
    for plural in ["pods", "services", "configmaps"] {
        assert!(server.objects("v1", plural).is_empty(), "{plural} left");
    }
}

#[tokio::test]
async fn a_restarted_capstan_adopts_without_duplicates() {
    let (server, first) = cluster().await;
    first.start(&gang()).await.unwrap();
    let before = server.objects("v1", "pods").len();
    drop(first);
    let client = Client::try_from(Config::new(server.url().parse().unwrap())).unwrap();
    let second = KubeRuntime::new(client, K8sConfig::default());
    let reports = second
        .recover(&[(7, Phase::Running), (8, Phase::Running)])
        .await
        .unwrap();
    let phases: Vec<(i64, Phase)> = reports.iter().map(|r| (r.id, r.phase)).collect();
    assert_eq!(phases, [(7, Phase::Running), (8, Phase::Failed)]);
    assert_eq!(second.endpoints(7).len(), 3, "known again");
    // Applying the same workload again changes nothing and creates nothing.
    second.start(&gang()).await.unwrap();
    assert_eq!(server.objects("v1", "pods").len(), before);
    assert_eq!(server.objects("v1", "configmaps").len(), 1);
}

#[tokio::test]
async fn a_refusal_is_an_error_with_the_apis_message_and_nothing_is_left() {
    let (server, runtime) = cluster().await;
    server.fail_next(
        "PATCH",
        "pods",
        403,
        "pods is forbidden: quota exceeded for team-a",
    );
    let err = runtime.start(&gang()).await.unwrap_err().to_string();
    assert!(
        err.contains("pods is forbidden: quota exceeded for team-a (403)"),
        "{err}"
    );
    assert!(err.contains("apply Pod ddp-0-master-0"), "{err}");
    assert!(server.objects("v1", "pods").is_empty());
    assert!(server.objects("v1", "configmaps").is_empty());
}
