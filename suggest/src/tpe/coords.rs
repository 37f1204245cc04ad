//! The coordinates TPE models a point in: per parameter, a point of `[0, 1]` for a numeric
//! one (the space's unit encoding; a cell's middle for a finite set) and the choice index for
//! a categorical, whose choices have no order to place on a line.

use rand::Rng;

use crate::space::{ParamKind, Space, Value};

/// How a parameter is modelled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dim {
    Continuous,
    /// A finite set of numbers: `[0, 1]` cut into this many cells, in order.
    Cells(usize),
    Choices(usize),
}

impl Dim {
    fn of(kind: &ParamKind) -> Dim {
        match (kind, kind.cardinality()) {
            (ParamKind::Categorical { .. }, n) => Dim::Choices(n.unwrap_or(1).max(1)),
            (_, Some(n)) => Dim::Cells(n.max(1)),
            (_, None) => Dim::Continuous,
        }
    }

    /// A uniform draw of the coordinate.
    fn uniform(self, rng: &mut impl Rng) -> f64 {
        let u: f64 = rng.r#gen();
        match self {
            Dim::Continuous => u,
            Dim::Cells(n) => ((u * n as f64).floor() + 0.5) / n as f64,
            Dim::Choices(n) => (u * n as f64).floor().min(n as f64 - 1.0),
        }
    }
}

pub fn dims(space: &Space) -> Vec<Dim> {
    space.params.iter().map(|p| Dim::of(&p.kind)).collect()
}

/// The coordinates of an assignment; `None` for one that does not fit the space (a value
/// missing, a choice out of range, a number the encoding cannot place).
pub fn encode(space: &Space, dims: &[Dim], values: &[Value]) -> Option<Vec<f64>> {
    if values.len() != space.len() {
        return None;
    }
    space
        .params
        .iter()
        .zip(dims)
        .zip(values)
        .map(|((param, dim), value)| {
            let x = match (dim, value) {
                (Dim::Choices(n), Value::Choice(i)) => (*i < *n).then_some(*i as f64)?,
                (Dim::Choices(_), _) => return None,
                _ => param.kind.to_unit(value),
            };
            x.is_finite().then_some(x)
        })
        .collect()
}

/// The assignment at coordinates.
pub fn decode(space: &Space, dims: &[Dim], x: &[f64]) -> Vec<Value> {
    space
        .params
        .iter()
        .zip(dims)
        .zip(x)
        .map(|((param, dim), &xd)| match dim {
            Dim::Choices(n) => Value::Choice((xd.max(0.0) as usize).min(n - 1)),
            _ => param.kind.from_unit(xd),
        })
        .collect()
}

/// Uniform coordinates (the random phase, and the fallback when the model only proposes
/// points already tried).
pub fn uniform(dims: &[Dim], rng: &mut impl Rng) -> Vec<f64> {
    dims.iter().map(|dim| dim.uniform(rng)).collect()
}

/// Whether two assignments are the same point: finite sets compare by index, so a value read
/// back from its text (0.30000000000000004 for 0.3) is still the one suggested.
pub fn same(space: &Space, a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len()
        && space
            .params
            .iter()
            .zip(a.iter().zip(b))
            .all(|(param, (x, y))| match param.kind.cardinality() {
                Some(_) => param.kind.index_of(x) == param.kind.index_of(y),
                None => x.as_f64() == y.as_f64(),
            })
}

/// Per parameter, the index of each value: the key of a point of a finite space.
pub fn indices(space: &Space, values: &[Value]) -> Vec<usize> {
    space
        .params
        .iter()
        .zip(values)
        .map(|(param, value)| param.kind.index_of(value))
        .collect()
}
