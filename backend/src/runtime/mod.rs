//! Runtimes start the workloads that the scheduler placed, stop them, and bring their status
//! back. One trait, two implementations: [`LocalRuntime`] runs each replica as a process group on
//! this machine; a Kubernetes runtime comes later. The server holds an `Arc<dyn Runtime>`.
//!
//! A runtime never decides anything: the scheduler chose the nodes and GPUs, the caller (the
//! workload engine) stores what the runtime reports and requeues per the workload's policy.

mod error;
pub mod kube;
pub mod local;
mod report;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use api::Phase;

pub use error::RuntimeError;
pub use local::{LocalOptions, LocalRuntime};
pub use report::{
    ExitOutcome, RESTARTED, RESTARTED_WHILE_RUNNING, ReplicaExit, RuntimeReport, replica_label,
};

/// A boxed future, so that [`Runtime`] stays dyn-compatible.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A boxed future of a runtime result.
pub type RuntimeFuture<'a, T> = BoxFuture<'a, Result<T, RuntimeError>>;

/// A workload that the scheduler admitted and placed: every replica of every group has a
/// placement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedWorkload {
    pub id: i64,
    pub profile: String,
    pub name: String,
    pub spec: api::WorkloadSpec,
    pub placements: Vec<api::ReplicaPlacement>,
}

/// Where a replica's named port can be reached once it listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub group: String,
    pub replica: u32,
    /// The `PortSpec`'s name.
    pub port_name: String,
    pub host: String,
    pub port: u16,
}

/// Starts, stops and watches placed workloads.
///
/// Status flows one way: every change (started, finished, stopped) becomes a [`RuntimeReport`]
/// that the caller collects with [`Runtime::reports`] or [`Runtime::next_reports`] and stores.
pub trait Runtime: Send + Sync {
    /// Starts every replica. On error nothing stays running or half-created. Returns the
    /// endpoints of the replicas' ports; a `Running` report follows.
    fn start<'a>(&'a self, workload: &'a PlacedWorkload) -> RuntimeFuture<'a, Vec<Endpoint>>;

    /// Asks every replica to end (SIGTERM to its process group in the local runtime), waits up
    /// to `grace`, then kills what is left. A `Stopped` report follows, unless a replica had
    /// already failed (then `Failed`). Stopping a workload that does not run does nothing.
    fn stop(&self, id: i64, grace: Duration) -> RuntimeFuture<'_, ()>;

    /// Stops the workload if it runs, then removes everything the runtime kept for it (working
    /// directory, logs).
    fn delete(&self, id: i64) -> RuntimeFuture<'_, ()>;

    /// What changed since the last call, oldest first; empty when nothing did.
    fn reports(&self) -> Vec<RuntimeReport>;

    /// Like [`Runtime::reports`], but waits until there is at least one report.
    fn next_reports(&self) -> BoxFuture<'_, Vec<RuntimeReport>>;

    /// Called once at start with the workloads that the store thinks hold resources. Returns one
    /// report for each: `Failed` with reason [`RESTARTED`] when its processes are gone (the
    /// caller requeues per policy), `Running` when they still run and were adopted; adopted
    /// workloads are watched and reported like the others when they end.
    fn recover<'a>(&'a self, known: &'a [(i64, Phase)]) -> RuntimeFuture<'a, Vec<RuntimeReport>>;

    /// Where the ports of a running workload's replicas can be reached; empty when it does not
    /// run or has no port.
    fn endpoints(&self, id: i64) -> Vec<Endpoint>;

    /// The last `lines` lines that a replica wrote (stdout and stderr together).
    fn log_tail<'a>(
        &'a self,
        id: i64,
        group: &'a str,
        replica: u32,
        lines: usize,
    ) -> RuntimeFuture<'a, Vec<String>>;

    /// The lines that a replica writes from now on. The receiver ends when the workload has
    /// ended and its log is drained; drop it to stop following.
    fn log_follow<'a>(
        &'a self,
        id: i64,
        group: &'a str,
        replica: u32,
    ) -> RuntimeFuture<'a, tokio::sync::mpsc::Receiver<String>>;

    /// Periodic housekeeping the server calls (log rotation in the local runtime). Does
    /// nothing by default.
    fn rotate_logs(&self) -> RuntimeFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }
}
