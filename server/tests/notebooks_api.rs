//! Notebooks end to end through a real server on a TCP port: a real JupyterLab (the virtualenv
//! `cargo xtask` installs, on PATH) spawned by the local runtime, reached through the
//! authorizing proxy over HTTP and WebSocket; refusals at creation; stop and start keeping the
//! workspace. Who may call what is `authz.rs`'s table.

use std::time::Duration;

use backend::store::Store;
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

#[path = "support/header_world.rs"]
mod header_world;

use header_world::{ALICE, OPS, USER_HEADER, World, which};

const MALLORY: &str = "mallory@example.com";
/// JupyterLab starts in about 2 s here; a loaded CI machine may take much longer.
const READY_WAIT: Duration = Duration::from_secs(90);

async fn world(store: Store, extra: &[(&str, &str)]) -> World {
    assert!(
        which("jupyter-lab"),
        "jupyter-lab is not on PATH: run the tests through `cargo xtask test`, which installs \
         JupyterLab in .tools/jupyter"
    );
    let mut flags = vec![("gpus", "2xH100:81920"), ("stop_grace_seconds", "5")];
    flags.extend_from_slice(extra);
    header_world::world(store, &flags, |state, shutdown| {
        tokio::spawn(state.notebooks.clone().watch(shutdown));
    })
    .await
}

