//! A workload's life from its replicas' exits: pure, so every rule is tested without processes.
//!
//! - It succeeds when every replica exited with code 0.
//! - It fails when a replica exits with another code or is killed by a signal; the others are
//!   then stopped, and the reason names the first replica that failed and how.
//! - It is stopped when asked to be (exits after the request are not failures).
//! - A replica that ended while nobody could wait for it (adopted after a restart) makes the
//!   workload fail with [`RESTARTED_WHILE_RUNNING`], unless another rule says more.
//!
//! A replica that exits 0 while others run does not end the workload: it ends when all have,
//! unless the workload has a leader group: once every replica of it exited 0 the others are
//! stopped, and their ends (the stop's signal) are not failures.

use api::Phase;

use crate::runtime::{ExitOutcome, RESTARTED_WHILE_RUNNING, ReplicaExit, replica_label};

#[derive(Debug)]
pub(crate) struct WorkloadState {
    replicas: Vec<(String, u32)>,
    exits: Vec<Option<ExitOutcome>>,
    first_failure: Option<usize>,
    stop_requested: bool,
    /// The group whose success is the workload's.
    leader: Option<String>,
    leader_done: bool,
}

/// What the runtime must do after an exit.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Step {
    /// This exit is the workload's first failure and other replicas still run: stop them.
    pub stop_others: bool,
    /// Every replica has ended: the workload's final phase and reason.
    pub finished: Option<(Phase, String)>,
}

impl WorkloadState {
    /// `replicas`: (group, index) of each replica, in the order the runtime numbers them.
    pub fn new(replicas: Vec<(String, u32)>) -> Self {
        let exits = vec![None; replicas.len()];
        WorkloadState {
            replicas,
            exits,
            first_failure: None,
            stop_requested: false,
            leader: None,
            leader_done: false,
        }
    }

    /// The group whose replicas decide (`WorkloadSpec::leader`).
    pub fn with_leader(mut self, leader: Option<&str>) -> Self {
        self.leader = leader.map(str::to_owned);
        self
    }

    /// Every replica of the leader group exited 0 (false without a leader).
    fn leader_succeeded(&self) -> bool {
        let Some(leader) = &self.leader else {
            return false;
        };
        let mut of_leader = self
            .replicas
            .iter()
            .zip(&self.exits)
            .filter(|((group, _), _)| group == leader)
            .peekable();
        of_leader.peek().is_some() && of_leader.all(|(_, exit)| *exit == Some(ExitOutcome::Code(0)))
    }

    /// Records that a stop was asked for.
    pub fn request_stop(&mut self) {
        self.stop_requested = true;
    }

    /// Indices of the replicas that have not ended.
    pub fn running(&self) -> Vec<usize> {
        (0..self.exits.len())
            .filter(|i| self.exits[*i].is_none())
            .collect()
    }

    pub fn is_finished(&self) -> bool {
        self.exits.iter().all(Option::is_some)
    }

    /// How each replica that has ended ended.
    pub fn exits(&self) -> Vec<ReplicaExit> {
        self.replicas
            .iter()
            .zip(&self.exits)
            .filter_map(|((group, replica), exit)| {
                exit.map(|outcome| ReplicaExit {
                    group: group.clone(),
                    replica: *replica,
                    outcome,
                })
            })
            .collect()
    }

    /// Records how replica `index` ended. A second exit of the same replica, or an index out of
    /// range, changes nothing.
    pub fn record(&mut self, index: usize, outcome: ExitOutcome) -> Step {
        let nothing = Step {
            stop_others: false,
            finished: None,
        };
        match self.exits.get_mut(index) {
            Some(slot @ None) => *slot = Some(outcome),
            _ => return nothing,
        }
        let first_failure = outcome.is_failure()
            && !self.stop_requested
            && !self.leader_done
            && self.first_failure.is_none();
        if first_failure {
            self.first_failure = Some(index);
        }
        let leader_now_done =
            !self.leader_done && self.first_failure.is_none() && self.leader_succeeded();
        if leader_now_done {
            self.leader_done = true;
        }
        let finished = self.is_finished().then(|| self.verdict());
        Step {
            stop_others: (first_failure || leader_now_done) && finished.is_none(),
            finished,
        }
    }

