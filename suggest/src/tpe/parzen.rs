//! A Parzen estimator over the whole space: a weighted mixture of product kernels, one
//! component per observation plus the prior (multivariate TPE, as Optuna's default). Joint
//! components keep what made a good trial good together, which independent per-parameter
//! mixtures lose where coordinates interact: measured, the independent variant's median
//! regrets were 1.3 to 2 times these on the three test functions.

use rand::Rng;

use super::categorical::CategoricalKernels;
use super::coords::Dim;
use super::numeric::NumericKernels;
use super::split::Group;

enum Column {
    Numeric(NumericKernels),
    Categorical(CategoricalKernels),
}

pub struct Parzen {
    /// Normalized component weights, the prior's last.
    weights: Vec<f64>,
    ln_weights: Vec<f64>,
    columns: Vec<Column>,
}

impl Parzen {
    /// The estimator of a group of observations with the prior's component at
    /// `prior_weight`; `floor` is the least width of a numeric kernel at an observation.
    pub fn new(group: &Group, dims: &[Dim], prior_weight: f64, floor: f64) -> Parzen {
        let points = &group.points;
        let mut weights: Vec<f64> = group.weights.iter().map(|w| w.max(0.0)).collect();
        weights.push(if points.is_empty() { 1.0 } else { prior_weight });
        let total: f64 = weights.iter().sum();
        if total > 0.0 && total.is_finite() {
            weights.iter_mut().for_each(|w| *w /= total);
        } else {
            let n = weights.len() as f64;
            weights.iter_mut().for_each(|w| *w = 1.0 / n);
        }
        let columns = dims
            .iter()
            .enumerate()
            .map(|(d, dim)| {
                let observations: Vec<f64> = points.iter().map(|p| p[d]).collect();
                match *dim {
                    Dim::Continuous => {
                        Column::Numeric(NumericKernels::new(&observations, None, floor))
                    }
                    Dim::Cells(n) => {
                        Column::Numeric(NumericKernels::new(&observations, Some(n), floor))
                    }
                    Dim::Choices(n) => {
                        Column::Categorical(CategoricalKernels::new(&observations, n, prior_weight))
                    }
                }
            })
            .collect();
        Parzen {
            ln_weights: weights.iter().map(|w| w.ln()).collect(),
            weights,
            columns,
        }
    }

    /// A point drawn from the mixture.
    pub fn sample(&self, rng: &mut impl Rng) -> Vec<f64> {
        let k = self.component(rng.r#gen());
        self.columns
            .iter()
            .map(|column| match column {
                Column::Numeric(kernels) => kernels.sample(k, rng),
                Column::Categorical(kernels) => kernels.sample(k, rng),
            })
            .collect()
    }

    /// The component whose share of the cumulative weight holds `u` in `[0, 1)`.
    fn component(&self, u: f64) -> usize {
        let mut cumulative = 0.0;
        for (k, w) in self.weights.iter().enumerate() {
            cumulative += w;
            if u < cumulative {
                return k;
            }
        }
        self.weights.len() - 1
    }

    /// ln of the mixture's density (probability for the finite coordinates) at `x`.
    pub fn ln_pdf(&self, x: &[f64]) -> f64 {
        let terms: Vec<f64> = self
            .ln_weights
            .iter()
            .enumerate()
            .map(|(k, ln_w)| {
                ln_w + self
                    .columns
                    .iter()
                    .zip(x)
                    .map(|(column, &xd)| match column {
                        Column::Numeric(kernels) => kernels.ln_pdf(k, xd),
                        Column::Categorical(kernels) => kernels.ln_pdf(k, xd),
                    })
                    .sum::<f64>()
            })
            .collect();
        ln_sum_exp(&terms)
    }
}

/// ln Σ eᵗ without overflow; −∞ when every term is.
fn ln_sum_exp(terms: &[f64]) -> f64 {
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + terms.iter().map(|t| (t - max).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mixture_integrates_to_one() {
        let dims = [Dim::Continuous, Dim::Choices(3)];
        let points = vec![vec![0.2, 1.0], vec![0.8, 0.0], vec![0.25, 1.0]];
        let group = Group {
            points,
            weights: vec![1.0, 0.5, 1.0],
        };
        let parzen = Parzen::new(&group, &dims, 1.0, 0.05);
        let n = 4000;
        let total: f64 = (0..n)
            .flat_map(|i| (0..3).map(move |c| vec![(i as f64 + 0.5) / n as f64, c as f64]))
            .map(|x| parzen.ln_pdf(&x).exp() / n as f64)
            .sum();
        assert!((total - 1.0).abs() < 1e-4, "{total}");
    }

    #[test]
    fn more_good_points_near_a_value_raise_the_density_there() {
        let dims = [Dim::Continuous];
        let few = vec![vec![0.3], vec![0.7]];
        let mut many = few.clone();
        many.extend([vec![0.31], vec![0.29]]);
        let ln_l = |points: &[Vec<f64>]| {
            let group = Group {
                points: points.to_vec(),
                weights: vec![1.0; points.len()],
            };
            Parzen::new(&group, &dims, 1.0, 0.05).ln_pdf(&[0.3])
        };
        assert!(ln_l(&many) > ln_l(&few));
    }

    #[test]
    fn without_observations_it_is_the_prior() {
        let parzen = Parzen::new(&Group::default(), &[Dim::Cells(4)], 1.0, 0.05);
        let p: Vec<f64> = [0.125, 0.375]
            .iter()
            .map(|x| parzen.ln_pdf(&[*x]).exp())
            .collect();
        // The wide prior centred at one half favours inner cells, a little.
        assert!(p[1] > p[0] && p[0] > 0.2, "{p:?}");
    }
}
