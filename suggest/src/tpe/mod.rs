//! Tree-structured Parzen estimator (Bergstra et al. 2011), after Optuna 5.0's default
//! `TPESampler`: multivariate (joint kernels over all parameters) with the constant liar.
//!
//! After `n_startup_trials` scored trials drawn at random, each suggestion splits the scored
//! trials into the best few (good) and the rest (bad, with the running and failed ones), fits
//! a Parzen estimator to each, l(x) and g(x), draws `n_ei_candidates` points from l and
//! suggests the one with the largest l(x)/g(x) that was not tried yet.
//!
//! A faithful port gives Optuna's regrets; three departures, each measured with the regret
//! example, let l(x) refine a region it found instead of staying a seventh of the range wide
//! (median regret after 50 trials over 1000 seeds: Branin 0.18 → 0.011, Hartmann-6 0.38 →
//! 0.24, noisy quadratic 0.078 → 0.051): numeric kernels span 0.7 of Optuna's neighbour gap,
//! their floor shrinks with all scored trials rather than the group's own, and good trials
//! weigh by rank.
//!
//! - `coords`: the coordinates the estimators work in;
//! - `split`: good and bad trials and their weights;
//! - `parzen`: the mixture over the space, of `numeric` and `categorical` kernels;
//! - `gauss`: the normal distribution's numerics;
//! - `sample`: candidates, their ranking, the first untried one.

mod categorical;
mod coords;
mod gauss;
mod numeric;
mod parzen;
mod sample;
mod split;
#[cfg(test)]
mod tests;

use coords::Dim;
use parzen::Parzen;
use split::Outcome;

use crate::algorithm::{Suggest, Suggestion};
use crate::rng;
use crate::space::{Space, Value};
use crate::trial::{Trial, TrialState};

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

    /// The prior's weight, as a usable number whatever the settings hold.
    fn prior_weight(&self) -> f64 {
        let w = self.settings.prior_weight;
        if w.is_finite() && w >= 0.0 { w } else { 1.0 }
    }

    /// The suggestion at `position`, after `trials` and the `pending` assignments of the same
    /// batch, which count as running trials: so the batch's k-th member is what a single
    /// suggestion would give once the k before it were created.
    fn next(
        &self,
        space: &Space,
        dims: &[Dim],
        trials: &[Trial],
        pending: &[Vec<Value>],
        position: usize,
    ) -> Option<Vec<Value>> {
        let mut rng = rng::for_position(self.settings.seed, position);
        let states = trials
            .iter()
            .map(|t| (t.values.as_slice(), outcome(t)))
            .chain(pending.iter().map(|p| (p.as_slice(), Outcome::Unscored)));
        let observations: Vec<(Vec<f64>, Outcome)> = states
            .clone()
            .filter_map(|(values, o)| Some((coords::encode(space, dims, values)?, o)))
            .collect();
        let scored = observations
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Scored { .. }))
            .count();
        let candidates = if scored < self.settings.n_startup_trials {
            // The random phase: `first_new` falls back to uniform draws.
            Vec::new()
        } else {
            let split = split::split(observations, self.settings.gamma);
            // Optuna's magic clip, 1 / min(100, n + 2), but with n all scored trials rather
            // than the group's: with the group's few good ones l(x) stays a seventh of the
            // range wide after 50 trials and cannot refine what it found.
            let floor = 1.0 / (scored as f64 + 2.0).min(100.0);
            let estimate = |group| Parzen::new(group, dims, self.prior_weight(), floor);
            let (good, bad) = (estimate(&split.good), estimate(&split.bad));
            sample::ranked(&good, &bad, self.settings.n_ei_candidates, &mut rng)
        };
        let taken: Vec<&[Value]> = states.map(|(values, _)| values).collect();
        sample::first_new(space, dims, candidates, &taken, &mut rng)
    }
}

/// What a trial tells the model.
fn outcome(trial: &Trial) -> Outcome {
    match (trial.objective(), trial.state) {
        (Some(y), TrialState::EarlyStopped(_)) => Outcome::Scored { y, early: true },
        (Some(y), _) => Outcome::Scored { y, early: false },
        (None, _) => Outcome::Unscored,
    }
}

impl Suggest for Tpe {
    fn suggest(&self, space: &Space, trials: &[Trial], count: usize) -> Suggestion {
        let dims = coords::dims(space);
        let mut batch: Vec<Vec<Value>> = Vec::with_capacity(count);
        while batch.len() < count {
            let position = trials.len() + batch.len();
            match self.next(space, &dims, trials, &batch, position) {
                Some(values) => batch.push(values),
                None => break,
            }
        }
        if batch.is_empty() && count > 0 {
            Suggestion::Exhausted
        } else {
            Suggestion::New(batch)
        }
    }
}
