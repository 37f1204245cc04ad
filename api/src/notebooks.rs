//! Notebooks: a JupyterLab server of one's own in a profile. What the spawner form submits
//! (`NotebookSpec`), what it offers (`NotebookOptions`), and what the list and detail pages
//! show (`NotebookView`, `NotebookDetail`). A notebook runs as a workload of kind `notebook`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::WorkloadEvent;

/// `POST /api/v1/profiles/{p}/notebooks`. Every field but the name may be left out: the
/// administrator's defaults fill it. A field the administrator locked must be left out or carry
/// the default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotebookSpec {
    /// A DNS-1123 label of at most 52 characters, unique among the profile's notebooks.
    pub name: String,
    /// The key of one of the configured environments.
    #[serde(default)]
    pub environment: Option<String>,
    /// CPU request, thousandths of a core.
    #[serde(default)]
    pub cpu_milli: Option<u64>,
    /// CPU limit; at least the request.
    #[serde(default)]
    pub cpu_limit_milli: Option<u64>,
    #[serde(default)]
    pub memory_mib: Option<u64>,
    #[serde(default)]
    pub memory_limit_mib: Option<u64>,
    /// Whole GPUs.
    #[serde(default)]
    pub gpus: Option<u32>,
    /// A share of one GPU in thousandths (1-999), instead of whole GPUs.
    #[serde(default)]
    pub gpu_milli: Option<u32>,
    /// The GPU model, when the cluster has several.
    #[serde(default)]
    pub gpu_model: Option<String>,
    /// Size of the workspace volume (cluster: the PVC; standalone: not enforced).
    #[serde(default)]
    pub workspace_size_mib: Option<u64>,
    /// More volumes of the profile, shared between its notebooks.
    #[serde(default)]
    pub data_volumes: Vec<DataVolume>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Names of configured configurations (sets of env, volumes and tolerations).
    #[serde(default)]
    pub configurations: Vec<String>,
}

/// A volume of the profile mounted into a notebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataVolume {
    /// A DNS-1123 label: the claim's name in cluster mode, the directory's in standalone mode.
    pub name: String,
    /// An absolute path. Standalone: a path under the home (`/home/jovyan/...`) appears in the
    /// workspace at the same place.
    pub mount_path: String,
    /// Size when the claim does not exist yet.
    #[serde(default)]
    pub size_mib: Option<u64>,
}

/// `GET /api/v1/notebooks/options`: what the spawner form offers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotebookOptions {
    pub environments: Vec<EnvironmentChoice>,
    pub configurations: Vec<ConfigurationChoice>,
    /// The defaults, with every field filled (name empty).
    pub defaults: NotebookSpec,
    /// Fields the administrator locked to their default (`NotebookSpec` field names).
    pub locked: Vec<String>,
    /// GPU models the nodes have, for the model picker.
    pub gpu_models: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentChoice {
    pub key: String,
    pub display_name: String,
    /// The image used in cluster mode.
    pub image: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigurationChoice {
    pub name: String,
    pub description: String,
}

/// Where a notebook is, as its users see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotebookState {
    /// Waiting for resources; `queue_position` and `reason` say where and why.
    Queued,
    /// Placed; JupyterLab is starting and does not answer yet.
    Starting,
    /// JupyterLab answers: it can be opened.
    Ready,
    /// Not running; its resources are released, its workspace kept.
    Stopped,
    /// Ended on its own or could not start; `reason` and `last_log_lines` say why.
    Failed,
}

impl NotebookState {
    pub fn as_str(self) -> &'static str {
        match self {
            NotebookState::Queued => "queued",
            NotebookState::Starting => "starting",
            NotebookState::Ready => "ready",
            NotebookState::Stopped => "stopped",
            NotebookState::Failed => "failed",
        }
    }
}

/// `GET /api/v1/profiles/{p}/notebooks` (a list of these) and the detail's `notebook`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotebookView {
    pub profile: String,
    pub name: String,
    /// The spec with every default filled in.
    pub spec: NotebookSpec,
    pub environment_name: String,
    pub state: NotebookState,
    pub reason: Option<String>,
    /// 1 for the next to be admitted in its profile's queue, while queued.
    pub queue_position: Option<u32>,
    pub created_at_ms: i64,
    /// When the current run started, if it runs.
    pub started_at_ms: Option<i64>,
    /// Last activity Jupyter reported (API requests, kernels, terminals).
    pub last_activity_ms: Option<i64>,
    /// Where to open it: `/notebook/{profile}/{name}/`.
    pub url: String,
    /// The end of its log, when it failed.
    pub last_log_lines: Vec<String>,
}

/// `GET /api/v1/profiles/{p}/notebooks/{n}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotebookDetail {
    pub notebook: NotebookView,
    /// The current run's events, oldest first.
    pub events: Vec<WorkloadEvent>,
    /// The spec as YAML, as a Kubeflow Notebook manifest would carry it.
    pub spec_yaml: String,
}

/// `POST /api/v1/notebooks/import`: a Kubeflow `Notebook` manifest (kubeflow.org/v1), YAML
/// or JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotebookImport {
    pub manifest: String,
}
