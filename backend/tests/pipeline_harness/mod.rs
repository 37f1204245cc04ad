//! What the pipeline tests share: one Capstan process's worth of workload engine, pipeline
//! runner and service over a store and a data directory, and ways to wait for runs.

#![allow(dead_code)]

pub mod kfp;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use api::{NewRun, PipelineUpload, RunDetail, TaskView};
use backend::authz::Principal;
use backend::events::EventBus;
use backend::inventory::local_node;
use backend::pipelines::runner::{PipelineRunner, RunnerSettings};
use backend::pipelines::service::PipelineService;
use backend::runtime::{LocalOptions, LocalRuntime};
use backend::scheduler::Policy;
use backend::store::{Quota, Store, Subject};
use backend::workload::{Engine, EngineConfig, PriorityClasses};
use serde_json::Value;
use tokio::sync::watch;

pub const WAIT: Duration = Duration::from_secs(60);
pub const PROFILE: &str = "team-a";

pub struct Capstan {
    pub service: Arc<PipelineService>,
    stop: watch::Sender<bool>,
    engine_loop: tokio::task::JoinHandle<()>,
}

/// One Capstan process's worth of engine, runner and service over `store` and `data`.
pub fn capstan(store: &Store, data: &Path) -> Capstan {
    capstan_with(store, data, None)
}

/// With `path_prefix` before PATH for tasks (the kfp virtualenv).
pub fn capstan_with(store: &Store, data: &Path, path_prefix: Option<String>) -> Capstan {
    capstan_warm(store, data, path_prefix, None)
}

/// With the warm Python on when `warm_launcher` is set (`[<capstan>, "task-launch"]`).
pub fn capstan_warm(
    store: &Store,
    data: &Path,
    path_prefix: Option<String>,
    warm_launcher: Option<Vec<String>>,
) -> Capstan {
    let (engine, events) = engine(store, data);
    let runner = PipelineRunner::spawn(
        store.clone(),
        engine.clone(),
        events,
        RunnerSettings {
            data_dir: data.to_path_buf(),
            path_prefix,
            parallelism: 8,
            warm_launcher,
        },
    );
    let service = PipelineService::new(store.clone(), engine.clone(), runner, data.to_path_buf());
    let (stop, shutdown) = watch::channel(false);
    let engine_loop = tokio::spawn(engine.run(shutdown));
    Capstan {
        service,
        stop,
        engine_loop,
    }
}

/// The workload engine of one Capstan process over `store`, with the local runtime in `data`
/// and one local node; its loop is not started.
pub fn engine(store: &Store, data: &Path) -> (Arc<Engine>, EventBus) {
    let runtime = LocalRuntime::new(
        data.to_path_buf(),
        LocalOptions {
            stop_grace: Duration::from_secs(2),
            ..LocalOptions::default()
        },
    );
    let events = EventBus::default();
    let engine = Engine::new(
        store.clone(),
        Arc::new(runtime),
        vec![local_node("local", vec![], false)],
        EngineConfig {
            policy: Policy::Fgd,
            classes: PriorityClasses::parse("default=0", "default").unwrap(),
            patience: 10,
            stop_grace: Duration::from_secs(2),
            interval: Duration::from_millis(200),
        },
        events.clone(),
    );
    (engine, events)
}

impl Capstan {
    pub async fn shut_down(self) {
        self.stop.send(true).unwrap();
        self.engine_loop.await.unwrap();
    }

    pub async fn upload(&self, name: &str, source: &str) {
        self.service
            .upload(
                &admin(),
                PROFILE,
                &PipelineUpload {
                    name: Some(name.into()),
                    source: source.into(),
                    ..Default::default()
                },
            )
            .await
            .expect("the pipeline uploads");
    }

    pub async fn run(&self, pipeline: &str, parameters: Value) -> i64 {
        let new = NewRun {
            name: None,
            pipeline: pipeline.into(),
            version: None,
            experiment: None,
            parameters: serde_json::from_value(parameters).unwrap(),
            caching: true,
            parallelism: None,
        };
        let run = self
            .service
            .create_run(&admin(), PROFILE, &new)
            .await
            .unwrap();
        assert!(!run.state.is_finished());
        run.id
    }

    pub async fn detail(&self, id: i64) -> RunDetail {
        self.service
            .run_detail(&admin(), PROFILE, id)
            .await
            .unwrap()
    }

    pub async fn until(&self, id: i64, done: impl Fn(&RunDetail) -> bool) -> RunDetail {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let detail = self.detail(id).await;
            if done(&detail) {
                return detail;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "run {id} never got there: {detail:#?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn finished(&self, id: i64) -> RunDetail {
        self.until(id, |d| d.run.state.is_finished()).await
    }
}

pub fn admin() -> Principal {
    Principal::local_admin("admin")
}

pub async fn with_profile(store: &Store) {
    store
        .profiles()
        .create(
            PROFILE,
            &Subject::User("admin".into()),
            &Quota::default(),
            1,
        )
        .await
        .unwrap();
}

pub fn task<'d>(detail: &'d RunDetail, node: &str) -> &'d TaskView {
    detail
        .tasks
        .iter()
        .find(|t| t.node == node)
        .unwrap_or_else(|| panic!("no task {node} in {:#?}", detail.tasks))
}

pub fn output(detail: &RunDetail, node: &str, name: &str) -> Value {
    task(detail, node).outputs.as_ref().unwrap()["parameters"][name].clone()
}

pub fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}
