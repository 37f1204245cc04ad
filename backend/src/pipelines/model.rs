//! Capstan's pipeline model: what a Kubeflow Pipelines v2 IR file (see `kfp_ir`) and Capstan's
//! own pipeline YAML both become, and what the run engine walks.
//!
//! A pipeline is a tree of DAGs. The root DAG's tasks are either container tasks (one process or
//! pod, described by a [`Component`]) or sub-DAG tasks ([`SubDag`]) that hold a DAG of their own:
//! the body of a condition (the task's [`Task::condition`]), of a for-each ([`SubDag::for_each`]),
//! of an exit handler or of a pipeline used as a component. Sub-DAGs are inlined where they are
//! used, so every task in the tree is a distinct node. Tasks in one DAG see each other by name;
//! a sub-DAG sees its parent's values only through its own declared inputs.
//!
//! Values are JSON as written in the source. In KFP IR every number is a double (`3.0` for an
//! int): only the declared [`ParamType`] says that a value is an integer, and the run engine
//! casts top-level `NUMBER_INTEGER` values. The one exception, normalised here, is a parameter
//! default of type `NUMBER_INTEGER`, which is kept as a JSON integer when it is a whole number.
//!
//! Every part that an error can be about keeps the path in the source document where it was
//! written (`root.dag.tasks.train.inputs.parameters.lr`), so that checks made on the model
//! ([`super::validate`]) still point into the uploaded file.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Serialize, Serializer};
use serde_json::Value;

/// What is wrong in a pipeline document, and where: `path` is a dotted path into the document
/// (`root.dag.tasks.train.inputs.parameters.lr`, `deploymentSpec.executors.exec-x`, list items
/// as `[0]`), `(document)` for the document as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct SpecError {
    pub path: String,
    pub problem: String,
}

impl SpecError {
    pub fn new(path: impl Into<String>, problem: impl Into<String>) -> Self {
        SpecError {
            path: path.into(),
            problem: problem.into(),
        }
    }
}

/// A pipeline, ready to validate and to run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pipeline {
    /// `pipelineInfo.name`.
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// The run parameters (and, rarely, artifacts) that the pipeline declares, with defaults.
    pub inputs: Interface,
    /// What a run of the pipeline produces, wired by `root.outputs`.
    pub outputs: Interface,
    pub root: Dag,
    /// The components that run a process, by name (`comp-train`). Sub-DAG components are not
    /// here: they are inlined into the [`SubDag`] tasks that use them.
    pub components: BTreeMap<String, Component>,
    /// Platform-specific configuration (the kfp-kubernetes extension's `platforms:` document),
    /// kept so that validation can refuse it with its path.
    pub platforms: Vec<PlatformSpec>,
    /// Which format the pipeline was read from.
    pub source: Source,
}

/// The format a pipeline was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "format")]
pub enum Source {
    /// Kubeflow Pipelines v2 IR, as `kfp.compiler.Compiler().compile()` writes it.
    KfpIr {
        schema_version: Option<String>,
        sdk_version: Option<String>,
    },
    /// Capstan's own pipeline YAML.
    Capstan,
}

/// Inputs or outputs that a component, a sub-DAG or the pipeline declares.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Interface {
    pub parameters: BTreeMap<String, ParamDef>,
    pub artifacts: BTreeMap<String, ArtifactDef>,
}

impl Interface {
    /// The declared parameter names, comma-separated (for messages).
    pub fn parameter_names(&self) -> String {
        names(self.parameters.keys())
    }

    /// The declared artifact names, comma-separated (for messages).
    pub fn artifact_names(&self) -> String {
        names(self.artifacts.keys())
    }
}

fn names<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let list: Vec<&str> = keys.map(String::as_str).collect();
    if list.is_empty() {
        "nothing".to_string()
    } else {
        list.join(", ")
    }
}

/// A declared parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamDef {
    #[serde(rename = "type")]
    pub ty: ParamType,
    /// The value used when nothing is given (an input with a default is optional).
    pub default: Option<Value>,
    /// Whether the parameter may be left out (`isOptional`; true when there is a default).
    pub optional: bool,
    pub description: Option<String>,
}

/// A parameter's type, with KFP's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ParamType {
    String,
    NumberInteger,
    NumberDouble,
    Boolean,
    List,
    Struct,
    /// The final state of an upstream task, given to an exit handler's task.
    TaskFinalStatus,
}

