//! Notebooks: a JupyterLab server of one's own in a profile, run as a workload of kind
//! `notebook` through the scheduler and the runtime, reached through Capstan's authorizing
//! proxy at `/notebook/{profile}/{name}/`.
//!
//! - `config`: what the administrator offers (environments, configurations, defaults, locks);
//! - `resolve`: a submitted spec with the defaults filled in, checked field by field;
//! - `launch`: one run as a workload (`nb-<name>`), `files`: its files in standalone mode;
//! - `service`: what users do; `monitor`: readiness, activity, idle culling and bringing
//!   notebooks back after a restart, kept in `live` for the proxy; `probe` asks Jupyter;
//! - `kubeflow_import`: a pasted Kubeflow Notebook manifest into a spec. The Kubernetes objects
//!   of a notebook are built in `crate::k8s::notebook_objects`.

mod config;
mod error;
mod files;
mod kubeflow_import;
mod launch;
mod live;
mod monitor;
mod options;
mod probe;
mod resolve;
mod service;
mod view;

pub use config::{
    Configuration, DEFAULT_SPAWNER_CONFIG, Defaults, Environment, LOCKABLE_FIELDS, SpawnerConfig,
    SpawnerConfigError, Toleration,
};
pub use error::NotebookError;
pub use files::NotebookFiles;
pub use kubeflow_import::{ImportError, import_kubeflow_notebook};
pub use launch::{GROUP, base_url, notebook_of, workload_name};
pub use live::Upstream;
pub use probe::parse_utc_ms;
pub use resolve::{HOME, MAX_NAME_LEN, resolve};
pub use service::{MonitorSettings, Notebooks};
