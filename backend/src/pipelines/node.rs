//! A value of a parsed pipeline document together with its path, so that every error says where
//! it is; shared by the readers of every format (`kfp_ir`, `capstan_yaml`). Also what they share
//! about YAML: the documents of a text as JSON values, and parameter values of a declared type.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::pipelines::model::{ParamType, SpecError};

pub type Result<T> = std::result::Result<T, SpecError>;

/// The path of the document as a whole.
pub const DOCUMENT: &str = "(document)";

/// A value at a path of the document (`root.dag.tasks.train`).
#[derive(Clone)]
pub struct Node<'a> {
    pub value: &'a Value,
    pub path: String,
    /// What [`Obj::only`] says of the format before the fields it expects (`Capstan reads the
    /// IR of kfp 2.17; `), inherited by every node below.
    note: &'static str,
}

/// A mapping at a path of the document.
pub struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub path: String,
    note: &'static str,
}

impl<'a> Node<'a> {
    /// A document (path `""`, shown as [`DOCUMENT`]); `note` is said of unknown fields anywhere
    /// in it, before the expected ones (empty, or ending with `; `).
    pub fn document(value: &'a Value, note: &'static str) -> Self {
        Node {
            value,
            path: String::new(),
            note,
        }
    }

    /// A value below this one, at `path`.
    fn child(&self, value: &'a Value, path: String) -> Node<'a> {
        Node {
            value,
            path,
            note: self.note,
        }
    }

    pub fn err(&self, problem: impl Into<String>) -> SpecError {
        error_at(&self.path, problem)
    }

    /// The value as a mapping.
    pub fn obj(&self) -> Result<Obj<'a>> {
        match self.value {
            Value::Object(map) => Ok(Obj {
                map,
                path: self.path.clone(),
                note: self.note,
            }),
            other => Err(self.err(format!("expected a mapping, found {}", kind(other)))),
        }
    }

    pub fn str(&self) -> Result<&'a str> {
        match self.value {
            Value::String(s) => Ok(s),
            other => Err(self.err(format!("expected a string, found {}", kind(other)))),
        }
    }

    pub fn bool(&self) -> Result<bool> {
        match self.value {
            Value::Bool(b) => Ok(*b),
            other => Err(self.err(format!("expected true or false, found {}", kind(other)))),
        }
    }

    pub fn f64(&self) -> Result<f64> {
        match self.value.as_f64() {
            Some(n) => Ok(n),
            None => Err(self.err(format!("expected a number, found {}", kind(self.value)))),
        }
    }

    /// A whole number that fits `u32`, written as a number or (protobuf's JSON form of
    /// 64-bit integers) as a string.
    pub fn u32(&self) -> Result<u32> {
        let n = match self.value {
            Value::Number(n) => n.as_u64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(f))
                    .map(|f| f as u64)
            }),
            Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        n.and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
            self.err(format!(
                "expected a whole number from 0 to {}, found {}",
                u32::MAX,
                show(self.value)
            ))
        })
    }

    /// A list of strings.
    pub fn strings(&self) -> Result<Vec<String>> {
        self.items()?
            .into_iter()
            .map(|item| item.str().map(str::to_string))
            .collect()
    }

    /// The items of a list, each with its path (`path[0]`).
    pub fn items(&self) -> Result<Vec<Node<'a>>> {
        match self.value {
            Value::Array(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, value)| self.child(value, format!("{}[{i}]", self.path)))
                .collect()),
            other => Err(self.err(format!("expected a list, found {}", kind(other)))),
        }
    }

    /// The value as a value of a parameter of type `ty` (a default): it must be of that type.
    /// Whole `NUMBER_INTEGER` values (`3.0`, as KFP writes them) become JSON integers.
    pub fn param_value(&self, ty: ParamType) -> Result<Value> {
        let value = self.value;
        let wrong = |expected: &str| {
            Err(self.err(format!(
                "expected {expected} for a {} parameter, found {}",
                ty.kfp_name(),
                kind(value)
            )))
        };
        match (ty, value) {
            (ParamType::String, Value::String(_))
            | (ParamType::NumberDouble, Value::Number(_))
            | (ParamType::Boolean, Value::Bool(_))
            | (ParamType::List, Value::Array(_))
            | (ParamType::Struct, Value::Object(_)) => Ok(value.clone()),
            (ParamType::NumberInteger, Value::Number(n)) => {
                if let Some(i) = n.as_i64() {
                    return Ok(Value::from(i));
                }
                match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Value::from(f as i64)),
                    _ => Err(self.err(format!("{n} is not a whole number"))),
                }
            }
            (ParamType::String, _) => wrong("a string"),
            (ParamType::NumberInteger | ParamType::NumberDouble, _) => wrong("a number"),
            (ParamType::Boolean, _) => wrong("true or false"),
            (ParamType::List, _) => wrong("a list"),
            (ParamType::Struct, _) => wrong("a mapping"),
            (ParamType::TaskFinalStatus, _) => {
                Err(self.err("a TASK_FINAL_STATUS parameter cannot have a default"))
            }
        }
    }
}

