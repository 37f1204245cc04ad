//! Test functions with known minima, for the algorithms' tests and `cargo xtask bench
//! tuning` (which runs Optuna on the same definitions: keep `xtask/bench/tuning_optuna.py` in step).

use rand::Rng;

use crate::rng;
use crate::space::{Param, ParamKind, Space, Value};

/// A function to minimize over a box of doubles.
pub struct TestFunction {
    pub name: &'static str,
    /// Each coordinate's `[min, max]`.
    pub bounds: &'static [(f64, f64)],
    /// The noise-free value.
    pub value: fn(&[f64]) -> f64,
    /// The standard deviation of Gaussian noise added to what a trial reports.
    pub noise: f64,
    /// The global minimum of `value`.
    pub minimum: f64,
}

impl TestFunction {
    /// Its space: one uniform double per coordinate, named `x0`, `x1`, ….
    pub fn space(&self) -> Space {
        Space::new(
            self.bounds
                .iter()
                .enumerate()
                .map(|(i, (min, max))| Param {
                    name: format!("x{i}"),
                    kind: ParamKind::Double {
                        min: *min,
                        max: *max,
                        step: None,
                        log: false,
                    },
                })
                .collect(),
        )
    }

    /// The coordinates of an assignment of [`TestFunction::space`].
    pub fn point(values: &[Value]) -> Vec<f64> {
        values.iter().map(Value::as_f64).collect()
    }

    /// What a trial at `x` reports: the value plus noise drawn from `(seed, trial)`.
    pub fn observe(&self, x: &[f64], seed: u64, trial: usize) -> f64 {
        let clean = (self.value)(x);
        if self.noise == 0.0 {
            return clean;
        }
        let mut rng = rng::for_position(seed ^ 0x006e_6f69_7365, trial);
        let _: f64 = rng.r#gen();
        clean + self.noise * rng::normal(&mut rng)
    }
}

/// Branin-Hoo on `[-5, 10] × [0, 15]`; three global minima of 0.397887.
pub fn branin(x: &[f64]) -> f64 {
    let (a, b, c) = (
        1.0,
        5.1 / (4.0 * std::f64::consts::PI.powi(2)),
        5.0 / std::f64::consts::PI,
    );
    let (r, s, t) = (6.0, 10.0, 1.0 / (8.0 * std::f64::consts::PI));
    a * (x[1] - b * x[0] * x[0] + c * x[0] - r).powi(2) + s * (1.0 - t) * x[0].cos() + s
}

/// Hartmann-6 on `[0, 1]^6`; global minimum −3.32237.
pub fn hartmann6(x: &[f64]) -> f64 {
    const ALPHA: [f64; 4] = [1.0, 1.2, 3.0, 3.2];
    const A: [[f64; 6]; 4] = [
        [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
        [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
        [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
        [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
    ];
    const P: [[f64; 6]; 4] = [
        [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
        [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
        [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
    ];
    -(0..4)
        .map(|i| {
            let inner: f64 = (0..6).map(|j| A[i][j] * (x[j] - P[i][j]).powi(2)).sum();
            ALPHA[i] * (-inner).exp()
        })
        .sum::<f64>()
}

/// A quadratic bowl on `[-2, 2]^3` with its minimum 0 at (0.5, −0.3, 1.1).
pub fn quadratic(x: &[f64]) -> f64 {
    (x[0] - 0.5).powi(2) + (x[1] + 0.3).powi(2) + (x[2] - 1.1).powi(2)
}

pub const BRANIN: TestFunction = TestFunction {
    name: "branin",
    bounds: &[(-5.0, 10.0), (0.0, 15.0)],
    value: branin,
    noise: 0.0,
    minimum: 0.397_887_357_729_738,
};

pub const HARTMANN6: TestFunction = TestFunction {
    name: "hartmann6",
    bounds: &[(0.0, 1.0); 6],
    value: hartmann6,
    noise: 0.0,
    minimum: -3.322_368_011_415_515,
};

/// The quadratic with Gaussian noise of standard deviation 0.1 in what trials report; the
/// regret is taken on the noise-free value of the trial that reported best.
pub const NOISY_QUADRATIC: TestFunction = TestFunction {
    name: "noisy_quadratic",
    bounds: &[(-2.0, 2.0); 3],
    value: quadratic,
    noise: 0.1,
    minimum: 0.0,
};

pub const ALL: [&TestFunction; 3] = [&BRANIN, &HARTMANN6, &NOISY_QUADRATIC];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_minima_are_where_the_literature_puts_them() {
        assert!((branin(&[std::f64::consts::PI, 2.275]) - BRANIN.minimum).abs() < 1e-6);
        let x = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573];
        assert!((hartmann6(&x) - HARTMANN6.minimum).abs() < 1e-4);
        assert_eq!(quadratic(&[0.5, -0.3, 1.1]), 0.0);
    }
}
