use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;
use http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};

/// The policy for responses that are not pages (pages set their own, with a script nonce).
const DEFAULT_POLICY: &str =
    "default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

/// Headers every response carries: no MIME sniffing, no framing, no referrer leaks, and a
/// Content-Security-Policy where the handler set none. JupyterLab frames its own pages (HTML
/// and PDF viewers), so notebooks may be framed by the same origin.
pub async fn add(request: Request, next: Next) -> Response {
    let framing = if request
        .uri()
        .path()
        .starts_with(crate::notebook_access::PREFIX)
    {
        "SAMEORIGIN"
    } else {
        "DENY"
    };
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static(framing));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEFAULT_POLICY),
        );
    }
    response
}
