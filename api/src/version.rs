use serde::{Deserialize, Serialize};

/// The answer of `GET /api/v1/version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub version: String,
    /// The git commit the binary was built from, when the build knew it.
    pub commit: Option<String>,
    /// `standalone` or `cluster`.
    pub mode: String,
}
