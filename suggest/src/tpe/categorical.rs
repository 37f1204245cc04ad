//! The kernels of one categorical parameter: each observation's kernel favours its choice
//! and spreads the prior's weight over all choices (Optuna's scheme); the prior kernel is
//! uniform. Choices are indices, kept as `f64` like the numeric coordinates.

use rand::Rng;

/// Kernel `k` for `k < observed.len()`, then the uniform prior.
pub struct CategoricalKernels {
    observed: Vec<usize>,
    choices: usize,
    /// The share every choice gets in an observation's kernel, before normalizing.
    spread: f64,
}

impl CategoricalKernels {
    /// `observations` are choice indices below `choices`.
    pub fn new(observations: &[f64], choices: usize, prior_weight: f64) -> CategoricalKernels {
        let choices = choices.max(1);
        let observed: Vec<usize> = observations
            .iter()
            .map(|&x| (x.max(0.0) as usize).min(choices - 1))
            .collect();
        let kernels = observed.len() as f64 + 1.0;
        CategoricalKernels {
            observed,
            choices,
            spread: prior_weight / kernels,
        }
    }

    /// Kernel `k`'s probability of choice `c`.
    fn probability(&self, k: usize, c: usize) -> f64 {
        match self.observed.get(k) {
            Some(&seen) => {
                let own = if seen == c { 1.0 } else { 0.0 };
                (self.spread + own) / (self.spread * self.choices as f64 + 1.0)
            }
            None => 1.0 / self.choices as f64,
        }
    }

    /// A draw of kernel `k`: a choice index.
    pub fn sample(&self, k: usize, rng: &mut impl Rng) -> f64 {
        let u: f64 = rng.r#gen();
        let mut cumulative = 0.0;
        for c in 0..self.choices {
            cumulative += self.probability(k, c);
            if u < cumulative {
                return c as f64;
            }
        }
        // Rounding left the sum a hair below one.
        (self.choices - 1) as f64
    }

    /// ln of kernel `k`'s probability of choice `x`.
    pub fn ln_pdf(&self, k: usize, x: f64) -> f64 {
        let c = (x.max(0.0) as usize).min(self.choices - 1);
        self.probability(k, c).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kernel_sums_to_one_and_favours_its_choice() {
        let kernels = CategoricalKernels::new(&[2.0, 0.0, 2.0], 4, 1.0);
        for k in 0..4 {
            let total: f64 = (0..4).map(|c| kernels.ln_pdf(k, c as f64).exp()).sum();
            assert!((total - 1.0).abs() < 1e-12, "kernel {k}: {total}");
        }
        assert!(kernels.ln_pdf(0, 2.0) > kernels.ln_pdf(0, 1.0));
        assert_eq!(kernels.ln_pdf(3, 1.0), kernels.ln_pdf(3, 2.0));
    }

    #[test]
    fn draws_follow_the_kernel() {
        let kernels = CategoricalKernels::new(&[1.0], 3, 1.0);
        let mut rng = crate::rng::for_position(5, 0);
        let hits = (0..3000)
            .filter(|_| kernels.sample(0, &mut rng) == 1.0)
            .count();
        // Kernel 0 gives its choice (0.5 + 1) / (1.5 + 1) = 0.6.
        assert!((1650..1950).contains(&hits), "{hits}");
    }
}
