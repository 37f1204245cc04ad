//! The serving controller and router table from the configuration: model roots, the MLServer
//! program, the autoscaler's windows; Capstan's own MLServer runtimes (ONNX) beside the site.

use std::sync::Arc;
use std::time::Duration;

use backend::serving::{AutoscaleConfig, RuntimePaths, Serving, ServingConfig, StorageRules};
use backend::store::Store;
use backend::workload::Engine;

use crate::config::Config;

/// Capstan's own MLServer runtimes under `<data>/serving/runtimes`; without them (a read-only
/// data directory) ONNX models fail to load and say so in their replicas' logs.
fn python_runtimes(config: &Config) -> Option<std::path::PathBuf> {
    let dir = config.data_dir.join("serving").join("runtimes");
    backend::serving::replica::install_python_runtimes(&dir)
        .inspect_err(|e| tracing::warn!(dir = %dir.display(), error = %e, "could not write the ONNX runtime"))
        .ok()
}

pub fn build(config: &Config, store: Store, engine: Arc<Engine>) -> Arc<Serving> {
    let roots = config.model_roots();
    for root in &roots {
        // The default root exists from the start, so that `storageUri`s under it can be read.
        let _ = std::fs::create_dir_all(root);
    }
    let stable = Duration::from_secs(config.serving_stable_window_seconds.max(1));
    Serving::new(
        store,
        engine,
        ServingConfig {
            storage: StorageRules {
                roots,
                cluster: false,
            },
            runtimes: RuntimePaths {
                mlserver: config.mlserver.clone(),
                python_runtimes: python_runtimes(config),
            },
            autoscale: AutoscaleConfig {
                stable_window: stable,
                panic_window: (stable / 10).max(Duration::from_secs(1)),
                scale_to_zero_grace: Duration::from_secs(config.serving_scale_to_zero_seconds),
                ..AutoscaleConfig::default()
            },
        },
    )
}
