//! From the two densities to one new assignment: candidates drawn from l(x), ranked by
//! ln l(x) − ln g(x) (the expected improvement grows with l/g), and the best one not tried yet.

use std::collections::HashSet;

use rand::Rng;

use super::coords::{self, Dim};
use super::parzen::Parzen;
use crate::space::{Space, Value};

/// Uniform draws tried when every ranked candidate was taken, before a finite space is
/// searched value by value.
const UNIFORM_TRIES: usize = 64;

/// The largest finite space searched value by value for an untried point.
const ENUMERABLE: usize = 1 << 20;

/// `n` candidates drawn from `good`, best first by ln l − ln g (a NaN ranks last).
pub fn ranked(good: &Parzen, bad: &Parzen, n: usize, rng: &mut impl Rng) -> Vec<Vec<f64>> {
    let mut scored: Vec<(f64, Vec<f64>)> = (0..n.max(1))
        .map(|_| {
            let x = good.sample(rng);
            let score = good.ln_pdf(&x) - bad.ln_pdf(&x);
            let score = if score.is_nan() {
                f64::NEG_INFINITY
            } else {
                score
            };
            (score, x)
        })
        .collect();
    // Stable: of equal scores the earlier draw wins.
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().map(|(_, x)| x).collect()
}

/// The first of `candidates` (coordinates) whose assignment is not in `taken`; failing that
/// a uniform one, then the first untried value of a finite space. `None` when every point of
/// a finite space is taken; the best candidate again when an infinite space only seems full
/// (a double whose min is its max).
pub fn first_new(
    space: &Space,
    dims: &[Dim],
    candidates: Vec<Vec<f64>>,
    taken: &[&[Value]],
    rng: &mut impl Rng,
) -> Option<Vec<Value>> {
    let is_new = |values: &[Value]| !taken.iter().any(|t| coords::same(space, t, values));
    let uniform = (0..UNIFORM_TRIES).map(|_| coords::uniform(dims, rng));
    let mut first = None;
    for x in candidates.into_iter().chain(uniform) {
        let values = coords::decode(space, dims, &x);
        if is_new(&values) {
            return Some(values);
        }
        first.get_or_insert(values);
    }
    match untried_value(space, taken) {
        Untried::Found(values) => Some(values),
        Untried::None => None,
        Untried::Unknown => first,
    }
}

enum Untried {
    Found(Vec<Value>),
    None,
    /// Infinite, or too large to search.
    Unknown,
}

/// The first point of a finite space, in grid order, that no taken assignment holds.
fn untried_value(space: &Space, taken: &[&[Value]]) -> Untried {
    let Some(sizes) = space
        .params
        .iter()
        .map(|p| p.kind.cardinality())
        .collect::<Option<Vec<usize>>>()
    else {
        return Untried::Unknown;
    };
    let total = sizes
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n.max(1)));
    let Some(total) = total.filter(|&t| t <= ENUMERABLE) else {
        return Untried::Unknown;
    };
    let seen: HashSet<Vec<usize>> = taken
        .iter()
        .filter(|t| t.len() == space.len())
        .map(|t| coords::indices(space, t))
        .collect();
    for mut index in 0..total {
        let mut key = vec![0; sizes.len()];
        for (slot, &n) in sizes.iter().enumerate().rev() {
            key[slot] = index % n.max(1);
            index /= n.max(1);
        }
        if !seen.contains(&key) {
            return Untried::Found(
                space
                    .params
                    .iter()
                    .zip(&key)
                    .map(|(p, &i)| p.kind.nth(i))
                    .collect(),
            );
        }
    }
    Untried::None
}
