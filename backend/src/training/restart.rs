//! What a failed attempt means for its job, by the restart policy of the replica that failed
//! first and the run policy's backoff limit. Pure, so every rule is tested without processes.

use std::time::Duration;

use crate::runtime::{ExitOutcome, ReplicaExit};

use super::spec::{RestartPolicy, TrainingSpec};

/// The first restart waits this long, each next one twice as long, up to [`MAX_BACKOFF`]:
/// Kubernetes' back-off for failed pods.
pub const MAX_BACKOFF: Duration = Duration::from_secs(360);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Start the next attempt after `delay`.
    Restart { delay: Duration, reason: String },
    /// The job fails: the condition's reason (`BackoffLimitExceeded`…) and the message.
    Fail {
        reason: &'static str,
        message: String,
    },
}

/// `why`: the attempt's failure as the runtime told it (which replica failed first, and how);
/// `restarts`: how many times the job restarted before; `base`: the first back-off.
pub fn after_failure(spec: &TrainingSpec, why: &str, restarts: u32, base: Duration) -> Verdict {
    // None when the processes were lost (Capstan restarted), which may pass like a kill.
    let failed = ReplicaExit::from_reason(why);
    let failed = failed.as_ref();
    let policy = failed
        .and_then(|e| spec.replica(&e.group))
        .map_or(RestartPolicy::OnFailure, |r| r.restart_policy);
    let retryable = match (policy, failed.map(|e| e.outcome)) {
        (RestartPolicy::Never, _) => false,
        (RestartPolicy::ExitCode, Some(ExitOutcome::Code(code))) => code >= 128,
        _ => true,
    };
    if !retryable {
        let rule = match policy {
            RestartPolicy::Never => "restartPolicy Never".to_owned(),
            _ => "restartPolicy ExitCode: codes 1-127 are permanent".to_owned(),
        };
        return Verdict::Fail {
            reason: "Failed",
            message: format!("{why} ({rule})"),
        };
    }
    let limit = spec.run_policy.backoff_limit;
    if restarts >= limit {
        return Verdict::Fail {
            reason: "BackoffLimitExceeded",
            message: format!("{why}; restarted {restarts} times, backoffLimit is {limit}"),
        };
    }
    let delay = base
        .saturating_mul(2u32.saturating_pow(restarts))
        .min(MAX_BACKOFF);
    Verdict::Restart {
        delay,
        reason: why.to_owned(),
    }
}
