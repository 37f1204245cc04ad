//! A value of the parsed document together with its path, so that every error says where it is.

use serde_json::{Map, Value};

use crate::pipelines::model::SpecError;

pub type Result<T> = std::result::Result<T, SpecError>;

/// The path of the document as a whole.
pub const DOCUMENT: &str = "(document)";

/// A value at a path of the document (`root.dag.tasks.train`).
#[derive(Clone)]
pub struct Node<'a> {
    pub value: &'a Value,
    pub path: String,
}

/// A mapping at a path of the document.
pub struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub path: String,
}

impl<'a> Node<'a> {
    pub fn new(value: &'a Value, path: impl Into<String>) -> Self {
        Node {
            value,
            path: path.into(),
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
                .map(|(i, value)| Node::new(value, format!("{}[{i}]", self.path)))
                .collect()),
            other => Err(self.err(format!("expected a list, found {}", kind(other)))),
        }
    }
}

impl<'a> Obj<'a> {
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
            .map(|value| Node::new(value, self.child_path(key)))
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
                    format!(
                        "unknown field (Capstan reads the IR of kfp 2.17; expected {})",
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The entries of the mapping at `key` (none when absent), each with its path.
    pub fn entries(&self, key: &str) -> Result<Vec<(String, Node<'a>)>> {
        let Some(node) = self.get(key) else {
            return Ok(Vec::new());
        };
        let obj = node.obj()?;
        Ok(obj
            .map
            .iter()
            .map(|(k, v)| (k.clone(), Node::new(v, obj.child_path(k))))
            .collect())
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
