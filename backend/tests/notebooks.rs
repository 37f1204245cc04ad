//! Notebooks over time, with a real JupyterLab (the virtualenv `cargo xtask` installs, on
//! PATH): one that is idle too long is culled, and one that runs while Capstan restarts is
//! ready again afterwards, reached with the token and port it had; one that cannot start fails
//! with the end of its log.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use api::{NotebookSpec, NotebookState};
use backend::authz::Principal;
use backend::events::EventBus;
use backend::inventory::local_node;
use backend::notebooks::{
    DEFAULT_SPAWNER_CONFIG, MonitorSettings, NotebookFiles, Notebooks, SpawnerConfig,
};
use backend::runtime::{LocalOptions, LocalRuntime};
use backend::scheduler::Policy;
use backend::store::{Quota, Store, Subject};
use backend::workload::{Engine, EngineConfig, PriorityClasses};
use tokio::sync::watch;

const WAIT: Duration = Duration::from_secs(90);

struct Capstan {
    notebooks: Arc<Notebooks>,
    stop: watch::Sender<bool>,
    loops: Vec<tokio::task::JoinHandle<()>>,
}

/// One Capstan process's worth of engine and notebook service over `store` and `data`.
fn capstan(store: &Store, data: &Path, settings: MonitorSettings) -> Capstan {
    let config = SpawnerConfig::parse(DEFAULT_SPAWNER_CONFIG).unwrap();
    capstan_with(store, data, settings, config)
}

fn capstan_with(
    store: &Store,
    data: &Path,
    settings: MonitorSettings,
    config: SpawnerConfig,
) -> Capstan {
    assert!(
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("jupyter-lab").is_file())),
        "jupyter-lab is not on PATH: run the tests through `cargo xtask test`"
    );
    let runtime = LocalRuntime::new(
        data.to_path_buf(),
        LocalOptions {
            stop_grace: Duration::from_secs(5),
            ..LocalOptions::default()
        },
    );
    let engine = Engine::new(
        store.clone(),
        Arc::new(runtime),
        vec![local_node("local", vec![], false)],
        EngineConfig {
            policy: Policy::Fgd,
            classes: PriorityClasses::parse("default=0", "default").unwrap(),
            patience: 10,
            stop_grace: Duration::from_secs(5),
            interval: Duration::from_millis(200),
        },
        EventBus::default(),
    );
    let notebooks = Notebooks::new(
        store.clone(),
        engine.clone(),
        config,
        NotebookFiles::new(data),
        settings,
    );
    let (stop, shutdown) = watch::channel(false);
    let loops = vec![
        tokio::spawn(engine.run(shutdown.clone())),
        tokio::spawn(notebooks.clone().watch(shutdown)),
    ];
    Capstan {
        notebooks,
        stop,
        loops,
    }
}

impl Capstan {
    async fn shut_down(self) {
        self.stop.send(true).unwrap();
        for l in self.loops {
            l.await.unwrap();
        }
    }

    async fn until(&self, wanted: NotebookState) -> api::NotebookView {
        let admin = Principal::local_admin("admin");
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let view = self
                .notebooks
                .detail(&admin, "team-a", "nb")
                .await
                .unwrap()
                .notebook;
            if view.state == wanted {
                return view;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "never {wanted:?}: {view:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn store_with_profile(dir: &Path) -> Store {
    let url = format!("sqlite://{}/t.db?mode=rwc", dir.display());
    let store = Store::connect_lazy(&url).unwrap();
    store.migrate().await.unwrap();
    store
        .profiles()
        .create(
            "team-a",
            &Subject::User("admin".into()),
            &Quota::default(),
            1,
        )
        .await
        .unwrap();
    store
}

fn named(name: &str) -> NotebookSpec {
    NotebookSpec {
        name: name.into(),
        ..NotebookSpec::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_notebook_is_culled_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_profile(dir.path()).await;
    let c = capstan(
        &store,
        &dir.path().join("data"),
        MonitorSettings {
            idle_after: Some(Duration::from_secs(3)),
            activity_poll: Duration::from_millis(300),
        },
    );
    let admin = Principal::local_admin("admin");
    c.notebooks
        .create(&admin, "team-a", &named("nb"))
        .await
        .unwrap();
    let ready = c.until(NotebookState::Ready).await;
    assert!(ready.started_at_ms.is_some());
    let stopped = c.until(NotebookState::Stopped).await;
    let reason = stopped.reason.unwrap_or_default();
    assert!(reason.starts_with("culled: idle"), "{reason}");
    assert!(
        stopped.last_activity_ms.is_some(),
        "the last activity Jupyter reported is kept for the list"
    );
    c.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notebook_is_ready_again_after_capstan_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = store_with_profile(dir.path()).await;
    let admin = Principal::local_admin("admin");
    let first = capstan(&store, &data, MonitorSettings::default());
    first
        .notebooks
        .create(&admin, "team-a", &named("nb"))
        .await
        .unwrap();
    first.until(NotebookState::Ready).await;
    let before = first
        .notebooks
        .upstream(&admin, "team-a", "nb")
        .await
        .unwrap();
    first.shut_down().await;

    // JupyterLab outlives Capstan; the next Capstan adopts it and finds it ready.
    let second = capstan(&store, &data, MonitorSettings::default());
    second.until(NotebookState::Ready).await;
    let after = second
        .notebooks
        .upstream(&admin, "team-a", "nb")
        .await
        .unwrap();
    assert_eq!(before, after, "the same process, port and token");
    second
        .notebooks
        .delete(&admin, "team-a", "nb")
        .await
        .unwrap();
    second.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notebook_that_cannot_start_fails_with_its_last_log_lines() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_profile(dir.path()).await;
    // An environment whose command dies at once, saying why.
    let start = DEFAULT_SPAWNER_CONFIG.find("command = [").unwrap();
    let end = start + DEFAULT_SPAWNER_CONFIG[start..].find("\n]").unwrap() + 2;
    let broken = format!(
        "{}command = [\"sh\", \"-c\", \"echo 'no such kernel: boom' >&2; exit 3\", \"{{port}}\"]{}",
        &DEFAULT_SPAWNER_CONFIG[..start],
        &DEFAULT_SPAWNER_CONFIG[end..]
    );
    let c = capstan_with(
        &store,
        &dir.path().join("data"),
        MonitorSettings::default(),
        SpawnerConfig::parse(&broken).unwrap(),
    );
    let admin = Principal::local_admin("admin");
    c.notebooks
        .create(&admin, "team-a", &named("nb"))
        .await
        .unwrap();
    let failed = c.until(NotebookState::Failed).await;
    assert!(
        failed
            .last_log_lines
            .iter()
            .any(|l| l.contains("no such kernel: boom")),
        "{failed:?}"
    );
    c.shut_down().await;
}
