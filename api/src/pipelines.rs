//! Pipelines, their versions, experiments, runs and recurring runs, as the REST API and the
//! UI see them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A pipeline: a name in a profile, with immutable versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineView {
    pub name: String,
    pub description: String,
    pub created_at_ms: i64,
    /// Its versions, newest first.
    pub versions: Vec<VersionView>,
}

/// One uploaded document of a pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionView {
    pub name: String,
    pub description: String,
    /// `kfp-ir` or `capstan`.
    pub format: String,
    pub created_at_ms: i64,
}

/// A version with what a run of it needs: its parameters and its graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionDetail {
    pub pipeline: String,
    pub version: VersionView,
    pub parameters: Vec<ParameterView>,
    pub graph: GraphView,
    /// The document as it was uploaded.
    pub source: String,
}

/// A run parameter a pipeline declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterView {
    pub name: String,
    /// KFP's type name: STRING, NUMBER_INTEGER, NUMBER_DOUBLE, BOOLEAN, LIST, STRUCT.
    #[serde(rename = "type")]
    pub ty: String,
    pub default: Option<Value>,
    pub optional: bool,
    pub description: Option<String>,
}

/// Upload of a new pipeline (or of a new version with `pipeline` set in the URL).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineUpload {
    /// For a new pipeline; default: the name inside the document.
    #[serde(default)]
    pub name: Option<String>,
    /// Default: `v1` for a new pipeline, `v<n+1>` for a new version.
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// The document: KFP v2 IR (YAML or JSON) or Capstan's pipeline YAML.
    pub source: String,
}

/// The graph of a pipeline or of a run, for drawing: nodes with their parent sub-DAG and the
/// edges between nodes of one DAG.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphView {
    pub nodes: Vec<GraphNode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    /// Its path: `train`, `condition-1/for-loop-3`, `condition-1/for-loop-3[2]/scale`.
    pub id: String,
    /// The sub-DAG (or loop iteration) it is in; `None` at the top.
    pub parent: Option<String>,
    pub label: String,
    /// `task`, `condition`, `loop`, `iteration` or `dag`.
    pub kind: String,
    /// Ids of the nodes of the same DAG it waits for.
    pub after: Vec<String>,
    /// In a run: its state. In a pipeline: `None`.
    pub state: Option<TaskState>,
}

/// An experiment: a group of runs (Kubeflow Pipelines' meaning), or a tuning experiment
/// (Katib's), which shares the profile's names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentView {
    pub name: String,
    pub description: String,
    pub created_at_ms: i64,
    pub archived: bool,
    pub runs: u64,
    #[serde(default)]
    pub kind: crate::ExperimentKind,
    /// A tuning experiment's state and best trial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuning: Option<crate::TuningSummary>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewExperiment {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    Pending,
    Running,
    Succeeded,
    Failed,
    /// Cancel asked; its running tasks are stopping.
    Canceling,
    Canceled,
}

impl RunState {
    pub const ALL: [RunState; 6] = [
        RunState::Pending,
        RunState::Running,
        RunState::Succeeded,
        RunState::Failed,
        RunState::Canceling,
        RunState::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Pending => "pending",
            RunState::Running => "running",
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
            RunState::Canceling => "canceling",
            RunState::Canceled => "canceled",
        }
    }

    pub fn parse(text: &str) -> Option<RunState> {
        RunState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_finished(self) -> bool {
        matches!(
            self,
            RunState::Succeeded | RunState::Failed | RunState::Canceled
        )
    }
}

/// Where one node of a run's graph is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    Pending,
    Running,
    Succeeded,
    Failed,
    /// Not run: its condition was false, or what it needs came from a skipped task.
    Skipped,
    /// Not run: the outputs of an identical earlier run were taken.
    Cached,
    /// Not run or stopped: the run was canceled, or a task it needs failed.
    Canceled,
}

impl TaskState {
    pub const ALL: [TaskState; 7] = [
        TaskState::Pending,
        TaskState::Running,
        TaskState::Succeeded,
        TaskState::Failed,
        TaskState::Skipped,
        TaskState::Cached,
        TaskState::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Pending => "pending",
            TaskState::Running => "running",
            TaskState::Succeeded => "succeeded",
            TaskState::Failed => "failed",
            TaskState::Skipped => "skipped",
            TaskState::Cached => "cached",
            TaskState::Canceled => "canceled",
        }
    }

    pub fn parse(text: &str) -> Option<TaskState> {
        TaskState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_finished(self) -> bool {
        !matches!(self, TaskState::Pending | TaskState::Running)
    }

    /// Finished with outputs that later tasks can use.
    pub fn is_done_well(self) -> bool {
        matches!(self, TaskState::Succeeded | TaskState::Cached)
    }
}

