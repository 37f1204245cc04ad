//! A transparent reverse proxy to one JupyterLab server: plain HTTP and WebSocket upgrades.
//!
//! Why a passthrough and not a WebSocket relay: JupyterLab speaks HTTP for its pages and REST
//! API and WebSockets for kernels (subprotocol `v1.kernel.websocket.jupyter.org`), terminals and
//! events. Forwarding the upgrade and then copying bytes both ways keeps every one of those
//! working (subprotocols, binary frames, pings, compression) without parsing a single frame
//! (docs/research/notebooks/README.md §6, option A).
//!
//! Jupyter runs with `base_url` equal to the proxy path, so the path goes through unchanged and
//! Jupyter's relative redirects need no rewriting. What the proxy does change is the identity
//! the request carries ([`headers`], [`query`]): Jupyter's token replaces whatever credential
//! the client sent, and Capstan's session cookie never reaches the notebook, whose process is
//! under the control of the notebook's users. Because token-authenticated requests skip
//! Jupyter's own XSRF and Origin checks, the caller checks authorization, and the Origin of
//! upgrades with [`same_origin_upgrade`], before calling [`forward`].
//!
//! No timeouts on this path: kernel WebSockets stay open for hours.

mod client;
mod cookies;
mod error;
pub(crate) mod headers;
mod origin;
mod plain;
mod query;
mod request;
mod upgrade;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};

pub use client::ProxyClient;
pub use error::ProxyError;
pub use origin::{is_upgrade, same_origin_upgrade};

/// Where a notebook listens and the token Jupyter expects (the notebook monitor keeps them).
pub use backend::notebooks::Upstream;

/// Forwards `req` (path and query unchanged: Jupyter's base_url equals the proxy path) to
/// `upstream` and returns its response, streamed. WebSocket upgrades are passed through
/// byte-for-byte after the 101. Never panics; an unreachable upstream gives 502 with a
/// plain-text body saying the notebook does not answer.
pub async fn forward(client: &ProxyClient, upstream: &Upstream, req: Request) -> Response {
    let result = if is_upgrade(req.headers()) {
        upgrade::forward(upstream, req).await
    } else {
        plain::forward(client, upstream, req).await
    };
    result.unwrap_or_else(|err| {
        tracing::warn!(upstream = %upstream.addr, error = %err, "notebook proxy");
        err.into_response()
    })
}