impl<'a> Obj<'a> {
    /// The value at `key` below this mapping (present or not).
    fn child(&self, key: &str, value: &'a Value) -> Node<'a> {
        Node {
            value,
            path: self.child_path(key),
            note: self.note,
        }
    }

    pub fn err(&self, problem: impl Into<String>) -> SpecError {
        error_at(&self.path, problem)
    }

    /// The path of `key` below this mapping.
    pub fn child_path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The value at `key`, if present (null counts as absent).
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        self.map
            .get(key)
            .filter(|v| !v.is_null())
            .map(|value| self.child(key, value))
    }

    /// The value at `key`, which must be present: `path.key: missing` otherwise.
    pub fn req(&self, key: &str) -> Result<Node<'a>> {
        self.get(key)
            .ok_or_else(|| SpecError::new(self.child_path(key), "missing"))
    }

    /// The string at `key`, if any.
    pub fn opt_str(&self, key: &str) -> Result<Option<String>> {
        self.get(key)
            .map(|node| node.str().map(str::to_string))
            .transpose()
    }

    /// The string at `key`, which must be present.
    pub fn req_str(&self, key: &str) -> Result<String> {
        Ok(self.req(key)?.str()?.to_string())
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>> {
        self.get(key).map(|node| node.bool()).transpose()
    }

    /// The mapping at `key`, if any.
    pub fn opt_obj(&self, key: &str) -> Result<Option<Obj<'a>>> {
        self.get(key).map(|node| node.obj()).transpose()
    }

    /// Refuses keys that are neither in `known` nor in `refused` (which says why that feature
    /// is refused).
    pub fn only(&self, known: &[&str], refused: &[(&str, &str)]) -> Result<()> {
        for key in self.map.keys() {
            if let Some((_, why)) = refused.iter().find(|(k, _)| k == key) {
                return Err(SpecError::new(self.child_path(key), *why));
            }
            if !known.contains(&key.as_str()) {
                return Err(SpecError::new(
                    self.child_path(key),
                    format!("unknown field ({}expected {})", self.note, known.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// The entries of the mapping at `key` (none when absent), each with its path.
    pub fn entries(&self, key: &str) -> Result<Vec<(String, Node<'a>)>> {
        match self.get(key) {
            Some(node) => Ok(node.obj()?.fields()),
            None => Ok(Vec::new()),
        }
    }

    /// The entries of this mapping (null values included), each with its path.
    pub fn fields(&self) -> Vec<(String, Node<'a>)> {
        self.map
            .iter()
            .map(|(k, v)| (k.clone(), self.child(k, v)))
            .collect()
    }
}

/// An error at `path`, or at the document as a whole when `path` is empty.
pub fn error_at(path: &str, problem: impl Into<String>) -> SpecError {
    SpecError::new(if path.is_empty() { DOCUMENT } else { path }, problem)
}

/// `parent.key`, or `key` at the top.
pub fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// What kind of value `v` is, for messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A value shown in a message, shortened.
pub fn show(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

/// The YAML documents of `yaml` as JSON values; more than `max` is an error that says
/// `too_many`.
pub fn yaml_documents(yaml: &str, max: usize, too_many: &str) -> Result<Vec<Value>> {
    let mut documents = Vec::new();
    for document in serde_yaml::Deserializer::from_str(yaml) {
        if documents.len() == max {
            return Err(SpecError::new(DOCUMENT, too_many));
        }
        let value = serde_yaml::Value::deserialize(document)
            .map_err(|e| SpecError::new(DOCUMENT, format!("not valid YAML: {e}")))?;
        documents.push(yaml_to_json(&value, "")?);
    }
    Ok(documents)
}

/// A YAML value as JSON: keys that are numbers or booleans become strings; tags, other keys
/// and numbers JSON cannot hold are refused.
fn yaml_to_json(value: &serde_yaml::Value, path: &str) -> Result<Value> {
    use serde_yaml::Value as Y;
    let at = |problem: String| error_at(path, problem);
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(|| at(format!("{n} is not a number JSON can hold")))?
            }
        }
        Y::String(s) => Value::String(s.clone()),
        Y::Sequence(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| yaml_to_json(item, &format!("{path}[{i}]")))
                .collect::<Result<_>>()?,
        ),
        Y::Mapping(map) => {
            let mut object = serde_json::Map::new();
            for (key, item) in map {
                let key = match key {
                    Y::String(s) => s.clone(),
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    _ => return Err(at("a mapping key that is not a string".to_string())),
                };
                let item = yaml_to_json(item, &join(path, &key))?;
                if object.insert(key.clone(), item).is_some() {
                    return Err(at(format!("the key {key:?} is written twice")));
                }
            }
            Value::Object(object)
        }
        Y::Tagged(tagged) => {
            return Err(at(format!(
                "YAML tag {} is not supported (plain data only)",
                tagged.tag
            )));
        }
    })
}
