//! ML-II: the hyperparameters that maximize the log marginal likelihood of the (standardized)
//! objectives plus weak priors, by L-BFGS on analytic gradients from a few starts.
//!
//! The parameters `θ` are `[ln ℓ_1 … ln ℓ_d, ln σ_f², ln σ_n², mean]`. The priors follow
//! Optuna's GPSampler: on `w = 1/ℓ²`, `−0.1/w − 0.1 w`, which keeps lengthscales near the
//! size of the box unless the data insist; a Gamma(2, 1) on the signal variance. On the noise
//! variance an exponential prior (rate 30) instead of Optuna's Gamma(1.1, 30): both make the
//! data argue for noise, but the exponential does not pull a deterministic objective's noise
//! up to its mode (3e-3), which would blur the last digits the search can resolve. The mean
//! gets a standard normal (the objectives are standardized).

use rand::Rng;

use super::kernel::{coordinate_gap, matern52};
use super::lbfgs::{Options, Problem};
use super::linalg::Cholesky;
use super::model::Hyper;

/// The least noise variance (of standardized objectives). Small, so that a deterministic
/// objective is resolved to about 1e-5 of its spread (Optuna's 1e-6 stops near 1e-3); the
/// Cholesky's jitter covers the conditioning this costs.
pub const MIN_NOISE: f64 = 1e-10;

/// Bounds, beyond which the priors already make a value implausible.
const LENGTHSCALE: (f64, f64) = (1e-2, 1e2);
const SIGNAL: (f64, f64) = (1e-2, 1e2);
const NOISE_MAX: f64 = 2.0;
const MEAN: (f64, f64) = (-5.0, 5.0);
/// The rate of the exponential prior on the noise variance.
const NOISE_RATE: f64 = 30.0;
/// Starts of the fit: a fixed one and random ones, for likelihoods with several modes.
const RESTARTS: usize = 4;

/// Negative log posterior of the hyperparameters, with what it needs precomputed.
pub struct Likelihood {
    n: usize,
    d: usize,
    /// Per pair `i < j` (row-major over the full square) and coordinate, the gap
    /// [`coordinate_gap`] that the lengthscales scale.
    gaps: Vec<f64>,
    y: Vec<f64>,
}

impl Likelihood {
    pub fn new(points: &[Vec<f64>], y: &[f64], categories: &[Option<usize>]) -> Likelihood {
        let (n, d) = (points.len(), categories.len());
        let mut gaps = vec![0.0; n * n * d];
        for i in 0..n {
            for j in 0..i {
                for k in 0..d {
                    gaps[(i * n + j) * d + k] =
                        coordinate_gap(points[i][k], points[j][k], categories[k]);
                }
            }
        }
        Likelihood {
            n,
            d,
            gaps,
            y: y.to_vec(),
        }
    }

    /// `−(log marginal likelihood + log prior)` at `theta` and its gradient; infinite when the
    /// covariance cannot be factored.
    pub fn loss(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let (n, d) = (self.n, self.d);
        let w: Vec<f64> = theta[..d].iter().map(|l| (-2.0 * l).exp()).collect();
        let (signal, noise, mean) = (theta[d].exp(), theta[d + 1].exp(), theta[d + 2]);
        // Shape values m(r²) and slopes m'(r²) of each pair below the diagonal.
        let mut shape = vec![0.0; n * n];
        let mut slope = vec![0.0; n * n];
        let mut k = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..i {
                let gaps = &self.gaps[(i * n + j) * d..(i * n + j + 1) * d];
                let r2: f64 = gaps.iter().zip(&w).map(|(g, w)| g * w).sum();
                let (m, dm) = matern52(r2);
                shape[i * n + j] = m;
                slope[i * n + j] = dm;
                k[i * n + j] = signal * m;
                k[j * n + i] = signal * m;
            }
            k[i * n + i] = signal + noise;
        }
        grad.iter_mut().for_each(|g| *g = 0.0);
        let Some(chol) = Cholesky::with_jitter(&k, n) else {
            return f64::INFINITY;
        };
        let mut alpha: Vec<f64> = self.y.iter().map(|y| y - mean).collect();
        let residual = alpha.clone();
        chol.solve(&mut alpha);
        let fit: f64 = residual.iter().zip(&alpha).map(|(r, a)| r * a).sum();
        let log_likelihood =
            -0.5 * fit - 0.5 * chol.log_det() - 0.5 * n as f64 * (2.0 * std::f64::consts::PI).ln();

