//! The pooled HTTP/1 client for plain (non-upgrade) requests.

use axum::body::Body;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// A pooled HTTP/1 client, cheap to clone, kept in the server's state.
///
/// Keep-alive connections to each notebook are reused across requests (JupyterLab polls its
/// REST API constantly). No connect or request timeout: a notebook that is down refuses the
/// connection at once, and long responses (downloads, event streams) must not be cut.
#[derive(Clone, Debug)]
pub struct ProxyClient {
    pub(super) inner: Client<HttpConnector, Body>,
}

impl ProxyClient {
    pub fn new() -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Self {
            inner: Client::builder(TokioExecutor::new()).build(connector),
        }
    }
}

impl Default for ProxyClient {
    fn default() -> Self {
        Self::new()
    }
}