    fn verdict(&self) -> (Phase, String) {
        if let Some(i) = self.first_failure
            && let (Some((group, replica)), Some(Some(outcome))) =
                (self.replicas.get(i), self.exits.get(i))
        {
            let label = replica_label(group, *replica);
            return (Phase::Failed, format!("replica {label} {outcome}"));
        }
        if let (true, Some(leader)) = (self.leader_done, &self.leader) {
            return (
                Phase::Succeeded,
                format!("every {leader} replica exited with code 0"),
            );
        }
        if self.stop_requested {
            return (Phase::Stopped, "stopped".to_owned());
        }
        if self.exits.contains(&Some(ExitOutcome::Unknown)) {
            return (Phase::Failed, RESTARTED_WHILE_RUNNING.to_owned());
        }
        (
            Phase::Succeeded,
            "all replicas exited with code 0".to_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> WorkloadState {
        WorkloadState::new(vec![("worker".to_owned(), 0), ("worker".to_owned(), 1)])
    }

    #[test]
    fn succeeds_when_all_exit_zero() {
        let mut s = two();
        let step = s.record(1, ExitOutcome::Code(0));
        assert_eq!(
            step,
            Step {
                stop_others: false,
                finished: None
            }
        );
        assert_eq!(s.running(), vec![0]);
        let step = s.record(0, ExitOutcome::Code(0));
        assert_eq!(step.finished.map(|f| f.0), Some(Phase::Succeeded));
        assert_eq!(s.exits().len(), 2);
    }

    #[test]
    fn the_first_failure_stops_the_others_and_names_the_reason() {
        let mut s = two();
        let step = s.record(1, ExitOutcome::Code(3));
        assert!(step.stop_others);
        assert_eq!(step.finished, None);
        // The other one dies of the SIGTERM it was sent: not the reason.
        let step = s.record(0, ExitOutcome::Signal(libc::SIGTERM));
        assert!(!step.stop_others);
        assert_eq!(
            step.finished,
            Some((
                Phase::Failed,
                "replica worker-1 exited with code 3".to_owned()
            ))
        );
    }

    #[test]
    fn a_leader_that_succeeds_ends_the_workload_and_stops_the_rest() {
        let mut s = WorkloadState::new(vec![
            ("chief".to_owned(), 0),
            ("ps".to_owned(), 0),
            ("worker".to_owned(), 0),
        ])
        .with_leader(Some("chief"));
        assert!(
            !s.record(2, ExitOutcome::Code(0)).stop_others,
            "a worker is not the chief"
        );
        let step = s.record(0, ExitOutcome::Code(0));
        assert!(step.stop_others, "the parameter server runs until stopped");
        let step = s.record(1, ExitOutcome::Signal(libc::SIGTERM));
        assert_eq!(
            step.finished,
            Some((
                Phase::Succeeded,
                "every chief replica exited with code 0".to_owned()
            ))
        );
        // A failure before the leader's success still fails it.
        let mut s = WorkloadState::new(vec![("chief".to_owned(), 0), ("worker".to_owned(), 0)])
            .with_leader(Some("chief"));
        assert!(s.record(1, ExitOutcome::Code(2)).stop_others);
        let step = s.record(0, ExitOutcome::Code(0));
        assert_eq!(step.finished.map(|f| f.0), Some(Phase::Failed));
    }

    #[test]
    fn a_signal_is_a_failure() {
        let mut s = WorkloadState::new(vec![("main".to_owned(), 0)]);
        let step = s.record(0, ExitOutcome::Signal(libc::SIGKILL));
        assert!(!step.stop_others, "nothing else runs");
        let (phase, reason) = step.finished.expect("finished");
        assert_eq!(phase, Phase::Failed);
        assert!(
            reason.starts_with("replica main-0 was killed by signal"),
            "{reason}"
        );
    }

    #[test]
    fn exits_after_a_stop_are_not_failures() {
        let mut s = two();
        s.request_stop();
        s.record(0, ExitOutcome::Signal(libc::SIGTERM));
        let step = s.record(1, ExitOutcome::Code(143));
        assert_eq!(step.finished, Some((Phase::Stopped, "stopped".to_owned())));
    }

    #[test]
    fn a_failure_before_the_stop_stays_the_reason() {
        let mut s = two();
        s.record(0, ExitOutcome::Code(1));
        s.request_stop();
        let step = s.record(1, ExitOutcome::Signal(libc::SIGTERM));
        assert_eq!(step.finished.map(|f| f.0), Some(Phase::Failed));
    }

    #[test]
    fn unknown_exits_fail_with_the_restart_reason() {
        let mut s = two();
        s.record(0, ExitOutcome::Unknown);
        let step = s.record(1, ExitOutcome::Unknown);
        assert_eq!(
            step.finished,
            Some((Phase::Failed, RESTARTED_WHILE_RUNNING.to_owned()))
        );
    }

    #[test]
    fn a_second_exit_of_one_replica_changes_nothing() {
        let mut s = two();
        s.record(0, ExitOutcome::Code(0));
        let step = s.record(0, ExitOutcome::Code(9));
        assert_eq!(
            step,
            Step {
                stop_others: false,
                finished: None
            }
        );
        assert_eq!(s.record(7, ExitOutcome::Code(0)).finished, None);
    }
}
