//! The Matérn 5/2 kernel with one lengthscale per coordinate (ARD). Categorical coordinates
//! count 1 when the choices differ and 0 when they agree (a Hamming term), since their
//! encoded order means nothing.

use super::coords::cell;

/// Matérn 5/2 as a function of the scaled squared distance `r²`, and its derivative in `r²`
/// (taken in `r²`, not `r`, so that it stays finite at 0).
pub fn matern52(r2: f64) -> (f64, f64) {
    let r = (5.0 * r2.max(0.0)).sqrt();
    let e = (-r).exp();
    (e * (1.0 + r + 5.0 / 3.0 * r2), -5.0 / 6.0 * (1.0 + r) * e)
}

/// How two points differ in one coordinate: the squared difference, or the Hamming term.
pub fn coordinate_gap(a: f64, b: f64, categories: Option<usize>) -> f64 {
    match categories {
        Some(n) => f64::from(u8::from(cell(a, n) != cell(b, n))),
        None => (a - b) * (a - b),
    }
}

/// A kernel's hyperparameters and the coordinates' kinds.
#[derive(Debug, Clone)]
pub struct Kernel {
    /// `1 / ℓ²` per coordinate.
    pub inverse_squared_lengthscales: Vec<f64>,
    /// The prior variance of the function.
    pub signal: f64,
    /// For each coordinate, its number of categories when categorical.
    pub categories: Vec<Option<usize>>,
}

impl Kernel {
    /// The scaled squared distance of `a` and `b`.
    pub fn r2(&self, a: &[f64], b: &[f64]) -> f64 {
        a.iter()
            .zip(b)
            .zip(&self.inverse_squared_lengthscales)
            .zip(&self.categories)
            .map(|(((x, y), w), c)| w * coordinate_gap(*x, *y, *c))
            .sum()
    }

    /// `k(a, b)`.
    pub fn value(&self, a: &[f64], b: &[f64]) -> f64 {
        self.signal * matern52(self.r2(a, b)).0
    }

    /// `k(a, b)` and `∂k(a, b)/∂a_j` for the coordinates `free` (continuous ones), written to
    /// `grad` at the same indices as `free`.
    pub fn value_and_grad(&self, a: &[f64], b: &[f64], free: &[usize], grad: &mut [f64]) -> f64 {
        let (m, dm) = matern52(self.r2(a, b));
        for (g, &j) in grad.iter_mut().zip(free) {
            *g = self.signal * dm * 2.0 * self.inverse_squared_lengthscales[j] * (a[j] - b[j]);
        }
        self.signal * m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matern_derivative_agrees_with_finite_differences() {
        for r2 in [1e-6f64, 0.01, 0.3, 1.0, 4.0] {
            let h = 1e-7 * r2.max(1e-3);
            let numeric = (matern52(r2 + h).0 - matern52(r2 - h).0) / (2.0 * h);
            assert!((numeric - matern52(r2).1).abs() < 1e-6, "{r2}");
        }
        assert_eq!(matern52(0.0).0, 1.0);
    }

    #[test]
    fn gradient_in_the_point_agrees_with_finite_differences() {
        let k = Kernel {
            inverse_squared_lengthscales: vec![4.0, 0.5, 2.0],
            signal: 1.7,
            categories: vec![None, None, Some(3)],
        };
        let a = [0.3, 0.6, 0.1];
        let b = [0.5, 0.2, 0.9];
        let mut grad = [0.0; 2];
        k.value_and_grad(&a, &b, &[0, 1], &mut grad);
        for j in 0..2 {
            let (mut up, mut down) = (a, a);
            up[j] += 1e-6;
            down[j] -= 1e-6;
            let numeric = (k.value(&up, &b) - k.value(&down, &b)) / 2e-6;
            assert!(
                (numeric - grad[j]).abs() < 1e-7,
                "{j}: {numeric} {}",
                grad[j]
            );
        }
    }

    #[test]
    fn categories_count_as_equal_or_not() {
        assert_eq!(coordinate_gap(0.1, 0.3, Some(3)), 0.0);
        assert_eq!(coordinate_gap(0.1, 0.5, Some(3)), 1.0);
    }
}
