//! The engine across a Capstan restart: a workload whose processes died while Capstan was
//! down is never silently lost. It fails with "capstan restarted" and, when its spec asks, is
//! queued and started again. Real processes, real SQLite.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use api::{Phase, WorkloadSpec};
use backend::authz::Principal;
use backend::events::EventBus;
use backend::inventory::{local_node, parse_simulated};
use backend::runtime::{LocalOptions, LocalRuntime};
use backend::scheduler::Policy;
use backend::store::{Quota, Store, Subject};
use backend::workload::{Engine, EngineConfig, PriorityClasses};
use tokio::sync::watch;

const WAIT: Duration = Duration::from_secs(20);

fn engine(store: &Store, data: &Path) -> Arc<Engine> {
    let node = local_node("local", parse_simulated("2xH100").unwrap(), true);
    let runtime = LocalRuntime::new(
        data.to_path_buf(),
        LocalOptions {
            stop_grace: Duration::from_secs(1),
            ..LocalOptions::default()
        },
    );
    Engine::new(
        store.clone(),
        Arc::new(runtime),
        vec![node],
        EngineConfig {
            policy: Policy::Fgd,
            classes: PriorityClasses::parse("default=0", "default").unwrap(),
            patience: 10,
            stop_grace: Duration::from_secs(1),
            interval: Duration::from_millis(200),
        },
        EventBus::default(),
    )
}

fn spec(name: &str, requeue: bool) -> WorkloadSpec {
    serde_json::from_value(serde_json::json!({
        "name": name,
        "kind": "training",
        "requeue_on_failure": requeue,
        "groups": [{
            "name": "main",
            "command": ["sh", "-c", "echo $$ > script.pid; exec sleep 60"],
            "resources": {"gpus": 1},
        }],
    }))
    .unwrap()
}

async fn until(store: &Store, name: &str, wanted: impl Fn(&[(Phase, String)]) -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let row = store
            .workloads()
            .get("team-a", name)
            .await
            .unwrap()
            .unwrap();
        let events: Vec<(Phase, String)> = store
            .workloads()
            .events(row.id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.phase, e.reason))
            .collect();
        if wanted(&events) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{name}: {events:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Kills the replica's process group as a crash would (the pid file is the script's own).
async fn kill_replica(data: &Path, id: i64) {
    let pid_file = data.join(format!("workloads/{id}/main-0/script.pid"));
    let deadline = tokio::time::Instant::now() + WAIT;
    let pid = loop {
        if let Ok(text) = std::fs::read_to_string(&pid_file)
            && let Ok(pid) = text.trim().parse::<i32>()
        {
            break pid;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no pid file {}",
            pid_file.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // The replica leads its own process group.
    let status = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .status()
        .unwrap();
    assert!(status.success());
    // The crash is over before Capstan comes back: the process is gone or a zombie.
    let deadline = tokio::time::Instant::now() + WAIT;
    while std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
    }) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{pid} outlived SIGKILL"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workloads_lost_while_capstan_was_down_fail_and_are_requeued_if_asked() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
    let store = Store::connect_lazy(&url).unwrap();
    store.migrate().await.unwrap();
    let admin = Principal::local_admin("admin");
    let owner = Subject::User("admin".into());
    store
        .profiles()
        .create("team-a", &owner, &Quota::default(), 1)
        .await
        .unwrap();

    let first = engine(&store, &data);
    let (stop_first, shutdown) = watch::channel(false);
    let loop_one = tokio::spawn(first.clone().run(shutdown));
    let again = first
        .submit(&admin, "team-a", &spec("again", true))
        .await
        .unwrap();
    let once = first
        .submit(&admin, "team-a", &spec("once", false))
        .await
        .unwrap();
    for name in ["again", "once"] {
        until(&store, name, |e| {
            e.iter().any(|(p, _)| *p == Phase::Running)
        })
        .await;
    }

    // Capstan goes down; the processes outlive it and then die while nobody watches.
    stop_first.send(true).unwrap();
    loop_one.await.unwrap();
    drop(first);
    kill_replica(&data, again.id).await;
    kill_replica(&data, once.id).await;

    let second = engine(&store, &data);
    let (_stop_second, shutdown) = watch::channel(false);
    tokio::spawn(second.clone().run(shutdown));
    until(&store, "once", |e| {
        e.last() == Some(&(Phase::Failed, "capstan restarted".to_owned()))
    })
    .await;
    until(&store, "again", |e| {
        let failed = e
            .iter()
            .position(|(p, r)| *p == Phase::Failed && r == "capstan restarted");
        failed.is_some_and(|at| e[at..].iter().any(|(p, _)| *p == Phase::Running))
    })
    .await;
    second.stop(&admin, "team-a", "again").await.unwrap();
}
