//! Which headers the proxy removes or overwrites, in both directions, and why.
//!
//! - Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the message: the client's
//!   connection to Capstan is not Capstan's connection to the notebook. They are removed from
//!   requests and responses, with the headers that `Connection` names. An upgrade keeps
//!   `Connection: Upgrade` and `Upgrade`, which are the upgrade itself.
//! - `Expect: 100-continue` is answered by Capstan's own server when the body is read.
//! - `Authorization` always carries the notebook's token: the client's own credential (a Capstan
//!   API bearer token) must never reach the notebook, and with the token Jupyter skips its XSRF
//!   and Origin checks, which Capstan does instead.
//! - `Host` is the notebook's address, which Jupyter accepts without `allow_remote_access`.
//! - `X-Forwarded-*`, `X-Real-IP`, `X-Scheme` and `Forwarded` from the client are dropped (Jupyter
//!   runs with `trust_xheaders`, so a client could otherwise choose what it sees) and
//!   `X-Forwarded-Host`/`-Proto`/`-For` are set from what Capstan itself saw.
//!
//! Everything else passes unchanged, including Jupyter's own cookies, CSP and caching headers.

use std::net::{IpAddr, SocketAddr};

use http::header::{
    AUTHORIZATION, CONNECTION, EXPECT, FORWARDED, HOST, PROXY_AUTHENTICATE, PROXY_AUTHORIZATION,
    TE, TRAILER, TRANSFER_ENCODING, UPGRADE,
};
use http::{HeaderMap, HeaderName, HeaderValue};

use super::error::ProxyError;

const KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");
const X_SCHEME: HeaderName = HeaderName::from_static("x-scheme");

/// The hop-by-hop headers that are always removed (besides those `Connection` names).
const HOP_BY_HOP: [HeaderName; 8] = [
    CONNECTION,
    KEEP_ALIVE,
    PROXY_AUTHENTICATE,
    PROXY_AUTHORIZATION,
    TE,
    TRAILER,
    TRANSFER_ENCODING,
    UPGRADE,
];

/// Removes the hop-by-hop headers. With `upgrade`, keeps the upgrade itself: `Upgrade` as it was
/// and `Connection: Upgrade` (without the other options a browser may list, like `keep-alive`).
pub(crate) fn strip_hop_by_hop(headers: &mut HeaderMap, upgrade: bool) {
    let upgrade_to: Vec<HeaderValue> = if upgrade {
        headers.get_all(UPGRADE).iter().cloned().collect()
    } else {
        Vec::new()
    };
    let named: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    if upgrade {
        headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        for value in upgrade_to {
            headers.append(UPGRADE, value);
        }
    }
}

/// What Capstan saw of the request, before its headers are rewritten.
pub(super) struct Seen {
    /// The Host the client asked for (or the HTTP/2 authority).
    pub host: Option<HeaderValue>,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// The peer's address, where the server recorded it.
    pub client: Option<SocketAddr>,
}

/// Rewrites a request's headers for the notebook at `addr` with `token` (see the module doc).
pub(super) fn for_upstream(
    headers: &mut HeaderMap,
    upgrade: bool,
    addr: SocketAddr,
    token: &str,
    seen: Seen,
) -> Result<(), ProxyError> {
    strip_hop_by_hop(headers, upgrade);
    headers.remove(EXPECT);

    let mut authorization =
        HeaderValue::try_from(format!("token {token}")).map_err(|_| ProxyError::BadToken)?;
    authorization.set_sensitive(true);
    headers.insert(AUTHORIZATION, authorization);

    super::cookies::strip_session_cookie(headers);

    let host = HeaderValue::try_from(addr.to_string())
        .map_err(|err| ProxyError::Unreachable(format!("address {addr}: {err}")))?;
    headers.insert(HOST, host);

    for name in [
        FORWARDED,
        X_FORWARDED_FOR,
        X_FORWARDED_HOST,
        X_FORWARDED_PROTO,
        X_REAL_IP,
        X_SCHEME,
    ] {
        headers.remove(name);
    }
    if let Some(host) = seen.host {
        headers.insert(X_FORWARDED_HOST, host);
    }
    headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static(seen.scheme));
    if let Some(client) = seen.client {
        let ip: IpAddr = client.ip().to_canonical();
        if let Ok(value) = HeaderValue::try_from(ip.to_string()) {
            headers.insert(X_FORWARDED_FOR, value);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn hop_by_hop_and_the_headers_connection_names_go() {
        let mut map = headers(&[
            ("connection", "keep-alive, X-Private"),
            ("keep-alive", "timeout=5"),
            ("x-private", "1"),
            ("te", "trailers"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "h2c"),
            ("proxy-authorization", "Basic eA=="),
            ("content-type", "text/plain"),
        ]);
        strip_hop_by_hop(&mut map, false);
        assert_eq!(map.len(), 1, "{map:?}");
        assert_eq!(map["content-type"], "text/plain");
    }

    #[test]
    fn an_upgrade_keeps_connection_upgrade_and_upgrade() {
        let mut map = headers(&[
            ("connection", "keep-alive, Upgrade"),
            ("upgrade", "websocket"),
            ("sec-websocket-protocol", "v1.kernel.websocket.jupyter.org"),
            ("keep-alive", "timeout=5"),
        ]);
        strip_hop_by_hop(&mut map, true);
        assert_eq!(map["connection"], "Upgrade");
        assert_eq!(map["upgrade"], "websocket");
        assert_eq!(
            map["sec-websocket-protocol"],
            "v1.kernel.websocket.jupyter.org"
        );
        assert!(!map.contains_key("keep-alive"));
    }

    #[test]
    fn identity_is_replaced_and_spoofed_forwarding_headers_dropped() {
        let mut map = headers(&[
            ("authorization", "Bearer capstan-api-token"),
            ("host", "capstan.example:3000"),
            ("x-real-ip", "6.6.6.6"),
            ("x-scheme", "https"),
            ("x-forwarded-for", "6.6.6.6"),
            ("expect", "100-continue"),
        ]);
        let seen = Seen {
            host: map.get(HOST).cloned(),
            scheme: "http",
            client: Some("[::ffff:10.0.0.7]:5555".parse().unwrap()),
        };
        let addr: SocketAddr = "127.0.0.1:8888".parse().unwrap();
        for_upstream(&mut map, false, addr, "s3cret", seen).unwrap();
        assert_eq!(map["authorization"], "token s3cret");
        assert!(map["authorization"].is_sensitive());
        assert_eq!(map["host"], "127.0.0.1:8888");
        assert_eq!(map["x-forwarded-host"], "capstan.example:3000");
        assert_eq!(map["x-forwarded-proto"], "http");
        assert_eq!(map["x-forwarded-for"], "10.0.0.7");
        assert!(!map.contains_key("x-real-ip"));
        assert!(!map.contains_key("x-scheme"));
        assert!(!map.contains_key("expect"));
    }

    #[test]
    fn a_token_that_is_no_header_value_is_an_error_not_a_panic() {
        let mut map = HeaderMap::new();
        let seen = Seen {
            host: None,
            scheme: "http",
            client: None,
        };
        let addr: SocketAddr = "127.0.0.1:8888".parse().unwrap();
        let result = for_upstream(&mut map, false, addr, "bad\ntoken", seen);
        assert!(matches!(result, Err(ProxyError::BadToken)));
    }
}