/// How to run a pipeline version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunOptions {
    /// Run parameters by name; the pipeline's defaults fill the rest.
    #[serde(default)]
    pub parameters: BTreeMap<String, Value>,
    /// `false` turns caching off for this run, whatever the pipeline says.
    #[serde(default = "yes")]
    pub caching: bool,
    /// At most this many tasks of the run at once; default: the server's setting.
    #[serde(default)]
    pub parallelism: Option<u32>,
}

fn yes() -> bool {
    true
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            parameters: BTreeMap::new(),
            caching: true,
            parallelism: None,
        }
    }
}

/// A request to start a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRun {
    /// Default: `<pipeline>-<time>`.
    #[serde(default)]
    pub name: Option<String>,
    pub pipeline: String,
    /// Default: the newest version.
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub experiment: Option<String>,
    #[serde(default)]
    pub parameters: BTreeMap<String, Value>,
    #[serde(default = "yes")]
    pub caching: bool,
    #[serde(default)]
    pub parallelism: Option<u32>,
}

impl NewRun {
    pub fn options(&self) -> RunOptions {
        RunOptions {
            parameters: self.parameters.clone(),
            caching: self.caching,
            parallelism: self.parallelism,
        }
    }
}

/// A run in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    pub id: i64,
    pub name: String,
    pub pipeline: String,
    pub version: String,
    pub experiment: Option<String>,
    pub recurring_run: Option<String>,
    pub state: RunState,
    pub reason: String,
    pub parameters: BTreeMap<String, Value>,
    pub created_by: String,
    pub created_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
    pub archived: bool,
}

/// A page of the run list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunPage {
    /// How many runs match the filter, all pages together.
    pub total: u64,
    pub runs: Vec<RunView>,
}

/// A run with its tasks, graph, outputs and metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    pub run: RunView,
    pub tasks: Vec<TaskView>,
    pub graph: GraphView,
    /// The pipeline's own outputs, once it succeeded.
    pub outputs: Option<Value>,
    /// Metrics by task node, then name.
    pub metrics: BTreeMap<String, BTreeMap<String, f64>>,
    pub options: RunOptions,
}

/// One node of a run that the engine reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskView {
    pub node: String,
    pub state: TaskState,
    pub reason: String,
    /// Retries so far (0 for the first try).
    pub attempt: u32,
    /// The workload of its latest try, for logs.
    pub workload: Option<String>,
    pub inputs: Option<Value>,
    pub outputs: Option<Value>,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
}

/// When a recurring run starts runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A cron expression, UTC: 6 fields with seconds (KFP's form) or the classic 5.
    Cron(String),
    /// Every this many seconds from the start.
    IntervalSeconds(u64),
}

/// A recurring run as asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecurringRunSpec {
    pub name: String,
    pub pipeline: String,
    /// Default: the newest version when the recurring run is made.
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub experiment: Option<String>,
    pub trigger: Trigger,
    /// At most this many of its runs at once (KFP's max_concurrency, default 1).
    #[serde(default = "one")]
    pub max_concurrency: u32,
    /// Start the runs missed while Capstan was down or the recurring run was disabled
    /// (default: only the next one).
    #[serde(default)]
    pub catch_up: bool,
    #[serde(default)]
    pub start_at_ms: Option<i64>,
    #[serde(default)]
    pub end_at_ms: Option<i64>,
    #[serde(default)]
    pub run: RunOptions,
}

fn one() -> u32 {
    1
}

/// A recurring run as the list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecurringRunView {
    pub spec: RecurringRunSpec,
    pub enabled: bool,
    /// The trigger in words.
    pub schedule: String,
    pub created_by: String,
    pub created_at_ms: i64,
    pub last_fired_ms: Option<i64>,
    pub next_fire_ms: Option<i64>,
}

/// Which runs to list (`GET …/runs?state=failed&sort=created&order=desc&offset=50&limit=50`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunListQuery {
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub experiment: Option<String>,
    #[serde(default)]
    pub pipeline: Option<String>,
    #[serde(default)]
    pub recurring_run: Option<String>,
    /// Part of the run's name, any case.
    #[serde(default)]
    pub q: Option<String>,
    /// `created` (default), `name`, `state` or `finished`.
    #[serde(default)]
    pub sort: Option<String>,
    /// `desc` (default) or `asc`.
    #[serde(default)]
    pub order: Option<String>,
    #[serde(default)]
    pub offset: Option<u64>,
    /// Default 50, at most 1000.
    #[serde(default)]
    pub limit: Option<u64>,
    /// Archived runs instead of the others.
    #[serde(default)]
    pub archived: Option<bool>,
}
