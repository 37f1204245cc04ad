//! The notebook proxy against a real upstream (a small axum app standing in for JupyterLab) and
//! a real proxy server, both on 127.0.0.1 ports, over real sockets.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use server::notebook_proxy::{ProxyClient, Upstream, forward, is_upgrade, same_origin_upgrade};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

const TOKEN: &str = "jupyter-token-0123";
const KERNEL_PROTOCOL: &str = "v1.kernel.websocket.jupyter.org";
/// Bounds every wait that would hang if the proxy buffered instead of streaming.
const PATIENCE: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// The stand-in notebook.

#[derive(Clone, Default)]
struct Notebook {
    /// Lets the slow endpoint finish its body once the test has seen the first part.
    release: Arc<Notify>,
}

fn headers_json(headers: &HeaderMap) -> Value {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        map.entry(name.to_string())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    json!(map)
}

async fn echo(req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let answer = json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query(),
        "version": format!("{:?}", parts.version),
        "headers": headers_json(&parts.headers),
        "body_len": body.len(),
    });
    (
        [
            // Jupyter's own headers, which must pass untouched...
            (header::SET_COOKIE, "_xsrf=2|abc; Path=/nb/"),
            (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'self'"),
            // ...and hop-by-hop ones, which must not.
            (header::CONNECTION, "x-hop-private"),
            (
                header::HeaderName::from_static("x-hop-private"),
                "connection-only",
            ),
        ],
        axum::Json(answer),
    )
        .into_response()
}

async fn post_echo(headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The byte at `index` of the large body: a pattern that a lost or reordered chunk breaks.
fn pattern(index: usize) -> u8 {
    (index % 251) as u8
}

const BIG: usize = 1024 * 1024;

async fn big() -> Response {
    let chunks = futures_util::stream::iter((0..64).map(|chunk| {
        let start = chunk * (BIG / 64);
        let bytes: Vec<u8> = (start..start + BIG / 64).map(pattern).collect();
        Ok::<_, std::io::Error>(Bytes::from(bytes))
    }));
    Body::from_stream(chunks).into_response()
}

/// Sends "first", then waits for the test to say it has seen it before sending "second".
async fn slow(State(notebook): State<Notebook>) -> Response {
    let release = notebook.release.clone();
    let chunks = futures_util::stream::unfold(0, move |step| {
        let release = release.clone();
        async move {
            match step {
                0 => Some((Ok::<_, std::io::Error>(Bytes::from_static(b"first;")), 1)),
                1 => {
                    release.notified().await;
                    Some((Ok(Bytes::from_static(b"second")), 2))
                }
                _ => None,
            }
        }
    });
    Body::from_stream(chunks).into_response()
}

/// Answers with the first frame of the request body, without waiting for the rest.
async fn first_frame(req: Request) -> Response {
    let mut body = req.into_body().into_data_stream();
    let first = body.next().await.and_then(Result::ok).unwrap_or_default();
    format!("got:{}", String::from_utf8_lossy(&first)).into_response()
}

async fn kernel_ws(ws: WebSocketUpgrade, headers: HeaderMap) -> Response {
    ws.protocols([KERNEL_PROTOCOL])
        .on_upgrade(move |socket| kernel_socket(socket, headers))
}

/// Says what the handshake carried, then echoes text and binary frames.
async fn kernel_socket(mut socket: WebSocket, headers: HeaderMap) {
    let hello = json!({ "headers": headers_json(&headers) }).to_string();
    if socket.send(WsMessage::Text(hello.into())).await.is_err() {
        return;
    }
    while let Some(Ok(message)) = socket.recv().await {
        let echo = match message {
            WsMessage::Text(text) => WsMessage::Text(text),
            WsMessage::Binary(bytes) => WsMessage::Binary(bytes),
            WsMessage::Close(_) => break,
            _ => continue,
        };
        if socket.send(echo).await.is_err() {
            break;
        }
    }
}

async fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, "no websockets here").into_response()
}

