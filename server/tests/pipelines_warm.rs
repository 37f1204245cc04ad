//! The warm Python (`backend::pipelines::warm`) with this binary's `task-launch` as the
//! launcher and the real kfp SDK (`CAPSTAN_PIPELINE_PATH`): a compiled pipeline runs to the
//! outputs kfp.local gives with every task forked from the forkserver; a task sees that it was
//! (`CAPSTAN_WARM_PYTHON`, its parent); a failing component fails its task with the traceback
//! in its log; canceling a run kills a sleeping warm task; the forkserver ends with the runner.

#[path = "../../backend/tests/pipeline_harness/mod.rs"]
mod pipeline_harness;

use std::path::Path;
use std::time::{Duration, Instant};

use api::{RunDetail, RunState, TaskState};
use backend::store::Store;
use serde_json::json;

use pipeline_harness::kfp::{assert_like_kfp_local, compile, e2e_module, kfp_bin, run_local};
use pipeline_harness::{Capstan, PROFILE, admin, capstan_warm, output, task, with_profile};

fn launcher() -> Vec<String> {
    vec![
        env!("CARGO_BIN_EXE_capstan").to_owned(),
        "task-launch".to_owned(),
    ]
}

fn warm_capstan(store: &Store, data: &Path) -> Capstan {
    let kfp = Some(kfp_bin().display().to_string());
    capstan_warm(store, data, kfp, Some(launcher()))
}

fn warm_module() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kfp/warm_pipelines.py");
    path.display().to_string()
}

/// Every task of the run that ran was started by the launcher, which handed it over (it says
/// why in the task's log when it runs a command itself).
async fn assert_ran_warm(c: &Capstan, store: &Store, run: &RunDetail) {
    for t in run.tasks.iter().filter(|t| t.workload.is_some()) {
        let name = t.workload.as_deref().unwrap_or_default();
        let row = store.workloads().get(PROFILE, name).await.unwrap().unwrap();
        let command = &row.spec.groups[0].command;
        assert_eq!(command[..2], launcher()[..], "{}: {command:?}", t.node);
        let log = log_of(c, run.run.id, &t.node).await;
        assert!(!log.contains("capstan task-launch:"), "{}: {log}", t.node);
    }
}

async fn log_of(c: &Capstan, id: i64, node: &str) -> String {
    c.service
        .task_logs(&admin(), PROFILE, id, node, 500)
        .await
        .map(|lines| lines.join("\n"))
        .unwrap_or_default()
}

/// `/proc/<pid>/stat`: the process's state letter and its parent, if it exists.
fn proc_stat(pid: i32) -> Option<(char, i32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: read after the last `)`.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    Some((state, parent))
}

fn running(pid: i32) -> bool {
    proc_stat(pid).is_some_and(|(state, _)| state != 'Z')
}

/// Live processes whose parent is `parent`.
fn children_of(parent: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| proc_stat(*pid).is_some_and(|(state, p)| p == parent && state != 'Z'))
        .collect()
}

async fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !done() {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kfp_compiled_pipeline_runs_warm_to_the_outputs_kfp_local_gives() {
    let dir = tempfile::tempdir().unwrap();
    let ir = compile(&e2e_module(), "e2e", dir.path());
    let expected = run_local(&e2e_module(), "e2e", &dir.path().join("kfp-local"));

    let (store, _keep) = testkit::sqlite().await;
    with_profile(&store).await;
    let c = warm_capstan(&store, &dir.path().join("data"));
    c.upload("e2e", &ir).await;
    let id = c.run("e2e", json!({})).await;
    let run = c.finished(id).await;
    assert_eq!(run.run.state, RunState::Succeeded, "{run:#?}");
    let ran = assert_like_kfp_local(&run, &expected);
    assert_eq!(ran.len(), 8, "{ran:?}");
    assert_ran_warm(&c, &store, &run).await;
    assert_eq!(run.metrics["make-dataset"]["rows"], 6.0);
    c.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_tasks_fork_from_the_forkserver_fail_with_their_traceback_and_die_on_cancel() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _keep) = testkit::sqlite().await;
    with_profile(&store).await;
    let c = warm_capstan(&store, &dir.path().join("data"));
    for (name, func) in [
        ("where", "where_pipeline"),
        ("fail", "fail_pipeline"),
        ("sleep", "sleep_pipeline"),
    ] {
        c.upload(name, &compile(&warm_module(), func, dir.path()))
            .await;
    }

    // Forked by the forkserver: its child, told so in its environment.
    let id = c.run("where", json!({})).await;
    let run = c.finished(id).await;
    assert_eq!(run.run.state, RunState::Succeeded, "{run:#?}");
    assert_ran_warm(&c, &store, &run).await;
    let forkserver: i32 = output(&run, "where", "Output")
        .as_str()
        .and_then(|pid| pid.parse().ok())
        .expect("CAPSTAN_WARM_PYTHON is the forkserver's pid");
    let log = log_of(&c, id, "where").await;
    assert!(log.contains(&format!("warm={forkserver} ")), "{log}");
    assert!(log.contains(&format!("ppid={forkserver} ")), "{log}");
    let cmdline = std::fs::read(format!("/proc/{forkserver}/cmdline")).unwrap();
    assert!(
        String::from_utf8_lossy(&cmdline).contains("forkserver.py"),
        "{cmdline:?}"
    );

    // An exception: the task fails with the status and the traceback a plain run gives.
    let id = c.run("fail", json!({})).await;
    let run = c.finished(id).await;
    assert_eq!(run.run.state, RunState::Failed, "{run:#?}");
    let failed = task(&run, "fail");
    assert_eq!(failed.state, TaskState::Failed);
    assert!(
        failed.reason.contains("exited with code 1"),
        "{}",
        failed.reason
    );
    let log = log_of(&c, id, "fail").await;
    assert!(log.contains("Traceback (most recent call last):"), "{log}");
    assert!(
        log.contains("ValueError: the warm task failed: boom"),
        "{log}"
    );

    // A cancel reaches the forked child through the launcher's process group.
    let id = c.run("sleep", json!({})).await;
    let mut sleeper = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    while sleeper.is_none() {
        assert!(Instant::now() < deadline, "the sleeping task never started");
        let log = log_of(&c, id, "sleep-long").await;
        sleeper = log.lines().find_map(|l| {
            let (pid, group) = l.strip_prefix("sleeping pid=")?.split_once(" pgid=")?;
            Some((pid.parse::<i32>().ok()?, group.trim().parse::<i32>().ok()?))
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (sleeper, group) = sleeper.unwrap();
    assert_eq!(
        proc_stat(sleeper).map(|(_, parent)| parent),
        Some(forkserver)
    );
    // Its group is the launcher's (the workload's process, which leads its group).
    let leader = std::fs::read(format!("/proc/{group}/cmdline")).unwrap();
    assert!(
        String::from_utf8_lossy(&leader).contains("task-launch"),
        "{leader:?}"
    );
    c.service.cancel_run(&admin(), PROFILE, id).await.unwrap();
    let run = c.finished(id).await;
    assert_eq!(run.run.state, RunState::Canceled, "{run:#?}");
    eventually("the sleeping child is gone", || !running(sleeper)).await;
    assert_eq!(children_of(forkserver), Vec::<i32>::new());

    // The runner ends with its service: the forkserver with it.
    c.shut_down().await;
    eventually("the forkserver ends with the runner", || {
        !running(forkserver)
    })
    .await;
}
