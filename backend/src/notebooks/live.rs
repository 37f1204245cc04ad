//! What Capstan knows of the notebooks that run now, kept in memory: where each listens, its
//! token, whether JupyterLab answers yet, and its activity. The monitor writes it; the proxy
//! reads it on every request, so a lookup takes no database query.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Where the proxy sends a ready notebook's requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    pub addr: SocketAddr,
    pub token: String,
}

#[derive(Debug, Clone)]
pub struct LiveNotebook {
    /// The notebook's row, where its last activity is stored.
    pub notebook_id: i64,
    /// The run's workload: a new run is a new entry.
    pub workload_id: i64,
    pub upstream: Upstream,
    /// JupyterLab answered `api/status`.
    pub ready: bool,
    pub last_activity_ms: Option<i64>,
    pub busy: bool,
    /// When its activity was last read.
    pub polled: Option<Instant>,
}

type Key = (String, String);

#[derive(Default)]
pub struct Live {
    notebooks: Mutex<HashMap<Key, LiveNotebook>>,
}

impl Live {
    pub fn get(&self, profile: &str, name: &str) -> Option<LiveNotebook> {
        self.lock()
            .get(&(profile.to_owned(), name.to_owned()))
            .cloned()
    }

    /// The upstream of a notebook that answers, for the proxy.
    pub fn ready_upstream(&self, profile: &str, name: &str) -> Option<Upstream> {
        self.lock()
            .get(&(profile.to_owned(), name.to_owned()))
            .filter(|n| n.ready)
            .map(|n| n.upstream.clone())
    }

    pub fn put(&self, profile: &str, name: &str, notebook: LiveNotebook) {
        self.lock()
            .insert((profile.to_owned(), name.to_owned()), notebook);
    }

    pub fn remove(&self, profile: &str, name: &str) {
        self.lock().remove(&(profile.to_owned(), name.to_owned()));
    }

    /// Forgets every notebook whose run is not among `running` (workload ids).
    pub fn retain_runs(&self, running: &std::collections::HashSet<i64>) {
        self.lock().retain(|_, n| running.contains(&n.workload_id));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, LiveNotebook>> {
        // A panic while holding the lock leaves plain data behind; go on with it.
        self.notebooks.lock().unwrap_or_else(|e| e.into_inner())
    }
}
