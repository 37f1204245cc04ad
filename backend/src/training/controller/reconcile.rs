//! One job's next step, level-triggered: from its stored state and its current workload's
//! phase, so that a missed event or a restart of Capstan changes nothing.

use std::time::Duration;

use api::{JobState, Phase};

use super::super::job_workload::{job_workload, workload_name};
use super::super::restart::{Verdict, after_failure};
use super::super::spec::CleanPodPolicy;
use super::{Controller, reason};
use crate::authz::Principal;
use crate::clock::now_ms;

/// What Capstan's own submissions and stops are made as.
pub(super) fn principal() -> Principal {
    Principal::service("training")
}

impl Controller {
    pub(super) async fn reconcile(&mut self, id: i64) {
        let Some(job) = self.jobs.get(&id) else {
            return;
        };
        let row = job.row.clone();
        let now = now_ms();
        match row.state {
            JobState::Suspended => {}
            JobState::Succeeded | JobState::Failed => {
                let ttl = job.spec.run_policy.ttl_seconds_after_finished;
                if let (Some(ttl), Some(end)) = (ttl, row.finished_at_ms)
                    && now >= end + i64::from(ttl) * 1000
                {
                    tracing::info!(job = row.name, "time to live over: deleting");
                    let _ = self.delete(id).await;
                } else if ttl.is_none() {
                    // Nothing more will happen to it.
                    self.jobs.remove(&id);
                }
            }
            JobState::Created | JobState::Running | JobState::Restarting => {
                if let Some(due) = row.restart_at_ms {
                    if now >= due {
                        self.start_attempt(id, row.attempt + 1, true).await;
                    }
                    return;
                }
                let Some(workload) = row.workload_id else {
                    self.start_attempt(id, row.attempt, false).await;
                    return;
                };
                self.follow_workload(id, workload).await;
            }
        }
    }

    /// Submits attempt `attempt`; `restart`: it follows a failure and counts against the
    /// backoff limit. A refusal (the quota shrank, the name is taken) fails the job.
    pub(super) async fn start_attempt(&mut self, id: i64, attempt: u32, restart: bool) {
        let Some(job) = self.jobs.get(&id) else {
            return;
        };
        let spec = job_workload(&job.spec, attempt);
        let mut row = job.row.clone();
        let kind = job.spec.kind;
        match self.engine.submit(&principal(), &row.profile, &spec).await {
            Ok(workload) => {
                row.attempt = attempt;
                row.workload_id = Some(workload.id);
                row.restart_at_ms = None;
                if let Some(job) = self.jobs.get_mut(&id) {
                    job.lines_read = 0;
                    job.steps.clear();
                }
                if restart {
                    row.restarts += 1;
                    let message = format!(
                        "attempt {attempt} ({}) submitted: restart {} of at most {}",
                        workload.name,
                        row.restarts,
                        self.jobs
                            .get(&id)
                            .map_or(0, |j| j.spec.run_policy.backoff_limit)
                    );
                    row.state = JobState::Restarting;
                    let why = format!("{}Restarting", kind.as_str());
                    self.save(id, row, &why, &message).await;
                } else {
                    // Quietly: the job's Created condition says it all.
                    if let Err(e) = self.store.training().save(&row, None, now_ms()).await {
                        tracing::warn!(job = id, error = %e, "cannot store a training job's attempt");
                    }
                    if let Some(job) = self.jobs.get_mut(&id) {
                        job.row = row;
                    }
                }
            }
            Err(e) => {
                let name = workload_name(&row.name, attempt);
                self.finish(
                    id,
                    JobState::Failed,
                    "FailedCreate",
                    &format!("attempt {name} was refused: {e}"),
                )
                .await;
            }
        }
    }