impl ParamType {
    /// KFP's name of the type (`NUMBER_INTEGER`).
    pub fn kfp_name(self) -> &'static str {
        match self {
            ParamType::String => "STRING",
            ParamType::NumberInteger => "NUMBER_INTEGER",
            ParamType::NumberDouble => "NUMBER_DOUBLE",
            ParamType::Boolean => "BOOLEAN",
            ParamType::List => "LIST",
            ParamType::Struct => "STRUCT",
            ParamType::TaskFinalStatus => "TASK_FINAL_STATUS",
        }
    }

    /// The type that KFP calls `name`.
    pub fn from_kfp_name(name: &str) -> Option<ParamType> {
        [
            ParamType::String,
            ParamType::NumberInteger,
            ParamType::NumberDouble,
            ParamType::Boolean,
            ParamType::List,
            ParamType::Struct,
            ParamType::TaskFinalStatus,
        ]
        .into_iter()
        .find(|ty| ty.kfp_name() == name)
    }
}

/// A declared artifact (a file or directory passed between tasks).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArtifactDef {
    /// `system.Dataset`, `system.Model`, `system.Metrics`, `system.Artifact`, …
    pub schema_title: String,
    pub schema_version: Option<String>,
    /// A list of artifacts (`Input[List[Dataset]]`, or a loop's collected outputs).
    pub is_list: bool,
    pub optional: bool,
    pub description: Option<String>,
}

/// A component that runs something: its interface and how it runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    /// `comp-train`.
    pub name: String,
    /// Where it is declared (`components.comp-train`).
    pub path: String,
    pub inputs: Interface,
    pub outputs: Interface,
    pub executor: Executor,
    /// Where the executor is declared (`deploymentSpec.executors.exec-train`).
    pub executor_path: String,
}

/// How a component runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Executor {
    /// A process (standalone) or a container (cluster).
    Container(ContainerSpec),
    /// `dsl.importer`: registers an existing URI as an artifact. Not run by Capstan; kept so
    /// that validation can refuse it where it is used.
    Importer(ImporterSpec),
}

/// A container to run: `command + args` is the argv (KFP placeholders such as `{{$}}` and
/// `{{$.inputs.parameters['x']}}` are substituted by the runner).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ContainerSpec {
    /// The image (cluster mode); on the host the argv runs as is.
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: Vec<EnvVar>,
    pub resources: Resources,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
}

/// Resources a task asks for. `None`: not said.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Resources {
    /// Thousandths of a core.
    pub cpu_request_milli: Option<u64>,
    pub cpu_limit_milli: Option<u64>,
    /// MiB, rounded up.
    pub memory_request_mib: Option<u64>,
    pub memory_limit_mib: Option<u64>,
    pub accelerator: Option<Accelerator>,
}

/// Accelerators (GPUs) a task needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accelerator {
    /// The resource or model (`nvidia.com/gpu`); `None` when only a count was given
    /// (`set_gpu_limit`).
    pub kind: Option<String>,
    pub count: u32,
}

/// `dsl.importer`'s executor, as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImporterSpec {
    /// `artifactUri` (`{constant: file:///…}` or a runtime parameter), as written.
    pub artifact_uri: Value,
    pub schema_title: Option<String>,
    pub reimport: bool,
    pub metadata: Option<Value>,
}

/// Platform-specific configuration, as written (`platforms.kubernetes`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlatformSpec {
    /// `kubernetes`.
    pub platform: String,
    pub path: String,
    pub config: Value,
}

/// A DAG: tasks and the outputs it exposes to its parent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Dag {
    /// Where its tasks are written (`root.dag.tasks`, `components.comp-for-loop-3.dag.tasks`).
    pub path: String,
    /// In document order. Names are unique in KFP IR (map keys); validation checks it for
    /// formats where they are not.
    pub tasks: Vec<Task>,
    pub outputs: DagOutputs,
}

impl Dag {
    pub fn task(&self, name: &str) -> Option<&Task> {
        self.tasks.iter().find(|task| task.name == name)
    }
}

/// What a DAG exposes as its own outputs, taken from its tasks' outputs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DagOutputs {
    /// Where they are written (`root.dag.outputs`).
    pub path: String,
    pub parameters: BTreeMap<String, DagParameterOutput>,
    pub artifacts: BTreeMap<String, DagArtifactOutput>,
}

/// A DAG output parameter. In a for-each sub-DAG it is the list of every iteration's value
/// (in iteration order); elsewhere one value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DagParameterOutput {
    pub path: String,
    pub source: DagParameterSource,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DagParameterSource {
    /// `valueFromParameter`: a subtask's output.
    Task(OutputRef),
    /// `valueFromOneof` (`dsl.OneOf`): the first of these subtasks that ran (If/Elif/Else).
    OneOf(Vec<OutputRef>),
}

