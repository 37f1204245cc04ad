//! Maximizing the acquisition over the unit box: random candidates, then (with
//! [`Acquisition::Gradient`]) local search from the best few: L-BFGS on the continuous
//! coordinates, value-by-value on small finite ones, alternating until neither improves.

use rand::Rng;

use super::Acquisition;
use super::acquisition::LogEi;
use super::coords::Coords;
use super::lbfgs::{Options, Problem};

const CANDIDATES: usize = 2048;
/// Candidates refined, besides the given starts.
const REFINED: usize = 8;
const ROUNDS: usize = 4;
const OPTIONS: Options = Options {
    max_iterations: 100,
    gradient_tolerance: 1e-5,
    value_tolerance: 1e-10,
};

pub struct Search<'a> {
    pub ei: &'a LogEi<'a>,
    pub coords: &'a Coords,
    /// The model's lengthscale per coordinate: the local search moves in `x / ℓ`, where the
    /// acquisition is about equally curved in every direction.
    pub lengthscales: Vec<f64>,
    pub acquisition: Acquisition,
}

impl Search<'_> {
    /// Points with their log-EI, best first: the refined ones and the candidates, so that the
    /// caller can pass over points already tried.
    pub fn ranked(&self, starts: &[Vec<f64>], rng: &mut impl Rng) -> Vec<(Vec<f64>, f64)> {
        let d = self.coords.len();
        let mut found: Vec<(Vec<f64>, f64)> = (0..CANDIDATES)
            .map(|_| {
                let mut x: Vec<f64> = (0..d).map(|_| rng.r#gen()).collect();
                self.coords.snap(&mut x);
                let v = self.ei.value(&x);
                (x, v)
            })
            .collect();
        sort(&mut found);
        if self.acquisition == Acquisition::Gradient {
            let mut refined: Vec<(Vec<f64>, f64)> = found
                .iter()
                .take(REFINED)
                .cloned()
                .chain(starts.iter().map(|x| (x.clone(), self.ei.value(x))))
                .map(|(x, v)| self.local(x, v))
                .collect();
            refined.append(&mut found);
            found = refined;
            sort(&mut found);
        }
        found
    }

    fn local(&self, mut x: Vec<f64>, mut value: f64) -> (Vec<f64>, f64) {
        let relaxed = self.coords.relaxed();
        let swept = self.coords.swept();
        for _ in 0..ROUNDS {
            let mut improved = false;
            if !relaxed.is_empty() {
                let (y, v) = self.gradient(&x, &relaxed);
                if v > value {
                    (x, value, improved) = (y, v, true);
                }
            }
            for (j, values) in &swept {
                let mut y = x.clone();
                for u in values {
                    y[*j] = *u;
                    let v = self.ei.value(&y);
                    if v > value {
                        (x[*j], value, improved) = (*u, v, true);
                    }
                }
            }
            if !improved || swept.is_empty() {
                break;
            }
        }
        (x, value)
    }

    /// L-BFGS on the coordinates `free`, in units of their lengthscales; the result is
    /// snapped (large finite sets are relaxed here) and evaluated where it can be run.
    fn gradient(&self, x: &[f64], free: &[usize]) -> (Vec<f64>, f64) {
        let scale: Vec<f64> = free.iter().map(|&j| self.lengthscales[j]).collect();
        let lower = vec![0.0; free.len()];
        let upper: Vec<f64> = scale.iter().map(|s| 1.0 / s).collect();
        let start: Vec<f64> = free.iter().zip(&scale).map(|(&j, s)| x[j] / s).collect();
        let mut point = x.to_vec();
        let mut problem = Problem {
            lower: &lower,
            upper: &upper,
            f: |z: &[f64], grad: &mut [f64]| {
                for ((&j, zj), s) in free.iter().zip(z).zip(&scale) {
                    point[j] = zj * s;
                }
                let v = self.ei.value_and_grad(&point, free, grad);
                for (g, s) in grad.iter_mut().zip(&scale) {
                    *g = -*g * s;
                }
                -v
            },
        };
        let (z, _) = problem.minimize(&start, &OPTIONS);
        let mut y = x.to_vec();
        for ((&j, zj), s) in free.iter().zip(&z).zip(&scale) {
            y[j] = zj * s;
        }
        self.coords.snap(&mut y);
        let v = self.ei.value(&y);
        (y, v)
    }
}

/// Best first; NaN last.
fn sort(points: &mut [(Vec<f64>, f64)]) {
    points.sort_by(|a, b| {
        let key = |v: f64| if v.is_nan() { f64::NEG_INFINITY } else { v };
        key(b.1).total_cmp(&key(a.1))
    });
}
