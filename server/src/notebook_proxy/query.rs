//! The `token` query parameter is removed; the rest of the query is kept byte-for-byte.
//!
//! Jupyter reads its token from the query before the `Authorization` header, so a `token` left
//! in the URL (a stale bookmark, or one a page planted) would override the token the proxy
//! injects and break authentication.

use http::uri::PathAndQuery;

/// `path_and_query` without any `token` parameter. Parameters are split on `&` and a name is
/// compared after decoding (`%74oken` and `token` are the same to Jupyter); everything else,
/// including empty parameters and their order, is kept as it was. Unchanged when there is no
/// `token`, so `/lab?` stays `/lab?`.
pub(super) fn without_token(path_and_query: &PathAndQuery) -> PathAndQuery {
    let Some(query) = path_and_query.query() else {
        return path_and_query.clone();
    };
    let kept: Vec<&str> = query.split('&').filter(|param| !is_token(param)).collect();
    if kept.len() == query.split('&').count() {
        return path_and_query.clone();
    }
    let path = path_and_query.path();
    let rebuilt = if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    };
    // A path and a subset of a valid query's parameters are a valid path and query.
    PathAndQuery::try_from(rebuilt).unwrap_or_else(|_| path_and_query.clone())
}

/// Whether a `name[=value]` parameter is named `token` once decoded as a form would be.
fn is_token(param: &str) -> bool {
    let name = param.split('=').next().unwrap_or(param);
    decode(name.as_bytes()) == b"token"
}

/// Form decoding of a parameter name: `+` is a space, `%XX` a byte.
fn decode(encoded: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::with_capacity(encoded.len());
    let mut index = 0;
    while index < encoded.len() {
        let byte = encoded[index];
        let escaped = (byte == b'%')
            .then(|| encoded.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (byte, escaped) {
            (_, Some(value)) => {
                decoded.push(value);
                index += 3;
            }
            (b'+', None) => {
                decoded.push(b' ');
                index += 1;
            }
            (_, None) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    decoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(uri: &str) -> String {
        without_token(&PathAndQuery::try_from(uri).unwrap()).to_string()
    }

    #[test]
    fn token_goes_and_the_rest_stays_byte_for_byte() {
        assert_eq!(
            strip("/nb/api/kernels?token=x&b=%2Fa+b&&c"),
            "/nb/api/kernels?b=%2Fa+b&&c"
        );
        assert_eq!(strip("/nb/?a=1&token=x&token&z=%7E"), "/nb/?a=1&z=%7E");
        assert_eq!(strip("/nb/?%74oken=x&a=1"), "/nb/?a=1");
        assert_eq!(strip("/nb/lab?token=x"), "/nb/lab");
    }

    #[test]
    fn no_token_no_change() {
        assert_eq!(strip("/nb/lab?"), "/nb/lab?");
        assert_eq!(strip("/nb/lab"), "/nb/lab");
        assert_eq!(
            strip("/nb/?tokens=1&xtoken=2&a=token"),
            "/nb/?tokens=1&xtoken=2&a=token"
        );
        assert_eq!(strip("/nb/?a=%zz"), "/nb/?a=%zz");
    }
}