/// A DAG output artifact: `artifactSelectors`, usually one (list-valued in a for-each).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DagArtifactOutput {
    pub path: String,
    pub selectors: Vec<OutputRef>,
}

/// One output of one task of the DAG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputRef {
    pub task: String,
    pub key: String,
}

/// One task of a DAG.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    /// Its name in the DAG (the key in `tasks`), which other tasks use.
    pub name: String,
    /// The name to show (`taskInfo.name`; `set_display_name` changes only this).
    pub display_name: String,
    /// Where it is written (`root.dag.tasks.train`).
    pub path: String,
    pub kind: TaskKind,
    pub inputs: TaskInputs,
    /// Tasks of the same DAG that must finish first (data dependencies included).
    pub dependencies: Vec<String>,
    /// The task runs only when this CEL expression is true over its own resolved inputs
    /// (`inputs.parameter_values['pipelinechannel--aggregate-Output'] > 0.0`); otherwise it
    /// and everything in it is skipped.
    pub condition: Option<String>,
    pub trigger: TriggerStrategy,
    pub caching: Caching,
    pub retry: Option<RetryPolicy>,
    /// Longest a run of the task may take (Capstan YAML; KFP IR has none).
    #[serde(serialize_with = "opt_seconds")]
    pub timeout: Option<Duration>,
    /// Where each part was written, for messages.
    pub paths: TaskPaths,
}

/// Where the parts of a task were written (paths in the source document).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TaskPaths {
    /// The component reference (`….componentRef.name`).
    pub component: String,
    /// `….dependentTasks`.
    pub dependencies: String,
    /// `….inputs.parameters`.
    pub parameters: String,
    /// `….inputs.artifacts`.
    pub artifacts: String,
    /// `….triggerPolicy.condition`.
    pub condition: String,
    /// `….parameterIterator` or `….artifactIterator`.
    pub iterator: String,
}

/// What a task is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TaskKind {
    /// Runs the component `component` of [`Pipeline::components`].
    Container { component: String },
    /// Runs a DAG of its own.
    SubDag(Box<SubDag>),
}

/// A task that runs a DAG: a condition's body, a for-each, an exit handler's guarded body, an
/// If/Elif/Else group, or a pipeline used as a component.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubDag {
    /// The component it came from (`comp-condition-1`).
    pub component: String,
    /// The sub-DAG's own inputs: what its tasks can read as component inputs.
    pub inputs: Interface,
    /// Its outputs, wired by `dag.outputs`.
    pub outputs: Interface,
    /// Runs the DAG once per item, when set.
    pub for_each: Option<ForEach>,
    pub dag: Dag,
}

/// A parallel for-each over a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForEach {
    pub items: LoopItems,
    /// The sub-DAG input that receives one item per iteration
    /// (`pipelinechannel--xs-loop-item`).
    pub item_input: String,
    /// At most this many iterations at once; `None`: no limit.
    pub parallelism: Option<u32>,
}

/// Where a for-each's items come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoopItems {
    /// A list written in the pipeline (`raw: '[1, 2, 3]'`).
    Literal(Vec<Value>),
    /// One of the task's own parameter inputs, which must resolve to a list.
    Input(String),
    /// One of the task's own artifact inputs, a list of artifacts (`artifactIterator`: not run
    /// by Capstan; kept so that validation can refuse it).
    ArtifactInput(String),
}

/// A task's inputs, by the name the component declares.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TaskInputs {
    pub parameters: BTreeMap<String, InputBinding>,
    pub artifacts: BTreeMap<String, InputBinding>,
}

/// Where one input of a task comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputBinding {
    pub source: InputSource,
    /// A CEL expression applied to the value before it is given to the task
    /// (`parseJson(string_value)["a"]`: a field of a loop item).
    pub selector: Option<String>,
    /// Where it is written (`root.dag.tasks.train.inputs.parameters.lr`).
    pub path: String,
}

/// The value of an input.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputSource {
    /// A value written in the pipeline. Strings may hold placeholders that the runner
    /// substitutes (`hello {{$.inputs.parameters['pipelinechannel--who']}}`).
    Constant(Value),
    /// A parameter input of the enclosing DAG (a pipeline parameter at the root).
    ComponentInput(String),
    /// An artifact input of the enclosing DAG.
    ComponentInputArtifact(String),
    /// An output parameter of a task in the same DAG.
    TaskOutputParameter { task: String, key: String },
    /// An output artifact of a task in the same DAG.
    TaskOutputArtifact { task: String, key: String },
    /// The final state of a task in the same DAG (exit handlers).
    TaskFinalStatus { task: String },
}

