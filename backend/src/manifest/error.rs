//! A refused manifest: what is wrong and where in it.

/// `path` is where in the manifest (`spec.parameters[1].feasibleSpace.min`), empty for the
/// whole document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct SpecError {
    pub path: String,
    pub message: String,
}

impl SpecError {
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> SpecError {
        SpecError {
            path: path.into(),
            message: message.into(),
        }
    }
}
