//! The unscrambled Sobol sequence, built as SciPy's `qmc.Sobol` builds it (same direction
//! numbers, same Gray-code order), so point `n` here is row `n` of SciPy's
//! `Sobol(d, scramble=False).random(...)`, the all-zero point first.

use super::directions::DIRECTIONS;

/// Bits of each coordinate: 52, the whole mantissa of an `f64`, so that a coordinate is
/// exactly `x / 2^52` (SciPy uses 30; the points agree on the bits both have).
pub const BITS: usize = 52;

/// How many dimensions the table covers.
#[cfg(test)]
pub const DIMENSIONS: usize = DIRECTIONS.len();

/// The direction numbers `v_j` (`j < BITS`) of one dimension, each a `BITS`-bit integer.
type Directions = [u64; BITS];

/// Expands a dimension's primitive polynomial and initial numbers by the Bratley-Fox
/// recurrence (Joe & Kuo's eq. 2), exactly as SciPy's `_initialize_v` does.
fn expand(poly: u32, initial: &[u32]) -> Directions {
    let degree = (u32::BITS - 1).saturating_sub(poly.leading_zeros()) as usize;
    let mut m = [1u64; BITS];
    if degree > 0 {
        for j in 0..BITS {
            m[j] = if j < degree {
                // The table always has `degree` numbers; 1 keeps a malformed row harmless.
                initial.get(j).copied().map_or(1, u64::from)
            } else {
                let mut next = m[j - degree];
                for k in 0..degree {
                    if (poly >> (degree - 1 - k)) & 1 == 1 {
                        next ^= m[j - k - 1] << (k + 1);
                    }
                }
                next
            };
        }
    }
    // m_j has at most j + 1 bits; aligned to the left of BITS it becomes v_j.
    for (j, v) in m.iter_mut().enumerate() {
        *v <<= BITS - 1 - j;
    }
    m
}

/// The first `dimensions` dimensions of the sequence, or as many as the table has.
pub struct Sequence {
    directions: Vec<Directions>,
}

impl Sequence {
    pub fn new(dimensions: usize) -> Sequence {
        Sequence {
            directions: DIRECTIONS
                .iter()
                .take(dimensions)
                .map(|(poly, initial)| expand(*poly, initial))
                .collect(),
        }
    }

    pub fn dimensions(&self) -> usize {
        self.directions.len()
    }

    /// Point `index` as `BITS`-bit integers: the XOR of the direction numbers picked by the
    /// bits of its Gray code, computed directly so no earlier point is needed. Indices wrap
    /// every 2^52 points (never reached by an experiment).
    pub fn point(&self, index: usize) -> Vec<u64> {
        let n = index as u64 & ((1u64 << BITS) - 1);
        let gray = n ^ (n >> 1);
        self.directions
            .iter()
            .map(|v| {
                (0..BITS)
                    .filter(|j| (gray >> j) & 1 == 1)
                    .fold(0, |x, j| x ^ v[j])
            })
            .collect()
    }
}

/// A `BITS`-bit integer as a coordinate in `[0, 1)` (exact).
pub fn to_unit(x: u64) -> f64 {
    x as f64 / (1u64 << BITS) as f64
}

/// Whether the `2^k` coordinates fall one in each of the `2^k` equal intervals of `[0, 1)`:
/// the (0, k, 1)-net property of every power-of-two prefix of a Sobol dimension.
#[cfg(test)]
pub fn fills_each_interval_once(coordinates: impl Iterator<Item = u64>, k: usize) -> bool {
    let mut seen = vec![false; 1 << k];
    let mut count = 0;
    for x in coordinates {
        let cell = (x >> (BITS - k)) as usize;
        if std::mem::replace(&mut seen[cell], true) {
            return false;
        }
        count += 1;
    }
    count == 1 << k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_points(dimensions: usize, count: usize) -> Vec<Vec<f64>> {
        let sequence = Sequence::new(dimensions);
        (0..count)
            .map(|n| sequence.point(n).into_iter().map(to_unit).collect())
            .collect()
    }

    #[test]
    fn the_first_points_are_scipys() {
        // SciPy 1.17.1: scipy.stats.qmc.Sobol(5, scramble=False).random(8); the first d
        // columns are Sobol(d, scramble=False).random(8) for every d ≤ 5.
        let scipy: [[f64; 5]; 8] = [
            [0.0, 0.0, 0.0, 0.0, 0.0],
            [0.5, 0.5, 0.5, 0.5, 0.5],
            [0.75, 0.25, 0.25, 0.25, 0.75],
            [0.25, 0.75, 0.75, 0.75, 0.25],
            [0.375, 0.375, 0.625, 0.875, 0.375],
            [0.875, 0.875, 0.125, 0.375, 0.875],
            [0.625, 0.125, 0.875, 0.625, 0.625],
            [0.125, 0.625, 0.375, 0.125, 0.125],
        ];
        for d in 1..=5 {
            let ours = unit_points(d, 8);
            for (row, expected) in ours.iter().zip(&scipy) {
                assert_eq!(row.as_slice(), &expected[..d], "d = {d}");
            }
        }
    }

    #[test]
    fn far_dimensions_are_scipys() {
        // SciPy 1.17.1: x = qmc.Sobol(256, scramble=False).random(1024); x[n, d] · 1024.
        let scipy = [
            (100, [(5, 760), (63, 664), (127, 472), (255, 584)]),
            (1000, [(5, 929), (63, 457), (127, 557), (255, 255)]),
            (1023, [(5, 449), (63, 41), (127, 717), (255, 863)]),
        ];
        let sequence = Sequence::new(DIMENSIONS);
        for (n, columns) in scipy {
            let point = sequence.point(n);
            for (d, expected) in columns {
                assert_eq!(
                    to_unit(point[d]) * 1024.0,
                    expected as f64,
                    "n = {n}, d = {d}"
                );
            }
        }
    }

    #[test]
    fn every_power_of_two_prefix_fills_each_interval_once() {
        // A (0, k, 1)-net per dimension: the first 2^k points fall one in each of the 2^k
        // equal intervals.
        let sequence = Sequence::new(DIMENSIONS);
        let points: Vec<Vec<u64>> = (0..1 << 10).map(|n| sequence.point(n)).collect();
        for k in 0..=10 {
            for d in 0..DIMENSIONS {
                let column = points[..1 << k].iter().map(|p| p[d]);
                assert!(fills_each_interval_once(column, k), "k = {k}, d = {d}");
            }
        }
    }
}
