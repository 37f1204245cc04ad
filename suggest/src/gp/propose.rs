//! One model-based step: standardize the objectives, fit the GP, imagine the running trials'
//! results, and rank points by expected improvement.

use rand::Rng;

use super::Acquisition;
use super::acquisition::LogEi;
use super::coords::Coords;
use super::fit::{MIN_NOISE, fit};
use super::maximize::Search;
use super::model::{Hyper, Model};

/// How many noise standard deviations an improvement must clear to count: smaller ones
/// could not be told from luck, and chasing them keeps sampling one spot.
const EXPLORATION: f64 = 4.0;

/// The GP fitted to the finished trials, before any running one is imagined.
pub struct Fitted {
    hyper: Hyper,
    points: Vec<Vec<f64>>,
    y: Vec<f64>,
    model: Model,
    /// The lowest posterior mean at a finished trial: with noise, a trial that reported a
    /// lucky low value does not set a bar nothing can clear.
    incumbent: f64,
    /// Finished trials with the lowest posterior mean, where local search also starts.
    best_points: Vec<Vec<f64>>,
}

/// Standardized objectives: zero mean and unit spread, so that the priors of the fit mean the
/// same for every objective.
pub fn standardize(y: &[f64]) -> Vec<f64> {
    let n = y.len().max(1) as f64;
    let mean = y.iter().sum::<f64>() / n;
    let spread = (y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
    let spread = if spread > 1e-12 * mean.abs().max(1.0) {
        spread
    } else {
        1.0
    };
    y.iter().map(|v| (v - mean) / spread).collect()
}

impl Fitted {
    /// `None` when the data cannot be fitted (too few, or numerically hopeless).
    pub fn new(
        coords: &Coords,
        points: Vec<Vec<f64>>,
        objectives: &[f64],
        rng: &mut impl Rng,
    ) -> Option<Fitted> {
        if points.len() < 2 {
            return None;
        }
        let y = standardize(objectives);
        let categories = coords.categories();
        let hyper = fit(&points, &y, &categories, rng)?;
        let noise = vec![hyper.noise(); points.len()];
        let model = Model::new(
            hyper.kernel(&categories),
            hyper.mean,
            points.clone(),
            &y,
            &noise,
        )?;
        let mut means: Vec<(f64, usize)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| (model.predict(p).0, i))
            .collect();
        means.sort_by(|a, b| a.0.total_cmp(&b.0));
        let incumbent = means.first().map(|m| m.0).filter(|m| m.is_finite())?;
        let best_points = means
            .iter()
            .take(2)
            .map(|(_, i)| points[*i].clone())
            .collect();
        Some(Fitted {
            hyper,
            points,
            y,
            model,
            incumbent,
            best_points,
        })
    }

    /// The posterior mean and variance (standardized) at `x`.
    #[cfg(test)]
    pub fn predict(&self, x: &[f64]) -> (f64, f64) {
        self.model.predict(x)
    }

    /// Points ranked by expected improvement, given points whose results are pending
    /// (running trials, earlier suggestions of the batch). Those are imagined to come out at
    /// the posterior mean (the kriging believer) with next to no noise, so the model is sure
    /// of them and the acquisition looks elsewhere.
    pub fn ranked(
        &self,
        coords: &Coords,
        pending: &[Vec<f64>],
        acquisition: Acquisition,
        rng: &mut impl Rng,
    ) -> Option<Vec<(Vec<f64>, f64)>> {
        let believed;
        let model = if pending.is_empty() {
            &self.model
        } else {
            let mut points = self.points.clone();
            let mut y = self.y.clone();
            let mut noise = vec![self.hyper.noise(); points.len()];
            for p in pending {
                points.push(p.clone());
                y.push(self.model.predict(p).0);
                noise.push(MIN_NOISE);
            }
            believed = Model::new(
                self.model.kernel().clone(),
                self.model.mean(),
                points,
                &y,
                &noise,
            )?;
            &believed
        };
        let ei = LogEi {
            model,
            incumbent: self.incumbent
                - EXPLORATION * (self.hyper.noise().sqrt() - MIN_NOISE.sqrt()),
            noise: self.hyper.noise(),
        };
        let search = Search {
            ei: &ei,
            coords,
            lengthscales: self
                .hyper
                .log_lengthscales
                .iter()
                .map(|l| l.exp())
                .collect(),
            acquisition,
        };
        let ranked = search.ranked(&self.best_points, rng);
        Some(ranked)
    }
}
