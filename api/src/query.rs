/// Percent-encodes a value for a URL's query string: everything but RFC 3986's unreserved
/// characters. Used for `?ns=` links and sign-in return paths alike.
///
/// ```
/// assert_eq!(api::encode_query_value("/runs?ns=team a"), "%2Fruns%3Fns%3Dteam%20a");
/// ```
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::encode_query_value;

    #[test]
    fn reserved_characters_are_encoded() {
        assert_eq!(encode_query_value("a b&c"), "a%20b%26c");
        assert_eq!(encode_query_value("/runs?ns=x"), "%2Fruns%3Fns%3Dx");
        assert_eq!(encode_query_value("team-a_1.x~"), "team-a_1.x~");
    }
}
