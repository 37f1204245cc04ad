//! Minimization in a box with gradients: limited-memory BFGS directions on the coordinates
//! not held at a bound, and a backtracking (Armijo) search along the projected path. Both the
//! hyperparameter fit and the acquisition's refinement use it.

/// Curvature pairs kept.
const MEMORY: usize = 8;

pub struct Options {
    pub max_iterations: usize,
    /// Stop when no coordinate of the projected gradient exceeds this.
    pub gradient_tolerance: f64,
    /// Stop when a step improves the value by less than this, relative to it.
    pub value_tolerance: f64,
}

/// The box `[lower, upper]` and the function to minimize, which writes its gradient into the
/// second argument and returns its value (a non-finite value counts as a failed step).
pub struct Problem<'a, F> {
    pub lower: &'a [f64],
    pub upper: &'a [f64],
    pub f: F,
}

impl<F: FnMut(&[f64], &mut [f64]) -> f64> Problem<'_, F> {
    fn project(&self, x: &mut [f64]) {
        for ((v, lo), hi) in x.iter_mut().zip(self.lower).zip(self.upper) {
            *v = v.clamp(*lo, *hi);
        }
    }

    /// Whether coordinate `i` sits on a bound that its gradient pushes against.
    fn held(&self, x: &[f64], g: &[f64], i: usize) -> bool {
        (x[i] <= self.lower[i] && g[i] > 0.0) || (x[i] >= self.upper[i] && g[i] < 0.0)
    }

    /// The point reached from `start` and its value. A start where the function is not finite
    /// is answered unchanged.
    pub fn minimize(&mut self, start: &[f64], options: &Options) -> (Vec<f64>, f64) {
        let n = start.len();
        let mut x = start.to_vec();
        self.project(&mut x);
        let mut g = vec![0.0; n];
        let mut fx = (self.f)(&x, &mut g);
        if !fx.is_finite() || g.iter().any(|v| !v.is_finite()) {
            return (x, fx);
        }
        let mut memory: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::with_capacity(MEMORY);
        let mut next = vec![0.0; n];
        let mut next_g = vec![0.0; n];
        for _ in 0..options.max_iterations {
            let free: Vec<bool> = (0..n).map(|i| !self.held(&x, &g, i)).collect();
            let projected = (0..n)
                .filter(|&i| free[i])
                .map(|i| ((x[i] - g[i]).clamp(self.lower[i], self.upper[i]) - x[i]).abs())
                .fold(0.0, f64::max);
            if projected <= options.gradient_tolerance {
                break;
            }
            let mut d = direction(&g, &free, &memory);
            if dot(&d, &g) >= 0.0 {
                memory.clear();
                d = direction(&g, &free, &memory);
            }
            // Without curvature yet, a first step of unit length in the largest coordinate.
            let mut t = if memory.is_empty() {
                1.0 / d.iter().fold(1e-12f64, |m, v| m.max(v.abs())).max(1.0)
            } else {
                1.0
            };
            let mut accepted = None;
            for _ in 0..40 {
                for i in 0..n {
                    next[i] = x[i] + t * d[i];
                }
                self.project(&mut next);
                let decrease: f64 = (0..n).map(|i| g[i] * (next[i] - x[i])).sum();
                if decrease >= 0.0 {
                    if next == x {
                        break;
                    }
                    t *= 0.5;
                    continue;
                }
                let f_next = (self.f)(&next, &mut next_g);
                if f_next.is_finite()
                    && next_g.iter().all(|v| v.is_finite())
                    && f_next <= fx + 1e-4 * decrease
                {
                    accepted = Some(f_next);
                    break;
                }
                t *= 0.5;
            }
            let Some(f_next) = accepted else {
                if memory.is_empty() {
                    break;
                }
                memory.clear();
                continue;
            };
            let s: Vec<f64> = (0..n).map(|i| next[i] - x[i]).collect();
            let y: Vec<f64> = (0..n).map(|i| next_g[i] - g[i]).collect();
            let sy = dot(&s, &y);
            if sy > 1e-10 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() {
                if memory.len() == MEMORY {
                    memory.remove(0);
                }
                memory.push((s, y, 1.0 / sy));
            }
            let improvement = fx - f_next;
            x.copy_from_slice(&next);
            g.copy_from_slice(&next_g);
            fx = f_next;
            if improvement <= options.value_tolerance * fx.abs().max(1.0) {
                break;
            }
        }
        (x, fx)
    }
}

/// `−H g` on the free coordinates by the two-loop recursion, `H` the inverse-Hessian estimate
/// from the curvature pairs (the scaled identity without them).
fn direction(g: &[f64], free: &[bool], memory: &[(Vec<f64>, Vec<f64>, f64)]) -> Vec<f64> {
    let mask = |v: &mut [f64]| {
        for (x, f) in v.iter_mut().zip(free) {
            if !f {
                *x = 0.0;
            }
        }
    };
    let mut q = g.to_vec();
    mask(&mut q);
    let mut alphas = vec![0.0; memory.len()];
    for (k, (s, y, rho)) in memory.iter().enumerate().rev() {
        alphas[k] = rho * dot(s, &q);
        q.iter_mut().zip(y).for_each(|(q, y)| *q -= alphas[k] * y);
    }
    if let Some((s, y, _)) = memory.last() {
        let gamma = dot(s, y) / dot(y, y);
        q.iter_mut().for_each(|q| *q *= gamma);
    }
    for (k, (s, y, rho)) in memory.iter().enumerate() {
        let beta = rho * dot(y, &q);
        q.iter_mut()
            .zip(s)
            .for_each(|(q, s)| *q += (alphas[k] - beta) * s);
    }
    mask(&mut q);
    q.iter_mut().for_each(|q| *q = -*q);
    q
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: Options = Options {
        max_iterations: 500,
        gradient_tolerance: 1e-9,
        value_tolerance: 0.0,
    };

    #[test]
    fn finds_the_minimum_of_rosenbrock() {
        let mut problem = Problem {
            lower: &[-2.0, -2.0],
            upper: &[2.0, 2.0],
            f: |x: &[f64], g: &mut [f64]| {
                let (a, b) = (1.0 - x[0], x[1] - x[0] * x[0]);
                g[0] = -2.0 * a - 400.0 * x[0] * b;
                g[1] = 200.0 * b;
                a * a + 100.0 * b * b
            },
        };
        let (x, f) = problem.minimize(&[-1.2, 1.0], &OPTIONS);
        assert!(f < 1e-10 && (x[0] - 1.0).abs() < 1e-4, "{x:?} {f}");
    }

    #[test]
    fn stops_at_a_bound_the_gradient_pushes_against() {
        let mut problem = Problem {
            lower: &[0.0, 0.0],
            upper: &[1.0, 1.0],
            f: |x: &[f64], g: &mut [f64]| {
                g[0] = 2.0 * (x[0] - 3.0);
                g[1] = 2.0 * (x[1] - 0.25);
                (x[0] - 3.0).powi(2) + (x[1] - 0.25).powi(2)
            },
        };
        let (x, _) = problem.minimize(&[0.5, 0.9], &OPTIONS);
        assert!(
            (x[0] - 1.0).abs() < 1e-12 && (x[1] - 0.25).abs() < 1e-6,
            "{x:?}"
        );
    }
}