        // ∂L/∂θ = ½ tr((α αᵀ − K⁻¹) ∂K/∂θ), with ∂K/∂θ symmetric: twice the lower triangle.
        let inverse = chol.inverse();
        let mut trace_w = 0.0;
        for i in 0..n {
            trace_w += alpha[i] * alpha[i] - inverse[i * n + i];
            for j in 0..i {
                let wij = alpha[i] * alpha[j] - inverse[i * n + j];
                grad[d] += wij * signal * shape[i * n + j];
                let common = wij * signal * slope[i * n + j] * -2.0;
                let gaps = &self.gaps[(i * n + j) * d..(i * n + j + 1) * d];
                for kk in 0..d {
                    grad[kk] += common * w[kk] * gaps[kk];
                }
            }
        }
        grad[d] += 0.5 * trace_w * signal;
        grad[d + 1] = 0.5 * trace_w * noise;
        grad[d + 2] = alpha.iter().sum();

        // The priors, and their derivatives in θ (dw/dθ = −2w, ds/dθ = s, dn/dθ = n).
        let mut log_prior = 0.0;
        for kk in 0..d {
            log_prior -= 0.1 / w[kk] + 0.1 * w[kk];
            grad[kk] += -0.2 / w[kk] + 0.2 * w[kk];
        }
        log_prior += signal.ln() - signal;
        grad[d] += 1.0 - signal;
        log_prior -= NOISE_RATE * noise;
        grad[d + 1] -= NOISE_RATE * noise;
        log_prior -= 0.5 * mean * mean;
        grad[d + 2] -= mean;

        grad.iter_mut().for_each(|g| *g = -*g);
        -(log_likelihood + log_prior)
    }
}

/// The hyperparameters for standardized `y` at `points`: the best of a fixed start and a few
/// random ones drawn from `rng`. `None` if no start gives a finite likelihood.
pub fn fit(
    points: &[Vec<f64>],
    y: &[f64],
    categories: &[Option<usize>],
    rng: &mut impl Rng,
) -> Option<Hyper> {
    let d = categories.len();
    let likelihood = Likelihood::new(points, y, categories);
    let mut lower = vec![LENGTHSCALE.0.ln(); d];
    let mut upper = vec![LENGTHSCALE.1.ln(); d];
    lower.extend([SIGNAL.0.ln(), MIN_NOISE.ln(), MEAN.0]);
    upper.extend([SIGNAL.1.ln(), NOISE_MAX.ln(), MEAN.1]);
    let mut problem = Problem {
        lower: &lower,
        upper: &upper,
        f: |theta: &[f64], grad: &mut [f64]| likelihood.loss(theta, grad),
    };
    let options = Options {
        max_iterations: 200,
        gradient_tolerance: 1e-3,
        value_tolerance: 1e-9,
    };
    let mut best: Option<(Vec<f64>, f64)> = None;
    for restart in 0..RESTARTS {
        let start: Vec<f64> = if restart == 0 {
            let mut s = vec![0.5f64.ln(); d];
            s.extend([0.0, 1e-3f64.ln(), 0.0]);
            s
        } else {
            let mut s: Vec<f64> = (0..d)
                .map(|_| rng.gen_range(0.05f64.ln()..2.0f64.ln()))
                .collect();
            s.extend([
                rng.gen_range(0.3f64.ln()..3.0f64.ln()),
                rng.gen_range(1e-5f64.ln()..0.1f64.ln()),
                0.0,
            ]);
            s
        };
        let (theta, loss) = problem.minimize(&start, &options);
        if loss.is_finite() && best.as_ref().is_none_or(|(_, b)| loss < *b) {
            best = Some((theta, loss));
        }
    }
    let (theta, _) = best?;
    Some(Hyper {
        log_lengthscales: theta[..d].to_vec(),
        log_signal: theta[d],
        log_noise: theta[d + 1],
        mean: theta[d + 2],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_gradient_agrees_with_finite_differences() {
        let points = vec![
            vec![0.1, 0.2, 0.25],
            vec![0.5, 0.9, 0.75],
            vec![0.8, 0.4, 0.25],
            vec![0.3, 0.7, 0.75],
            vec![0.95, 0.05, 0.25],
        ];
        let y = [0.3, -1.0, 0.5, 0.2, 1.1];
        let categories = [None, None, Some(2)];
        let likelihood = Likelihood::new(&points, &y, &categories);
        let theta = [-1.0, -0.3, 0.2, 0.4, -3.0, 0.15];
        let mut grad = [0.0; 6];
        likelihood.loss(&theta, &mut grad);
        let mut scratch = [0.0; 6];
        for i in 0..theta.len() {
            let (mut up, mut down) = (theta, theta);
            up[i] += 1e-6;
            down[i] -= 1e-6;
            let numeric =
                (likelihood.loss(&up, &mut scratch) - likelihood.loss(&down, &mut scratch)) / 2e-6;
            assert!(
                (numeric - grad[i]).abs() < 1e-5 * numeric.abs().max(1.0),
                "θ[{i}]: {numeric} vs {}",
                grad[i]
            );
        }
    }
}
