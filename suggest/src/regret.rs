//! Regret of an algorithm on a test function: how far the best trial it finds in a budget of
//! trials is from the function's minimum, as `cargo xtask bench tuning` reports it.

use crate::algorithm::{Algorithm, Suggestion};
use crate::functions::TestFunction;
use crate::trial::{Trial, TrialState};

/// Runs `trials` sequential trials of `algorithm` on `function` and answers the regret of the
/// trial that reported the best value, on its noise-free value.
pub fn regret(algorithm: &Algorithm, function: &TestFunction, trials: usize, seed: u64) -> f64 {
    let space = function.space();
    let suggest = algorithm.build();
    let mut history: Vec<Trial> = Vec::with_capacity(trials);
    let mut best: Option<(f64, f64)> = None;
    while history.len() < trials {
        let Suggestion::New(batch) = suggest.suggest(&space, &history, 1) else {
            break;
        };
        let Some(values) = batch.into_iter().next() else {
            break;
        };
        let x = TestFunction::point(&values);
        let observed = function.observe(&x, seed, history.len());
        if best.is_none_or(|(b, _)| observed < b) {
            best = Some((observed, (function.value)(&x)));
        }
        history.push(Trial {
            values,
            state: TrialState::Succeeded(observed),
        });
    }
    best.map_or(f64::INFINITY, |(_, clean)| clean - function.minimum)
}

/// The median regret over the seeds `0..seeds`; `make` builds the algorithm for a seed.
pub fn median_regret(
    make: impl Fn(u64) -> Algorithm,
    function: &TestFunction,
    trials: usize,
    seeds: u64,
) -> f64 {
    let mut regrets: Vec<f64> = (0..seeds)
        .map(|seed| regret(&make(seed), function, trials, seed))
        .collect();
    regrets.sort_by(f64::total_cmp);
    let n = regrets.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        regrets[n / 2]
    } else {
        (regrets[n / 2 - 1] + regrets[n / 2]) / 2.0
    }
}
