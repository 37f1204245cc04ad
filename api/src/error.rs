use serde::{Deserialize, Serialize};

/// The JSON body of every error the REST API answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// A stable, machine-readable code such as `unauthenticated` or `invalid_input`.
    pub error: String,
    /// What went wrong, in words a person can act on.
    pub message: String,
}
