//! Workloads end to end through the REST API: real processes under the local runtime, on two
//! simulated GPUs, with the engine's loop running; refusals at submission; preemption; stop.
//! Who may call what is `authz.rs`'s table.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use backend::store::Store;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::config::{Sources, load};
use server::readiness::Readiness;
use tokio::sync::watch;
use tower::ServiceExt;

const OPS: &str = "ops@example.com";
const ALICE: &str = "alice@example.com";
const WAIT: Duration = Duration::from_secs(60);

struct World {
    app: Router,
    _dir: tempfile::TempDir,
    _stop: watch::Sender<bool>,
}

/// A server on two simulated H100s with the engine running, and profile team-a owned by
/// Alice.
async fn world(store: Store) -> World {
    let dir = tempfile::tempdir().unwrap();
    let config = load(&Sources {
        flags: vec![
            ("admins".into(), OPS.into()),
            ("trusted_proxies".into(), "127.0.0.1".into()),
            ("data_dir".into(), dir.path().display().to_string()),
            ("gpus".into(), "2xH100:81920".into()),
            ("stop_grace_seconds".into(), "1".into()),
        ],
        ..Sources::default()
    })
    .unwrap();
    let readiness = Arc::new(Readiness::default());
    readiness.mark_ready();
    let (stop, shutdown) = watch::channel(false);
    let state = server::serve::app_state(config, store, readiness, shutdown.clone(), None);
    tokio::spawn(state.engine.clone().run(shutdown));
    let app =
        server::router::build(state).layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 1))));
    let world = World {
        app,
        _dir: dir,
        _stop: stop,
    };
    let (status, body) = world
        .call(
            OPS,
            Method::POST,
            "/api/v1/profiles",
            Some(json!({"name": "team-a", "owner": ALICE})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    world
}

impl World {
    async fn call(
        &self,
        user: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("kubeflow-userid", user);
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let response = self
            .app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn submit(&self, spec: Value) -> (StatusCode, Value) {
        self.call(
            ALICE,
            Method::POST,
            "/api/v1/profiles/team-a/workloads",
            Some(spec),
        )
        .await
    }

    async fn detail(&self, name: &str) -> Value {
        let (status, body) = self
            .call(
                ALICE,
                Method::GET,
                &format!("/api/v1/profiles/team-a/workloads/{name}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// A page as the server renders it (no JavaScript): status and HTML.
    async fn page(&self, user: &str, path: &str) -> (StatusCode, String) {
        let request = Request::builder()
            .uri(path)
            .header("kubeflow-userid", user)
            .body(Body::empty())
            .unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Polls until the workload reaches `phase`; fails with its last detail otherwise.
    async fn until_phase(&self, name: &str, phase: &str) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let detail = self.detail(name).await;
            if detail["status"]["phase"] == phase {
                return detail;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name} never reached {phase}: {detail:#}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn job(name: &str, script: &str, resources: Value) -> Value {
    json!({
        "name": name,
        "kind": "step",
        "groups": [{
            "name": "main",
            "command": ["sh", "-c", script],
            "resources": resources,
        }],
    })
}

fn phases(detail: &Value) -> Vec<String> {
    detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["phase"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_workload_sees_exactly_its_gpu_and_its_output_is_kept(store: Store) {
    let world = world(store).await;
    let (status, body) = world
        .submit(job(
            "hello",
            "echo gpus=$CUDA_VISIBLE_DEVICES",
            json!({"cpu_milli": 100, "memory_mib": 64, "gpus": 1}),
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["phase"], "queued");
    assert_eq!(body["priority_class"], "default");

    let detail = world.until_phase("hello", "succeeded").await;
    let placement = &detail["status"]["placements"][0];
    assert_eq!(placement["node"], "local");
    let gpu = placement["gpus"][0]["index"].as_u64().unwrap();
    assert_eq!(placement["gpus"].as_array().unwrap().len(), 1);
    assert_eq!(
        phases(&detail),
        ["queued", "admitted", "starting", "running", "succeeded"]
    );

    let (status, logs) = world
        .call(
            ALICE,
            Method::GET,
            "/api/v1/profiles/team-a/workloads/hello/logs?group=main&replica=0",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{logs}");
    assert!(
        logs.as_array()
            .unwrap()
            .iter()
            .any(|line| *line == format!("gpus={gpu}")),
        "{logs}"
    );

    let (status, cluster) = world
        .call(ALICE, Method::GET, "/api/v1/cluster/nodes", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{cluster}");
    assert_eq!(cluster["nodes"][0]["simulated"], true);
    assert_eq!(cluster["nodes"][0]["gpus"].as_array().unwrap().len(), 2);
    assert_eq!(cluster["nodes"][0]["gpus"][0]["model"], "H100");
}

async fn workloads_that_can_never_run_are_refused_and_nothing_is_stored(store: Store) {
    let world = world(store).await;
    let gpu = |n: u32| json!({"cpu_milli": 100, "memory_mib": 64, "gpus": n});
    let refusals = [
        (job("too-big", "true", gpu(4)), "largest node has"),
        (
            job(
                "wrong-model",
                "true",
                json!({"gpus": 1, "gpu_models": ["A100"]}),
            ),
            "models here: H100",
        ),
        (
            job("half", "true", json!({"gpu_milli": 1500})),
            "groups[0].resources.gpu_milli",
        ),
        (job("Bad_Name", "true", gpu(0)), "name:"),
        (
            json!({"name": "x", "kind": "step", "priority_class": "urgent",
                   "groups": [{"name": "main", "command": ["true"], "resources": {}}]}),
            "no class `urgent`",
        ),
        (
            json!({"name": "x", "kind": "step", "groups": []}),
            "at least one replica group",
        ),
    ];
    for (spec, expected) in refusals {
        let (status, body) = world.submit(spec.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{spec} -> {body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(expected), "{spec}: `{message}`");
    }

    let (status, body) = world
        .call(
            OPS,
            Method::PATCH,
            "/api/v1/profiles/team-a",
            Some(json!({"quota": {"gpu_milli": 0}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = world.submit(job("no-quota", "true", gpu(1))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("may use at most 0"),
        "{body}"
    );

    let (status, body) = world
        .call(
            ALICE,
            Method::GET,
            "/api/v1/profiles/team-a/workloads",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!([]), "refusals store nothing");

    let (status, _) = world.submit(job("twice", "true", gpu(0))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = world.submit(job("twice", "true", gpu(0))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

async fn higher_priority_preempts_and_the_victim_runs_again_later(store: Store) {
    let world = world(store).await;
    let mut low = job("low", "sleep 30", json!({"gpus": 2}));
    low["priority_class"] = json!("low");
    low["requeue_on_failure"] = json!(true);
    assert_eq!(world.submit(low).await.0, StatusCode::CREATED);
    world.until_phase("low", "running").await;

    let mut high = job("high", "echo done", json!({"gpus": 1}));
    high["priority_class"] = json!("high");
    assert_eq!(world.submit(high).await.0, StatusCode::CREATED);
    world.until_phase("high", "succeeded").await;

    let detail = world.until_phase("low", "running").await;
    let preempted = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["phase"] == "preempted")
        .unwrap_or_else(|| panic!("no preemption recorded: {detail:#}"));
    assert!(
        preempted["reason"]
            .as_str()
            .unwrap()
            .contains("preempted by team-a/high"),
        "{preempted}"
    );
    let runs = phases(&detail).iter().filter(|p| *p == "running").count();
    assert_eq!(runs, 2, "ran, was preempted, ran again: {detail:#}");

    let (status, body) = world
        .call(
            ALICE,
            Method::POST,
            "/api/v1/profiles/team-a/workloads/low/stop",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["phase"], "stopped");
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("stopped by alice"),
        "{body}"
    );
    let (status, body) = world
        .call(
            ALICE,
            Method::POST,
            "/api/v1/profiles/team-a/workloads/low/stop",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = world
        .call(
            ALICE,
            Method::DELETE,
            "/api/v1/profiles/team-a/workloads/low",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

async fn the_queue_says_why_a_workload_waits(store: Store) {
    let world = world(store).await;
    assert_eq!(
        world
            .submit(job("first", "sleep 30", json!({"gpus": 2})))
            .await
            .0,
        StatusCode::CREATED
    );
    world.until_phase("first", "running").await;
    assert_eq!(
        world
            .submit(job("second", "true", json!({"gpus": 1})))
            .await
            .0,
        StatusCode::CREATED
    );
    let deadline = tokio::time::Instant::now() + WAIT;
    let waiting = loop {
        let (status, queue) = world.call(ALICE, Method::GET, "/api/v1/queue", None).await;
        assert_eq!(status, StatusCode::OK, "{queue}");
        let waiting = queue["profiles"][0]["waiting"][0].clone();
        if waiting["reason"].is_string() {
            break waiting;
        }
        assert!(tokio::time::Instant::now() < deadline, "{queue:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(waiting["name"], "second");
    assert_eq!(waiting["position"], 1);
    assert!(
        waiting["reason"]
            .as_str()
            .unwrap()
            .contains("waiting for room"),
        "{waiting}"
    );
    // Someone outside the profile sees the GPUs held, not by what.
    let (_, cluster) = world
        .call(
            "eve@example.com",
            Method::GET,
            "/api/v1/cluster/nodes",
            None,
        )
        .await;
    let holders: Vec<&Value> = cluster["nodes"][0]["gpus"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["holders"].as_array().unwrap())
        .collect();
    assert_eq!(holders.len(), 2, "{cluster:#}");
    assert!(
        holders.iter().all(|h| h["workload"].is_null()),
        "{cluster:#}"
    );
    let (_, queue) = world
        .call("eve@example.com", Method::GET, "/api/v1/queue", None)
        .await;
    assert_eq!(queue["profiles"], json!([]));

    // The "GPUs & queue" page, rendered on the server with the same views.
    let (status, html) = world.page(ALICE, "/gpus").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for expected in [
        "<h1>GPUs &amp; queue</h1>",
        ">simulated</span>",
        "GPU 0 · H100 · 80 GiB",
        "GPU 1 · H100 · 80 GiB",
        "team-a / first (1000 milli)",
        "Profile team-a",
        "second",
        "waiting for room",
        "data-testid=\"allocation-chart\"",
    ] {
        assert!(html.contains(expected), "`{expected}` missing from {html}");
    }
    let (status, html) = world.page("eve@example.com", "/gpus").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("team-a (another profile) (1000 milli)"),
        "{html}"
    );
    assert!(!html.contains("first"), "{html}");
    assert!(html.contains("You belong to no profile"), "{html}");
    world
        .call(
            ALICE,
            Method::POST,
            "/api/v1/profiles/team-a/workloads/first/stop",
            None,
        )
        .await;
    world.until_phase("second", "succeeded").await;
}

async fn a_replica_s_output_can_be_followed_as_it_comes(store: Store) {
    let world = world(store).await;
    let script = "sleep 1; echo first; sleep 0.2; echo second";
    assert_eq!(
        world.submit(job("chatty", script, json!({}))).await.0,
        StatusCode::CREATED
    );
    world.until_phase("chatty", "running").await;
    let request =
        Request::get("/api/v1/profiles/team-a/workloads/chatty/logs/follow?group=main&replica=0")
            .header("kubeflow-userid", ALICE)
            .body(Body::empty())
            .unwrap();
    let response = world.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    while !seen.contains("data: second") {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .unwrap_or_else(|_| panic!("no second line; got {seen:?}"));
        match frame {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    seen.push_str(&String::from_utf8_lossy(data));
                }
            }
            _ => panic!("the stream ended early: {seen:?}"),
        }
    }
    assert!(seen.contains("data: first\n"), "{seen:?}");
}

testkit::on_both_databases!(
    a_replica_s_output_can_be_followed_as_it_comes,
    a_workload_sees_exactly_its_gpu_and_its_output_is_kept,
    workloads_that_can_never_run_are_refused_and_nothing_is_stored,
    higher_priority_preempts_and_the_victim_runs_again_later,
    the_queue_says_why_a_workload_waits,
);
