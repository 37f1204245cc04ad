//! Notebooks: a JupyterLab server of one's own in a profile, run as a workload of kind
//! `notebook` through the scheduler and the runtime, reached through Capstan's authorizing
//! proxy at `/notebook/{profile}/{name}/`.

mod config;
mod kubeflow_import;

pub use config::{
    Configuration, DEFAULT_SPAWNER_CONFIG, Defaults, Environment, LOCKABLE_FIELDS, SpawnerConfig,
    SpawnerConfigError, Toleration,
};
pub use kubeflow_import::{ImportError, import_kubeflow_notebook};
