//! The HTTP side: one handler that reads the resource address and the verb, and answers as
//! the API server does (objects, lists, watch streams of JSON lines, `Status` refusals).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use http::{HeaderMap, Method, Uri, header};
use serde_json::{Value, json};

use crate::Shared;
use crate::errors::ApiError;
use crate::paths::ResourcePath;
use crate::selector::Selector;
use crate::store::Change;

pub async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if uri.path() == "/version" {
        return Json(json!({"major": "1", "minor": "34", "gitVersion": "v1.34.0-fake"}))
            .into_response();
    }
    let Some(path) = ResourcePath::parse(uri.path()) else {
        return ApiError::new(404, "NotFound", format!("no resource at {}", uri.path()))
            .into_response();
    };
    if let Some(failure) = shared.take_failure(method.as_str(), &path.plural) {
        return failure.into_response();
    }
    let query = query_of(uri.query().unwrap_or_default());
    match answer(&shared, &method, &path, &query, &headers, &body) {
        Ok(Answer::Object(object)) => Json(object).into_response(),
        Ok(Answer::Created(object)) => (http::StatusCode::CREATED, Json(object)).into_response(),
        Ok(Answer::Text(text)) => text.into_response(),
        Ok(Answer::Watch(filter, initial)) => watch(&shared, filter, initial, &query),
        Err(e) => e.into_response(),
    }
}

enum Answer {
    Object(Value),
    Created(Value),
    Text(String),
    Watch(Filter, Vec<Arc<Change>>),
}

fn answer(
    shared: &Shared,
    method: &Method,
    path: &ResourcePath,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Answer, ApiError> {
    let mut store = shared.lock();
    let json_body = || -> Result<Value, ApiError> {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(&format!("the body is not JSON: {e}")))
    };
    let name = path.name.as_deref();
    match (method.clone(), name) {
        (Method::GET, _) if query.get("watch").is_some_and(|w| w == "true" || w == "1") => {
            let filter = Filter::of(path, query)?;
            let since = query
                .get("resourceVersion")
                .and_then(|rv| rv.parse::<u64>().ok())
                .filter(|rv| *rv > 0);
            let initial = match since {
                Some(since) => store.history_since(since, |c| filter.keeps(c)),
                // No version: the objects there are now, as ADDED, then what changes.
                None => store
                    .list(path, |o| filter.keeps_object(o))
                    .into_iter()
                    .map(|object| {
                        Arc::new(Change {
                            revision: store.revision(),
                            group_version: path.group_version.clone(),
                            plural: path.plural.clone(),
                            kind: "ADDED",
                            object,
                        })
                    })
                    .collect(),
            };
            Ok(Answer::Watch(filter, initial))
        }
        (Method::GET, Some(pod)) if path.subresource.as_deref() == Some("log") => {
            store.get(path, pod)?;
            let ns = path.namespace.clone().unwrap_or_default();
            Ok(Answer::Text(
                store
                    .logs
                    .get(&(ns, pod.to_owned()))
                    .cloned()
                    .unwrap_or_default(),
            ))
        }
        (Method::GET, Some(name)) => Ok(Answer::Object(store.get(path, name)?)),
        (Method::GET, None) => {
            let filter = Filter::of(path, query)?;
            let items = store.list(path, |o| filter.keeps_object(o));
            Ok(Answer::Object(json!({
                "apiVersion": path.group_version,
                "kind": "List",
                "metadata": {"resourceVersion": store.revision().to_string()},
                "items": items,
            })))
        }
        (Method::POST, None) => Ok(Answer::Created(store.create(path, json_body()?)?)),
        (Method::PUT, Some(name)) => Ok(Answer::Object(store.replace(path, name, json_body()?)?)),
        (Method::PATCH, Some(name)) => {
            let content = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let apply = content.starts_with("application/apply-patch");
            let merge = content.starts_with("application/merge-patch")
                || content.starts_with("application/strategic-merge-patch");
            if !apply && !merge {
                return Err(ApiError::new(
                    415,
                    "UnsupportedMediaType",
                    format!("the fake takes apply and merge patches, not {content}"),
                ));
            }
            let mut patch = json_body()?;
            if apply {
                let Some(manager) = query.get("fieldManager").filter(|m| !m.is_empty()) else {
                    return Err(ApiError::invalid(
                        "fieldManager: Required value: is required for apply patch",
                    ));
                };
                patch["metadata"]["managedFields"] = json!([{
                    "manager": manager,
                    "operation": "Apply",
                    "apiVersion": path.group_version,
                }]);
            }
            Ok(Answer::Object(store.patch(path, name, &patch, apply)?))
        }
        (Method::DELETE, Some(name)) => Ok(Answer::Object(store.delete(path, name)?)),
        (method, _) => Err(ApiError::new(
            405,
            "MethodNotAllowed",
            format!("{method} is not allowed here"),
        )),
    }
}

/// What a list or watch keeps: the resource, the namespace, the label and field selectors.
#[derive(Clone)]
struct Filter {
    path: ResourcePath,
    labels: Selector,
    fields: Vec<(String, String)>,
}

impl Filter {
    fn of(path: &ResourcePath, query: &HashMap<String, String>) -> Result<Filter, ApiError> {
        let labels = Selector::parse(query.get("labelSelector").map_or("", String::as_str))
            .map_err(|e| ApiError::bad_request(&e))?;
        let fields = query
            .get("fieldSelector")
            .map(|f| {
                f.split(',')
                    .filter_map(|p| p.split_once('='))
                    .map(|(k, v)| (k.trim_end_matches('=').to_owned(), v.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Filter {
            path: path.clone(),
            labels,
            fields,
        })
    }

    fn keeps_object(&self, object: &Value) -> bool {
        let namespace_ok = self.path.is_cluster_scoped()
            || self.path.namespace.as_ref().is_none_or(|ns| {
                object
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    == Some(ns)
            });
        let fields_ok = self.fields.iter().all(|(field, value)| {
            let pointer = format!("/{}", field.replace('.', "/"));
            object.pointer(&pointer).and_then(Value::as_str) == Some(value.as_str())
        });
        namespace_ok && fields_ok && self.labels.matches(object)
    }

    fn keeps(&self, change: &Change) -> bool {
        change.group_version == self.path.group_version
            && change.plural == self.path.plural
            && self.keeps_object(&change.object)
    }
}

/// A watch: the changes so far, then each new one as it happens, one JSON line each, until
/// `timeoutSeconds` (or the client leaves).
fn watch(
    shared: &Shared,
    filter: Filter,
    initial: Vec<Arc<Change>>,
    query: &HashMap<String, String>,
) -> Response {
    let timeout = query
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(300);
    let receiver = shared.lock().changes.subscribe();
    let line = |change: &Change| {
        let mut text = json!({"type": change.kind, "object": change.object}).to_string();
        text.push('\n');
        Ok::<Bytes, Infallible>(Bytes::from(text))
    };
    let first = futures_util::stream::iter(initial.iter().map(|c| line(c)).collect::<Vec<_>>());
    let later = futures_util::stream::unfold(receiver, move |mut receiver| {
        let filter = filter.clone();
        async move {
            loop {
                match receiver.recv().await {
                    Ok(change) if filter.keeps(&change) => return Some((change, receiver)),
                    Ok(_) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    })
    .map(move |change| line(&change));
    let until = tokio::time::sleep(Duration::from_secs(timeout));
    let stream = first.chain(later).take_until(until);
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| ApiError::new(500, "InternalError", "no stream").into_response())
}

/// `a=b&c=d`, percent-decoded.
fn query_of(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
