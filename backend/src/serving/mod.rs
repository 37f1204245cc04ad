//! Model serving: KServe-compatible InferenceServices run as replicas (one workload each),
//! grouped in revisions that split the traffic (`traffic`), scaled by what the router measures
//! (`autoscaler`) and reached through the routing table (`routes`) that the server's router
//! reads.
//!
//! - `spec`: the manifest, read and checked;
//! - `service`: what users do (create, replace, promote, roll back, tokens), role-checked;
//! - `controller`: replicas to match the autoscaler, readiness, the table;
//! - `views`: what the list and the page show;
//! - `form`: the models page's form, written as a manifest.

pub mod autoscaler;
mod controller;
mod error;
pub mod form;
pub mod probe;
pub mod replica;
pub mod routes;
mod service;
pub mod spec;
pub mod tokens;
pub mod traffic;
mod views;

use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

pub use autoscaler::AutoscaleConfig;
pub use error::ServingError;
pub use replica::RuntimePaths;
pub use routes::Routes;
pub use spec::StorageRules;

use crate::store::Store;
use crate::workload::Engine;

#[derive(Debug, Clone)]
pub struct ServingConfig {
    pub storage: StorageRules,
    pub runtimes: RuntimePaths,
    pub autoscale: AutoscaleConfig,
}

pub struct Serving {
    store: Store,
    engine: Arc<Engine>,
    config: ServingConfig,
    routes: Arc<Routes>,
    probe: probe::ReadyProbe,
    /// A service changed: the controller looks at once.
    kick: Notify,
    /// Held by each controller pass and by a delete, so that a pass that read the model before
    /// it was deleted cannot put it back in the table or start a replica for it.
    pass: tokio::sync::Mutex<()>,
    /// What the controller knows and the views show (replicas' readiness, metrics samples).
    state: Mutex<controller::State>,
}

impl Serving {
    pub fn new(store: Store, engine: Arc<Engine>, config: ServingConfig) -> Arc<Self> {
        Arc::new(Serving {
            store,
            engine,
            config,
            routes: Arc::new(Routes::default()),
            probe: probe::ReadyProbe::default(),
            kick: Notify::new(),
            pass: tokio::sync::Mutex::new(()),
            state: Mutex::new(controller::State::default()),
        })
    }

    /// The table the router reads.
    pub fn routes(&self) -> &Arc<Routes> {
        &self.routes
    }

    pub fn config(&self) -> &ServingConfig {
        &self.config
    }

    fn state(&self) -> std::sync::MutexGuard<'_, controller::State> {
        // A panic while holding the lock leaves plain data behind; go on with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
