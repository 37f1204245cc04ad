//! `LocalRuntime`: each replica is a process on this machine, the leader of its own process
//! group, in `<data_dir>/workloads/<id>/<group>-<replica>/`. GPUs are handed out through
//! `CUDA_VISIBLE_DEVICES`, ports through `CAPSTAN_PORT_<NAME>`; stdout and stderr go to one log
//! per replica. Processes outlive Capstan, and [`Runtime::recover`] finds them again.
//!
//! Replicas start with an empty environment plus [`LocalOptions::inherit_env`], the group's
//! `env` and Capstan's variables (see `env.rs`). They are not Capstan's process group, so a
//! Ctrl-C to Capstan does not reach them; a service manager that kills Capstan's whole cgroup
//! on stop (systemd's default `KillMode=control-group`, and `mixed`) does, and must be told not
//! to (`KillMode=process`) for replicas to outlive a restart.
//!
//! Commands and args may name variables of the replica's environment as `$(NAME)`, as in
//! Kubernetes (`expand.rs`).
//!
//! Not enforced in standalone mode: CPU and memory (no cgroups), volumes, and the placement's
//! node (this runtime serves one node, this machine). Linux only (`/proc`).

mod env;
mod expand;
mod lifecycle;
mod log_access;
mod logs;
mod paths;
mod pidfile;
mod ports;
mod recovery;
mod signal;
mod spawn;
mod state;
mod watch;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use api::Phase;
use tokio::sync::{Notify, mpsc};
use tokio::task::AbortHandle;

use self::state::WorkloadState;
use super::{BoxFuture, Endpoint, PlacedWorkload, Runtime, RuntimeFuture, RuntimeReport};

/// How long `stop` waits for the processes it killed to be reaped before it returns anyway
/// (a process stuck in the kernel cannot be killed; its report comes when it ends).
const KILL_WAIT: Duration = Duration::from_secs(10);

/// Settings of a [`LocalRuntime`].
#[derive(Debug, Clone)]
pub struct LocalOptions {
    /// A log larger than this is rotated by [`Runtime::rotate_logs`]. Default 10 MiB.
    pub max_log_bytes: u64,
    /// Rotated copies kept (`output.log.1` … `.N`). Default 3.
    pub keep_logs: u32,
    /// Grace between SIGTERM and SIGKILL when the runtime stops replicas on its own: the others
    /// of a workload whose replica failed, and a workload being deleted. Default 10 s.
    pub stop_grace: Duration,
    /// How often adopted replicas and followed logs are polled. Default 500 ms.
    pub poll_interval: Duration,
    /// Variables of Capstan's own environment that replicas inherit; nothing else is (Capstan's
    /// secrets stay out of workloads). Default: `PATH`, `HOME`, `USER`, `LOGNAME`, `LANG`,
    /// `LC_ALL`, `TZ`, `TMPDIR`, `LD_LIBRARY_PATH`.
    pub inherit_env: Vec<String>,
}