    /// Follows the current attempt's workload.
    async fn follow_workload(&mut self, id: i64, workload: i64) {
        let found = self.store.workloads().by_id(workload).await;
        let Some(job) = self.jobs.get(&id) else {
            return;
        };
        let (row, spec) = (job.row.clone(), job.spec.clone());
        let w = match found {
            Ok(Some(w)) => w,
            Ok(None) => {
                self.finish(id, JobState::Failed, "Failed", "its workload was deleted")
                    .await;
                return;
            }
            Err(e) => {
                tracing::warn!(job = id, error = %e, "cannot read a training job's workload");
                return;
            }
        };
        let why = w.reason.clone().unwrap_or_default();
        match w.phase {
            Phase::Running => {
                if let Some(deadline) = spec.run_policy.active_deadline_seconds
                    && let Some(started) = row.started_at_ms
                    && now_ms() >= started + i64::from(deadline) * 1000
                {
                    let _ = self
                        .engine
                        .stop_because(&row.profile, &w.name, "activeDeadlineSeconds passed")
                        .await;
                    let message = format!("ran longer than activeDeadlineSeconds ({deadline} s)");
                    self.finish(id, JobState::Failed, "DeadlineExceeded", &message)
                        .await;
                    return;
                }
                if row.state != JobState::Running {
                    let mut row = row;
                    row.state = JobState::Running;
                    row.started_at_ms
                        .get_or_insert(w.started_at_ms.unwrap_or_else(now_ms));
                    let message = format!(
                        "all {} replicas of attempt {} run",
                        spec.total_replicas(),
                        row.attempt
                    );
                    self.save(id, row, &reason(&spec, JobState::Running), &message)
                        .await;
                }
            }
            Phase::Queued if row.state == JobState::Running => {
                // Preempted: the scheduler put the whole gang back in the queue.
                let mut row = row;
                row.state = JobState::Created;
                self.save(id, row, "Requeued", &why).await;
            }
            Phase::Queued | Phase::Admitted | Phase::Starting | Phase::Preempted => {}
            Phase::Succeeded => {
                self.collect(id).await;
                let message = format!("attempt {} succeeded: {why}", row.attempt);
                self.finish(
                    id,
                    JobState::Succeeded,
                    &reason(&spec, JobState::Succeeded),
                    &message,
                )
                .await;
            }
            Phase::Stopped => {
                self.finish(
                    id,
                    JobState::Failed,
                    "Stopped",
                    &format!("its workload was {why}"),
                )
                .await;
            }
            Phase::Failed => {
                self.collect(id).await;
                match after_failure(&spec, &why, row.restarts, self.backoff) {
                    Verdict::Restart { delay, reason: why } => {
                        let mut row = row;
                        row.state = JobState::Restarting;
                        row.restart_at_ms = Some(now_ms() + millis(delay));
                        let message = format!(
                            "{why}; attempt {} starts in {} s",
                            row.attempt + 1,
                            delay.as_secs_f64()
                        );
                        self.save(id, row, &reason(&spec, JobState::Restarting), &message)
                            .await;
                    }
                    Verdict::Fail { reason, message } => {
                        self.finish(id, JobState::Failed, reason, &message).await;
                    }
                }
            }
        }
    }

    /// The job ends in `state`; with `cleanPodPolicy: All` its attempts' workloads (and logs)
    /// go too.
    pub(super) async fn finish(&mut self, id: i64, state: JobState, why: &str, message: &str) {
        let Some(job) = self.jobs.get(&id) else {
            return;
        };
        let mut row = job.row.clone();
        let clean_all = job.spec.run_policy.clean_pod_policy == CleanPodPolicy::All;
        row.state = state;
        row.restart_at_ms = None;
        row.finished_at_ms = Some(now_ms());
        if clean_all {
            self.remove_attempts(&row.profile, &row.name, row.attempt)
                .await;
        }
        self.save(id, row, why, message).await;
    }

    /// Deletes the workloads of attempts 0 to `last` that still exist.
    pub(super) async fn remove_attempts(&self, profile: &str, job: &str, last: u32) {
        for attempt in 0..=last {
            let name = workload_name(job, attempt);
            // Gone already (cleaned before, never submitted): nothing to do.
            let _ = self.engine.remove(profile, &name).await;
        }
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