impl World {
    async fn notebooks(&self) -> Vec<Value> {
        let (status, body) = self
            .call(ALICE, "GET", "/api/v1/profiles/team-a/notebooks", None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body.as_array().cloned().unwrap_or_default()
    }

    async fn until_state(&self, name: &str, wanted: &str) -> Value {
        let deadline = tokio::time::Instant::now() + READY_WAIT;
        loop {
            let (status, body) = self
                .call(
                    ALICE,
                    "GET",
                    &format!("/api/v1/profiles/team-a/notebooks/{name}"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            if body["notebook"]["state"] == wanted {
                return body;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name} never became {wanted}: {body:#}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// A request through the proxy, as `user`.
    async fn through_proxy(
        &self,
        user: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call(user, method, &format!("/notebook/team-a/nb1/{path}"), body)
            .await
    }

    /// A WebSocket upgrade to `path` below the notebook, as `user`, from `origin`.
    fn ws_request(
        &self,
        user: &str,
        origin: &str,
        path: &str,
    ) -> tokio_tungstenite::tungstenite::handshake::client::Request {
        let url = format!(
            "{}/notebook/team-a/nb1/{path}",
            self.url.replacen("http", "ws", 1)
        );
        let mut request = url.into_client_request().unwrap();
        let headers = request.headers_mut();
        headers.insert(USER_HEADER, user.parse().unwrap());
        headers.insert("origin", origin.parse().unwrap());
        request
    }

    /// Runs `code` in a kernel over the proxied WebSocket; answers the `text/plain` result.
    async fn run_cell(&self, user: &str, kernel: &str, code: &str) -> String {
        let path = format!("api/kernels/{kernel}/channels?session_id=s1");
        let request = self.ws_request(user, &self.url, &path);
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let msg_id = "cell-1";
        let execute = json!({
            "header": {"msg_id": msg_id, "username": "test", "session": "s1",
                       "msg_type": "execute_request", "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": false, "store_history": true,
                        "user_expressions": {}, "allow_stdin": false, "stop_on_error": true},
        });
        socket
            .send(Message::Text(execute.to_string().into()))
            .await
            .unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let mut result = String::new();
        while let Ok(Some(message)) = tokio::time::timeout_at(deadline, socket.next()).await {
            let Ok(Message::Text(text)) = message else {
                continue;
            };
            let reply: Value = serde_json::from_str(&text).unwrap();
            if reply["parent_header"]["msg_id"] != msg_id {
                continue;
            }
            match reply["msg_type"].as_str() {
                Some("execute_result") => {
                    result = reply["content"]["data"]["text/plain"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                }
                Some("error") => panic!("the cell failed: {reply}"),
                Some("status") if reply["content"]["execution_state"] == "idle" => break,
                _ => {}
            }
        }
        result
    }

    /// Pids of the processes working in this world's data directory: JupyterLab and its
    /// kernels run in the workspace. (Workload ids repeat across tests running side by side.)
    fn processes(&self) -> Vec<u32> {
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                std::fs::read_link(format!("/proc/{pid}/cwd"))
                    .is_ok_and(|cwd| cwd.starts_with(self.data.path()))
            })
            .collect()
    }
}

async fn a_notebook_runs_behind_the_proxy_and_keeps_its_workspace(store: Store) {
    let w = world(store, &[]).await;
    let (status, body) = w
        .call(
            ALICE,
            "POST",
            "/api/v1/profiles/team-a/notebooks",
            Some(json!({"name": "nb1", "cpu_milli": 250})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["spec"]["memory_mib"], 1024, "defaults filled in");
    assert_eq!(body["url"], "/notebook/team-a/nb1/");

    let detail = w.until_state("nb1", "ready").await;
    let phases: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["phase"].as_str())
        .collect();
    assert!(phases.contains(&"running"), "{phases:?}");
    assert!(detail["spec_yaml"].as_str().unwrap().contains("name: nb1"));

    // Members get through; Jupyter answers with the token the proxy injected.
    let (status, body) = w.through_proxy(ALICE, "GET", "api/status", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["started"].is_string(), "{body}");
    // The base URL itself leads to JupyterLab's page, under the same path.
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/notebook/team-a/nb1/", w.url))
        .header(USER_HEADER, ALICE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        "/notebook/team-a/nb1/lab?"
    );
    // Others do not, for HTTP and for WebSocket.
    let (status, _) = w.through_proxy(MALLORY, "GET", "api/status", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let ws_as = |user: &str, origin: &str| {
        tokio_tungstenite::connect_async(w.ws_request(user, origin, "api/events/subscribe"))
    };
    match ws_as(MALLORY, &w.url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), StatusCode::FORBIDDEN);
        }
        other => panic!(
            "a non-member's WebSocket must be refused: {:?}",
            other.is_ok()
        ),
    }
    match ws_as(ALICE, "https://evil.example").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), StatusCode::FORBIDDEN);
        }
        other => panic!(
            "a cross-site WebSocket must be refused: {:?}",
            other.is_ok()
        ),
    }

    // A cell runs in a real kernel over the proxied WebSocket, and writes to the workspace.
    let (status, kernel) = w
        .through_proxy(
            ALICE,
            "POST",
            "api/kernels",
            Some(json!({"name": "python3"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{kernel}");
    let kernel = kernel["id"].as_str().unwrap().to_owned();
    assert_eq!(w.run_cell(ALICE, &kernel, "1+1").await, "2");
    w.run_cell(
        ALICE,
        &kernel,
        "open('kept.txt', 'w').write('still here'); import os; os.getcwd()",
    )
    .await;

    // Stop: the processes are gone, the file stays.
    assert!(!w.processes().is_empty(), "JupyterLab runs");
    let (status, body) = w
        .call(
            ALICE,
            "POST",
            "/api/v1/profiles/team-a/notebooks/nb1/stop",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    w.until_state("nb1", "stopped").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !w.processes().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "processes left: {:?}",
            w.processes()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, _) = w.through_proxy(ALICE, "GET", "api/status", None).await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "stopped: nothing to reach"
    );
    let workspace = w.data.path().join("notebooks/team-a/nb1/workspace");
    assert_eq!(
        std::fs::read_to_string(workspace.join("kept.txt")).unwrap(),
        "still here"
    );

    // Start again: a new run, the same workspace.
    let (status, body) = w
        .call(
            ALICE,
            "POST",
            "/api/v1/profiles/team-a/notebooks/nb1/start",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    w.until_state("nb1", "ready").await;
    let (status, body) = w
        .through_proxy(ALICE, "GET", "api/contents/kept.txt?content=1", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["content"], "still here");

    // Delete: the run and the files go.
    let (status, _) = w
        .call(
            ALICE,
            "DELETE",
            "/api/v1/profiles/team-a/notebooks/nb1",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(w.notebooks().await.is_empty());
    let id = w.workload_id_after_delete().await;
    assert!(id.is_none(), "the run's workload is deleted too");
}

impl World {
    async fn workload_id_after_delete(&self) -> Option<i64> {
        let (status, body) = self
            .call(
                ALICE,
                "GET",
                "/api/v1/profiles/team-a/workloads/nb-nb1",
                None,
            )
            .await;
        (status == StatusCode::OK).then(|| body["status"]["id"].as_i64().unwrap())
    }
}

async fn notebooks_that_cannot_be_are_refused_and_nothing_is_stored(store: Store) {
    let w = world(store, &[]).await;
    let create = |spec: Value| {
        w.call(
            ALICE,
            "POST",
            "/api/v1/profiles/team-a/notebooks",
            Some(spec),
        )
    };
    let cases = [
        (
            json!({"name": "Not_A_Label"}),
            StatusCode::BAD_REQUEST,
            "name",
        ),
        (
            json!({"name": "nb", "environment": "rstudio"}),
            StatusCode::BAD_REQUEST,
            "no environment `rstudio`",
        ),
        (
            json!({"name": "nb", "gpus": 3}),
            StatusCode::BAD_REQUEST,
            "GPU",
        ),
        (
            json!({"name": "nb", "cpu_milli": 100, "memory_mib": 1, "colour": "red"}),
            StatusCode::BAD_REQUEST,
            "colour",
        ),
    ];
    for (spec, status, says) in cases {
        let (got, body) = create(spec.clone()).await;
        assert_eq!(got, status, "{spec}: {body}");
        assert!(
            body["message"].as_str().unwrap_or_default().contains(says),
            "{spec}: {body}"
        );
    }
    // Over the profile's quota.
    let (status, body) = w
        .call(
            OPS,
            "PATCH",
            "/api/v1/profiles/team-a",
            Some(json!({"quota": {"gpu_milli": 1000}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = create(json!({"name": "nb", "gpus": 2})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(w.notebooks().await.is_empty(), "nothing stored");
    let (_, workloads) = w
        .call(ALICE, "GET", "/api/v1/profiles/team-a/workloads", None)
        .await;
    assert_eq!(workloads, json!([]), "no workload queued either");

    // A duplicate name: the first is kept, the second refused.
    let (status, body) = create(json!({"name": "nb", "gpus": 1})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = create(json!({"name": "nb"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(w.notebooks().await.len(), 1);
    let (status, _) = w
        .call(
            ALICE,
            "DELETE",
            "/api/v1/profiles/team-a/notebooks/nb",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

testkit::on_both_databases!(
    a_notebook_runs_behind_the_proxy_and_keeps_its_workspace,
    notebooks_that_cannot_be_are_refused_and_nothing_is_stored,
);
