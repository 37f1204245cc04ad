//! A minimal HTTP/1.1 client for the harness: enough to poll readiness, sign in, fetch
//! assets as they are sent (compressed bodies stay compressed) and call the REST API.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

use crate::server::RunningServer;

pub type Headers = Vec<(String, String)>;

/// One HTTP/1.1 request with `Connection: close`; answers status, headers and the raw body
/// (still compressed, if the server compressed it). Enough for a benchmark's set-up.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(u16, Headers, Vec<u8>), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("a response without a header end")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("a response without a status")?;
    let headers: Headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Ok((status, headers, body))
}

/// The REST API of a running server, signed in as the admin.
pub struct ApiClient {
    port: u16,
    cookie: String,
}

impl ApiClient {
    pub fn sign_in(server: &RunningServer) -> Result<ApiClient, String> {
        Ok(ApiClient {
            port: server.port(),
            cookie: crate::bench::sign_in(server.port(), &server.admin_password)?,
        })
    }

    /// Sends `body` as JSON (none when null); fails unless the answer is `want`. Answers the
    /// JSON answer, null when empty.
    pub fn call(&self, method: &str, path: &str, body: &Value, want: u16) -> Result<Value, String> {
        let text = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        let (status, _, answer) = request(
            self.port,
            method,
            path,
            &[
                ("Cookie", &self.cookie),
                ("Content-Type", "application/json"),
            ],
            &text,
        )?;
        if status != want {
            return Err(format!(
                "{method} {path} answered {status}: {}",
                String::from_utf8_lossy(&answer)
            ));
        }
        if answer.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&answer).map_err(|e| format!("{method} {path}: {e}"))
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..line_end]).to_string();
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
        else {
            break;
        };
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        let end = (start + size).min(data.len());
        out.extend_from_slice(&data[start..end]);
        data = &data[(end + 2).min(data.len())..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::dechunk;

    #[test]
    fn joins_chunks() {
        assert_eq!(dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), b"abcde");
    }
}
