//! The GP posterior: a constant mean and the kernel, conditioned on observations that each
//! carry their own noise variance (fitted noise for trials, next to none for the imagined
//! results of running ones).

use super::kernel::Kernel;
use super::linalg::{Cholesky, dot};

/// The hyperparameters, in the logarithms the fit moves.
#[derive(Debug, Clone, PartialEq)]
pub struct Hyper {
    pub log_lengthscales: Vec<f64>,
    pub log_signal: f64,
    pub log_noise: f64,
    pub mean: f64,
}

impl Hyper {
    pub fn kernel(&self, categories: &[Option<usize>]) -> Kernel {
        Kernel {
            inverse_squared_lengthscales: self
                .log_lengthscales
                .iter()
                .map(|l| (-2.0 * l).exp())
                .collect(),
            signal: self.log_signal.exp(),
            categories: categories.to_vec(),
        }
    }

    pub fn noise(&self) -> f64 {
        self.log_noise.exp()
    }
}

pub struct Model {
    kernel: Kernel,
    mean: f64,
    points: Vec<Vec<f64>>,
    chol: Cholesky,
    /// `K⁻¹ (y − mean)`.
    alpha: Vec<f64>,
}

/// The covariance of noisy observations at `points`: `K + diag(noise)`.
pub fn covariance(kernel: &Kernel, points: &[Vec<f64>], noise: &[f64]) -> Vec<f64> {
    let n = points.len();
    let mut k = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..i {
            let v = kernel.value(&points[i], &points[j]);
            k[i * n + j] = v;
            k[j * n + i] = v;
        }
        k[i * n + i] = kernel.signal + noise[i];
    }
    k
}

impl Model {
    /// `None` when the covariance cannot be factored even with jitter.
    pub fn new(
        kernel: Kernel,
        mean: f64,
        points: Vec<Vec<f64>>,
        y: &[f64],
        noise: &[f64],
    ) -> Option<Model> {
        let chol = Cholesky::with_jitter(&covariance(&kernel, &points, noise), points.len())?;
        let mut alpha: Vec<f64> = y.iter().map(|v| v - mean).collect();
        chol.solve(&mut alpha);
        if alpha.iter().any(|a| !a.is_finite()) {
            return None;
        }
        Some(Model {
            kernel,
            mean,
            points,
            chol,
            alpha,
        })
    }

    pub fn kernel(&self) -> &Kernel {
        &self.kernel
    }

    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The posterior mean and variance of the function at `x`.
    pub fn predict(&self, x: &[f64]) -> (f64, f64) {
        let mut k: Vec<f64> = self
            .points
            .iter()
            .map(|p| self.kernel.value(x, p))
            .collect();
        let mean = self.mean + dot(&k, &self.alpha);
        self.chol.solve_lower(&mut k);
        (mean, (self.kernel.signal - dot(&k, &k)).max(0.0))
    }

    /// [`Model::predict`] with the gradients of both in the coordinates `free`, written to
    /// `d_mean` and `d_var` at the same indices as `free`.
    pub fn predict_with_grad(
        &self,
        x: &[f64],
        free: &[usize],
        d_mean: &mut [f64],
        d_var: &mut [f64],
    ) -> (f64, f64) {
        let n = self.points.len();
        let f = free.len();
        let mut dk = vec![0.0; n * f];
        let mut k: Vec<f64> = self
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                self.kernel
                    .value_and_grad(x, p, free, &mut dk[i * f..(i + 1) * f])
            })
            .collect();
        let mean = self.mean + dot(&k, &self.alpha);
        self.chol.solve_lower(&mut k);
        let var = self.kernel.signal - dot(&k, &k);
        // K⁻¹ k, to differentiate kᵀ K⁻¹ k.
        self.chol.solve_upper(&mut k);
        d_mean.iter_mut().for_each(|g| *g = 0.0);
        d_var.iter_mut().for_each(|g| *g = 0.0);
        for i in 0..n {
            for j in 0..f {
                d_mean[j] += self.alpha[i] * dk[i * f + j];
                d_var[j] -= 2.0 * k[i] * dk[i * f + j];
            }
        }
        if var <= 0.0 {
            d_var.iter_mut().for_each(|g| *g = 0.0);
        }
        (mean, var.max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let hyper = Hyper {
            log_lengthscales: vec![f64::ln(0.3), f64::ln(0.6)],
            log_signal: 0.2,
            log_noise: f64::ln(1e-4),
            mean: 0.1,
        };
        let points = vec![
            vec![0.1, 0.2],
            vec![0.5, 0.9],
            vec![0.8, 0.4],
            vec![0.3, 0.7],
        ];
        let y = [0.3, -1.0, 0.5, 0.2];
        let noise = vec![hyper.noise(); 4];
        Model::new(hyper.kernel(&[None, None]), hyper.mean, points, &y, &noise).unwrap()
    }

    #[test]
    fn interpolates_nearly_noiseless_observations() {
        let m = model();
        let (mean, var) = m.predict(&[0.5, 0.9]);
        assert!((mean + 1.0).abs() < 1e-3 && var < 1e-3, "{mean} {var}");
        let (far_mean, far_var) = m.predict(&[0.99, 0.01]);
        assert!(far_var > var && far_mean.is_finite());
    }

    #[test]
    fn predictive_gradients_agree_with_finite_differences() {
        let m = model();
        let x = [0.42, 0.55];
        let (mut dm, mut dv) = ([0.0; 2], [0.0; 2]);
        m.predict_with_grad(&x, &[0, 1], &mut dm, &mut dv);
        for j in 0..2 {
            let (mut up, mut down) = (x, x);
            up[j] += 1e-6;
            down[j] -= 1e-6;
            let (mu, vu) = m.predict(&up);
            let (md, vd) = m.predict(&down);
            assert!(((mu - md) / 2e-6 - dm[j]).abs() < 1e-5);
            assert!(((vu - vd) / 2e-6 - dv[j]).abs() < 1e-5);
        }
    }
}