impl Default for LocalOptions {
    fn default() -> Self {
        LocalOptions {
            max_log_bytes: 10 * 1024 * 1024,
            keep_logs: 3,
            stop_grace: Duration::from_secs(10),
            poll_interval: Duration::from_millis(500),
            inherit_env: [
                "PATH",
                "HOME",
                "USER",
                "LOGNAME",
                "LANG",
                "LC_ALL",
                "TZ",
                "TMPDIR",
                "LD_LIBRARY_PATH",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

/// Runs replicas as local processes. Dropping it leaves the processes running (as a Capstan
/// restart does) and stops watching them.
pub struct LocalRuntime {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    data_dir: PathBuf,
    options: LocalOptions,
    live: Mutex<HashMap<i64, Live>>,
    starting: Mutex<HashSet<i64>>,
    reports: Mutex<Vec<RuntimeReport>>,
    notify: Notify,
}

/// A workload with replicas that may still run.
pub(crate) struct Live {
    replicas: Vec<Replica>,
    state: WorkloadState,
    endpoints: Vec<Endpoint>,
    /// Turns true when every replica has ended.
    done: tokio::sync::watch::Sender<bool>,
    tasks: Vec<AbortHandle>,
}

impl Live {
    fn new(replicas: Vec<Replica>, state: WorkloadState, endpoints: Vec<Endpoint>) -> Self {
        Live {
            replicas,
            state,
            endpoints,
            done: tokio::sync::watch::Sender::new(false),
            tasks: Vec::new(),
        }
    }
}

pub(crate) struct Replica {
    group: String,
    replica: u32,
    /// Leader of its process group; 0 for an adopted replica that was already gone.
    pid: u32,
    /// The leader's start time, checked before each signal so that a pid the kernel has given
    /// to another process since is never signalled; `None` when it could not be read.
    start_time: Option<u64>,
    /// Started by this runtime (its exit status is known), not adopted.
    child: bool,
    dir: PathBuf,
}

impl Replica {
    /// Signals the replica's process group if its leader is still the process it was.
    fn signal(&self, sig: i32) {
        let same = match self.start_time {
            Some(t) => pidfile::start_time(self.pid) == Some(t),
            None => true,
        };
        if same && self.pid > 1 {
            signal::signal_group_logged(self.pid, sig);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks; if it did, the data is still consistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl LocalRuntime {
    /// A runtime that keeps its workloads under `<data_dir>/workloads/`.
    pub fn new(data_dir: PathBuf, options: LocalOptions) -> Self {
        LocalRuntime {
            inner: Arc::new(Inner {
                data_dir,
                options,
                live: Mutex::new(HashMap::new()),
                starting: Mutex::new(HashSet::new()),
                reports: Mutex::new(Vec::new()),
                notify: Notify::new(),
            }),
        }
    }

    /// The pid (and process group id) of a running replica; for diagnostics and tests.
    pub fn replica_pid(&self, id: i64, group: &str, replica: u32) -> Option<u32> {
        let live = lock(&self.inner.live);
        let entry = live.get(&id)?;
        let index = entry.index_of(group, replica)?;
        entry
            .state
            .running()
            .contains(&index)
            .then(|| entry.replicas[index].pid)
    }
}

impl Drop for LocalRuntime {
    fn drop(&mut self) {
        for entry in lock(&self.inner.live).values() {
            for task in &entry.tasks {
                task.abort();
            }
        }
    }
}

impl Live {
    fn index_of(&self, group: &str, replica: u32) -> Option<usize> {
        self.replicas
            .iter()
            .position(|r| r.group == group && r.replica == replica)
    }

    /// Signals every replica that has not ended.
    fn signal_running(&self, signal: i32) {
        for i in self.state.running() {
            if let Some(r) = self.replicas.get(i) {
                r.signal(signal);
            }
        }
    }
}

impl Inner {
    fn is_live(&self, id: i64) -> bool {
        lock(&self.live).contains_key(&id)
    }

    fn insert_live(&self, id: i64, entry: Live) {
        lock(&self.live).insert(id, entry);
    }

    /// Keeps the tasks of a live workload so that dropping the runtime stops them; a workload
    /// that has already ended needs them no more.
    fn add_tasks(&self, id: i64, tasks: Vec<AbortHandle>) {
        if let Some(entry) = lock(&self.live).get_mut(&id) {
            entry.tasks.extend(tasks);
        }
    }

    fn push_report(&self, report: RuntimeReport) {
        lock(&self.reports).push(report);
        self.notify.notify_waiters();
    }

    fn inherited_env(&self) -> Vec<(String, String)> {
        self.options
            .inherit_env
            .iter()
            .filter_map(|k| Some((k.clone(), std::env::var(k).ok()?)))
            .collect()
    }

    fn reports(&self) -> Vec<RuntimeReport> {
        std::mem::take(&mut *lock(&self.reports))
    }

    async fn next_reports(&self) -> Vec<RuntimeReport> {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let reports = self.reports();
            if !reports.is_empty() {
                return reports;
            }
            notified.await;
        }
    }
}

impl Runtime for LocalRuntime {
    fn start<'a>(&'a self, workload: &'a PlacedWorkload) -> RuntimeFuture<'a, Vec<Endpoint>> {
        Box::pin(self.inner.start(workload))
    }

    fn stop(&self, id: i64, grace: Duration) -> RuntimeFuture<'_, ()> {
        Box::pin(async move {
            self.inner.stop(id, grace).await;
            Ok(())
        })
    }

    fn delete(&self, id: i64) -> RuntimeFuture<'_, ()> {
        Box::pin(self.inner.delete(id))
    }

    fn reports(&self) -> Vec<RuntimeReport> {
        self.inner.reports()
    }

    fn next_reports(&self) -> BoxFuture<'_, Vec<RuntimeReport>> {
        Box::pin(self.inner.next_reports())
    }

    fn recover<'a>(&'a self, known: &'a [(i64, Phase)]) -> RuntimeFuture<'a, Vec<RuntimeReport>> {
        Box::pin(async move { Ok(recovery::recover(&self.inner, known)) })
    }

    fn endpoints(&self, id: i64) -> Vec<Endpoint> {
        lock(&self.inner.live)
            .get(&id)
            .map(|e| e.endpoints.clone())
            .unwrap_or_default()
    }

    fn log_tail<'a>(
        &'a self,
        id: i64,
        group: &'a str,
        replica: u32,
        lines: usize,
    ) -> RuntimeFuture<'a, Vec<String>> {
        Box::pin(self.inner.log_tail(id, group, replica, lines))
    }

    fn log_follow<'a>(
        &'a self,
        id: i64,
        group: &'a str,
        replica: u32,
    ) -> RuntimeFuture<'a, mpsc::Receiver<String>> {
        Box::pin(self.inner.log_follow(id, group, replica))
    }

    fn rotate_logs(&self) -> RuntimeFuture<'_, ()> {
        Box::pin(self.inner.rotate_logs())
    }
}
