//! Random search: every parameter drawn independently, uniformly in its encoding (so
//! log-uniform doubles are uniform in the logarithm).

use rand::Rng;

use crate::algorithm::{Suggest, Suggestion};
use crate::rng;
use crate::space::{Space, Value};
use crate::trial::Trial;

pub struct RandomSearch {
    seed: u64,
}

impl RandomSearch {
    pub fn new(seed: u64) -> RandomSearch {
        RandomSearch { seed }
    }
}

/// A uniform point of the space for the trial at `position`.
pub fn uniform_point(space: &Space, seed: u64, position: usize) -> Vec<Value> {
    let mut rng = rng::for_position(seed, position);
    let point: Vec<f64> = (0..space.len()).map(|_| rng.r#gen::<f64>()).collect();
    space.decode(&point)
}

impl Suggest for RandomSearch {
    fn suggest(&self, space: &Space, trials: &[Trial], count: usize) -> Suggestion {
        Suggestion::New(
            (0..count)
                .map(|k| uniform_point(space, self.seed, trials.len() + k))
                .collect(),
        )
    }
}
