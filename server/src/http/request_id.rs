//! A request id on every request (`x-request-id`, kept if a proxy set one) and on every log
//! line written while serving it.

use axum::extract::Request;
use http::HeaderName;
use tracing::Span;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The tracing span of one request; every event logged inside carries its fields.
pub fn span(request: &Request) -> Span {
    let id = request
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}
