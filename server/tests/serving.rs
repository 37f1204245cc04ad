//! Model serving end to end through a real server on a TCP port: a real scikit-learn model
//! served by real MLServer (the virtualenv `cargo xtask` installs, on PATH) answers V2 inference
//! through the router, for members and for a model token; a 20% canary gets 20% of 1,000
//! requests, and promote and roll back move the traffic; a model with minReplicas 0 scales to
//! zero when idle and back up on the first request, and follows a steady load up to its max
//! and back; bad specs are refused and nothing is stored.

use std::time::{Duration, Instant};

use backend::store::Store;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[path = "support/header_world.rs"]
mod header_world;

use header_world::{ALICE, World, answer, which};

const MALLORY: &str = "mallory@example.com";
/// MLServer loads a model in about 3 s here; a loaded CI machine may take much longer.
const READY_WAIT: Duration = Duration::from_secs(120);

async fn world(store: Store, extra: &[(&str, &str)]) -> World {
    let mut flags = vec![("gpus", "none"), ("stop_grace_seconds", "2")];
    flags.extend_from_slice(extra);
    header_world::world(store, &flags, |state, shutdown| {
        tokio::spawn(state.serving.clone().run(shutdown));
    })
    .await
}

impl World {
    async fn model(&self, name: &str) -> Value {
        let (status, body) = self
            .call(
                ALICE,
                "GET",
                &format!("/api/v1/profiles/team-a/models/{name}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Waits until `check` holds of the model's page.
    async fn until(&self, name: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let model = self.model(name).await;
            if check(&model) {
                return model;
            }
            assert!(
                started.elapsed() < READY_WAIT,
                "{what}: never happened; the model: {model:#}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn models_dir(&self) -> std::path::PathBuf {
        self.data.path().join("models")
    }
}

fn event_messages(model: &Value) -> Vec<&str> {
    model["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect()
}

fn state_of(model: &Value) -> &str {
    model["summary"]["state"].as_str().unwrap_or_default()
}

/// Trains a logistic regression on iris-like rows with MLServer's own Python and saves it where
/// KServe's sklearn format expects it: `<dir>/model.joblib`.
fn train_sklearn_model(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mlserver = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join("mlserver"))
        .find(|p| p.is_file())
        .unwrap();
    let python = mlserver.parent().unwrap().join("python3");
    let script = format!(
        "from sklearn.linear_model import LogisticRegression\n\
         import joblib\n\
         X = [[5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2], [6.8, 2.8, 4.8, 1.4], [6.7, 3.1, 4.4, 1.4]]\n\
         y = [0, 0, 1, 1]\n\
         joblib.dump(LogisticRegression().fit(X, y), '{}')\n",
        dir.join("model.joblib").display()
    );
    let status = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .status()
        .unwrap();
    assert!(status.success());
}

fn sklearn_manifest(uri: &std::path::Path) -> String {
    format!(
        "apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: iris
spec:
  predictor:
    model:
      modelFormat:
        name: sklearn
      storageUri: file://{}
",
        uri.display()
    )
}

fn echo_manifest(name: &str, revision: &str, extra: &str) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/echo_model.py");
    format!(
        "apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: {name}
spec:
  predictor:
{extra}    containers:
      - name: kserve-container
        command: [python3, {script}]
        env: [{{name: REVISION, value: \"{revision}\"}}]
"
    )
}

async fn a_sklearn_model_answers_v2_through_the_router(store: Store) {
    assert!(
        which("mlserver"),
        "mlserver is not on PATH: run the tests through `cargo xtask test`, which installs \
         MLServer in .tools/mlserver"
    );
    let w = world(store, &[]).await;
    let dir = w.models_dir().join("iris");
    train_sklearn_model(&dir);
    let (status, body) = w
        .send_manifest(
            "POST",
            "/api/v1/profiles/team-a/models",
            &sklearn_manifest(&dir),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["url"], "/serving/team-a/iris");
    let model = w.until("iris", "ready", |m| state_of(m) == "ready").await;
    assert_eq!(model["summary"]["revisions"][0]["traffic_percent"], 100);

    let infer = "/serving/team-a/iris/v2/models/iris/infer";
    let request = json!({"inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP64",
        "data": [5.0, 3.4, 1.5, 0.2, 6.9, 3.1, 4.9, 1.5]}]});
    let (status, body) = w.call(ALICE, "POST", infer, Some(request.clone())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["model_name"], "iris");
    assert_eq!(body["outputs"][0]["data"], json!([0, 1]));

    // KServe's V1 predict, translated for MLServer (which speaks V2 only).
    let predict = "/serving/team-a/iris/v1/models/iris:predict";
    let instances = json!({"instances": [[5.0, 3.4, 1.5, 0.2], [6.9, 3.1, 4.9, 1.5]]});
    let (status, body) = w.call(ALICE, "POST", predict, Some(instances)).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"predictions": [0, 1]}))
    );
    let ragged = json!({"instances": [[5.0, 3.4], [6.9]]});
    let (status, body) = w.call(ALICE, "POST", predict, Some(ragged)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("instances[1]"),
        "{body}"
    );

