//! A trial's assignment as stored and as its command receives it (text, in the space's
//! order), and back to the values the algorithms work with.

use suggest::{ParamKind, Space, Value};

/// The values as text, one per parameter.
pub fn to_texts(space: &Space, values: &[Value]) -> Vec<String> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| space.text(i, v))
        .collect()
}

/// The values that `texts` stand for; `None` when one does not fit the space (a manifest
/// changed under stored trials cannot happen, but stored text is input all the same).
pub fn from_texts(space: &Space, texts: &[String]) -> Option<Vec<Value>> {
    if texts.len() != space.len() {
        return None;
    }
    space
        .params
        .iter()
        .zip(texts)
        .map(|(param, text)| match &param.kind {
            ParamKind::Int { .. } => text.parse().ok().map(Value::Int),
            ParamKind::Double { .. } => text.parse().ok().map(Value::Double),
            ParamKind::Discrete { .. } => text.parse().ok().map(Value::Discrete),
            ParamKind::Categorical { choices } => {
                choices.iter().position(|c| c == text).map(Value::Choice)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use suggest::Param;

    #[test]
    fn texts_read_back_as_the_same_values() {
        let space = Space::new(vec![
            Param {
                name: "lr".into(),
                kind: ParamKind::Double {
                    min: 0.0,
                    max: 1.0,
                    step: None,
                    log: false,
                },
            },
            Param {
                name: "layers".into(),
                kind: ParamKind::Int {
                    min: 1,
                    max: 5,
                    step: 1,
                },
            },
            Param {
                name: "opt".into(),
                kind: ParamKind::Categorical {
                    choices: vec!["sgd".into(), "adam".into()],
                },
            },
        ]);
        let values = vec![Value::Double(0.1 + 0.2), Value::Int(3), Value::Choice(1)];
        let texts = to_texts(&space, &values);
        assert_eq!(texts, vec!["0.30000000000000004", "3", "adam"]);
        assert_eq!(from_texts(&space, &texts), Some(values));
        assert_eq!(
            from_texts(&space, &["x".into(), "3".into(), "adam".into()]),
            None
        );
    }
}
