//! Pipelines through the REST API of a real server: uploads as JSON, as a YAML body and as a
//! multipart form, new versions, a version's parameters and graph; refusals that name the
//! path of the error in the document and store nothing; a run started over REST that runs to
//! its end; tuning experiments (Katib manifests) through the same experiments endpoint. Who
//! may call what is `authz.rs`'s table.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use backend::store::Store;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::config::{Sources, load};
use server::readiness::Readiness;
use tokio::sync::watch;

const OPS: &str = "ops@example.com";
const USER_HEADER: &str = "kubeflow-userid";
const BASE: &str = "/api/v1/profiles/team-a";

fn fixture(path: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../backend/tests/fixtures");
    std::fs::read_to_string(root.join(path)).unwrap()
}

struct World {
    url: String,
    http: reqwest::Client,
    _data: tempfile::TempDir,
    _stop: watch::Sender<bool>,
}

async fn world(store: Store) -> World {
    let data = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = load(&Sources {
        flags: vec![
            ("admins".into(), OPS.into()),
            ("trusted_proxies".into(), "127.0.0.1".into()),
            ("data_dir".into(), data.path().display().to_string()),
            ("gpus".into(), "none".into()),
            ("listen".into(), addr.to_string()),
        ],
        ..Sources::default()
    })
    .unwrap();
    let readiness = Arc::new(Readiness::default());
    readiness.mark_ready();
    let (stop, shutdown) = watch::channel(false);
    let state = server::serve::app_state(config, store, readiness, shutdown.clone(), None);
    tokio::spawn(state.engine.clone().run(shutdown));
    let app = server::router::build(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let world = World {
        url: format!("http://{addr}"),
        http: reqwest::Client::new(),
        _data: data,
        _stop: stop,
    };
    let (status, body) = world
        .json(
            "POST",
            "/api/v1/profiles",
            Some(json!({"name": "team-a", "owner": OPS})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    world
}

impl World {
    fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method.parse().unwrap(), format!("{}{path}", self.url))
            .header(USER_HEADER, OPS)
    }

    async fn json(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request).await
    }

    async fn pipeline_count(&self) -> usize {
        let (_, list) = self.json("GET", &format!("{BASE}/pipelines"), None).await;
        list.as_array().map(Vec::len).unwrap_or(0)
    }
}

