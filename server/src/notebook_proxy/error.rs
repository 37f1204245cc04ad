//! What can go wrong between the proxy and a notebook, and what the client is told.

use axum::response::{IntoResponse, Response};
use http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The notebook's port refused or dropped the connection, or answered with garbage.
    #[error("the notebook does not answer: {0}")]
    Unreachable(String),
    /// The notebook's token cannot be written as a header value (not visible ASCII).
    #[error("the notebook's token is not a valid header value")]
    BadToken,
    /// An upgrade request arrived on a connection that cannot be upgraded (not served through
    /// `axum::serve`, or over HTTP/2).
    #[error("this connection cannot be upgraded to a WebSocket")]
    NotUpgradable,
}

impl IntoResponse for ProxyError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Self::Unreachable(_) => (
                StatusCode::BAD_GATEWAY,
                "The notebook does not answer: it may still be starting, or it has stopped.\n",
            ),
            Self::BadToken => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The notebook's token is not a valid header value.\n",
            ),
            Self::NotUpgradable => (
                StatusCode::BAD_REQUEST,
                "This connection cannot be upgraded to a WebSocket (use HTTP/1.1).\n",
            ),
        };
        // A `&'static str` body is sent as `text/plain; charset=utf-8`.
        (status, message).into_response()
    }
}
