use std::sync::Arc;

use axum::extract::FromRef;
use backend::events::EventBus;
use backend::store::Store;
use leptos::config::LeptosOptions;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::watch;

use crate::config::Config;
use crate::readiness::Readiness;

/// What every handler may reach. One pointer: middleware clones it for every request.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub config: Config,
    pub leptos: LeptosOptions,
    pub store: Store,
    pub events: EventBus,
    pub metrics: PrometheusHandle,
    pub readiness: Arc<Readiness>,
    /// Turns true when the server starts shutting down; long-lived streams end then.
    pub shutdown: watch::Receiver<bool>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