async fn serve_notebook() -> (SocketAddr, Notebook) {
    let notebook = Notebook::default();
    let app = Router::new()
        .route("/nb/api/echo", any(echo))
        .route("/nb/api/post", post(post_echo))
        .route("/nb/files/big", get(big))
        .route("/nb/api/slow", get(slow))
        .route("/nb/api/first", post(first_frame))
        .route("/nb/api/kernels/k1/channels", get(kernel_ws))
        .route("/nb/api/forbidden", get(forbidden))
        .with_state(notebook.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, notebook)
}

// ---------------------------------------------------------------------------------------------
// The proxy, as the router will mount it.

async fn serve_proxy(notebook: SocketAddr) -> SocketAddr {
    let client = ProxyClient::new();
    let upstream = Upstream {
        addr: notebook,
        token: TOKEN.to_owned(),
    };
    let app = Router::new().fallback(move |req: Request| {
        let (client, upstream) = (client.clone(), upstream.clone());
        async move { forward(&client, &upstream, req).await }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });
    addr
}

struct World {
    notebook: SocketAddr,
    notebook_state: Notebook,
    proxy: SocketAddr,
    http: reqwest::Client,
}

impl World {
    async fn new() -> Self {
        let (notebook, notebook_state) = serve_notebook().await;
        let proxy = serve_proxy(notebook).await;
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        World {
            notebook,
            notebook_state,
            proxy,
            http,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.proxy)
    }

    fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.proxy)
    }
}

/// The one value of a header in an echo, or None.
fn seen<'a>(echo: &'a Value, name: &str) -> Option<&'a str> {
    let values = echo["headers"][name].as_array()?;
    assert_eq!(values.len(), 1, "{name}: {values:?}");
    values[0].as_str()
}

// ---------------------------------------------------------------------------------------------
// HTTP.

#[tokio::test]
async fn the_request_reaches_jupyter_with_its_token_and_without_capstan_credentials() {
    let world = World::new().await;
    let response = world
        .http
        .get(world.url("/nb/api/echo?token=wrong&a=1&b=%2F+x&&c"))
        .header("authorization", "Bearer capstan-api-token")
        .header(
            "cookie",
            "_xsrf=2|abc; capstan_session=stolen; username-127-0-0-1=u",
        )
        .header("x-real-ip", "6.6.6.6")
        .header("x-forwarded-for", "6.6.6.6")
        .header("x-custom", "kept")
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // Jupyter's own response headers pass; hop-by-hop ones do not.
    let headers = response.headers().clone();
    assert_eq!(headers["set-cookie"], "_xsrf=2|abc; Path=/nb/");
    assert_eq!(headers["content-security-policy"], "frame-ancestors 'self'");
    assert!(!headers.contains_key("x-hop-private"), "{headers:?}");
    let echo: Value = response.json().await.unwrap();

    assert_eq!(echo["method"], "GET");
    assert_eq!(echo["path"], "/nb/api/echo");
    assert_eq!(echo["query"], "a=1&b=%2F+x&&c");
    assert_eq!(echo["version"], "HTTP/1.1");
    assert_eq!(
        seen(&echo, "authorization"),
        Some(format!("token {TOKEN}").as_str())
    );
    assert_eq!(
        seen(&echo, "cookie"),
        Some("_xsrf=2|abc; username-127-0-0-1=u")
    );
    assert_eq!(
        seen(&echo, "host"),
        Some(world.notebook.to_string().as_str())
    );
    assert_eq!(
        seen(&echo, "x-forwarded-host"),
        Some(world.proxy.to_string().as_str())
    );
    assert_eq!(seen(&echo, "x-forwarded-proto"), Some("http"));
    assert_eq!(seen(&echo, "x-forwarded-for"), Some("127.0.0.1"));
    assert_eq!(seen(&echo, "x-real-ip"), None);
    assert_eq!(seen(&echo, "x-custom"), Some("kept"));
    assert_eq!(seen(&echo, "accept"), Some("application/json"));
}

#[tokio::test]
async fn a_session_cookie_alone_leaves_no_cookie_header_and_a_query_of_only_token_goes() {
    let world = World::new().await;
    let echo: Value = world
        .http
        .get(world.url("/nb/api/echo?token=wrong"))
        .header("cookie", "capstan_session=stolen")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen(&echo, "cookie"), None, "{echo}");
    assert_eq!(echo["query"], Value::Null);
    assert_eq!(
        seen(&echo, "authorization"),
        Some(format!("token {TOKEN}").as_str())
    );
}

