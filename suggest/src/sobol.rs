//! Sobol quasi-random search. PLACEHOLDER: a helper is writing it.

use crate::algorithm::{Suggest, Suggestion};
use crate::random::uniform_point;
use crate::space::Space;
use crate::trial::Trial;

pub struct SobolSearch {
    seed: u64,
}

impl SobolSearch {
    pub fn new(seed: u64) -> SobolSearch {
        SobolSearch { seed }
    }
}

impl Suggest for SobolSearch {
    fn suggest(&self, space: &Space, trials: &[Trial], count: usize) -> Suggestion {
        Suggestion::New(
            (0..count)
                .map(|k| uniform_point(space, self.seed, trials.len() + k))
                .collect(),
        )
    }
}