impl InputSource {
    /// Whether the value is an artifact (else a parameter).
    pub fn is_artifact(&self) -> bool {
        matches!(
            self,
            InputSource::ComponentInputArtifact(_) | InputSource::TaskOutputArtifact { .. }
        )
    }

    /// The task of the same DAG that this value comes from, if any.
    pub fn producer(&self) -> Option<&str> {
        match self {
            InputSource::TaskOutputParameter { task, .. }
            | InputSource::TaskOutputArtifact { task, .. }
            | InputSource::TaskFinalStatus { task } => Some(task),
            _ => None,
        }
    }
}

/// When a task may start, given how its dependencies ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TriggerStrategy {
    /// Only when every dependency succeeded (the default).
    #[default]
    AllUpstreamTasksSucceeded,
    /// When every dependency has finished, however it ended (exit handlers,
    /// `ignore_upstream_failure`).
    AllUpstreamTasksCompleted,
}

/// Whether a task's result may be taken from an earlier identical run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Caching {
    pub enabled: bool,
    /// Replaces the computed cache key (`set_caching_options(cache_key=…)`).
    pub key: Option<String>,
}

/// How often and how patiently a failed task is retried. Attempt `n` (from 0) waits
/// `min(backoff × factor^n, backoff_max)` before it starts again.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetryPolicy {
    pub max_retries: u32,
    #[serde(serialize_with = "seconds")]
    pub backoff: Duration,
    pub backoff_factor: f64,
    #[serde(serialize_with = "seconds")]
    pub backoff_max: Duration,
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (0 for the first retry).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = self.backoff_factor.powi(attempt.min(1000) as i32);
        let secs = self.backoff.as_secs_f64() * factor;
        if !secs.is_finite() || secs >= self.backoff_max.as_secs_f64() {
            self.backoff_max
        } else {
            Duration::from_secs_f64(secs.max(0.0))
        }
    }
}

fn seconds<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

fn opt_seconds<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&d.as_secs_f64()),
        None => s.serialize_none(),
    }
}

/// Reads a protobuf `Duration` in its JSON form: seconds with up to nine decimals and an `s`
/// (`5s`, `1.5s`, `3600s`, `0.000000001s`). Negative durations are refused.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!(
            "{text:?} is not a duration; expected seconds followed by 's', such as '5s' or '1.5s'"
        )
    };
    let number = text.strip_suffix('s').ok_or_else(bad)?;
    if number.starts_with('-') {
        return Err(format!("{text:?} is negative"));
    }
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 9 {
        return Err(bad());
    }
    if number.ends_with('.') {
        return Err(bad());
    }
    // protobuf's limit: 315,576,000,000 s (10,000 years).
    let secs: u64 = whole
        .parse()
        .ok()
        .filter(|s| *s <= 315_576_000_000)
        .ok_or_else(|| format!("{text:?} is too long"))?;
    let nanos: u32 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}").parse().map_err(|_| bad())?
    };
    Ok(Duration::new(secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("3600s"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("0.000000001s"), Ok(Duration::from_nanos(1)));
        for bad in [
            "",
            "s",
            "5",
            "5m",
            "1.s",
            ".5s",
            "1.2.3s",
            "1e3s",
            "+5s",
            "1.0000000001s",
            " 5s",
            "5 s",
            "٣s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_duration("-1s"), Err("\"-1s\" is negative".into()));
        assert!(parse_duration("99999999999999999999s").is_err());
    }

    #[test]
    fn retry_delays_grow_and_are_capped() {
        let policy = RetryPolicy {
            max_retries: 3,
            backoff: Duration::from_secs(5),
            backoff_factor: 2.0,
            backoff_max: Duration::from_secs(60),
        };
        assert_eq!(policy.delay(0), Duration::from_secs(5));
        assert_eq!(policy.delay(2), Duration::from_secs(20));
        assert_eq!(policy.delay(4), Duration::from_secs(60));
        assert_eq!(policy.delay(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn parameter_types_round_trip_their_kfp_names() {
        for name in [
            "STRING",
            "NUMBER_INTEGER",
            "NUMBER_DOUBLE",
            "BOOLEAN",
            "LIST",
            "STRUCT",
            "TASK_FINAL_STATUS",
        ] {
            let ty = ParamType::from_kfp_name(name).unwrap();
            assert_eq!(ty.kfp_name(), name);
            assert_eq!(serde_json::to_value(ty).unwrap(), name);
        }
        assert_eq!(ParamType::from_kfp_name("TASK_CONFIG"), None);
    }
}
