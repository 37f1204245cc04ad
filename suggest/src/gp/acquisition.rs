//! Expected improvement below the incumbent, in logarithms (log-EI): the acquisition the
//! search maximizes. Objectives are minimized.
//!
//! The improvement is that of the next *observation* (the function plus the fitted noise):
//! with a noisy objective, the function's own variance collapses where trials cluster, and EI
//! on it alone keeps circling the believed minimum instead of sampling it or learning its
//! slope. For a deterministic objective the fitted noise is at its floor and this is plain EI.

use super::model::Model;
use super::normal::ln_h;

/// Added to the posterior variance so that `σ > 0` at observed points of a noiseless model.
const STABILIZING_VARIANCE: f64 = 1e-12;

pub struct LogEi<'a> {
    pub model: &'a Model,
    /// The value to improve on (standardized).
    pub incumbent: f64,
    /// The observation noise variance, added to the function's.
    pub noise: f64,
}

impl LogEi<'_> {
    /// `ln E[max(incumbent − y(x), 0)]`, `y` the observation at `x`.
    pub fn value(&self, x: &[f64]) -> f64 {
        let (mean, var) = self.model.predict(x);
        self.of_posterior(mean, var).0
    }

    /// [`LogEi::value`] and its gradient in the coordinates `free` (written at the same
    /// indices as `free`).
    pub fn value_and_grad(&self, x: &[f64], free: &[usize], grad: &mut [f64]) -> f64 {
        let mut d_var = vec![0.0; free.len()];
        let (mean, var) = self.model.predict_with_grad(x, free, grad, &mut d_var);
        let (value, by_mean, by_var) = self.of_posterior(mean, var);
        for (g, dv) in grad.iter_mut().zip(&d_var) {
            *g = by_mean * *g + by_var * dv;
        }
        value
    }

    /// log-EI from the posterior mean and variance, with its partial derivatives in both.
    fn of_posterior(&self, mean: f64, var: f64) -> (f64, f64, f64) {
        let sigma = (var + self.noise + STABILIZING_VARIANCE).sqrt();
        let z = (self.incumbent - mean) / sigma;
        let (ln_h, slope) = ln_h(z);
        // ln EI = ln σ + ln h(z), z = (incumbent − μ)/σ, and dσ/dvar = 1/(2σ).
        let by_mean = -slope / sigma;
        let by_sigma = (1.0 - slope * z) / sigma;
        (sigma.ln() + ln_h, by_mean, by_sigma / (2.0 * sigma))
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::Hyper;
    use super::*;

    fn model() -> Model {
        let hyper = Hyper {
            log_lengthscales: vec![f64::ln(0.2)],
            log_signal: 0.0,
            log_noise: f64::ln(1e-6),
            mean: 0.0,
        };
        let points = vec![vec![0.1], vec![0.3], vec![0.5], vec![0.7], vec![0.9]];
        let y = [1.0, 0.0, -1.0, 0.0, 1.0];
        Model::new(hyper.kernel(&[None]), 0.0, points, &y, &[1e-6; 5]).unwrap()
    }

    #[test]
    fn gradient_agrees_with_finite_differences() {
        let m = model();
        let ei = LogEi {
            model: &m,
            incumbent: -1.0,
            noise: 0.0,
        };
        for x in [0.05, 0.42, 0.61, 0.98] {
            let mut grad = [0.0];
            ei.value_and_grad(&[x], &[0], &mut grad);
            let numeric = (ei.value(&[x + 1e-6]) - ei.value(&[x - 1e-6])) / 2e-6;
            assert!(
                (numeric - grad[0]).abs() < 1e-4 * numeric.abs().max(1.0),
                "{x}: {numeric} {}",
                grad[0]
            );
        }
    }

    #[test]
    fn nothing_is_expected_where_the_model_is_certain_and_not_better() {
        let m = model();
        let ei = LogEi {
            model: &m,
            incumbent: -1.0,
            noise: 0.0,
        };
        // At the incumbent itself, only the noise (σ ≈ 1e-3) leaves room; at a worse observed
        // point, nothing.
        assert!(ei.value(&[0.5]).exp() < 1e-3, "{}", ei.value(&[0.5]).exp());
        assert!(ei.value(&[0.1]).exp() < 1e-12);
        // Between the best point and its neighbours the model is unsure, so EI is positive.
        assert!(ei.value(&[0.45]) > ei.value(&[0.5]) + 1.0);
    }
}
