//! Hyperband (Li et al. 2018). PLACEHOLDER: a helper is writing it.

use crate::algorithm::{Suggest, Suggestion};
use crate::space::Space;
use crate::trial::Trial;

#[derive(Debug, Clone, PartialEq)]
pub struct HyperbandSettings {
    pub seed: u64,
    /// Index of the parameter that carries a trial's budget (Katib's `resource_name`).
    pub resource: usize,
    pub eta: f64,
    /// The most budget one trial gets (Katib's `r_l`).
    pub r_l: f64,
}

pub struct Hyperband {
    settings: HyperbandSettings,
}

impl Hyperband {
    pub fn new(settings: HyperbandSettings) -> Hyperband {
        Hyperband { settings }
    }
}

impl Suggest for Hyperband {
    fn suggest(&self, _space: &Space, _trials: &[Trial], _count: usize) -> Suggestion {
        let _ = &self.settings;
        Suggestion::Exhausted
    }
}
