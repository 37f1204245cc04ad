//! Parameter types: their names in Capstan YAML, and the type of a value written in it.

use serde_json::Value;

use crate::pipelines::model::{ArtifactDef, ParamDef, ParamType};
use crate::pipelines::node::{Node, Result};

/// The type names of Capstan YAML, with the model's types.
const NAMES: [(&str, ParamType); 6] = [
    ("string", ParamType::String),
    ("integer", ParamType::NumberInteger),
    ("double", ParamType::NumberDouble),
    ("boolean", ParamType::Boolean),
    ("list", ParamType::List),
    ("struct", ParamType::Struct),
];

/// A type name (`integer`).
pub fn param_type(node: &Node) -> Result<ParamType> {
    let name = node.str()?;
    NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, ty)| *ty)
        .ok_or_else(|| {
            node.err(format!(
                "unknown type {name:?} (expected string, integer, double, boolean, list or struct)"
            ))
        })
}

/// The type of a value by its JSON kind (`3` integer, `3.0` double); `None` for null.
pub fn type_of(value: &Value) -> Option<ParamType> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(_) => ParamType::Boolean,
        Value::Number(n) if n.is_f64() => ParamType::NumberDouble,
        Value::Number(_) => ParamType::NumberInteger,
        Value::String(_) => ParamType::String,
        Value::Array(_) => ParamType::List,
        Value::Object(_) => ParamType::Struct,
    })
}

/// The one type of all `values` (integers among doubles are doubles); `None` when there are
/// none or their types differ.
pub fn common_type<'v>(values: impl IntoIterator<Item = &'v Value>) -> Option<ParamType> {
    let mut common = None;
    for value in values {
        let ty = type_of(value)?;
        common = Some(match (common, ty) {
            (None, ty) => ty,
            (Some(a), b) if a == b => a,
            (Some(ParamType::NumberInteger), ParamType::NumberDouble)
            | (Some(ParamType::NumberDouble), ParamType::NumberInteger) => ParamType::NumberDouble,
            _ => return None,
        });
    }
    common
}

/// A declared input or output parameter: no default, required.
pub fn param_def(ty: ParamType) -> ParamDef {
    ParamDef {
        ty,
        default: None,
        optional: false,
        description: None,
    }
}

/// A declared artifact: Capstan YAML has one schema, `system.Artifact`; `list` for the
/// collected outputs of a forEach.
pub fn artifact_def(list: bool) -> ArtifactDef {
    ArtifactDef {
        schema_title: "system.Artifact".to_string(),
        schema_version: None,
        is_list: list,
        optional: false,
        description: None,
    }
}

/// What an input is declared as in the component that receives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Decl {
    Parameter(ParamType),
    Artifact(ArtifactDef),
}

/// Whether `name` can name a parameter, an input or an output: letters, digits and `_`, not
/// starting with a digit (so that it reads as is in placeholders and conditions).
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The problem with a name that [`is_name`] refuses.
pub fn bad_name(name: &str) -> String {
    format!("{name:?} is not a valid name: use letters, digits and '_', not starting with a digit")
}