#[tokio::test]
async fn other_methods_and_bodies_are_forwarded() {
    let world = World::new().await;
    let body: Vec<u8> = (0..300_000).map(pattern).collect();
    let response = world
        .http
        .post(world.url("/nb/api/post"))
        .header("content-type", "application/x-test")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-test");
    assert_eq!(response.bytes().await.unwrap(), body);

    let echo: Value = world
        .http
        .delete(world.url("/nb/api/echo"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(echo["method"], "DELETE");
}

#[tokio::test]
async fn a_large_response_arrives_intact() {
    let world = World::new().await;
    let response = world
        .http
        .get(world.url("/nb/files/big"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.bytes().await.unwrap();
    assert_eq!(body.len(), BIG);
    assert!(body.iter().enumerate().all(|(i, &b)| b == pattern(i)));
}

#[tokio::test]
async fn responses_are_streamed_not_buffered() {
    let world = World::new().await;
    let mut response = world
        .http
        .get(world.url("/nb/api/slow"))
        .send()
        .await
        .unwrap();
    // The upstream holds "second" back until it is told that "first;" went through.
    let first = tokio::time::timeout(PATIENCE, response.chunk())
        .await
        .expect("the first part arrives before the body ends")
        .unwrap()
        .unwrap();
    assert_eq!(&first[..], b"first;");
    world.notebook_state.release.notify_one();
    let rest = tokio::time::timeout(PATIENCE, response.bytes())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&rest[..], b"second");
}

#[tokio::test]
async fn request_bodies_are_streamed_not_buffered() {
    let world = World::new().await;
    let mut socket = TcpStream::connect(world.proxy).await.unwrap();
    // A chunked body that is never finished: a buffering proxy would wait forever.
    socket
        .write_all(
            b"POST /nb/api/first HTTP/1.1\r\nHost: capstan.test\r\n\
              Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    while !String::from_utf8_lossy(&answer).contains("got:hello") {
        let read = tokio::time::timeout(PATIENCE, socket.read(&mut buffer))
            .await
            .expect("the answer comes before the request body ends")
            .unwrap();
        assert!(read > 0, "closed: {}", String::from_utf8_lossy(&answer));
        answer.extend_from_slice(&buffer[..read]);
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn an_upstream_that_is_down_gives_502_with_a_message() {
    // A port that nobody listens on any more.
    let notebook = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let proxy = serve_proxy(notebook).await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let response = http
        .get(format!("http://{proxy}/nb/lab"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let body = response.text().await.unwrap();
    assert!(body.contains("notebook does not answer"), "{body}");

    // The same for a WebSocket.
    let request = format!("ws://{proxy}/nb/api/kernels/k1/channels")
        .into_client_request()
        .unwrap();
    match tokio_tungstenite::connect_async(request).await {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 502);
        }
        other => panic!("expected 502, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// WebSocket.

#[tokio::test]
async fn a_kernel_websocket_passes_through_with_its_subprotocol() {
    let world = World::new().await;
    let mut request = world
        .ws_url("/nb/api/kernels/k1/channels?session_id=s1&token=wrong")
        .into_client_request()
        .unwrap();
    let headers = request.headers_mut();
    headers.insert(
        "sec-websocket-protocol",
        HeaderValue::from_static(KERNEL_PROTOCOL),
    );
    headers.insert(
        "authorization",
        HeaderValue::from_static("Bearer capstan-api-token"),
    );
    headers.insert(
        "cookie",
        HeaderValue::from_static("capstan_session=stolen; _xsrf=x"),
    );
    let (mut socket, response) =
        tokio::time::timeout(PATIENCE, tokio_tungstenite::connect_async(request))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        KERNEL_PROTOCOL
    );

    // What the notebook saw of the handshake.
    let hello = socket.next().await.unwrap().unwrap();
    let hello: Value = serde_json::from_str(hello.to_text().unwrap()).unwrap();
    assert_eq!(
        seen(&hello, "authorization"),
        Some(format!("token {TOKEN}").as_str())
    );
    assert_eq!(seen(&hello, "cookie"), Some("_xsrf=x"));
    assert_eq!(
        seen(&hello, "host"),
        Some(world.notebook.to_string().as_str())
    );

    socket
        .send(Message::Text("{\"msg_type\":\"execute_request\"}".into()))
        .await
        .unwrap();
    let echo = socket.next().await.unwrap().unwrap();
    assert_eq!(
        echo,
        Message::Text("{\"msg_type\":\"execute_request\"}".into())
    );

    let binary: Vec<u8> = (0..70_000).map(pattern).collect();
    socket
        .send(Message::Binary(binary.clone().into()))
        .await
        .unwrap();
    let echo = socket.next().await.unwrap().unwrap();
    assert_eq!(echo, Message::Binary(binary.into()));

    socket.close(None).await.unwrap();
}

#[tokio::test]
async fn an_upgrade_the_notebook_refuses_comes_back_as_it_answered() {
    let world = World::new().await;
    let request = world
        .ws_url("/nb/api/forbidden")
        .into_client_request()
        .unwrap();
    match tokio_tungstenite::connect_async(request).await {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), StatusCode::FORBIDDEN);
            let body = response.body().as_deref().unwrap_or_default();
            assert_eq!(body, b"no websockets here");
        }
        other => panic!("expected 403, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The pure helpers.

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

#[test]
fn same_origin_upgrades() {
    let public = "http://127.0.0.1:8080";
    let check = |pairs: &[(&str, &str)]| same_origin_upgrade(&headers(pairs), public);

    // The public URL's own origin, however it is spelled.
    assert!(check(&[("origin", "http://127.0.0.1:8080")]));
    assert!(check(&[("origin", "HTTP://127.0.0.1:8080")]));
    assert!(same_origin_upgrade(
        &headers(&[("origin", "https://capstan.example")]),
        "https://Capstan.Example:443/"
    ));
    // The Host the browser used, with the public URL's scheme.
    assert!(check(&[
        ("origin", "http://localhost:8080"),
        ("host", "localhost:8080")
    ]));
    assert!(check(&[
        ("origin", "http://capstan.lan"),
        ("host", "capstan.lan:80")
    ]));
    // No Origin: not a browser.
    assert!(check(&[]));
    assert!(check(&[("host", "127.0.0.1:8080")]));

    // Another site, another port, another scheme.
    assert!(!check(&[
        ("origin", "http://evil.example"),
        ("host", "127.0.0.1:8080")
    ]));
    assert!(!check(&[("origin", "http://127.0.0.1:8081")]));
    assert!(!check(&[("origin", "https://127.0.0.1:8080")]));
    assert!(!check(&[
        ("origin", "https://localhost:8080"),
        ("host", "localhost:8080")
    ]));
    // Garbage.
    assert!(!check(&[("origin", "null")]));
    assert!(!check(&[("origin", "not a url")]));
    assert!(!check(&[("origin", "http://127.0.0.1:8080/path")]));
    assert!(!check(&[("origin", "http://user@127.0.0.1:8080")]));
    assert!(!check(&[("origin", "ftp://127.0.0.1:8080")]));
    assert!(!check(&[
        ("origin", "http://127.0.0.1:8080"),
        ("origin", "http://evil.example")
    ]));
    assert!(!same_origin_upgrade(
        &headers(&[("origin", "http://127.0.0.1:8080")]),
        "not a url"
    ));
}

#[test]
fn upgrades_are_websocket_requests() {
    assert!(is_upgrade(&headers(&[
        ("connection", "Upgrade"),
        ("upgrade", "websocket")
    ])));
    assert!(is_upgrade(&headers(&[
        ("connection", "keep-alive, Upgrade"),
        ("upgrade", "WebSocket")
    ])));
    assert!(is_upgrade(&headers(&[
        ("connection", "keep-alive"),
        ("connection", "upgrade"),
        ("upgrade", "websocket")
    ])));
    assert!(!is_upgrade(&headers(&[("upgrade", "websocket")])));
    assert!(!is_upgrade(&headers(&[("connection", "upgrade")])));
    assert!(!is_upgrade(&headers(&[
        ("connection", "upgrade"),
        ("upgrade", "h2c")
    ])));
    assert!(!is_upgrade(&headers(&[
        ("connection", "keep-alive"),
        ("upgrade", "websocket")
    ])));
    assert!(!is_upgrade(&HeaderMap::new()));
}
