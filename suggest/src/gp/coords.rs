//! The GP's view of the space: one unit coordinate per parameter ([`Space::encode`]), each
//! either continuous or a finite set of cells (ints, discrete lists, stepped doubles,
//! categoricals), whose values sit at the cells' middles.

use crate::space::Space;

/// Finite parameters with at most this many values are searched value by value; larger
/// ones are optimized as if continuous and rounded to a cell.
const SWEEP_AT_MOST: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Dim {
    Continuous,
    Finite { cells: usize, categorical: bool },
}

#[derive(Debug, Clone)]
pub struct Coords {
    dims: Vec<Dim>,
}

impl Coords {
    pub fn of(space: &Space) -> Coords {
        Coords {
            dims: space
                .params
                .iter()
                .map(|p| match p.kind.cardinality() {
                    None => Dim::Continuous,
                    Some(cells) => Dim::Finite {
                        cells: cells.max(1),
                        categorical: p.kind.is_categorical(),
                    },
                })
                .collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.dims.len()
    }

    /// For each coordinate, its number of choices when the kernel compares it by equality
    /// (Hamming) instead of distance.
    pub fn categories(&self) -> Vec<Option<usize>> {
        self.dims
            .iter()
            .map(|d| match *d {
                Dim::Finite {
                    cells,
                    categorical: true,
                } => Some(cells),
                _ => None,
            })
            .collect()
    }

    /// The coordinates a gradient moves: continuous ones and large ordered sets.
    pub fn relaxed(&self) -> Vec<usize> {
        (0..self.dims.len())
            .filter(|&i| match self.dims[i] {
                Dim::Continuous => true,
                Dim::Finite { cells, categorical } => !categorical && cells > SWEEP_AT_MOST,
            })
            .collect()
    }

    /// The coordinates tried value by value, with their values.
    pub fn swept(&self) -> Vec<(usize, Vec<f64>)> {
        (0..self.dims.len())
            .filter_map(|i| match self.dims[i] {
                Dim::Finite { cells, categorical } if categorical || cells <= SWEEP_AT_MOST => {
                    Some((i, (0..cells).map(|c| center(c, cells)).collect()))
                }
                _ => None,
            })
            .collect()
    }

    /// Moves finite coordinates to the middle of their cell, where trials' values encode, so
    /// the model is asked about points that can actually be run.
    pub fn snap(&self, x: &mut [f64]) {
        for (u, dim) in x.iter_mut().zip(&self.dims) {
            let v = if u.is_finite() {
                u.clamp(0.0, 1.0)
            } else {
                0.5
            };
            *u = match *dim {
                Dim::Continuous => v,
                Dim::Finite { cells, .. } => center(cell(v, cells), cells),
            };
        }
    }
}

/// The cell of `u` among `cells` equal ones, as [`crate::space::ParamKind::from_unit`] picks it.
pub fn cell(u: f64, cells: usize) -> usize {
    ((u * cells as f64).floor().max(0.0) as usize).min(cells.saturating_sub(1))
}

fn center(cell: usize, cells: usize) -> f64 {
    (cell as f64 + 0.5) / cells as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::{Param, ParamKind};

    #[test]
    fn snapping_matches_the_encoding_of_the_decoded_value() {
        let space = Space::new(vec![
            Param {
                name: "n".into(),
                kind: ParamKind::Int {
                    min: 1,
                    max: 100,
                    step: 1,
                },
            },
            Param {
                name: "opt".into(),
                kind: ParamKind::Categorical {
                    choices: vec!["a".into(), "b".into(), "c".into()],
                },
            },
            Param {
                name: "lr".into(),
                kind: ParamKind::Double {
                    min: 0.0,
                    max: 1.0,
                    step: None,
                    log: false,
                },
            },
        ]);
        let coords = Coords::of(&space);
        for x in [[0.123, 0.9, 0.31], [1.0, 0.0, 0.0], [0.5, 0.5, 1.0]] {
            let mut snapped = x.to_vec();
            coords.snap(&mut snapped);
            assert_eq!(snapped, space.encode(&space.decode(&x)), "{x:?}");
        }
        assert_eq!(coords.relaxed(), vec![0, 2]);
        assert_eq!(coords.swept().len(), 1);
        assert_eq!(coords.categories(), vec![None, Some(3), None]);
    }
}
