//! Gaussian-process Bayesian optimization with expected improvement.
//!
//! The first `n_initial_points` trials come from a Latin hypercube; after them, a GP with a
//! Matérn 5/2 ARD kernel, a constant mean and fitted noise is fitted (ML-II) to the finished
//! trials in the unit cube of [`Space::encode`], and the next point maximizes log expected
//! improvement. Running trials and the earlier points of a batch are imagined finished at the
//! model's prediction, so parallel suggestions spread out. Failed trials teach nothing but
//! are not suggested again. When the model cannot be fitted, the point is random.
//!
//! - `coords`: which coordinates are continuous, ordered or categorical;
//! - `linalg`, `kernel`, `model`: the GP posterior;
//! - `lbfgs`: the box-constrained optimizer; `fit`: the hyperparameters;
//! - `normal`, `acquisition`, `maximize`: log-EI and its maximization;
//! - `design`: the initial trials; `propose`: one model-based step.

mod acquisition;
mod coords;
mod design;
mod fit;
mod kernel;
mod lbfgs;
mod linalg;
mod maximize;
mod model;
mod normal;
mod propose;
#[cfg(test)]
mod tests;

use crate::algorithm::{Suggest, Suggestion};
use crate::random::uniform_point;
use crate::rng;
use crate::space::{Space, Value};
use crate::trial::{Trial, TrialState};

use coords::Coords;
use propose::Fitted;

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

/// Salts of the random streams, so the fit and the search draw independently of each other
/// and of random search at the same position.
const FIT_SALT: u64 = 0x6669_7420_6870_7273;
const SEARCH_SALT: u64 = 0x7365_6172_6368_2121;

impl Suggest for Gp {
    fn suggest(&self, space: &Space, trials: &[Trial], count: usize) -> Suggestion {
        let coords = Coords::of(space);
        let mut taken: Vec<Vec<Value>> = trials.iter().map(|t| t.values.clone()).collect();
        let mut pending: Vec<Vec<f64>> = trials
            .iter()
            .filter(|t| t.state == TrialState::Running && t.values.len() == space.len())
            .map(|t| space.encode(&t.values))
            .collect();
        // Fitted once for the whole batch, on the finished trials only; the random stream
        // depends on how many there are, so a batch's later points equal what single requests
        // would give once the earlier ones are running.
        let mut fitted: Option<Option<Fitted>> = None;
        let mut suggestions = Vec::with_capacity(count);
        for k in 0..count {
            let position = trials.len() + k;
            let values = if position < self.settings.n_initial_points {
                let x = design::point(
                    self.settings.seed,
                    self.settings.n_initial_points,
                    space.len(),
                    position,
                );
                space.decode(&x)
            } else {
                let model = fitted.get_or_insert_with(|| self.fit(space, &coords, trials));
                model
                    .as_ref()
                    .and_then(|m| self.propose(m, space, &coords, &pending, &taken, position))
                    .unwrap_or_else(|| uniform_point(space, self.settings.seed, position))
            };
            pending.push(space.encode(&values));
            taken.push(values.clone());
            suggestions.push(values);
        }
        Suggestion::New(suggestions)
    }
}

impl Gp {
    fn fit(&self, space: &Space, coords: &Coords, trials: &[Trial]) -> Option<Fitted> {
        let (points, objectives): (Vec<Vec<f64>>, Vec<f64>) = trials
            .iter()
            .filter(|t| t.values.len() == space.len())
            .filter_map(|t| Some((space.encode(&t.values), t.objective()?)))
            .unzip();
        let mut rng = rng::for_position(self.settings.seed ^ FIT_SALT, points.len());
        Fitted::new(coords, points, &objectives, &mut rng)
    }

    /// The best-ranked point whose values no trial (or earlier suggestion) has; the best one
    /// if all are taken (a small finite space).
    fn propose(
        &self,
        fitted: &Fitted,
        space: &Space,
        coords: &Coords,
        pending: &[Vec<f64>],
        taken: &[Vec<Value>],
        position: usize,
    ) -> Option<Vec<Value>> {
        let mut rng = rng::for_position(self.settings.seed ^ SEARCH_SALT, position);
        let ranked = fitted.ranked(coords, pending, self.settings.acquisition, &mut rng)?;
        let decoded = ranked
            .iter()
            .filter(|(x, v)| v.is_finite() && x.iter().all(|u| u.is_finite()))
            .map(|(x, _)| space.decode(x));
        let mut first = None;
        for values in decoded {
            if !taken.contains(&values) {
                return Some(values);
            }
            first.get_or_insert(values);
        }
        first
    }
}
