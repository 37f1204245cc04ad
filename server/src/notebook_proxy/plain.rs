//! Plain HTTP requests: through the pooled client, bodies streamed both ways.

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::Uri;
use http::uri::Scheme;

use super::error::ProxyError;
use super::{ProxyClient, Upstream, headers, request};

/// Sends `req` to `upstream` and streams the answer back, without its hop-by-hop headers.
pub(super) async fn forward(
    client: &ProxyClient,
    upstream: &Upstream,
    req: Request,
) -> Result<Response, ProxyError> {
    let mut req = request::for_upstream(req, upstream, false)?;
    // The pooled client wants the absolute form; it writes the origin form on the wire.
    let mut uri = req.uri().clone().into_parts();
    uri.scheme = Some(Scheme::HTTP);
    uri.authority = Some(
        upstream
            .addr
            .to_string()
            .parse()
            .map_err(|err| ProxyError::Unreachable(format!("{}: {err}", upstream.addr)))?,
    );
    *req.uri_mut() = Uri::from_parts(uri)
        .map_err(|err| ProxyError::Unreachable(format!("{}: {err}", upstream.addr)))?;

    let response = client
        .inner
        .request(req)
        .await
        .map_err(|err| ProxyError::Unreachable(error_chain(&err)))?;
    let (mut parts, body) = response.into_parts();
    headers::strip_hop_by_hop(&mut parts.headers, false);
    Ok(Response::from_parts(parts, Body::new(body)))
}

/// An error and its sources on one line (the client's own message is only "client error
/// (Connect)").
pub(super) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
