//! Sending a request to a replica: pick, wait when there is none, retry on a failed
//! connection only (none made, or closed before the answer began), answer within the model's
//! timeout.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use backend::serving::routes::{InFlight, ReplicaRoute, Routes, ServiceRoute};
use http::{HeaderMap, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::model_metrics::ModelMetrics;
use super::v1_adapter;
use crate::notebook_proxy::headers::strip_hop_by_hop;
use crate::state::AppState;
use backend::serving::spec::Protocol;

/// Largest request body taken (a batch of inputs); larger ones get 413.
const MAX_BODY: usize = 64 * 1024 * 1024;
/// Replicas tried for one request when connections fail.
const MAX_TRIES: usize = 3;
/// While a request waits for a replica, it looks again at least this often (a missed wake-up
/// costs no more than this).
const WAIT_SLICE: Duration = Duration::from_millis(50);

/// Pooled keep-alive connections to the replicas, cheap to clone.
#[derive(Clone, Debug)]
pub struct ModelClient {
    inner: Client<HttpConnector, Body>,
}

impl ModelClient {
    pub fn new() -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(2)));
        ModelClient {
            inner: Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(256)
                .build(connector),
        }
    }
}

impl Default for ModelClient {
    fn default() -> Self {
        Self::new()
    }
}

/// A refusal of the router's own, as JSON, with the codes of the rest of the API.
pub(super) fn refuse(status: StatusCode, message: &str) -> Response {
    let code = match status {
        StatusCode::UNAUTHORIZED => "unauthenticated",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        s if s.is_client_error() => "invalid",
        _ => "unavailable",
    };
    (
        status,
        axum::Json(api::ApiError {
            error: code.to_owned(),
            message: message.to_owned(),
        }),
    )
        .into_response()
}

/// Sends the request to the model `profile/name`, whose access was checked.
pub(super) async fn send(
    state: &AppState,
    profile: &str,
    name: &str,
    request: Request,
) -> Response {
    let started = Instant::now();
    let response = route(state, profile, name, request).await;
    if let Some(route) = state.serving.routes().service(profile, name) {
        ModelMetrics::of(route.service_id, profile, name)
            .record(response.status(), started.elapsed());
    }
    response
}

async fn route(state: &AppState, profile: &str, name: &str, request: Request) -> Response {
    let routes = state.serving.routes();
    let Some(first) = routes.service(profile, name) else {
        return no_model(profile, name);
    };
    let deadline = Instant::now() + first.timeout;
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the request body is larger than {} MiB", MAX_BODY >> 20),
            );
        }
    };
    let path = upstream_path(&parts.uri, profile, name);
    let mut headers = parts.headers;
    strip_hop_by_hop(&mut headers, false);
    // The model's process is the model owner's code: Capstan's credentials stay here.
    headers.remove(http::header::AUTHORIZATION);
    headers.remove(http::header::COOKIE);
    // The body is sent whole (perhaps translated): the client writes its length.
    headers.remove(http::header::CONTENT_LENGTH);
    let mut tried: Vec<i64> = Vec::new();
    loop {
        // Looked up again each time: reading the body or waiting may have outlasted the table.
        let Some(route) = routes.service(profile, name) else {
            return no_model(profile, name);
        };
        let Some(revision) = route.pick_revision() else {
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "no revision takes traffic");
        };
        let Some(replica) = route.pick_replica(revision, &tried) else {
            if tried.len() >= MAX_TRIES
                || (!revision.replicas.is_empty()
                    && revision
                        .replicas
                        .iter()
                        .all(|r| tried.contains(&r.workload_id)))
            {
                revision.stats.errors.fetch_add(1, Ordering::Relaxed);
                return refuse(
                    StatusCode::BAD_GATEWAY,
                    "no replica of the model could be reached",
                );
            }
            if revision.replicas.is_empty() {
                revision.stats.demand.store(true, Ordering::Relaxed);
                routes.demand.notify_one();
            }
            if !wait(routes, deadline).await {
                revision.stats.errors.fetch_add(1, Ordering::Relaxed);
                return timed_out(&route);
            }
            continue;
        };
        // A V1 predict to a V2-only runtime is translated both ways.
        let v1 = match (revision.protocol, v1_adapter::predict_model(&path)) {
            (Protocol::V2, Some(model)) if parts.method == http::Method::POST => Some(model),
            _ => None,
        };
        let (upstream, payload) = match v1 {
            Some(model) => match v1_adapter::to_v2(&body) {
                Ok(v2) => (format!("/v2/models/{model}/infer"), Bytes::from(v2)),
                Err(message) => return refuse(StatusCode::BAD_REQUEST, &message),
            },
            None => (path.clone(), body.clone()),
        };
        let flight = InFlight::start(routes, &revision.stats, Arc::clone(&replica));
        let sent = tokio::time::timeout_at(
            deadline.into(),
            send_once(state, &replica, &parts.method, &upstream, &headers, payload),
        )
        .await;
        match sent {
            Err(_) => {
                revision.stats.errors.fetch_add(1, Ordering::Relaxed);
                drop(flight);
                return timed_out(&route);
            }
            Ok(Err(e)) if connection_failed(&e) && tried.len() + 1 < MAX_TRIES => {
                tracing::debug!(replica = replica.workload_id, error = %e, "retrying elsewhere");
                tried.push(replica.workload_id);
            }
            Ok(Err(e)) => {
                revision.stats.errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(replica = replica.workload_id, error = %e, "model request failed");
                return refuse(
                    StatusCode::BAD_GATEWAY,
                    "the model's replica did not answer",
                );
            }
            Ok(Ok(response)) => {
                if response.status().is_server_error() {
                    revision.stats.errors.fetch_add(1, Ordering::Relaxed);
                }
                let (mut parts, upstream) = response.into_parts();
                strip_hop_by_hop(&mut parts.headers, false);
                if v1.is_some() && parts.status.is_success() {
                    return v1_answer(parts, upstream, flight).await;
                }
                // The flight ends when the body has gone out, not when its head has.
                let body = Body::new(http_body_util::BodyExt::map_err(
                    WithFlight {
                        body: upstream,
                        _flight: flight,
                    },
                    axum::Error::new,
                ));
                return Response::from_parts(parts, body);
            }
        }
    }
}

