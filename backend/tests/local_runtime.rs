//! `LocalRuntime` with real processes. `sh -c` is used here only, to script replicas; the
//! runtime itself never starts a shell. No test asserts a duration: waits are generous bounds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use api::{
    GpuShare, Phase, PortSpec, ReplicaGroup, ReplicaPlacement, Resources, WorkloadKind,
    WorkloadSpec,
};
use backend::runtime::{
    ExitOutcome, LocalOptions, LocalRuntime, PlacedWorkload, RESTARTED, RESTARTED_WHILE_RUNNING,
    Runtime, RuntimeReport,
};

const PATIENCE: Duration = Duration::from_secs(60);

fn options() -> LocalOptions {
    LocalOptions {
        stop_grace: Duration::from_millis(300),
        poll_interval: Duration::from_millis(20),
        ..LocalOptions::default()
    }
}

fn group(name: &str, argv: &[&str]) -> ReplicaGroup {
    ReplicaGroup {
        name: name.to_owned(),
        replicas: 1,
        command: argv.iter().map(|s| (*s).to_owned()).collect(),
        image: None,
        args: vec![],
        env: BTreeMap::new(),
        ports: vec![],
        volumes: vec![],
        working_dir: None,
        resources: Resources::default(),
    }
}

fn sh(name: &str, script: &str) -> ReplicaGroup {
    group(name, &["sh", "-c", script])
}

fn placed(id: i64, groups: Vec<ReplicaGroup>) -> PlacedWorkload {
    let placements = groups
        .iter()
        .flat_map(|g| {
            (0..g.replicas).map(|r| ReplicaPlacement {
                group: g.name.clone(),
                replica: r,
                node: "local".to_owned(),
                gpus: vec![],
            })
        })
        .collect();
    PlacedWorkload {
        id,
        profile: "alice".to_owned(),
        name: format!("w{id}"),
        spec: WorkloadSpec {
            name: format!("w{id}"),
            kind: WorkloadKind::Step,
            priority_class: None,
            groups,
            gang: false,
            requeue_on_failure: false,
            leader: None,
        },
        placements,
    }
}

fn replica_dir(data: &Path, id: i64, label: &str) -> PathBuf {
    data.join("workloads").join(id.to_string()).join(label)
}

