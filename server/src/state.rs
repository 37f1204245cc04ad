use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::extract::FromRef;
use backend::authz::ClusterAdmins;
use backend::events::EventBus;
use backend::store::Store;
use leptos::config::LeptosOptions;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::watch;

use crate::auth::oidc::OidcProvider;
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
    pub admins: ClusterAdmins,
    /// Workloads: submission, the scheduling loop, the runtime.
    pub engine: Arc<backend::workload::Engine>,
    /// Notebooks: the spawner, the monitor and what the proxy needs.
    pub notebooks: Arc<backend::notebooks::Notebooks>,
    /// Pipelines, experiments, runs and recurring runs.
    pub pipelines: Arc<backend::pipelines::service::PipelineService>,
    /// Tuning experiments: the controller that runs their trials, and the service.
    pub tuning: Arc<backend::tuning::TuningService>,
    /// Training jobs: the controller that runs their attempts, and the service.
    pub training: Arc<backend::training::TrainingService>,
    /// Served models: the controller, the routing table and the service.
    pub serving: Arc<backend::serving::Serving>,
    /// The model router's pooled connections to the replicas.
    pub model_client: crate::serving_router::ModelClient,
    /// The notebook proxy's pooled connections.
    pub notebook_proxy: crate::notebook_proxy::ProxyClient,
    /// The OpenID Connect provider, when one is configured.
    pub oidc: Option<Arc<OidcProvider>>,
    /// Proxies whose user header is believed; empty: header sign-in is off.
    pub trusted_proxies: Vec<IpAddr>,
    /// Users seen through the header this process, so that first-sign-in work runs once.
    pub header_users_seen: Mutex<HashSet<String>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
