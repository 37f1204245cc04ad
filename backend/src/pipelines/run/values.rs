//! The values a task receives and produces: parameters (JSON) and artifacts (files with
//! metadata), and how numbers are typed on the way into a task.
//!
//! KFP moves parameters as protobuf `Value`s, which have one number kind: only the declared
//! type says that `3.0` is an int. Given to a task, a top-level NUMBER_INTEGER becomes a JSON
//! integer and a NUMBER_DOUBLE a JSON float, as kfp.local does; numbers inside lists and
//! structs are written as protojson writes them (an integral double as an integer), as KFP's
//! backend does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};

use crate::pipelines::model::ParamType;

/// Parameters and artifacts, by name: a task's resolved inputs, or its outputs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Values {
    #[serde(default)]
    pub parameters: BTreeMap<String, Value>,
    #[serde(default)]
    pub artifacts: BTreeMap<String, Vec<Artifact>>,
}

/// One artifact: a file or directory at `uri` (a local path in standalone mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    pub name: String,
    pub uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    #[serde(default)]
    pub metadata: serde_json::Map<String, Value>,
}

/// `value` as a task of the declared type receives it. A value that does not fit its type
/// is given as it is: the task's own checks say what is wrong.
pub fn typed(value: &Value, ty: ParamType) -> Value {
    match (ty, value) {
        (ParamType::NumberInteger, Value::Number(n)) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => value.clone(),
        },
        (ParamType::NumberDouble, Value::Number(n)) => n
            .as_f64()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| value.clone()),
        (ParamType::List | ParamType::Struct, _) => protojson(value),
        _ => value.clone(),
    }
}

/// Numbers as protojson writes a `Value`: integral doubles as integers.
fn protojson(value: &Value) -> Value {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(protojson).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), protojson(v))).collect())
        }
        _ => value.clone(),
    }
}

/// A parameter that a task wrote to its output file, read by its type: a STRING is the text
/// itself, a BOOLEAN `true`/`false` in any case, anything else JSON.
pub fn parse_output_file(text: &str, ty: ParamType) -> Result<Value, String> {
    match ty {
        ParamType::String => Ok(Value::String(text.to_owned())),
        ParamType::Boolean => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            other => Err(format!("{other:?} is not a boolean")),
        },
        _ => serde_json::from_str(text.trim())
            .map_err(|e| format!("{:?} is not JSON: {e}", truncate(text))),
    }
}

/// The text a value takes inside a command line or a string (`{{$.inputs.parameters['x']}}`):
/// a string as it is, anything else as JSON.
pub fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_take_the_declared_type_at_the_top_and_protojson_inside() {
        assert_eq!(typed(&json!(3.0), ParamType::NumberInteger), json!(3));
        assert_eq!(typed(&json!(3.5), ParamType::NumberInteger), json!(3.5));
        assert_eq!(typed(&json!(1), ParamType::NumberDouble), json!(1.0));
        assert!(typed(&json!(1), ParamType::NumberDouble).as_f64().is_some());
        assert_eq!(
            typed(&json!([2.0, 2.5, {"x": 3.0}]), ParamType::List),
            json!([2, 2.5, {"x": 3}])
        );
        assert_eq!(typed(&json!("7"), ParamType::NumberInteger), json!("7"));
    }

    #[test]
    fn output_files_are_read_by_type() {
        assert_eq!(
            parse_output_file("hello\n", ParamType::String),
            Ok(json!("hello\n"))
        );
        assert_eq!(
            parse_output_file("True", ParamType::Boolean),
            Ok(json!(true))
        );
        assert_eq!(
            parse_output_file("42", ParamType::NumberInteger),
            Ok(json!(42))
        );
        assert!(parse_output_file("nope", ParamType::NumberDouble).is_err());
        assert!(parse_output_file("maybe", ParamType::Boolean).is_err());
    }
}