/// The reports about `id` up to the one that says it has ended; others are skipped.
async fn history(rt: &dyn Runtime, id: i64) -> Vec<RuntimeReport> {
    let wait = async {
        let mut seen = Vec::new();
        loop {
            for r in rt.next_reports().await {
                if r.id == id {
                    let done = r.phase.is_finished();
                    seen.push(r);
                    if done {
                        return seen;
                    }
                }
            }
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .unwrap_or_else(|_| panic!("workload {id} never ended"))
}

async fn finished(rt: &dyn Runtime, id: i64) -> RuntimeReport {
    let mut history = history(rt, id).await;
    history.pop().expect("the final report")
}

/// Waits until the replica's log holds `line`.
async fn log_shows(rt: &dyn Runtime, id: i64, group: &str, line: &str) {
    let wait = async {
        loop {
            if let Ok(lines) = rt.log_tail(id, group, 0, 100).await
                && lines.iter().any(|l| l == line)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .unwrap_or_else(|_| panic!("{group} of workload {id} never logged {line:?}"));
}

/// Kills the process groups it holds when a failing test unwinds, so that it leaves no process
/// (only then: once a test has killed them, their pids may belong to others).
struct Reaper(Vec<u32>);

impl Drop for Reaper {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        for pid in &self.0 {
            if let Ok(pid) = i32::try_from(*pid)
                && pid > 1
            {
                // SAFETY: kill(2) with plain integers; pid > 1 names one process group.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
            }
        }
    }
}

fn kill_group(pid: u32) {
    let pid = i32::try_from(pid).expect("pid fits");
    assert!(pid > 1);
    // SAFETY: kill(2) with plain integers; pid > 1 names one process group.
    let rc = unsafe { libc::kill(-pid, libc::SIGKILL) };
    assert_eq!(rc, 0, "kill the process group {pid}");
}

/// Waits until process `pid` has ended (gone, or a zombie): a signal is delivered
/// asynchronously.
async fn wait_dead(pid: u32) {
    let dead = || match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
    };
    let wait = async {
        while !dead() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .unwrap_or_else(|_| panic!("process {pid} outlived SIGKILL"));
}

#[tokio::test]
async fn a_workload_runs_succeeds_and_keeps_its_log() {
    let data = tempfile::tempdir().expect("tempdir");
    let rt = LocalRuntime::new(data.path().to_owned(), options());
    let w = placed(1, vec![sh("main", "echo hello; echo oops >&2; pwd")]);
    rt.start(&w).await.expect("start");
    let mut history = history(&rt, 1).await;
    let phases: Vec<Phase> = history.iter().map(|r| r.phase).collect();
    assert_eq!(phases, [Phase::Running, Phase::Succeeded], "{history:?}");
    let done = history.pop().expect("final");
    assert_eq!(done.exits.len(), 1);
    assert_eq!(done.exits[0].outcome, ExitOutcome::Code(0));
    let cwd = replica_dir(data.path(), 1, "main-0");
    let log = rt.log_tail(1, "main", 0, 10).await.expect("tail");
    assert_eq!(log, ["hello", "oops", &cwd.display().to_string()]);
    assert_eq!(
        rt.log_tail(1, "main", 0, 1).await.expect("tail"),
        [cwd.display().to_string()]
    );
    assert!(rt.log_tail(1, "other", 0, 1).await.is_err());
    assert!(rt.log_tail(1, "../..", 0, 1).await.is_err());
}

#[tokio::test]
async fn a_failing_replica_fails_the_workload_and_stops_the_others() {
    let data = tempfile::tempdir().expect("tempdir");
    let rt = LocalRuntime::new(data.path().to_owned(), options());
    let w = placed(
        2,
        vec![
            group("slow", &["sleep", "30"]),
            sh("bad", "echo failing; exit 3"),
        ],
    );
    rt.start(&w).await.expect("start");
    let done = finished(&rt, 2).await;
    assert_eq!(done.phase, Phase::Failed);
    assert_eq!(done.reason, "replica bad-0 exited with code 3");
    let slow = done
        .exits
        .iter()
        .find(|e| e.group == "slow")
        .expect("slow's exit");
    assert!(
        matches!(slow.outcome, ExitOutcome::Signal(_)),
        "{:?}",
        slow.outcome
    );
}

#[tokio::test]
async fn a_killed_replica_reports_the_signal() {
    let data = tempfile::tempdir().expect("tempdir");
    let rt = LocalRuntime::new(data.path().to_owned(), options());
    rt.start(&placed(3, vec![sh("main", "kill -9 $$")]))
        .await
        .expect("start");
    let done = finished(&rt, 3).await;
    assert_eq!(done.phase, Phase::Failed);
    assert_eq!(
        done.reason,
        format!(
            "replica main-0 was killed by signal {} (SIGKILL)",
            libc::SIGKILL
        )
    );
}

#[tokio::test]
async fn stop_kills_a_replica_that_ignores_sigterm_after_the_grace() {
    let data = tempfile::tempdir().expect("tempdir");
    let rt = LocalRuntime::new(data.path().to_owned(), options());
    let w = placed(
        4,
        vec![sh(
            "main",
            "trap '' TERM; echo ready; sleep 30; echo survived",
        )],
    );
    rt.start(&w).await.expect("start");
    log_shows(&rt, 4, "main", "ready").await;
    rt.stop(4, Duration::from_millis(200)).await.expect("stop");
    let done = finished(&rt, 4).await;
    assert_eq!(done.phase, Phase::Stopped);
    assert_eq!(done.reason, "stopped");
    assert_eq!(
        done.exits[0].outcome,
        ExitOutcome::Signal(libc::SIGKILL),
        "SIGTERM was ignored, SIGKILL ended it"
    );
    assert!(rt.reports().is_empty(), "one final report");
    // Stopping what has ended does nothing.
    rt.stop(4, Duration::from_millis(200))
        .await
        .expect("stop again");
}

#[tokio::test]
async fn the_child_sees_its_gpus_and_ports() {
    let data = tempfile::tempdir().expect("tempdir");
    let rt = LocalRuntime::new(data.path().to_owned(), options());
    let script = "echo \"gpus=[$CUDA_VISIBLE_DEVICES] milli=[$CAPSTAN_GPU_MILLI] \
                  mps=[$CUDA_MPS_ACTIVE_THREAD_PERCENTAGE] port=[$PORT] \
                  http=[$CAPSTAN_PORT_HTTP] replica=[$CAPSTAN_REPLICA] lr=[$LR]\"";
    let mut whole = sh("whole", script);
    whole.ports = vec![PortSpec {
        name: "http".to_owned(),
        container_port: 8080,
    }];
    whole.env.insert("LR".to_owned(), "0.1".to_owned());
    whole
        .env
        .insert("CUDA_VISIBLE_DEVICES".to_owned(), "0,1,2,3".to_owned());
    let mut w = placed(5, vec![whole, sh("shared", script), sh("cpu", script)]);
    w.placements[0].gpus = vec![
        GpuShare {
            index: 1,
            milli: 1000,
        },
        GpuShare {
            index: 3,
            milli: 1000,
        },
    ];
    w.placements[1].gpus = vec![GpuShare {
        index: 2,
        milli: 300,
    }];
    let endpoints = rt.start(&w).await.expect("start");
    assert_eq!(endpoints.len(), 1);
    assert_eq!(endpoints[0].port_name, "http");
    assert_eq!(rt.endpoints(5), endpoints);
    let port = endpoints[0].port;
    assert_eq!(finished(&rt, 5).await.phase, Phase::Succeeded);
    let line = |group: &'static str| {
        let rt = &rt;
        async move { rt.log_tail(5, group, 0, 1).await.expect("tail").join("") }
    };
    assert_eq!(
        line("whole").await,
        format!(
            "gpus=[1,3] milli=[] mps=[] port=[{port}] http=[{port}] replica=[whole-0] lr=[0.1]"
        )
    );
    assert_eq!(
        line("shared").await,
        "gpus=[2] milli=[300] mps=[30] port=[] http=[] replica=[shared-0] lr=[]"
    );
    assert_eq!(
        line("cpu").await,
        "gpus=[] milli=[] mps=[] port=[] http=[] replica=[cpu-0] lr=[]"
    );
}

#[tokio::test]
async fn a_missing_program_fails_start_and_leaves_nothing() {
    let data = tempfile::tempdir().expect("tempdir");
    let rt = LocalRuntime::new(data.path().to_owned(), options());
    let w = placed(
        6,
        vec![
            group("ok", &["sleep", "30"]),
            group("broken", &["/nonexistent/capstan-no-such-program", "--x"]),
        ],
    );
    let err = rt.start(&w).await.expect_err("must not start");
    let msg = err.to_string();
    assert!(msg.contains("\"broken\""), "{msg}");
    assert!(
        msg.contains("/nonexistent/capstan-no-such-program"),
        "{msg}"
    );
    assert!(!data.path().join("workloads").join("6").exists());
    assert!(rt.reports().is_empty(), "nothing started, nothing reported");
    assert_eq!(rt.replica_pid(6, "ok", 0), None);
    // It can be started again once fixed.
    let fixed = placed(6, vec![sh("ok", "exit 0")]);
    rt.start(&fixed).await.expect("start");
    assert_eq!(finished(&rt, 6).await.phase, Phase::Succeeded);
}

#[tokio::test]
async fn a_workload_cannot_start_twice_and_delete_removes_it() {
    let data = tempfile::tempdir().expect("tempdir");
    let rt = LocalRuntime::new(data.path().to_owned(), options());
    let w = placed(7, vec![group("main", &["sleep", "30"])]);
    rt.start(&w).await.expect("start");
    assert!(rt.start(&w).await.is_err());
    rt.delete(7).await.expect("delete");
    assert_eq!(finished(&rt, 7).await.phase, Phase::Stopped);
    assert!(!data.path().join("workloads").join("7").exists());
    rt.delete(7).await.expect("deleting twice is fine");
}

#[tokio::test]
async fn follow_streams_new_lines_until_the_replica_ends() {
    let data = tempfile::tempdir().expect("tempdir");
    let rt = LocalRuntime::new(data.path().to_owned(), options());
    let script = "echo ready; while [ ! -e go ]; do sleep 0.02; done; echo one; echo two";
    rt.start(&placed(8, vec![sh("main", script)]))
        .await
        .expect("start");
    log_shows(&rt, 8, "main", "ready").await;
    let mut rx = rt.log_follow(8, "main", 0).await.expect("follow");
    std::fs::write(replica_dir(data.path(), 8, "main-0").join("go"), b"").expect("go");
    let mut lines = Vec::new();
    let collect = async {
        while let Some(line) = rx.recv().await {
            lines.push(line);
        }
    };
    tokio::time::timeout(PATIENCE, collect)
        .await
        .expect("the follower ends with the replica");
    assert_eq!(lines, ["one", "two"]);
}

#[tokio::test]
async fn logs_rotate_by_copy_truncate() {
    let data = tempfile::tempdir().expect("tempdir");
    let rt = LocalRuntime::new(
        data.path().to_owned(),
        LocalOptions {
            max_log_bytes: 10,
            ..options()
        },
    );
    let script = "echo a-long-first-line; while [ ! -e go ]; do sleep 0.02; done; echo after";
    rt.start(&placed(9, vec![sh("main", script)]))
        .await
        .expect("start");
    log_shows(&rt, 9, "main", "a-long-first-line").await;
    rt.rotate_logs().await.expect("rotate");
    let dir = replica_dir(data.path(), 9, "main-0");
    assert_eq!(
        std::fs::read_to_string(dir.join("output.log.1")).expect("rotated copy"),
        "a-long-first-line\n"
    );
    std::fs::write(dir.join("go"), b"").expect("go");
    assert_eq!(finished(&rt, 9).await.phase, Phase::Succeeded);
    assert_eq!(
        std::fs::read_to_string(dir.join("output.log")).expect("log"),
        "after\n",
        "the process kept writing to the truncated file"
    );
    assert_eq!(
        rt.log_tail(9, "main", 0, 5).await.expect("tail"),
        ["a-long-first-line", "after"]
    );
}

#[tokio::test]
async fn recovery_after_a_restart() {
    let data = tempfile::tempdir().expect("tempdir");
    let (killed_pid, alive_pid) = {
        let first = LocalRuntime::new(data.path().to_owned(), options());
        for id in [10, 11] {
            first
                .start(&placed(id, vec![group("main", &["sleep", "30"])]))
                .await
                .expect("start");
        }
        let killed = first.replica_pid(10, "main", 0).expect("pid of 10");
        let alive = first.replica_pid(11, "main", 0).expect("pid of 11");
        (killed, alive)
        // Dropped: Capstan "restarts"; the processes keep running in their own groups.
    };
    let _reaper = Reaper(vec![killed_pid, alive_pid]);
    kill_group(killed_pid);
    wait_dead(killed_pid).await;

    let second = LocalRuntime::new(data.path().to_owned(), options());
    let known = [
        (10, Phase::Running),
        (11, Phase::Running),
        (12, Phase::Admitted),
    ];
    let mut reports = second.recover(&known).await.expect("recover");
    reports.sort_by_key(|r| r.id);
    assert_eq!(reports.len(), 3);
    assert_eq!(
        (reports[0].phase, reports[0].reason.as_str()),
        (Phase::Failed, RESTARTED)
    );
    assert_eq!(reports[1].phase, Phase::Running, "{:?}", reports[1]);
    assert_eq!(
        (reports[2].phase, reports[2].reason.as_str()),
        (Phase::Failed, RESTARTED)
    );
    assert_eq!(second.replica_pid(11, "main", 0), Some(alive_pid));

    kill_group(alive_pid);
    let done = finished(&second, 11).await;
    assert_eq!(done.phase, Phase::Failed);
    assert_eq!(done.reason, RESTARTED_WHILE_RUNNING);
    assert_eq!(done.exits[0].outcome, ExitOutcome::Unknown);
}

#[tokio::test]
async fn an_adopted_workload_can_be_stopped() {
    let data = tempfile::tempdir().expect("tempdir");
    let pid = {
        let first = LocalRuntime::new(data.path().to_owned(), options());
        first
            .start(&placed(13, vec![group("main", &["sleep", "30"])]))
            .await
            .expect("start");
        first.replica_pid(13, "main", 0).expect("pid")
    };
    let _reaper = Reaper(vec![pid]);
    let second = LocalRuntime::new(data.path().to_owned(), options());
    let reports = second
        .recover(&[(13, Phase::Running)])
        .await
        .expect("recover");
    assert_eq!(reports[0].phase, Phase::Running);
    second
        .stop(13, Duration::from_millis(200))
        .await
        .expect("stop");
    let done = finished(&second, 13).await;
    assert_eq!(done.phase, Phase::Stopped);
}
