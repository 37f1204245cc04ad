//! A search space: named parameters of Katib's four types, the values they take, and the
//! encoding of a value in the unit interval that the model-based algorithms work in.

/// One parameter of the space.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
}

/// Katib's `parameterType` with its `feasibleSpace`, already checked (min ≤ max, step > 0,
/// a non-empty list without repeats).
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    /// Integers `min, min + step, …` up to `max`.
    Int { min: i64, max: i64, step: i64 },
    /// Reals in `[min, max]`; with a step, only `min + k·step`; log: uniform in `ln x`
    /// (Katib's `distribution: logUniform`, which needs `min > 0`).
    Double {
        min: f64,
        max: f64,
        step: Option<f64>,
        log: bool,
    },
    /// Names without an order.
    Categorical { choices: Vec<String> },
    /// Numbers from a list, ordered (kept sorted).
    Discrete { values: Vec<f64> },
}

/// A parameter's value in an assignment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Int(i64),
    Double(f64),
    /// Index into the categorical's choices.
    Choice(usize),
    Discrete(f64),
}

impl Value {
    /// The number a numeric value stands for (a choice's index for a categorical).
    pub fn as_f64(&self) -> f64 {
        match *self {
            Value::Int(v) => v as f64,
            Value::Double(v) | Value::Discrete(v) => v,
            Value::Choice(i) => i as f64,
        }
    }
}

impl ParamKind {
    pub fn is_categorical(&self) -> bool {
        matches!(self, ParamKind::Categorical { .. })
    }

    /// How many values there are; `None` for a continuous double.
    pub fn cardinality(&self) -> Option<usize> {
        match self {
            ParamKind::Int { min, max, step } => {
                Some(usize::try_from((max - min) / step).unwrap_or(usize::MAX - 1) + 1)
            }
            ParamKind::Double {
                min,
                max,
                step: Some(step),
                ..
            } => Some(steps_between(*min, *max, *step) + 1),
            ParamKind::Double { step: None, .. } => None,
            ParamKind::Categorical { choices } => Some(choices.len()),
            ParamKind::Discrete { values } => Some(values.len()),
        }
    }

    /// The `index`-th value in order (`index < cardinality`).
    pub fn nth(&self, index: usize) -> Value {
        match self {
            ParamKind::Int { min, max, step } => {
                Value::Int((min + step.saturating_mul(index as i64)).min(*max))
            }
            ParamKind::Double { min, max, step, .. } => {
                let v = min + step.unwrap_or(0.0) * index as f64;
                Value::Double(round_off(v).min(*max))
            }
            ParamKind::Categorical { choices } => Value::Choice(index.min(choices.len() - 1)),
            ParamKind::Discrete { values } => Value::Discrete(values[index.min(values.len() - 1)]),
        }
    }

    /// Every value in order; `None` for a continuous double (grid search needs a step).
    pub fn all_values(&self) -> Option<Vec<Value>> {
        let n = self.cardinality()?;
        Some((0..n).map(|i| self.nth(i)).collect())
    }

    /// The value's place in `[0, 1]`: linear (or logarithmic) for continuous doubles, the
    /// middle of its cell for values of a finite set, so that decoding any point of the cell
    /// gives the value back.
    pub fn to_unit(&self, value: &Value) -> f64 {
        match (self, value) {
            (
                ParamKind::Double {
                    min,
                    max,
                    step: None,
                    log,
                },
                Value::Double(v),
            ) => {
                if max <= min {
                    return 0.5;
                }
                let u = if *log {
                    (v.ln() - min.ln()) / (max.ln() - min.ln())
                } else {
                    (v - min) / (max - min)
                };
                u.clamp(0.0, 1.0)
            }
            _ => {
                let n = self.cardinality().unwrap_or(1).max(1);
                let index = self.index_of(value).min(n - 1);
                (index as f64 + 0.5) / n as f64
            }
        }
    }

    /// The value at `u` in `[0, 1]` (clamped): the inverse of [`ParamKind::to_unit`].
    pub fn from_unit(&self, u: f64) -> Value {
        let u = if u.is_finite() {
            u.clamp(0.0, 1.0)
        } else {
            0.5
        };
        match self {
            ParamKind::Double {
                min,
                max,
                step: None,
                log,
            } => {
                let v = if *log {
                    (min.ln() + u * (max.ln() - min.ln())).exp()
                } else {
                    min + u * (max - min)
                };
                Value::Double(v.clamp(*min, *max))
            }
            _ => {
                let n = self.cardinality().unwrap_or(1).max(1);
                let index = ((u * n as f64).floor() as usize).min(n - 1);
                self.nth(index)
            }
        }
    }

