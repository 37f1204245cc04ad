//! The create-run form's parameter fields: which input each parameter gets, what it starts at
//! (its default, as text) and how the texts the browser posts become typed values, each
//! problem named by its parameter (`parameters.lr: …`) as the server names them.

use std::collections::BTreeMap;

use api::ParameterView;
use serde_json::Value;

/// The input a parameter gets, by its KFP type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Text,
    Integer,
    Number,
    Checkbox,
    /// JSON in a textarea (a LIST or a STRUCT).
    Json,
}

pub fn field_of(ty: &str) -> Field {
    match ty {
        "NUMBER_INTEGER" => Field::Integer,
        "NUMBER_DOUBLE" => Field::Number,
        "BOOLEAN" => Field::Checkbox,
        "LIST" | "STRUCT" => Field::Json,
        _ => Field::Text,
    }
}

/// The default as its field shows it; blank when there is none.
pub fn default_text(p: &ParameterView) -> String {
    match &p.default {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(v @ (Value::Array(_) | Value::Object(_))) => {
            serde_json::to_string_pretty(v).unwrap_or_default()
        }
        Some(v) => v.to_string(),
    }
}

/// Whether a run must be given this parameter: no default, and not optional.
pub fn is_required(p: &ParameterView) -> bool {
    p.default.is_none() && !p.optional
}

/// The posted texts (by parameter name) as typed values. A blank number or JSON field leaves
/// the parameter out (its default applies, or the server says it is needed); a blank text
/// field is the empty string; a checkbox that was not posted is `false`.
pub fn parameter_values(
    params: &[ParameterView],
    texts: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, Value>, String> {
    let mut values = BTreeMap::new();
    for p in params {
        let field = field_of(&p.ty);
        let text = texts.get(&p.name).map(String::as_str);
        let value = match (field, text) {
            (Field::Checkbox, text) => Some(Value::Bool(
                text.is_some_and(|t| matches!(t, "true" | "on")),
            )),
            (_, None) => None,
            (Field::Text, Some(t)) => Some(Value::String(t.to_owned())),
            (_, Some(t)) if t.trim().is_empty() => None,
            (field, Some(t)) => Some(
                typed(field, &p.ty, t.trim())
                    .map_err(|problem| format!("parameters.{}: {problem}", p.name))?,
            ),
        };
        if let Some(value) = value {
            values.insert(p.name.clone(), value);
        }
    }
    Ok(values)
}

fn typed(field: Field, ty: &str, text: &str) -> Result<Value, String> {
    match field {
        Field::Integer => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("`{text}` is not a whole number")),
        Field::Number => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("`{text}` is not a number")),
        Field::Json => {
            let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
            match (ty, &value) {
                ("LIST", Value::Array(_)) | ("STRUCT", Value::Object(_)) => Ok(value),
                ("LIST", _) => Err("a LIST is a JSON array, like [1, 2]".to_owned()),
                _ => Err("a STRUCT is a JSON object, like {\"k\": 1}".to_owned()),
            }
        }
        Field::Text | Field::Checkbox => Ok(Value::String(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn param(name: &str, ty: &str, default: Option<Value>) -> ParameterView {
        ParameterView {
            name: name.into(),
            ty: ty.into(),
            default,
            optional: false,
            description: None,
        }
    }

    fn texts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_show_as_their_fields_take_them() {
        assert_eq!(
            default_text(&param("s", "STRING", Some(json!("a b")))),
            "a b"
        );
        assert_eq!(
            default_text(&param("n", "NUMBER_DOUBLE", Some(json!(0.1)))),
            "0.1"
        );
        assert_eq!(
            default_text(&param("b", "BOOLEAN", Some(json!(true)))),
            "true"
        );
        assert_eq!(
            default_text(&param("l", "LIST", Some(json!([1, 2])))),
            "[\n  1,\n  2\n]"
        );
        assert_eq!(default_text(&param("r", "STRING", None)), "");
        assert!(is_required(&param("r", "STRING", None)));
        assert_eq!(field_of("NUMBER_INTEGER"), Field::Integer);
        assert_eq!(field_of("STRUCT"), Field::Json);
    }

    #[test]
    fn posted_texts_become_typed_values() {
        let params = [
            param("epochs", "NUMBER_INTEGER", Some(json!(3))),
            param("lr", "NUMBER_DOUBLE", Some(json!(0.1))),
            param("name", "STRING", None),
            param("verbose", "BOOLEAN", Some(json!(true))),
            param("shards", "LIST", None),
            param("config", "STRUCT", None),
        ];
        let values = parameter_values(
            &params,
            &texts(&[
                ("epochs", " 5 "),
                ("lr", "0.25"),
                ("name", ""),
                ("shards", "[\"a\", \"b\"]"),
                ("config", ""),
            ]),
        )
        .expect("reads");
        assert_eq!(values["epochs"], json!(5));
        assert_eq!(values["lr"], json!(0.25));
        assert_eq!(
            values["name"],
            json!(""),
            "a blank text is the empty string"
        );
        assert_eq!(values["verbose"], json!(false), "an unticked box is false");
        assert_eq!(values["shards"], json!(["a", "b"]));
        assert!(
            !values.contains_key("config"),
            "a blank JSON field is left out"
        );
    }

    #[test]
    fn what_does_not_read_is_named_by_its_parameter() {
        let params = [
            param("epochs", "NUMBER_INTEGER", None),
            param("shards", "LIST", None),
        ];
        let err = parameter_values(&params, &texts(&[("epochs", "1.5")])).unwrap_err();
        assert_eq!(err, "parameters.epochs: `1.5` is not a whole number");
        let err = parameter_values(&params, &texts(&[("shards", "{\"a\": 1}")])).unwrap_err();
        assert!(err.starts_with("parameters.shards: a LIST"), "{err}");
        let err = parameter_values(&params, &texts(&[("shards", "[1,")])).unwrap_err();
        assert!(err.starts_with("parameters.shards: not JSON"), "{err}");
    }
}
