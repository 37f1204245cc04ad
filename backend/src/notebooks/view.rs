//! A notebook's state, from its run's phase and whether JupyterLab answers.

use api::{NotebookState, Phase};

use crate::store::WorkloadRow;

/// The state and its reason. No run at all (never started, or deleted by hand) is stopped.
pub fn state_of(workload: Option<&WorkloadRow>, ready: bool) -> (NotebookState, Option<String>) {
    let Some(w) = workload else {
        return (NotebookState::Stopped, None);
    };
    let reason = w.reason.clone();
    let state = match w.phase {
        Phase::Queued => NotebookState::Queued,
        Phase::Admitted | Phase::Starting => NotebookState::Starting,
        Phase::Running if ready => return (NotebookState::Ready, None),
        Phase::Running => {
            return (
                NotebookState::Starting,
                Some("JupyterLab does not answer yet".to_owned()),
            );
        }
        Phase::Stopped | Phase::Preempted => NotebookState::Stopped,
        Phase::Succeeded => {
            return (NotebookState::Stopped, Some("JupyterLab exited".to_owned()));
        }
        Phase::Failed => NotebookState::Failed,
    };
    (state, reason)
}
