//! An in-process fake Kubernetes API server for tests, since no real one can run on these
//! machines. It keeps the semantics Capstan relies on and is driven through the real kube
//! client (`kube::Config::new(server.url().parse()?)`):
//!
//! - create (409 `AlreadyExists`; 404 when the namespace does not exist), get, list with
//!   label selectors (`=`, `!=`, `in`, `notin`, exists) and `metadata.name`/`namespace` field
//!   selectors, update (PUT; a stale `resourceVersion` is a 409 `Conflict`), the `status`
//!   subresource, server-side apply as a merge (a `fieldManager` is required, and recorded in
//!   `managedFields`), JSON merge patches, delete with garbage collection of what the object
//!   owns (`ownerReferences`) and of everything in a deleted Namespace;
//! - one resource-version counter for the whole server, `generation` bumped on spec changes;
//! - watch streams (`?watch=true`) from a resource version, or from now with the existing
//!   objects as `ADDED`, ending after `timeoutSeconds`;
//! - `pods/{name}/log`, whose text a test sets ([`FakeApiServer::set_pod_log`]);
//! - refusals as `Status` objects, and injected ones ([`FakeApiServer::fail_next`]) to test how
//!   403s, 422s and 5xx are handled.
//!
//! Not modelled: admission, validation against schemas, RBAC, field ownership conflicts, and
//! list merges by key in apply (lists are replaced).

mod errors;
mod merge;
mod paths;
mod routes;
mod selector;
mod store;
mod time;

use std::sync::{Arc, Mutex, MutexGuard};

pub use errors::ApiError;
pub use paths::ResourcePath;
use serde_json::Value;
use store::Store;

/// State shared by the requests.
pub(crate) struct Shared {
    store: Mutex<Store>,
    failures: Mutex<Vec<(String, String, ApiError)>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Store> {
        // A test that panicked while holding it leaves data that is still consistent.
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn take_failure(&self, method: &str, plural: &str) -> Option<ApiError> {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let index = failures
            .iter()
            .position(|(m, p, _)| m == method && p == plural)?;
        Some(failures.remove(index).2)
    }
}

/// A fake API server on a free port of 127.0.0.1; it stops when dropped.
pub struct FakeApiServer {
    url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeApiServer {
    pub async fn start() -> std::io::Result<FakeApiServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::default()),
            failures: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .fallback(routes::handle)
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeApiServer { url, shared, task })
    }

    /// `http://127.0.0.1:<port>`: the cluster's URL for a kube client.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The text `GET …/pods/{pod}/log` answers (the pod must exist).
    pub fn set_pod_log(&self, namespace: &str, pod: &str, text: &str) {
        self.shared
            .lock()
            .logs
            .insert((namespace.to_owned(), pod.to_owned()), text.to_owned());
    }

    /// The next `method` request on `plural` (`POST`, `pods`) is refused with `code`.
    pub fn fail_next(&self, method: &str, plural: &str, code: u16, message: &str) {
        let reason = match code {
            403 => "Forbidden",
            409 => "Conflict",
            422 => "Invalid",
            500 => "InternalError",
            503 => "ServiceUnavailable",
            _ => "Unknown",
        };
        self.shared
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((
                method.to_owned(),
                plural.to_owned(),
                ApiError::new(code, reason, message),
            ));
    }

    /// What the cluster holds of a resource (`apps/v1`, `deployments`), in every namespace:
    /// for assertions, and for what a kubelet or controller would change.
    pub fn objects(&self, group_version: &str, plural: &str) -> Vec<Value> {
        let path = ResourcePath {
            group_version: group_version.to_owned(),
            namespace: None,
            plural: plural.to_owned(),
            name: None,
            subresource: None,
        };
        self.shared.lock().list(&path, |_| true)
    }

    /// The names of what the cluster holds of a resource, sorted.
    pub fn names(&self, group_version: &str, plural: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .objects(group_version, plural)
            .iter()
            .filter_map(|o| o.pointer("/metadata/name").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        names.sort();
        names
    }

    /// Sets an object's status as the cluster would (a kubelet reporting a pod running): a
    /// `MODIFIED` change that watches see.
    pub fn set_status(
        &self,
        group_version: &str,
        plural: &str,
        namespace: &str,
        name: &str,
        status: Value,
    ) -> Result<Value, ApiError> {
        let path = ResourcePath {
            group_version: group_version.to_owned(),
            namespace: Some(namespace.to_owned()).filter(|n| !n.is_empty()),
            plural: plural.to_owned(),
            name: Some(name.to_owned()),
            subresource: Some("status".to_owned()),
        };
        self.shared
            .lock()
            .patch(&path, name, &serde_json::json!({ "status": status }), false)
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
