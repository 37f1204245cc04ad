//! What a runtime says about a workload: its phase, why, and how each replica ended.

use std::fmt;

use api::Phase;

/// The reason of a workload whose processes were gone when Capstan started again.
pub const RESTARTED: &str = "capstan restarted";

/// The reason of an adopted workload (one that outlived a Capstan restart) once it ends: its
/// processes are not Capstan's children any more, so nobody can wait for their exit status and
/// the runtime cannot tell success from failure. It reports `Failed`, never `Succeeded`: a
/// requeue costs less than a result that was never produced but is taken as done.
pub const RESTARTED_WHILE_RUNNING: &str = "exit status unknown: capstan restarted while it ran";

/// A change in a workload's life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeReport {
    pub id: i64,
    /// `Running`, `Succeeded`, `Failed` or `Stopped`.
    pub phase: Phase,
    /// Why, in words: which replica failed and how, "stopped", [`RESTARTED`]…
    pub reason: String,
    /// How each replica ended; empty while it runs.
    pub exits: Vec<ReplicaExit>,
    /// When the runtime saw it happen (ms since the epoch): the spawn, the last replica's exit.
    /// The engine records this as the workload's start or end, not the moment it got round to
    /// the report (a scheduling cycle that admits a wave of workloads comes first).
    pub at_ms: i64,
}

/// How one replica ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaExit {
    pub group: String,
    pub replica: u32,
    pub outcome: ExitOutcome,
}

/// How one replica's process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitOutcome {
    /// It exited with this code.
    Code(i32),
    /// A signal killed it.
    Signal(i32),
    /// It ended while nobody could wait for it (see [`RESTARTED_WHILE_RUNNING`]).
    Unknown,
}

impl ExitOutcome {
    /// Exited with code 0.
    pub fn is_success(self) -> bool {
        self == ExitOutcome::Code(0)
    }

    /// Exited with another code, or was killed by a signal.
    pub fn is_failure(self) -> bool {
        matches!(self, ExitOutcome::Code(c) if c != 0) || matches!(self, ExitOutcome::Signal(_))
    }
}

impl fmt::Display for ExitOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ExitOutcome::Code(c) => write!(f, "exited with code {c}"),
            ExitOutcome::Signal(s) => match signal_name(s) {
                Some(name) => write!(f, "was killed by signal {s} ({name})"),
                None => write!(f, "was killed by signal {s}"),
            },
            ExitOutcome::Unknown => write!(f, "ended with an unknown exit status"),
        }
    }
}

impl ReplicaExit {
    /// The reason a runtime gives for a workload that failed, `replica worker-1 exited with
    /// code 3`, as the replica and its outcome: what the store keeps of a failure. `None` for
    /// any other reason ([`RESTARTED`], "stopped"…).
    pub fn from_reason(reason: &str) -> Option<ReplicaExit> {
        let rest = reason.strip_prefix("replica ")?;
        let (label, outcome) = rest.split_once(' ')?;
        let (group, replica) = label.rsplit_once('-')?;
        let number = |text: &str| text.split(' ').next()?.parse::<i32>().ok();
        let outcome = if let Some(code) = outcome.strip_prefix("exited with code ") {
            ExitOutcome::Code(number(code)?)
        } else if let Some(signal) = outcome.strip_prefix("was killed by signal ") {
            ExitOutcome::Signal(number(signal)?)
        } else if outcome == ExitOutcome::Unknown.to_string() {
            ExitOutcome::Unknown
        } else {
            return None;
        };
        Some(ReplicaExit {
            group: group.to_owned(),
            replica: replica.parse().ok()?,
            outcome,
        })
    }
}

/// `worker-1`: how reasons, logs and directories name a replica.
pub fn replica_label(group: &str, replica: u32) -> String {
    format!("{group}-{replica}")
}

fn signal_name(signal: i32) -> Option<&'static str> {
    Some(match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGXCPU => "SIGXCPU",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_read_as_words() {
        assert_eq!(ExitOutcome::Code(3).to_string(), "exited with code 3");
        assert_eq!(
            ExitOutcome::Signal(libc::SIGKILL).to_string(),
            format!("was killed by signal {} (SIGKILL)", libc::SIGKILL)
        );
        assert_eq!(
            ExitOutcome::Signal(200).to_string(),
            "was killed by signal 200"
        );
    }

    #[test]
    fn a_failure_reason_reads_back_as_the_replica_and_its_outcome() {
        for (group, replica, outcome) in [
            ("worker", 1, ExitOutcome::Code(3)),
            ("param-server", 12, ExitOutcome::Signal(libc::SIGKILL)),
            ("main", 0, ExitOutcome::Signal(200)),
            ("main", 0, ExitOutcome::Unknown),
        ] {
            let reason = format!("replica {} {outcome}", replica_label(group, replica));
            let exit = ReplicaExit::from_reason(&reason).expect(&reason);
            assert_eq!(
                (exit.group.as_str(), exit.replica, exit.outcome),
                (group, replica, outcome)
            );
        }
        assert_eq!(ReplicaExit::from_reason(RESTARTED), None);
        assert_eq!(ReplicaExit::from_reason("stopped by ana"), None);
    }

    #[test]
    fn success_and_failure() {
        assert!(ExitOutcome::Code(0).is_success());
        assert!(!ExitOutcome::Code(0).is_failure());
        assert!(ExitOutcome::Code(1).is_failure());
        assert!(ExitOutcome::Signal(9).is_failure());
        assert!(!ExitOutcome::Unknown.is_failure());
        assert!(!ExitOutcome::Unknown.is_success());
    }
}
