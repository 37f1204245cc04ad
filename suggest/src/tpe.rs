//! Tree-structured Parzen estimator (Bergstra et al. 2011). PLACEHOLDER: a helper is writing it.

use crate::algorithm::{Suggest, Suggestion};
use crate::random::uniform_point;
use crate::space::Space;
use crate::trial::Trial;

#[derive(Debug, Clone, PartialEq)]
pub struct TpeSettings {
    pub seed: u64,
    /// Candidates drawn from the good density; the one with the best ratio is suggested.
    pub n_ei_candidates: usize,
    /// The share of trials counted as good; `None`: Optuna's default, min(⌈0.1 n⌉, 25) trials.
    pub gamma: Option<f64>,
    pub prior_weight: f64,
    /// Random trials before the model is used.
    pub n_startup_trials: usize,
}

impl TpeSettings {
    pub fn new(seed: u64) -> TpeSettings {
        TpeSettings {
            seed,
            n_ei_candidates: 24,
            gamma: None,
            prior_weight: 1.0,
            n_startup_trials: 10,
        }
    }
}

pub struct Tpe {
    settings: TpeSettings,
}

impl Tpe {
    pub fn new(settings: TpeSettings) -> Tpe {
        Tpe { settings }
    }
}

impl Suggest for Tpe {
    fn suggest(&self, space: &Space, trials: &[Trial], count: usize) -> Suggestion {
        Suggestion::New(
            (0..count)
                .map(|k| uniform_point(space, self.settings.seed, trials.len() + k))
                .collect(),
        )
    }
}
