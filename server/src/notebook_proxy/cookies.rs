//! Capstan's session cookie stays with Capstan.
//!
//! The browser sends every cookie of Capstan's origin along with the notebook's requests, since
//! notebooks live under Capstan's origin. The process behind a notebook's port is under the
//! control of the notebook's users (a kernel can stop Jupyter and listen on its port), so a
//! forwarded session cookie would let one member harvest the sessions of others. Jupyter's own
//! cookies (`_xsrf`, `username-*`) pass unchanged.

use http::HeaderMap;
use http::HeaderValue;
use http::header::COOKIE;

use crate::router::SESSION_COOKIE;

/// Removes `SESSION_COOKIE` from the `Cookie` header(s) and keeps the other cookies byte-for-byte.
/// Several `Cookie` headers (HTTP/2 sends one per cookie) become one, joined with `"; "`, as
/// HTTP/1 requires. The header is dropped when nothing remains.
pub(super) fn strip_session_cookie(headers: &mut HeaderMap) {
    let values = headers.get_all(COOKIE);
    let count = values.iter().count();
    if count == 0 {
        return;
    }
    let mut removed = false;
    let mut kept: Vec<&[u8]> = Vec::new();
    for value in values {
        for pair in value.as_bytes().split(|&byte| byte == b';') {
            let pair = pair.trim_ascii();
            if pair.is_empty() {
                continue;
            }
            let name = pair.split(|&byte| byte == b'=').next().unwrap_or(pair);
            if name.trim_ascii() == SESSION_COOKIE.as_bytes() {
                removed = true;
            } else {
                kept.push(pair);
            }
        }
    }
    if !removed && count == 1 {
        return;
    }
    let joined = kept.join(&b"; "[..]);
    // Pieces of valid header values joined with "; " are a valid header value.
    let value = if joined.is_empty() {
        None
    } else {
        HeaderValue::from_bytes(&joined).ok()
    };
    headers.remove(COOKIE);
    if let Some(value) = value {
        headers.insert(COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(values: &[&str]) -> Vec<String> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(COOKIE, HeaderValue::from_str(value).unwrap());
        }
        strip_session_cookie(&mut headers);
        headers
            .get_all(COOKIE)
            .iter()
            .map(|value| value.to_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn only_the_session_cookie_goes() {
        assert_eq!(
            strip(&["_xsrf=2|ab|cd; capstan_session=secret; username-127-0-0-1-8888=\"x=y\""]),
            ["_xsrf=2|ab|cd; username-127-0-0-1-8888=\"x=y\""]
        );
        assert_eq!(strip(&["capstan_session=secret"]), Vec::<String>::new());
        assert_eq!(
            strip(&[" capstan_session = secret ;"]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn other_cookies_pass_untouched() {
        assert_eq!(strip(&["a=1;b=2"]), ["a=1;b=2"]);
        assert_eq!(strip(&["capstan_session_x=1"]), ["capstan_session_x=1"]);
        assert_eq!(strip(&[]), Vec::<String>::new());
    }

    #[test]
    fn several_cookie_headers_become_one() {
        assert_eq!(strip(&["a=1", "capstan_session=s", "b=2"]), ["a=1; b=2"]);
        assert_eq!(strip(&["a=1", "b=2"]), ["a=1; b=2"]);
    }
}
