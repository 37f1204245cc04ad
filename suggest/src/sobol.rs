//! Sobol quasi-random search: trial `n` gets point `n` of Joe & Kuo's Sobol sequence (as
//! SciPy's `qmc.Sobol` makes it), digitally shifted by the seed, decoded into the space.
//!
//! The shift XORs every coordinate of a dimension with one random 52-bit integer drawn from
//! the seed: different seeds give different points, the same seed the same ones, and each
//! power-of-two prefix keeps its one-point-per-interval balance. (SciPy scrambles more, with
//! a random linear matrix too; a shift alone is enough to decorrelate seeds.)
//!
//! Suggestions depend only on the seed and the trial's position, so trials already made are
//! skipped by counting them. Parameters past the table's 256 dimensions get plain random
//! coordinates from the position's stream.

mod directions;
mod sequence;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::algorithm::{Suggest, Suggestion};
use crate::rng;
use crate::space::Space;
use crate::trial::Trial;
use sequence::{BITS, Sequence, to_unit};

pub struct SobolSearch {
    seed: u64,
}

impl SobolSearch {
    pub fn new(seed: u64) -> SobolSearch {
        SobolSearch { seed }
    }
}

/// The seed's stream that draws the shifts; positions take the streams from 0 up.
const SHIFT_STREAM: u64 = u64::MAX;

/// One random `BITS`-bit integer per dimension.
fn shifts(seed: u64, dimensions: usize) -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(SHIFT_STREAM);
    (0..dimensions)
        .map(|_| rng.r#gen::<u64>() >> (u64::BITS as usize - BITS))
        .collect()
}

/// The shifted sequence of one seed, in as many dimensions as the table has for the space.
struct Shifted {
    seed: u64,
    sequence: Sequence,
    shifts: Vec<u64>,
}

impl Shifted {
    fn new(seed: u64, dimensions: usize) -> Shifted {
        let sequence = Sequence::new(dimensions);
        let shifts = shifts(seed, sequence.dimensions());
        Shifted {
            seed,
            sequence,
            shifts,
        }
    }

    /// The point for the trial at `position` in the unit cube of `dimensions`.
    fn unit_point(&self, dimensions: usize, position: usize) -> Vec<f64> {
        let mut point: Vec<f64> = self
            .sequence
            .point(position)
            .into_iter()
            .zip(&self.shifts)
            .map(|(x, shift)| to_unit(x ^ shift))
            .collect();
        let mut rng = rng::for_position(self.seed, position);
        point.extend((point.len()..dimensions).map(|_| rng.r#gen::<f64>()));
        point
    }
}

impl Suggest for SobolSearch {
    fn suggest(&self, space: &Space, trials: &[Trial], count: usize) -> Suggestion {
        let shifted = Shifted::new(self.seed, space.len());
        Suggestion::New(
            (0..count)
                .map(|k| space.decode(&shifted.unit_point(space.len(), trials.len() + k)))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::sequence::{DIMENSIONS, fills_each_interval_once};
    use super::*;
    use crate::space::{Param, ParamKind, Value};
    use crate::trial::TrialState;

    fn unit_space(dimensions: usize) -> Space {
        Space::new(
            (0..dimensions)
                .map(|i| Param {
                    name: format!("x{i}"),
                    kind: ParamKind::Double {
                        min: 0.0,
                        max: 1.0,
                        step: None,
                        log: false,
                    },
                })
                .collect(),
        )
    }

    fn suggest(seed: u64, space: &Space, made: usize, count: usize) -> Vec<Vec<Value>> {
        let trials: Vec<Trial> = (0..made)
            .map(|_| Trial {
                values: vec![Value::Double(0.0); space.len()],
                state: TrialState::Running,
            })
            .collect();
        match SobolSearch::new(seed).suggest(space, &trials, count) {
            Suggestion::New(batch) => batch,
            Suggestion::Exhausted => panic!("sobol never runs out"),
        }
    }

    #[test]
    fn a_seed_gives_the_same_points_and_another_seed_others() {
        let space = unit_space(3);
        assert_eq!(suggest(7, &space, 0, 8), suggest(7, &space, 0, 8));
        assert_ne!(suggest(7, &space, 0, 8), suggest(8, &space, 0, 8));
    }

    #[test]
    fn trials_already_made_are_skipped_by_position() {
        let space = unit_space(3);
        let all = suggest(7, &space, 0, 8);
        assert_eq!(suggest(7, &space, 5, 3), all[5..]);
    }

    #[test]
    fn the_shift_keeps_every_power_of_two_prefix_balanced() {
        let shifted = Shifted::new(11, DIMENSIONS);
        let points: Vec<Vec<u64>> = (0..1 << 8).map(|n| shifted.sequence.point(n)).collect();
        for k in 0..=8 {
            for (d, shift) in shifted.shifts.iter().enumerate() {
                let column = points[..1 << k].iter().map(|p| p[d] ^ shift);
                assert!(fills_each_interval_once(column, k), "k = {k}, d = {d}");
            }
        }
        // And the suggestions are those shifted points.
        let space = unit_space(2);
        for (n, values) in suggest(11, &space, 0, 4).iter().enumerate() {
            let expected: Vec<Value> = shifted.unit_point(2, n)[..2]
                .iter()
                .map(|u| Value::Double(*u))
                .collect();
            assert_eq!(values, &expected);
        }
    }

    #[test]
    fn parameters_past_the_table_get_random_coordinates() {
        let space = unit_space(DIMENSIONS + 3);
        let points = suggest(3, &space, 0, 2);
        assert!(points.iter().all(|p| p.len() == DIMENSIONS + 3));
        assert_ne!(points[0][DIMENSIONS..], points[1][DIMENSIONS..]);
        assert_eq!(suggest(3, &space, 0, 2), points);
    }
}
