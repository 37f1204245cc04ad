//! Which upgrade requests are WebSockets, and whether one comes from Capstan's own pages.
//!
//! With the injected token Jupyter skips its own Origin check, and a WebSocket handshake is a
//! GET that the browser sends with the user's cookies from any site. Without this check, a page
//! on another site could open a kernel socket as the signed-in user (cross-site WebSocket
//! hijacking) and run code in their notebook.

use http::HeaderMap;
use http::header::{CONNECTION, HOST, ORIGIN, UPGRADE};
use http::uri::{Authority, Uri};

/// Whether the headers ask for a WebSocket: `Connection` lists `upgrade` and `Upgrade` lists
/// `websocket` (both case-insensitive, in any of several headers).
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    lists(headers, CONNECTION, "upgrade") && lists(headers, UPGRADE, "websocket")
}

/// Whether a comma-separated header lists `token`.
fn lists(headers: &HeaderMap, name: http::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|item| item.trim().eq_ignore_ascii_case(token))
}

/// Whether a WebSocket upgrade's Origin header is the server's own origin (`public_url`, e.g.
/// "http://127.0.0.1:8080"), or the request's Host with the scheme of public_url. Missing
/// Origin: allowed (non-browser clients cannot be hijacked cross-site). Unparseable (including
/// `null`, several Origin headers, or an unparseable `public_url`): refused. Schemes and hosts
/// compare case-insensitively, and a default port equals no port.
pub fn same_origin_upgrade(headers: &HeaderMap, public_url: &str) -> bool {
    let mut origins = headers.get_all(ORIGIN).iter();
    let Some(origin) = origins.next() else {
        return true;
    };
    if origins.next().is_some() {
        return false;
    }
    let Some(origin) = origin.to_str().ok().and_then(Origin::parse) else {
        return false;
    };
    let Some(public) = Uri::try_from(public_url)
        .ok()
        .and_then(|uri| Origin::from_uri(&uri))
    else {
        return false;
    };
    if origin == public {
        return true;
    }
    let host = headers
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .and_then(|host| Authority::try_from(host).ok())
        .and_then(|authority| Origin::new(&public.scheme, &authority));
    host.is_some_and(|host| origin == host)
}

/// A web origin: scheme, host, port (the scheme's default when absent).
#[derive(Debug, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// An `Origin` header value: `scheme://host[:port]`, nothing more.
    fn parse(value: &str) -> Option<Self> {
        let uri = Uri::try_from(value).ok()?;
        if uri
            .path_and_query()
            .is_some_and(|path| path.as_str() != "/")
            || value.ends_with('/')
        {
            return None;
        }
        Self::from_uri(&uri)
    }

    /// The origin of an absolute URL (its path is ignored).
    fn from_uri(uri: &Uri) -> Option<Self> {
        Self::new(uri.scheme_str()?, uri.authority()?)
    }

    fn new(scheme: &str, authority: &Authority) -> Option<Self> {
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        if authority.as_str().contains('@') || authority.host().is_empty() {
            return None;
        }
        Some(Self {
            host: authority.host().to_ascii_lowercase(),
            port: authority.port_u16().unwrap_or(default_port),
            scheme,
        })
    }
}
