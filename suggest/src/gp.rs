//! Gaussian-process Bayesian optimization with expected improvement. PLACEHOLDER: a helper is
//! writing it.

use crate::algorithm::{Suggest, Suggestion};
use crate::random::uniform_point;
use crate::space::Space;
use crate::trial::Trial;

/// How the acquisition function is maximized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acquisition {
    /// Random candidates, then gradient ascent from the best few (Katib's `auto`, `lbfgs`).
    Gradient,
    /// Random candidates only (Katib's `sampling`).
    Sampling,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GpSettings {
    pub seed: u64,
    /// Random (quasi-random) trials before the model is used.
    pub n_initial_points: usize,
    pub acquisition: Acquisition,
}

impl GpSettings {
    pub fn new(seed: u64) -> GpSettings {
        GpSettings {
            seed,
            n_initial_points: 10,
            acquisition: Acquisition::Gradient,
        }
    }
}

pub struct Gp {
    settings: GpSettings,
}

impl Gp {
    pub fn new(settings: GpSettings) -> Gp {
        Gp { settings }
    }
}

impl Suggest for Gp {
    fn suggest(&self, space: &Space, trials: &[Trial], count: usize) -> Suggestion {
        Suggestion::New(
            (0..count)
                .map(|k| uniform_point(space, self.settings.seed, trials.len() + k))
                .collect(),
        )
    }
}