async fn answer(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

testkit::on_both_databases!(uploads_in_every_form_and_refusals_that_name_the_path);

async fn uploads_in_every_form_and_refusals_that_name_the_path(store: Store) {
    let w = world(store).await;
    // JSON, KFP IR.
    let (status, body) = w
        .json(
            "POST",
            &format!("{BASE}/pipelines"),
            Some(json!({"source": fixture("kfp/bench.yaml")})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body["name"], "kfp-local-baseline",
        "named as the document says"
    );
    assert_eq!(body["versions"][0]["format"], "kfp-ir");
    // A YAML body, Capstan's format, named in the query.
    let (status, body) = answer(
        w.request(
            "POST",
            &format!("{BASE}/pipelines?name=flow&description=shell"),
        )
        .header("content-type", "application/yaml")
        .body(fixture("capstan/flow.yaml")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["versions"][0]["format"], "capstan");
    assert_eq!(body["description"], "shell");
    // A multipart form, as a browser or `curl -F file=@…` sends it.
    let form = reqwest::multipart::Form::new()
        .text("name", "flow-form")
        .part(
            "file",
            reqwest::multipart::Part::text(fixture("capstan/flow.yaml")).file_name("flow.yaml"),
        );
    let (status, body) = answer(
        w.request("POST", &format!("{BASE}/pipelines"))
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // A second version, named automatically.
    let (status, body) = answer(
        w.request("POST", &format!("{BASE}/pipelines/flow/versions"))
            .header("content-type", "text/plain")
            .body(fixture("capstan/flow.yaml")),
    )
    .await;
    assert_eq!(
        (status, &body["name"]),
        (StatusCode::CREATED, &json!("v2")),
        "{body}"
    );
    let (status, detail) = w
        .json(
            "GET",
            &format!("{BASE}/pipelines/flow/versions/latest"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["version"]["name"], "v2");
    let parameters: Vec<&str> = detail["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(parameters, ["n", "words"]);
    assert!(detail["graph"]["nodes"].as_array().unwrap().len() >= 4);
    assert_eq!(w.pipeline_count().await, 3);

    // Bad documents: 400, the path of the problem, nothing stored.
    let capstan = |tasks: &str| {
        format!("apiVersion: capstan.dev/v1\nkind: Pipeline\nname: bad\ntasks:\n{tasks}")
    };
    let bench = fixture("kfp/bench.yaml");
    let unknown_input = bench.replacen(
        "          parameters:\n            a:\n",
        "          parameters:\n            lr:\n              runtimeValue:\n                constant: 0.1\n            a:\n",
        1,
    );
    assert_ne!(unknown_input, bench);
    let cases = [
        (
            "a cycle",
            capstan(
                "  - {name: a, command: [\"true\"], dependsOn: [b]}\n  - {name: b, command: [\"true\"], dependsOn: [a]}\n",
            ),
            "cycle",
        ),
        (
            "a missing dependency",
            capstan("  - {name: a, command: [\"true\"], dependsOn: [ghost]}\n"),
            "tasks[0].dependsOn",
        ),
        (
            "duplicate task names",
            capstan("  - {name: a, command: [\"true\"]}\n  - {name: a, command: [\"true\"]}\n"),
            "tasks[1].name",
        ),
        (
            "an unknown input",
            unknown_input,
            "root.dag.tasks.aggregate.inputs.parameters.lr",
        ),
        (
            "an unsupported IR feature",
            fixture("kfp/other_features.yaml"),
            "importer",
        ),
    ];
    for (what, source, path) in cases {
        let (status, body) = w
            .json(
                "POST",
                &format!("{BASE}/pipelines"),
                Some(json!({"source": source})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(path),
            "{what}: `{message}` does not name {path}"
        );
    }
    assert_eq!(w.pipeline_count().await, 3, "nothing stored");

    // A bad cron expression, a parameter of the wrong type: refused, nothing stored.
    let (status, body) = w
        .json(
            "POST",
            &format!("{BASE}/recurring-runs"),
            Some(json!({"name": "nightly", "pipeline": "flow", "trigger": {"cron": "61 * * * *"}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("trigger: ") && message.contains("61"),
        "{message}"
    );
    let (_, list) = w.json("GET", &format!("{BASE}/recurring-runs"), None).await;
    assert_eq!(list, json!([]));
    let (status, body) = w
        .json(
            "POST",
            &format!("{BASE}/runs"),
            Some(json!({"pipeline": "flow", "parameters": {"n": "three", "colour": 1}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("parameters.colour"), "{message}");
    assert!(message.contains("parameters.n"), "{message}");
    let (_, page) = w.json("GET", &format!("{BASE}/runs"), None).await;
    assert_eq!(page["total"], 0);

    // A run over REST, to its end.
    let (status, run) = w
        .json(
            "POST",
            &format!("{BASE}/runs"),
            Some(json!({"pipeline": "flow", "name": "first"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    let id = run["id"].as_i64().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let detail = loop {
        let (_, detail) = w.json("GET", &format!("{BASE}/runs/{id}"), None).await;
        if detail["run"]["finished_at_ms"].is_i64() {
            break detail;
        }
        assert!(tokio::time::Instant::now() < deadline, "{detail}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(detail["run"]["state"], "succeeded", "{detail}");
    let (status, lines) = w
        .json("GET", &format!("{BASE}/runs/{id}/logs?node=produce"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        lines.as_array().unwrap().iter().any(|l| l == "produced"),
        "{lines}"
    );
    let (_, page) = w
        .json("GET", &format!("{BASE}/runs?state=succeeded&q=FIR"), None)
        .await;
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["runs"][0]["name"], "first");
}

testkit::on_both_databases!(a_katib_experiment_posted_as_yaml_runs_its_trials);

/// A Katib manifest POSTed as YAML to the experiments endpoint runs; its trials, metrics and
/// logs read back; a group of runs and the tuning experiment share the list and the names;
/// a bad manifest is refused with its path and nothing stored.
async fn a_katib_experiment_posted_as_yaml_runs_its_trials(store: Store) {
    let w = world(store).await;
    let manifest = r#"
apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata: {name: echo}
spec:
  objective: {type: minimize, objectiveMetricName: loss}
  algorithm: {algorithmName: random}
  parallelTrialCount: 2
  maxTrialCount: 4
  parameters:
    - {name: x, parameterType: double, feasibleSpace: {min: "1", max: "2"}}
  trialTemplate:
    trialParameters: [{name: x, reference: x}]
    command: [sh, -c, "echo loss=${trialParameters.x}"]
"#;
    let post = |body: &str| {
        answer(
            w.request("POST", &format!("{BASE}/experiments"))
                .header("content-type", "application/yaml")
                .body(body.to_owned()),
        )
    };
    let (status, body) = post(manifest).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["summary"]["algorithm"], "random");
    let (status, body) = post(manifest).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let bad = manifest.replace("min: \"1\"", "min: \"3\"");
    let (status, body) = post(&bad.replace("name: echo", "name: bad")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("spec.parameters[0].feasibleSpace: min (3) is above max (2)"),
        "{body}"
    );
    let path = format!("{BASE}/experiments/echo");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let detail = loop {
        let (status, detail) = w.json("GET", &path, None).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        if detail["summary"]["state"] == "succeeded" {
            break detail;
        }
        assert!(tokio::time::Instant::now() < deadline, "{detail:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(detail["trials"].as_array().unwrap().len(), 4, "{detail:#}");
    let trial = &detail["trials"][0];
    // The trial printed its parameter as its loss (SQLite keeps about 15 digits of it).
    let x: f64 = trial["parameters"]["x"].as_str().unwrap().parse().unwrap();
    assert!(
        (trial["objective"].as_f64().unwrap() - x).abs() < 1e-12,
        "{trial}"
    );
    let name = trial["name"].as_str().unwrap();
    let (status, metrics) = w
        .json("GET", &format!("{path}/trials/{name}/metrics"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let reported = metrics["metrics"]["loss"][0]["value"].as_f64().unwrap();
    assert!((reported - x).abs() < 1e-12, "{metrics}");
    let (status, logs) = w
        .json("GET", &format!("{path}/trials/{name}/logs?lines=5"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(logs[0].as_str().unwrap().starts_with("loss="), "{logs}");
    // Finished: not stoppable; both kinds in one list.
    let (status, _) = w.json("POST", &format!("{path}/stop"), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = w
        .json(
            "POST",
            &format!("{BASE}/experiments"),
            Some(json!({"name": "runs"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, list) = w.json("GET", &format!("{BASE}/experiments"), None).await;
    let kinds: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("echo", "tuning"), ("runs", "runs")]);
    assert_eq!(list[0]["tuning"]["trials"], 4);
    let (status, _) = w.json("DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = w.json("GET", &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
