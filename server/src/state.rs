use std::sync::Arc;

use axum::extract::FromRef;
use backend::events::EventBus;
use backend::store::Store;
use leptos::config::LeptosOptions;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::watch;

use crate::config::Config;
use crate::readiness::Readiness;

/// What every handler may reach. Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
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