    /// The index of a value of a finite set (the nearest one for a number off the set).
    pub fn index_of(&self, value: &Value) -> usize {
        match (self, value) {
            (_, Value::Choice(i)) => *i,
            (ParamKind::Int { min, step, .. }, v) => {
                ((v.as_f64() - *min as f64) / *step as f64).round().max(0.0) as usize
            }
            (
                ParamKind::Double {
                    min,
                    step: Some(step),
                    ..
                },
                v,
            ) => ((v.as_f64() - min) / step).round().max(0.0) as usize,
            (ParamKind::Discrete { values }, v) => {
                let x = v.as_f64();
                let mut best = 0;
                for (i, candidate) in values.iter().enumerate() {
                    if (candidate - x).abs() < (values[best] - x).abs() {
                        best = i;
                    }
                }
                best
            }
            _ => 0,
        }
    }
}

/// `v` without the binary noise of `min + k·step` (0.1 + 2·0.1 is 0.30000000000000004):
/// rounded to 12 significant digits, more than any feasible space writes.
fn round_off(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let digits = 11 - v.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits.clamp(-300, 300));
    (v * scale).round() / scale
}

/// Whole steps from `min` to `max`, forgiving rounding (0.1 to 0.3 by 0.1 is 2 steps).
fn steps_between(min: f64, max: f64, step: f64) -> usize {
    if step <= 0.0 || max <= min {
        return 0;
    }
    ((max - min) / step + 1e-9).floor() as usize
}

/// The parameters in the order the experiment lists them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Space {
    pub params: Vec<Param>,
}

impl Space {
    pub fn new(params: Vec<Param>) -> Space {
        Space { params }
    }

    pub fn len(&self) -> usize {
        self.params.len()
    }

    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    pub fn position(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == name)
    }

    /// A value as the trial's command receives it: an integer, the shortest decimal that
    /// reads back as the same double, or the choice's name.
    pub fn text(&self, index: usize, value: &Value) -> String {
        match (value, &self.params[index].kind) {
            (Value::Choice(i), ParamKind::Categorical { choices }) => {
                choices.get(*i).cloned().unwrap_or_default()
            }
            (Value::Int(v), _) => v.to_string(),
            (Value::Double(v) | Value::Discrete(v), _) => format!("{v}"),
            (Value::Choice(i), _) => i.to_string(),
        }
    }

    /// An assignment in the unit cube, one coordinate per parameter.
    pub fn encode(&self, values: &[Value]) -> Vec<f64> {
        self.params
            .iter()
            .zip(values)
            .map(|(p, v)| p.kind.to_unit(v))
            .collect()
    }

    /// The assignment at a point of the unit cube.
    pub fn decode(&self, point: &[f64]) -> Vec<Value> {
        self.params
            .iter()
            .zip(point)
            .map(|(p, u)| p.kind.from_unit(*u))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_of_a_finite_set_survives_the_unit_interval() {
        let kinds = [
            ParamKind::Int {
                min: 2,
                max: 9,
                step: 3,
            },
            ParamKind::Double {
                min: 0.1,
                max: 0.3,
                step: Some(0.1),
                log: false,
            },
            ParamKind::Categorical {
                choices: vec!["sgd".into(), "adam".into(), "ftrl".into()],
            },
            ParamKind::Discrete {
                values: vec![16.0, 32.0, 64.0],
            },
        ];
        for kind in kinds {
            let values = kind.all_values().unwrap();
            assert_eq!(values.len(), kind.cardinality().unwrap());
            for v in values {
                assert_eq!(kind.from_unit(kind.to_unit(&v)), v, "{kind:?}");
            }
        }
    }

    #[test]
    fn integers_stop_at_max_and_steps_forgive_rounding() {
        let int = ParamKind::Int {
            min: 2,
            max: 9,
            step: 3,
        };
        assert_eq!(
            int.all_values().unwrap(),
            vec![Value::Int(2), Value::Int(5), Value::Int(8)]
        );
        let double = ParamKind::Double {
            min: 0.1,
            max: 0.3,
            step: Some(0.1),
            log: false,
        };
        assert_eq!(double.cardinality(), Some(3));
        assert_eq!(double.nth(2), Value::Double(0.3));
    }

    #[test]
    fn log_uniform_doubles_are_spread_in_the_logarithm() {
        let kind = ParamKind::Double {
            min: 1e-4,
            max: 1.0,
            step: None,
            log: true,
        };
        for (u, expected) in [(0.5, 1e-2), (0.25, 1e-3)] {
            let Value::Double(v) = kind.from_unit(u) else {
                panic!("a double decodes to a double")
            };
            assert!((v - expected).abs() < 1e-12 * expected.max(1.0), "{v}");
        }
        assert!((kind.to_unit(&Value::Double(1e-3)) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn values_read_as_the_command_expects() {
        let space = Space::new(vec![
            Param {
                name: "lr".into(),
                kind: ParamKind::Double {
                    min: 0.01,
                    max: 0.03,
                    step: None,
                    log: false,
                },
            },
            Param {
                name: "optimizer".into(),
                kind: ParamKind::Categorical {
                    choices: vec!["sgd".into(), "adam".into()],
                },
            },
        ]);
        assert_eq!(space.text(0, &Value::Double(0.025)), "0.025");
        assert_eq!(space.text(1, &Value::Choice(1)), "adam");
    }
}
