//! The notebook service of a standalone server: the spawner configuration, the files under
//! the data directory, and how running notebooks are watched.

use std::sync::Arc;
use std::time::Duration;

use backend::notebooks::{MonitorSettings, NotebookFiles, Notebooks, SpawnerConfig};
use backend::store::Store;
use backend::workload::Engine;

use crate::config::Config;

pub fn build(config: &Config, store: Store, engine: Arc<Engine>) -> Arc<Notebooks> {
    // The loader has read the file already; it can only have changed since.
    let spawner = config.spawner_config().unwrap_or_else(|e| {
        tracing::error!(error = %e, "the notebook spawner file no longer reads; using the built-in one");
        SpawnerConfig::parse(backend::notebooks::DEFAULT_SPAWNER_CONFIG)
            .expect("the built-in spawner configuration is valid")
    });
    let settings = MonitorSettings {
        idle_after: (config.notebook_idle_minutes > 0)
            .then(|| Duration::from_secs(config.notebook_idle_minutes * 60)),
        activity_poll: Duration::from_secs(config.notebook_activity_seconds.max(1)),
    };
    Notebooks::new(
        store,
        engine,
        spawner,
        NotebookFiles::new(config.data_dir.clone()),
        settings,
    )
}
