//! Why a runtime could not do what it was asked, in words a person can act on.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("workload {id} is already running: stop it before starting it again")]
    AlreadyRunning { id: i64 },

    #[error("workload {id} has no replica to start: every group has 0 replicas")]
    NoReplicas { id: i64 },

    #[error(
        "group {group:?} of workload {id} has no command: in standalone mode each replica is \
         started from the group's `command` (argv)"
    )]
    NoCommand { id: i64, group: String },

    #[error(
        "volume {volume:?} of group {group:?} in workload {id} is filled from a claim or a \
         download, which only cluster mode has; standalone volumes start empty"
    )]
    ClusterOnlyVolume {
        id: i64,
        group: String,
        volume: String,
    },

    #[error(
        "replica {group}-{replica} of workload {id} has no placement: the scheduler must place \
         every replica before it starts"
    )]
    NoPlacement {
        id: i64,
        group: String,
        replica: u32,
    },

    #[error(
        "{what} {name:?} is not valid: use lower-case letters, digits and '-' (a DNS-1123 label)"
    )]
    InvalidName { what: &'static str, name: String },

    #[error(
        "could not start group {group:?} of workload {id}: program {program:?}: {source} (give \
         a path to an executable, or a program on PATH)"
    )]
    Spawn {
        id: i64,
        group: String,
        program: String,
        source: io::Error,
    },

    #[error("could not find free TCP ports on 127.0.0.1 for workload {id}: {source}")]
    Ports { id: i64, source: io::Error },

    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },

    #[error(
        "replica {group}-{replica} of workload {id} has no log (it never started, or was deleted)"
    )]
    NoLog {
        id: i64,
        group: String,
        replica: u32,
    },

    #[error("could not signal process group {pgid}: {source}")]
    Signal { pgid: u32, source: io::Error },

    #[error("a runtime task failed: {0}")]
    Task(String),

    /// The cluster refused or did not answer; the message is the API's.
    #[error("the cluster could not {action} for workload {id}: {message}")]
    Cluster {
        id: i64,
        action: String,
        message: String,
    },
}

impl RuntimeError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        RuntimeError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
