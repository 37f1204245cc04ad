//! Capstan served on a real port, its callers named by the trusted user header (as behind
//! Kubeflow's auth proxy), with a profile `team-a` that ALICE owns. Shared by path between the
//! tests that need real processes behind the server (notebooks, served models).

// Each test crate that includes this file uses a part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use backend::store::Store;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::config::{Sources, load};
use server::readiness::Readiness;
use server::state::AppState;
use tokio::sync::watch;

pub const OPS: &str = "ops@example.com";
pub const ALICE: &str = "alice@example.com";
pub const USER_HEADER: &str = "kubeflow-userid";

pub struct World {
    pub url: String,
    pub http: reqwest::Client,
    pub data: tempfile::TempDir,
    _stop: watch::Sender<bool>,
}

/// The server with `extra` settings over the test's own; `start` spawns the loops the test
/// needs (the engine's always runs).
pub async fn world(
    store: Store,
    extra: &[(&str, &str)],
    start: impl FnOnce(&AppState, watch::Receiver<bool>),
) -> World {
    let data = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut flags: Vec<(String, String)> = vec![
        ("admins".into(), OPS.into()),
        ("trusted_proxies".into(), "127.0.0.1".into()),
        ("data_dir".into(), data.path().display().to_string()),
        ("listen".into(), addr.to_string()),
    ];
    flags.extend(extra.iter().map(|(k, v)| ((*k).into(), (*v).into())));
    let config = load(&Sources {
        flags,
        ..Sources::default()
    })
    .unwrap();
    let readiness = Arc::new(Readiness::default());
    readiness.mark_ready();
    let (stop, shutdown) = watch::channel(false);
    let state = server::serve::app_state(config, store, readiness, shutdown.clone(), None);
    tokio::spawn(state.engine.clone().run(shutdown.clone()));
    start(&state, shutdown);
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
        data,
        _stop: stop,
    };
    let (status, body) = world
        .call(
            OPS,
            "POST",
            "/api/v1/profiles",
            Some(json!({"name": "team-a", "owner": ALICE})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    world
}

/// Whether `program` is on PATH.
pub fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

impl World {
    /// `method path` as ALICE with a YAML manifest as the body.
    pub async fn send_manifest(
        &self,
        method: &str,
        path: &str,
        manifest: &str,
    ) -> (StatusCode, Value) {
        let request = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.url))
            .header(USER_HEADER, ALICE)
            .header("content-type", "application/yaml")
            .body(manifest.to_owned());
        answer(request).await
    }

    /// `method path` as `user`, with a JSON body; the answer's status and JSON (or text).
    pub async fn call(
        &self,
        user: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.url))
            .header(USER_HEADER, user);
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request).await
    }
}

/// Sends `request`: its status and JSON body (or the text when it is not JSON).
pub async fn answer(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}
