//! Grid search: every combination of the parameters' values, the last parameter varying
//! fastest, each once; exhausted after the last. Doubles need a step (checked at submission).

use crate::algorithm::{Suggest, Suggestion};
use crate::space::{Space, Value};
use crate::trial::Trial;

pub struct Grid;

/// The `index`-th combination, or `None` past the last.
fn combination(space: &Space, mut index: usize) -> Option<Vec<Value>> {
    let mut values = vec![Value::Int(0); space.len()];
    for (slot, param) in space.params.iter().enumerate().rev() {
        let n = param.kind.cardinality()?.max(1);
        values[slot] = param.kind.nth(index % n);
        index /= n;
    }
    (index == 0).then_some(values)
}

impl Suggest for Grid {
    fn suggest(&self, space: &Space, trials: &[Trial], count: usize) -> Suggestion {
        // The next combinations not tried yet, in order (a restart sees the same trials).
        let mut next = Vec::new();
        let mut index = 0;
        while next.len() < count {
            let Some(values) = combination(space, index) else {
                break;
            };
            if !trials.iter().any(|t| t.values == values) && !next.contains(&values) {
                next.push(values);
            }
            index += 1;
        }
        if next.is_empty() && count > 0 {
            Suggestion::Exhausted
        } else {
            Suggestion::New(next)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::{Param, ParamKind};
    use crate::trial::TrialState;

    #[test]
    fn every_combination_once_then_exhausted() {
        let space = Space::new(vec![
            Param {
                name: "a".into(),
                kind: ParamKind::Int {
                    min: 1,
                    max: 3,
                    step: 1,
                },
            },
            Param {
                name: "b".into(),
                kind: ParamKind::Categorical {
                    choices: vec!["x".into(), "y".into()],
                },
            },
        ]);
        let mut trials = Vec::new();
        while let Suggestion::New(batch) = Grid.suggest(&space, &trials, 4) {
            trials.extend(batch.into_iter().map(|values| Trial {
                values,
                state: TrialState::Succeeded(0.0),
            }));
        }
        assert_eq!(trials.len(), 6);
        assert_eq!(trials[1].values, vec![Value::Int(1), Value::Choice(1)]);
        assert_eq!(trials[5].values, vec![Value::Int(3), Value::Choice(1)]);
    }
}
