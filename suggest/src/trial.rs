//! What an algorithm learns from: each trial's assignment and how it went.

use crate::space::Value;

/// How a trial stands. Objectives are to be minimized.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TrialState {
    /// Created and not finished: its assignment is taken, its result unknown.
    Running,
    Succeeded(f64),
    /// Failed or gave no objective: nothing to learn but that the point was tried.
    Failed,
    /// Stopped early by the early-stopping rule, with the last objective it reported.
    EarlyStopped(Option<f64>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    /// One value per parameter of the space, in its order.
    pub values: Vec<Value>,
    pub state: TrialState,
}

impl Trial {
    /// The objective a model can learn from: a success's, or an early stop's last report.
    pub fn objective(&self) -> Option<f64> {
        match self.state {
            TrialState::Succeeded(y) => Some(y),
            TrialState::EarlyStopped(y) => y,
            TrialState::Running | TrialState::Failed => None,
        }
        .filter(|y| y.is_finite())
    }
}