/// A V2 answer read whole and told as V1.
async fn v1_answer(
    mut parts: http::response::Parts,
    upstream: hyper::body::Incoming,
    flight: InFlight,
) -> Response {
    let read = http_body_util::BodyExt::collect(upstream).await;
    drop(flight);
    let translated = read
        .map_err(|e| e.to_string())
        .and_then(|b| v1_adapter::from_v2(&b.to_bytes()));
    match translated {
        Ok(v1) => {
            parts.headers.remove(http::header::CONTENT_LENGTH);
            parts.headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            Response::from_parts(parts, Body::from(v1))
        }
        Err(message) => refuse(StatusCode::BAD_GATEWAY, &message),
    }
}

fn no_model(profile: &str, name: &str) -> Response {
    refuse(
        StatusCode::NOT_FOUND,
        &format!("there is no model `{name}` in profile `{profile}`"),
    )
}

fn timed_out(route: &ServiceRoute) -> Response {
    refuse(
        StatusCode::GATEWAY_TIMEOUT,
        &format!(
            "the model did not answer within its timeout ({} s)",
            route.timeout.as_secs()
        ),
    )
}

/// Waits for the table to change or a replica to free a slot; `false` at the deadline.
async fn wait(routes: &Routes, deadline: Instant) -> bool {
    let now = Instant::now();
    if now >= deadline {
        return false;
    }
    let slice = WAIT_SLICE.min(deadline - now);
    tokio::select! {
        _ = routes.changed.notified() => {}
        _ = routes.released.notified() => {}
        _ = tokio::time::sleep(slice) => {}
    }
    Instant::now() < deadline
}

/// The connection failed rather than the request: no connection could be made, or it closed
/// or was reset before a byte of the answer came, which is how a replica that died (killed, crashed, out of
/// memory) shows on a pooled connection. Either way no answer exists to pass on, and a model
/// that crashes on some input is tried at most [`MAX_TRIES`] times.
fn connection_failed(error: &hyper_util::client::legacy::Error) -> bool {
    use std::error::Error as _;
    use std::io::ErrorKind;
    let Some(hyper) = error
        .source()
        .and_then(|source| source.downcast_ref::<hyper::Error>())
    else {
        return error.is_connect();
    };
    let broken = hyper
        .source()
        .and_then(|source| source.downcast_ref::<std::io::Error>())
        .is_some_and(|io| {
            matches!(
                io.kind(),
                ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
                    | ErrorKind::UnexpectedEof
            )
        });
    error.is_connect() || hyper.is_incomplete_message() || hyper.is_canceled() || broken
}

async fn send_once(
    state: &AppState,
    replica: &ReplicaRoute,
    method: &http::Method,
    path: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<hyper::Response<hyper::body::Incoming>, hyper_util::client::legacy::Error> {
    let uri: Uri = format!("http://{}{path}", replica.addr)
        .parse()
        .unwrap_or_else(|_| Uri::from_static("http://127.0.0.1/"));
    let mut request = http::Request::new(Body::from(body));
    *request.method_mut() = method.clone();
    *request.uri_mut() = uri;
    *request.headers_mut() = headers.clone();
    state.model_client.inner.request(request).await
}

/// `/serving/p/m/v2/models/m/infer?x` → `/v2/models/m/infer?x`.
fn upstream_path(uri: &Uri, profile: &str, name: &str) -> String {
    let path = uri.path();
    let prefix_len = "/serving/".len() + profile.len() + 1 + name.len();
    let rest = path
        .get(prefix_len..)
        .filter(|r| r.starts_with('/'))
        .unwrap_or("/");
    match uri.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_owned(),
    }
}

/// A response body that holds the request's place in the counts until it has been sent.
struct WithFlight<B> {
    body: B,
    _flight: InFlight,
}

impl<B: http_body::Body + Unpin> http_body::Body for WithFlight<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<B::Data>, B::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_prefix_is_taken_off_the_path() {
        let uri: Uri = "/serving/team/iris/v2/models/iris/infer?x=1"
            .parse()
            .expect("uri");
        assert_eq!(
            upstream_path(&uri, "team", "iris"),
            "/v2/models/iris/infer?x=1"
        );
        let bare: Uri = "/serving/team/iris".parse().expect("uri");
        assert_eq!(upstream_path(&bare, "team", "iris"), "/");
    }
}
