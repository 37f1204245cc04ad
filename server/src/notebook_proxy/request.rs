//! The request as the notebook receives it: same method, path and body; the query without
//! `token`; headers rewritten by [`super::headers`]; HTTP/1.1 whatever the client spoke.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request};
use http::header::HOST;
use http::uri::{PathAndQuery, Scheme};
use http::{Extensions, HeaderValue, Uri, Version};

use super::error::ProxyError;
use super::headers::{self, Seen};
use super::{Upstream, query};

/// Rewrites `req` for `upstream`, with an origin-form URI (`/path?query`). `upgrade` keeps the
/// WebSocket upgrade headers. The request's extensions are dropped: they describe Capstan's
/// side of the exchange (take the upgrade handle out first).
pub(super) fn for_upstream(
    req: Request,
    upstream: &Upstream,
    upgrade: bool,
) -> Result<Request, ProxyError> {
    let (mut parts, body) = req.into_parts();
    let seen = Seen {
        host: parts.headers.get(HOST).cloned().or_else(|| {
            parts
                .uri
                .authority()
                .and_then(|authority| HeaderValue::try_from(authority.as_str()).ok())
        }),
        scheme: if parts.uri.scheme() == Some(&Scheme::HTTPS) {
            "https"
        } else {
            "http"
        },
        client: parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| *addr),
    };
    headers::for_upstream(
        &mut parts.headers,
        upgrade,
        upstream.addr,
        &upstream.token,
        seen,
    )?;
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(query::without_token)
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    parts.uri = Uri::from(path_and_query);
    parts.version = Version::HTTP_11;
    parts.extensions = Extensions::new();
    Ok(Request::from_parts(parts, body))
}
