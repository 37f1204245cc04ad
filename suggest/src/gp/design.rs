//! The initial trials: a Latin hypercube (each coordinate's range cut into as many strata as
//! trials, one trial per stratum), the most spread of a few drawn from the seed. It is a
//! function of the seed and the number of initial trials only, and trial `p` takes row `p`,
//! so a restart finds the same rows.

use rand::Rng;
use rand::seq::SliceRandom;

use crate::rng;

/// Hypercubes drawn; the one whose closest pair is farthest apart is kept.
const DRAWS: usize = 16;
const SALT: u64 = 0x6c61_7469_6e68_7970;

/// Row `position` (< `rows`) of the design of `rows` points in `dims` unit coordinates.
pub fn point(seed: u64, rows: usize, dims: usize, position: usize) -> Vec<f64> {
    let mut rng = rng::for_position(seed ^ SALT, rows);
    let mut best: Option<(Vec<Vec<f64>>, f64)> = None;
    for _ in 0..DRAWS {
        let design = latin_hypercube(&mut rng, rows, dims);
        let spread = closest_pair(&design);
        if best.as_ref().is_none_or(|(_, s)| spread > *s) {
            best = Some((design, spread));
        }
    }
    best.and_then(|(mut design, _)| {
        (position < design.len()).then(|| std::mem::take(&mut design[position]))
    })
    .unwrap_or_else(|| (0..dims).map(|_| rng.r#gen()).collect())
}

fn latin_hypercube(rng: &mut impl Rng, rows: usize, dims: usize) -> Vec<Vec<f64>> {
    let mut design = vec![vec![0.0; dims]; rows];
    let mut strata: Vec<usize> = (0..rows).collect();
    for j in 0..dims {
        strata.shuffle(rng);
        for (row, stratum) in design.iter_mut().zip(&strata) {
            row[j] = (*stratum as f64 + rng.r#gen::<f64>()) / rows as f64;
        }
    }
    design
}

fn closest_pair(design: &[Vec<f64>]) -> f64 {
    let mut closest = f64::INFINITY;
    for (i, a) in design.iter().enumerate() {
        for b in &design[..i] {
            let d: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
            closest = closest.min(d);
        }
    }
    closest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stratum_of_every_coordinate_holds_one_row() {
        let rows = 10;
        for j in 0..3 {
            let mut strata: Vec<usize> = (0..rows)
                .map(|p| (point(7, rows, 3, p)[j] * rows as f64) as usize)
                .collect();
            strata.sort();
            assert_eq!(strata, (0..rows).collect::<Vec<_>>());
        }
        assert_eq!(point(7, rows, 3, 4), point(7, rows, 3, 4));
    }
}