    // The runtime's 4xx comes back as it is.
    let (status, body) = w
        .call(ALICE, "POST", infer, Some(json!({"inputs": 3})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = w
        .call(ALICE, "GET", "/serving/team-a/iris/v2/health/ready", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = w
        .call(ALICE, "GET", "/serving/team-a/iris/v2/models/iris", None)
        .await;
    assert_eq!((status, &body["name"]), (StatusCode::OK, &json!("iris")));

    // Not a member: refused before anything reaches the model (as for every profile's
    // things, a non-member is not told that the profile exists).
    let (status, _) = w.call(MALLORY, "POST", infer, Some(request.clone())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A model token opens this model only, without a session.
    let (status, created) = w
        .call(
            ALICE,
            "POST",
            "/api/v1/profiles/team-a/models/iris/tokens",
            Some(json!({"label": "ci"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let token = created["token"].as_str().unwrap().to_owned();
    let with_token = |t: &str| {
        w.http
            .post(format!("{}{infer}", w.url))
            .bearer_auth(t)
            .json(&request)
    };
    let (status, body) = answer(with_token(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = answer(with_token("cmt_notarealtoken")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let id = created["id"].as_i64().unwrap();
    let (status, _) = w
        .call(
            ALICE,
            "DELETE",
            &format!("/api/v1/profiles/team-a/models/iris/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = answer(with_token(&token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a revoked token");

    let metrics = w
        .http
        .get(format!("{}/metrics", w.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .contains(r#"capstan_model_requests_total{profile="team-a",model="iris",code="200"}"#),
        "{metrics}"
    );
    assert!(metrics.contains("capstan_model_request_duration_seconds_bucket"));

    let (status, _) = w
        .call(ALICE, "DELETE", "/api/v1/profiles/team-a/models/iris", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = w.call(ALICE, "POST", infer, Some(request)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A two-input-wide graph that doubles its input, built with onnx, saved as `model.onnx`.
fn build_onnx_model(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mlserver = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join("mlserver"))
        .find(|p| p.is_file())
        .unwrap();
    let python = mlserver.parent().unwrap().join("python3");
    let script = format!(
        "import onnx\n\
         from onnx import helper, TensorProto\n\
         x = helper.make_tensor_value_info('x', TensorProto.FLOAT, [None, 2])\n\
         y = helper.make_tensor_value_info('y', TensorProto.FLOAT, [None, 2])\n\
         two = helper.make_tensor('two', TensorProto.FLOAT, [1], [2.0])\n\
         g = helper.make_graph([helper.make_node('Mul', ['x', 'two'], ['y'])], 'double', [x], [y], [two])\n\
         m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)])\n\
         m.ir_version = 9\n\
         onnx.save(m, '{}')\n",
        dir.join("model.onnx").display()
    );
    let status = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .status()
        .unwrap();
    assert!(status.success());
}

async fn an_onnx_model_answers_through_capstans_onnx_runtime(store: Store) {
    assert!(
        which("mlserver"),
        "mlserver is not on PATH: run the tests through `cargo xtask test`"
    );
    let w = world(store, &[]).await;
    let dir = w.models_dir().join("double");
    build_onnx_model(&dir);
    let manifest = format!(
        "apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: double
spec:
  predictor:
    model:
      modelFormat:
        name: onnx
      storageUri: file://{}
",
        dir.display()
    );
    let (status, body) = w
        .send_manifest("POST", "/api/v1/profiles/team-a/models", &manifest)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    w.until("double", "ready", |m| state_of(m) == "ready").await;
    let infer = "/serving/team-a/double/v2/models/double/infer";
    let request = json!({"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP64", "data": [1, 2, 3, 4]}]});
    let (status, body) = w.call(ALICE, "POST", infer, Some(request)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["outputs"][0]["data"], json!([2.0, 4.0, 6.0, 8.0]));
    // An input the graph does not take: the runtime's 400, passed through.
    let wrong =
        json!({"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}]});
    let (status, body) = w.call(ALICE, "POST", infer, Some(wrong)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

async fn the_router_keeps_to_container_concurrency_and_the_timeout(store: Store) {
    let w = world(store, &[]).await;
    let manifest = echo_manifest(
        "slow",
        "one",
        "    timeout: 1\n    containerConcurrency: 1\n    minReplicas: 1\n    maxReplicas: 1\n",
    );
    let (status, body) = w
        .send_manifest("POST", "/api/v1/profiles/team-a/models", &manifest)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    w.until("slow", "ready", |m| state_of(m) == "ready").await;
    let infer = "/serving/team-a/slow/v2/models/slow/infer";

    // Four at once to a replica that takes one at a time: the router holds the others back.
    let calls = (0..4).map(|_| w.call(ALICE, "POST", infer, Some(json!({"sleep_ms": 100}))));
    let answers = futures_util::future::join_all(calls).await;
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body}");
        assert_eq!(body["most_in_flight"], 1, "{body}");
    }

    // Slower than the model's timeout: the router answers 504 and says why.
    let (status, body) = w
        .call(ALICE, "POST", infer, Some(json!({"sleep_ms": 3000})))
        .await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("timeout (1 s)"),
        "{body}"
    );
}

async fn xgboost_and_lightgbm_models_answer_through_mlserver(store: Store) {
    assert!(
        which("mlserver"),
        "mlserver is not on PATH: run the tests through `cargo xtask test`"
    );
    let w = world(store, &[]).await;
    let python = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join("mlserver"))
        .find(|p| p.is_file())
        .unwrap()
        .parent()
        .unwrap()
        .join("python3");
    let models = w.models_dir();
    // KServe's file names: model.bst for both.
    let script = format!(
        "import os, numpy as np, xgboost as xgb, lightgbm as lgb\n\
         X = np.array([[0, 0], [1, 1], [0, 1], [1, 0]] * 10, dtype=float)\n\
         y = np.array([0, 1, 1, 0] * 10)\n\
         os.makedirs('{m}/xgb', exist_ok=True); os.makedirs('{m}/lgb', exist_ok=True)\n\
         xgb.XGBClassifier(n_estimators=5).fit(X, y).save_model('{m}/xgb/model.bst')\n\
         lgb.LGBMClassifier(n_estimators=5, min_child_samples=1, verbose=-1).fit(X, y)\
         .booster_.save_model('{m}/lgb/model.bst')\n",
        m = models.display()
    );
    let status = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .status()
        .unwrap();
    assert!(status.success());
    for (name, format) in [("xgb", "xgboost"), ("lgb", "lightgbm")] {
        let manifest = format!(
            "apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {{name: {name}}}
spec:
  predictor:
    model:
      modelFormat: {{name: {format}}}
      storageUri: file://{}
",
            models.join(name).display()
        );
        let (status, body) = w
            .send_manifest("POST", "/api/v1/profiles/team-a/models", &manifest)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    for name in ["xgb", "lgb"] {
        w.until(name, "ready", |m| state_of(m) == "ready").await;
        let request = json!({"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP64", "data": [0, 0, 1, 0]}]});
        let (status, body) = w
            .call(
                ALICE,
                "POST",
                &format!("/serving/team-a/{name}/v2/models/{name}/infer"),
                Some(request),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["outputs"][0]["shape"], json!([2, 1]), "{body}");
    }
}

async fn a_request_is_sent_again_when_a_replica_cannot_be_reached(store: Store) {
    let w = world(store, &[]).await;
    let manifest = echo_manifest("pair", "one", "    minReplicas: 2\n    maxReplicas: 2\n");
    let (status, body) = w
        .send_manifest("POST", "/api/v1/profiles/team-a/models", &manifest)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    w.until("pair", "two replicas ready", |m| {
        m["summary"]["replicas_ready"] == 2
    })
    .await;
    let infer = "/serving/team-a/pair/v2/models/pair/infer";
    let mut pids = std::collections::BTreeSet::new();
    for _ in 0..10 {
        let (status, body) = w.call(ALICE, "POST", infer, Some(json!({}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        pids.insert(body["pid"].as_i64().unwrap());
    }
    assert_eq!(pids.len(), 2, "both replicas answer: {pids:?}");
    // One replica dies; until the controller notices, the router still picks it, finds its
    // port closed and sends the request to the other one.
    let dead = *pids.iter().next().unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-9", &dead.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    for _ in 0..20 {
        let (status, body) = w.call(ALICE, "POST", infer, Some(json!({}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_ne!(body["pid"].as_i64(), Some(dead), "{body}");
    }
}

/// Sends `n` requests and counts the answers by revision.
async fn revisions_of(
    w: &World,
    name: &str,
    n: usize,
) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for _ in 0..n {
        let (status, body) = w
            .call(
                ALICE,
                "POST",
                &format!("/serving/team-a/{name}/v1/models/{name}:predict"),
                Some(json!({"instances": [[1]]})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        *counts
            .entry(body["revision"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    counts
}

/// Waits until the router has taken a traffic change (the controller's next pass publishes
/// it): 20 answers in a row from `revision`.
async fn settle_on(w: &World, name: &str, revision: &str) {
    let started = Instant::now();
    while revisions_of(w, name, 20).await.get(revision) != Some(&20) {
        assert!(
            started.elapsed() < READY_WAIT,
            "the traffic never moved to {revision}"
        );
    }
}

async fn a_canary_takes_its_share_and_promote_and_rollback_move_the_traffic(store: Store) {
    let w = world(store, &[]).await;
    let (status, body) = w
        .send_manifest(
            "POST",
            "/api/v1/profiles/team-a/models",
            &echo_manifest("echo", "one", ""),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    w.until("echo", "revision 1 ready", |m| state_of(m) == "ready")
        .await;

    // A canary that never starts takes nothing from the ready revision.
    let broken = echo_manifest("echo", "broken", "    canaryTrafficPercent: 20\n")
        .replace("python3,", "python3, /no/such/script.py,");
    let (status, body) = w
        .send_manifest("PUT", "/api/v1/profiles/team-a/models/echo", &broken)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(revisions_of(&w, "echo", 50).await.get("one"), Some(&50));

    let canary = echo_manifest("echo", "two", "    canaryTrafficPercent: 20\n");
    let (status, body) = w
        .send_manifest("PUT", "/api/v1/profiles/team-a/models/echo", &canary)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let model = w
        .until("echo", "the canary takes 20%", |m| {
            m["summary"]["revisions"][0]["traffic_percent"] == 20 && state_of(m) == "ready"
        })
        .await;
    assert_eq!(model["summary"]["revisions"][0]["number"], 3);
    let counts = revisions_of(&w, "echo", 1000).await;
    let canary_share = counts.get("two").copied().unwrap_or(0);
    assert!((150..=250).contains(&canary_share), "{counts:?}");
    assert_eq!(canary_share + counts.get("one").copied().unwrap_or(0), 1000);

    let (status, body) = w
        .call(
            ALICE,
            "POST",
            "/api/v1/profiles/team-a/models/echo/rollback",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    settle_on(&w, "echo", "one").await;
    assert_eq!(revisions_of(&w, "echo", 20).await.get("one"), Some(&20));

    let (status, body) = w
        .call(
            ALICE,
            "POST",
            "/api/v1/profiles/team-a/models/echo/promote",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    w.until("echo", "revision 3 rolled out", |m| {
        m["summary"]["revisions"][0]["traffic_percent"] == 100
    })
    .await;
    settle_on(&w, "echo", "two").await;
    assert_eq!(revisions_of(&w, "echo", 20).await.get("two"), Some(&20));
    let model = w.model("echo").await;
    assert!(
        event_messages(&model).iter().any(|e| e.contains("failed")),
        "the broken canary's failures are told: {model:#}"
    );
    assert!(
        !model["manifest"]
            .as_str()
            .unwrap()
            .contains("canaryTrafficPercent")
    );
}

async fn a_model_scales_to_zero_and_back_on_the_first_request(store: Store) {
    let w = world(
        store,
        &[
            ("serving_scale_to_zero_seconds", "2"),
            ("serving_stable_window_seconds", "4"),
        ],
    )
    .await;
    let manifest = echo_manifest("lazy", "one", "    minReplicas: 0\n    maxReplicas: 2\n");
    let (status, body) = w
        .send_manifest("POST", "/api/v1/profiles/team-a/models", &manifest)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    w.until("lazy", "ready once", |m| {
        m["summary"]["revisions"][0]["ready"] == true
    })
    .await;
    let idle = w
        .until("lazy", "scaled to zero", |m| {
            state_of(m) == "scaled_to_zero"
        })
        .await;
    assert_eq!(idle["replicas"].as_array().unwrap().len(), 0, "{idle:#}");

    // The first request waits for a replica and is answered.
    assert_eq!(revisions_of(&w, "lazy", 1).await.get("one"), Some(&1));
    let model = w.model("lazy").await;
    assert_eq!(model["summary"]["replicas_ready"], 1, "{model:#}");
    w.until("lazy", "back to zero", |m| state_of(m) == "scaled_to_zero")
        .await;
    let model = w.model("lazy").await;
    let events = event_messages(&model);
    assert!(
        events.iter().any(|e| e.contains("scaled up from zero")),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .filter(|e| e.contains("scaled to zero"))
            .count()
            >= 2,
        "{events:?}"
    );
}

/// Three clients that each keep one slow request in flight against a target of one request
/// per replica: the autoscaler adds replicas up to max, the router spreads the requests over
/// them, and once the load stops the stable window brings the model back to min.
async fn a_model_follows_its_load_up_and_back_down(store: Store) {
    let w = world(store, &[("serving_stable_window_seconds", "3")]).await;
    let extra = "    minReplicas: 1\n    maxReplicas: 3\n    scaleMetric: concurrency\n    scaleTarget: 1\n";
    let manifest = echo_manifest("busy", "one", extra);
    let (status, body) = w
        .send_manifest("POST", "/api/v1/profiles/team-a/models", &manifest)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    w.until("busy", "ready", |m| state_of(m) == "ready").await;

    let infer = "/serving/team-a/busy/v2/models/busy/infer";
    let loaded = std::sync::atomic::AtomicBool::new(true);
    let pids = std::sync::Mutex::new(std::collections::HashSet::new());
    let client = || async {
        while loaded.load(std::sync::atomic::Ordering::Relaxed) {
            let (status, body) = w
                .call(ALICE, "POST", infer, Some(json!({"sleep_ms": 200})))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            pids.lock().unwrap().insert(body["pid"].as_u64().unwrap());
        }
    };
    let watch = async {
        let model = w
            .until("busy", "three ready replicas", |m| {
                m["summary"]["replicas_ready"] == 3
            })
            .await;
        // A few more requests, so that each new replica takes its share.
        tokio::time::sleep(Duration::from_secs(2)).await;
        loaded.store(false, std::sync::atomic::Ordering::Relaxed);
        model
    };
    let (_, _, _, model) = tokio::join!(client(), client(), client(), watch);
    assert_eq!(model["replicas"].as_array().unwrap().len(), 3, "{model:#}");
    assert_eq!(pids.lock().unwrap().len(), 3, "every replica answered some");

    let idle = w
        .until("busy", "back to one replica", |m| {
            m["replicas"].as_array().is_some_and(|r| r.len() == 1)
        })
        .await;
    let events = event_messages(&idle);
    assert!(
        events.iter().any(|e| e.contains("scaled up to")),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e.contains("scaled down to 1")),
        "{events:?}"
    );
}

async fn bad_specs_are_refused_with_their_path_and_nothing_is_stored(store: Store) {
    let w = world(store, &[]).await;
    std::fs::create_dir_all(w.models_dir().join("iris")).unwrap();
    let good = sklearn_manifest(&w.models_dir().join("iris"));
    let cases = [
        (
            sklearn_manifest(std::path::Path::new("/etc")),
            "spec.predictor.model.storageUri",
        ),
        (
            good.replace("name: sklearn", "name: caffe"),
            "spec.predictor.model.modelFormat.name",
        ),
        (
            good.replace(
                "    model:",
                "    minReplicas: 3\n    maxReplicas: 1\n    model:",
            ),
            "spec.predictor.maxReplicas",
        ),
        (
            good.replace("    model:", "    canaryTrafficPercent: 150\n    model:"),
            "spec.predictor.canaryTrafficPercent",
        ),
        ("apiVersion: [".to_owned(), ""),
    ];
    for (manifest, path) in cases {
        let (status, body) = w
            .send_manifest("POST", "/api/v1/profiles/team-a/models", &manifest)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body["message"].as_str().unwrap().starts_with(path),
            "{body}"
        );
    }
    let (status, body) = w
        .call(ALICE, "GET", "/api/v1/profiles/team-a/models", None)
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!([])));
    let (status, _) = w
        .call(
            ALICE,
            "POST",
            "/serving/team-a/iris/v2/models/iris/infer",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

testkit::on_both_databases!(
    a_sklearn_model_answers_v2_through_the_router,
    an_onnx_model_answers_through_capstans_onnx_runtime,
    xgboost_and_lightgbm_models_answer_through_mlserver,
    the_router_keeps_to_container_concurrency_and_the_timeout,
    a_request_is_sent_again_when_a_replica_cannot_be_reached,
    a_canary_takes_its_share_and_promote_and_rollback_move_the_traffic,
    a_model_scales_to_zero_and_back_on_the_first_request,
    a_model_follows_its_load_up_and_back_down,
    bad_specs_are_refused_with_their_path_and_nothing_is_stored,
);
