//! WebSocket upgrades: the handshake is forwarded over a fresh connection to the notebook, and
//! after its 101 the two upgraded connections are joined byte-for-byte.
//!
//! Nothing is parsed after the handshake, so the kernel subprotocol
//! (`v1.kernel.websocket.jupyter.org`), binary frames, pings and permessage-deflate pass as the
//! browser and Jupyter agreed them. The copy ends when either side closes; there is no idle
//! timeout (kernel sockets live for hours, and Jupyter pings every 30 s).

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::StatusCode;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::error::ProxyError;
use super::plain::error_chain;
use super::{Upstream, headers, request};

/// Forwards the upgrade request `req` to `upstream`. On 101, answers the client with the
/// notebook's 101 and joins the connections in a spawned task; any other answer is returned
/// as a plain response.
pub(super) async fn forward(upstream: &Upstream, mut req: Request) -> Result<Response, ProxyError> {
    // Taken before the request is consumed; resolves once the 101 has reached the client.
    let client_side = req
        .extensions_mut()
        .remove::<OnUpgrade>()
        .ok_or(ProxyError::NotUpgradable)?;
    let mut req = request::for_upstream(req, upstream, true)?;
    // The handshake has no body; do not hold on to the client's.
    *req.body_mut() = Body::empty();

    let unreachable = |err: &dyn std::error::Error| ProxyError::Unreachable(error_chain(err));
    let stream = TcpStream::connect(upstream.addr)
        .await
        .map_err(|err| unreachable(&err))?;
    // Small frames (keystrokes, kernel status) should not wait for Nagle.
    stream.set_nodelay(true).map_err(|err| unreachable(&err))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|err| unreachable(&err))?;
    let addr = upstream.addr;
    tokio::spawn(async move {
        if let Err(err) = connection.with_upgrades().await {
            tracing::debug!(upstream = %addr, error = %error_chain(&err), "notebook websocket handshake");
        }
    });

    let mut response = sender
        .send_request(req)
        .await
        .map_err(|err| unreachable(&err))?;
    if response.status() != StatusCode::SWITCHING_PROTOCOLS {
        let (mut parts, body) = response.into_parts();
        headers::strip_hop_by_hop(&mut parts.headers, false);
        return Ok(Response::from_parts(parts, Body::new(body)));
    }

    let upstream_side = hyper::upgrade::on(&mut response);
    tokio::spawn(async move {
        match tokio::try_join!(client_side, upstream_side) {
            Ok((client, notebook)) => {
                let (mut client, mut notebook) = (TokioIo::new(client), TokioIo::new(notebook));
                match tokio::io::copy_bidirectional(&mut client, &mut notebook).await {
                    Ok((sent, received)) => {
                        tracing::debug!(upstream = %addr, sent, received, "notebook websocket closed");
                    }
                    Err(err) => {
                        tracing::debug!(upstream = %addr, error = %err, "notebook websocket ended");
                    }
                }
            }
            Err(err) => {
                tracing::debug!(upstream = %addr, error = %error_chain(&err), "notebook websocket upgrade failed");
            }
        }
    });

    let (mut parts, _body) = response.into_parts();
    headers::strip_hop_by_hop(&mut parts.headers, true);
    Ok(Response::from_parts(parts, Body::empty()))
}
