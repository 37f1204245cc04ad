//! One task per replica waits for it to end and tells the runtime how. A replica that Capstan
//! started is its child: the task waits for it and gets its exit code or signal. An adopted one
//! (started before a restart) is not: the task polls `/proc` until it is gone, and its exit
//! status stays unknown.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::Arc;
use std::time::Duration;

use tokio::process::Child;
use tokio::task::AbortHandle;

use super::Inner;
use super::pidfile::{self, PidFile};
use crate::runtime::ExitOutcome;

/// Waits for a child replica.
pub(crate) fn child(inner: Arc<Inner>, id: i64, index: usize, mut child: Child) -> AbortHandle {
    tokio::spawn(async move {
        let outcome = match child.wait().await {
            Ok(status) => outcome_of(status),
            Err(e) => {
                tracing::warn!(workload = id, error = %e, "cannot wait for a replica");
                ExitOutcome::Unknown
            }
        };
        inner.replica_exited(id, index, outcome);
    })
    .abort_handle()
}

/// Polls an adopted replica every `every` until it is gone.
pub(crate) fn adopted(
    inner: Arc<Inner>,
    id: i64,
    index: usize,
    pid_file: PidFile,
    every: Duration,
) -> AbortHandle {
    tokio::spawn(async move {
        while pidfile::is_alive(&pid_file) {
            tokio::time::sleep(every).await;
        }
        inner.replica_exited(id, index, ExitOutcome::Unknown);
    })
    .abort_handle()
}

fn outcome_of(status: ExitStatus) -> ExitOutcome {
    match (status.code(), status.signal()) {
        (Some(code), _) => ExitOutcome::Code(code),
        (None, Some(signal)) => ExitOutcome::Signal(signal),
        (None, None) => ExitOutcome::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_signals() {
        // Wait statuses as waitpid(2) encodes them.
        assert_eq!(
            outcome_of(ExitStatus::from_raw(3 << 8)),
            ExitOutcome::Code(3)
        );
        assert_eq!(
            outcome_of(ExitStatus::from_raw(libc::SIGKILL)),
            ExitOutcome::Signal(libc::SIGKILL)
        );
    }
}
