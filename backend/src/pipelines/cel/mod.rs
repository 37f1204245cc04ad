//! The subset of CEL (Common Expression Language) that Kubeflow Pipelines IR carries, evaluated
//! as KFP's driver evaluates it with cel-go (`backend/src/v2/expression/expression.go`).
//!
//! The kfp compiler writes two kinds of expression (docs/research/pipelines/README.md §1, §4):
//!
//! - `triggerPolicy.condition`: comparisons of `inputs.parameter_values['<input>']` with
//!   literals or other inputs, wrapped in `int(…)` / `double(…)`, joined by `&&` and `!(…)` for
//!   Elif/Else. [`condition`] evaluates one over the condition task's resolved inputs.
//! - `parameterExpressionSelector`: `parseJson(string_value)["<field>"]` on a loop item that is
//!   a dict. [`select`] evaluates one with the item bound as KFP binds it.
//!
//! Grammar: literals (`null`, `true`, ints with unary minus, doubles such as `1e-07`, single- or
//! double-quoted strings with CEL escapes), variables, `.field`, `[index]`, the functions
//! `int`, `double`, `string`, `parseJson`, `size`, and `! - == != < <= > >= && ||` with CEL's
//! precedence. Anything else is a parse error naming the character offset and what was
//! expected there, so uploads can refuse it; so is an expression over [`MAX_TOKENS`] tokens,
//! [`MAX_NESTING`] levels of brackets or [`MAX_DEPTH`] levels of tree.
//!
//! Semantics, and where they follow cel-go rather than the letter of older CEL:
//!
//! - Values: null, bool, int (i64), double (f64), string, list, map (string keys). No uint.
//! - **Every JSON number is a double**, as in KFP, whose parameter values are protobuf
//!   `Value`s with a single number kind. The compiler relies on it: NUMBER_INTEGER inputs are
//!   always read through `int(…)`, and ints are promoted with `double(…)` before meeting a
//!   float. `parseJson` gives doubles too, as Go's `json.Unmarshal` does.
//! - **Numeric comparison is heterogeneous**: an int and a double compare by value
//!   (`1 == 1.0`, `1 < 2.5`), as cel-go does at run time since its heterogeneous-equality
//!   release (KFP's own test `inputs.parameter_values['num'] == 1` is true). Ordering other
//!   mixed types (`'a' < 1`) is an error, `no such overload: string < int`; equality of other
//!   mixed types is `false`, as CEL's heterogeneous equality defines it.
//! - `int(double)` truncates toward zero and fails on NaN, infinities and out-of-range values;
//!   `int("12")` parses; `double(int)`, `double("2.5")`; `string(double)` formats as Go's `%g`.
//! - `&&` / `||` are commutative over errors: `false && <error>` is `false`, `true || <error>`
//!   is `true`, either operand order.
//! - A condition whose value is not a bool is an error, as in KFP's driver.

mod eval;
mod parse;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

pub use eval::{Env, eval};
pub use parse::{BinaryOp, Expr, Function, MAX_DEPTH, MAX_NESTING, MAX_TOKENS, parse};

/// A CEL value.
#[derive(Debug, Clone, PartialEq)]
pub enum CelValue {
    Null,
    Bool(bool),
    Int(i64),
    Double(f64),
    String(String),
    List(Vec<CelValue>),
    Map(BTreeMap<String, CelValue>),
}

impl CelValue {
    /// A JSON value as KFP hands it to cel-go: every number becomes a double.
    pub fn from_json(value: &Value) -> CelValue {
        match value {
            Value::Null => CelValue::Null,
            Value::Bool(b) => CelValue::Bool(*b),
            Value::Number(n) => CelValue::Double(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => CelValue::String(s.clone()),
            Value::Array(items) => CelValue::List(items.iter().map(CelValue::from_json).collect()),
            Value::Object(map) => CelValue::Map(Self::map_from_json(map)),
        }
    }

    pub(crate) fn map_from_json(map: &Map<String, Value>) -> BTreeMap<String, CelValue> {
        map.iter()
            .map(|(k, v)| (k.clone(), CelValue::from_json(v)))
            .collect()
    }

    /// Back to JSON (a selector's result). NaN and infinities have no JSON form.
    pub fn to_json(&self) -> Result<Value, CelError> {
        Ok(match self {
            CelValue::Null => Value::Null,
            CelValue::Bool(b) => Value::Bool(*b),
            CelValue::Int(i) => Value::from(*i),
            CelValue::Double(d) => serde_json::Number::from_f64(*d)
                .map(Value::Number)
                .ok_or_else(|| CelError::Eval(format!("{d} has no JSON form")))?,
            CelValue::String(s) => Value::String(s.clone()),
            CelValue::List(items) => Value::Array(
                items
                    .iter()
                    .map(CelValue::to_json)
                    .collect::<Result<_, _>>()?,
            ),
            CelValue::Map(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), v.to_json()?)))
                    .collect::<Result<_, CelError>>()?,
            ),
        })
    }

    /// CEL's name of the value's type, as error messages say it.
    pub fn type_name(&self) -> &'static str {
        match self {
            CelValue::Null => "null_type",
            CelValue::Bool(_) => "bool",
            CelValue::Int(_) => "int",
            CelValue::Double(_) => "double",
            CelValue::String(_) => "string",
            CelValue::List(_) => "list",
            CelValue::Map(_) => "map",
        }
    }
}

/// CEL-like text, for messages: strings in single quotes, doubles as `%g`.
impl fmt::Display for CelValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CelValue::Null => f.write_str("null"),
            CelValue::Bool(b) => write!(f, "{b}"),
            CelValue::Int(i) => write!(f, "{i}"),
            CelValue::Double(d) => f.write_str(&eval::format_g(*d)),
            CelValue::String(s) => write!(f, "'{s}'"),
            CelValue::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            CelValue::Map(map) => {
                f.write_str("{")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "'{k}': {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CelError {
    /// The text is not in the subset; `offset` counts characters from 0.
    #[error("at {offset}: {message}")]
    Parse { offset: usize, message: String },
    /// Evaluation failed: `no such key: 'x'`, `no such overload: string > double`, …
    #[error("{0}")]
    Eval(String),
}

/// Evaluates a `triggerPolicy.condition` over the condition task's resolved input parameters
/// (`inputs.parameter_values`). A value other than a bool is an error, as in KFP's driver.
pub fn condition(text: &str, parameter_values: &Map<String, Value>) -> Result<bool, CelError> {
    let expr = parse(text)?;
    match eval(&expr, &Env::condition(parameter_values))? {
        CelValue::Bool(b) => Ok(b),
        other => Err(CelError::Eval(format!(
            "a condition must be a bool, got {} {other}",
            other.type_name()
        ))),
    }
}

/// Evaluates a `parameterExpressionSelector` on one value (a loop item), bound as KFP binds it
/// (see [`Env::selector`]), and gives the result as JSON.
pub fn select(text: &str, value: &Value) -> Result<Value, CelError> {
    let expr = parse(text)?;
    eval(&expr, &Env::selector(value))?.to_json()
}
