//! The reader on the `train-eval` fixture, which uses every feature (here), on small documents
//! (`documents`), and on what it refuses, each with its path (`refusals`: the document and
//! a task's fields; `references`: between tasks, conditions and forEach).

mod documents;
mod references;
mod refusals;

use std::time::Duration;

use serde_json::json;

use super::*;
use crate::pipelines::model::{
    Accelerator, DagParameterSource, Executor, ForEach, InputSource, LoopItems, OutputRef,
    ParamType, RetryPolicy, SubDag, Task, TaskKind,
};

const FIXTURE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/capstan/train-eval.yaml"
));

/// A document with run parameters `lr` (double), `xs` (list) and `n` (integer, required), and
/// `body` (its `tasks:`).
pub fn doc(body: &str) -> String {
    format!(
        "apiVersion: capstan.dev/v1\nkind: Pipeline\nname: p\nparameters:\n  \
         lr: {{type: double, default: 0.1}}\n  xs: {{type: list, default: [1, 2]}}\n  \
         n: {{type: integer}}\n{body}"
    )
}

pub fn load(text: &str) -> Pipeline {
    load_capstan_yaml(text).unwrap_or_else(|e| panic!("{e:#?}"))
}

pub fn task<'p>(tasks: &'p [Task], name: &str) -> &'p Task {
    tasks
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no task {name}"))
}

pub fn sub_dag(task: &Task) -> &SubDag {
    match &task.kind {
        TaskKind::SubDag(sub) => sub,
        other => panic!("{} is {other:?}", task.name),
    }
}

pub fn source(task: &Task, input: &str) -> InputSource {
    let bindings = &task.inputs;
    let binding = bindings
        .parameters
        .get(input)
        .or(bindings.artifacts.get(input));
    binding
        .unwrap_or_else(|| panic!("no input {input}"))
        .source
        .clone()
}

/// Every problem that reading and validating `text` finds, as `path: problem`.
pub fn problems(text: &str) -> Vec<String> {
    match load_capstan_yaml(text) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

/// `tasks` with one more task `a`, that runs `x`, before them.
pub fn with_a(a: &str, tasks: &str) -> String {
    format!("tasks:\n- {{name: a, command: [x]{a}}}\n{tasks}")
}

#[test]
fn the_fixture_reads_into_tasks_components_and_dependencies() {
    let p = load(FIXTURE);
    assert_eq!(p.name, "train-eval");
    assert_eq!(p.source, Source::Capstan);
    assert_eq!(p.root.path, "tasks");
    let epochs = &p.inputs.parameters["epochs"];
    assert_eq!(
        (epochs.ty, epochs.default.clone()),
        (ParamType::NumberInteger, Some(json!(3)))
    );
    assert!(!p.inputs.parameters["run_name"].optional);
    assert_eq!(
        p.inputs.parameters["lr"].description.as_deref(),
        Some("learning rate")
    );
    let names: Vec<&str> = p.root.tasks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["prepare", "train", "sweep", "evaluate"]);
    let components: Vec<&str> = p.components.keys().map(String::as_str).collect();
    assert_eq!(
        components,
        ["comp-evaluate", "comp-prepare", "comp-sweep", "comp-train"]
    );

    let prepare = task(&p.root.tasks, "prepare");
    assert_eq!(prepare.path, "tasks[0]");
    assert!(prepare.dependencies.is_empty());
    assert_eq!(
        source(prepare, "rows"),
        InputSource::ComponentInput("epochs".into())
    );
    assert_eq!(
        source(prepare, "note"),
        InputSource::Constant(json!("literal values are constants"))
    );
    assert_eq!(
        prepare.inputs.parameters["rows"].path,
        "tasks[0].inputs.parameters.rows"
    );
    assert!(prepare.caching.enabled);
    assert_eq!(prepare.timeout, Some(Duration::from_secs(600)));
    let retry = RetryPolicy {
        max_retries: 3,
        backoff: Duration::from_secs(5),
        backoff_factor: 2.0,
        backoff_max: Duration::from_secs(60),
    };
    assert_eq!(prepare.retry, Some(retry));

    let comp = &p.components["comp-prepare"];
    assert_eq!(
        (comp.path.as_str(), comp.executor_path.as_str()),
        ("tasks[0]", "tasks[0]")
    );
    assert_eq!(comp.inputs.parameters["rows"].ty, ParamType::NumberInteger);
    assert_eq!(comp.inputs.parameters["note"].ty, ParamType::String);
    assert_eq!(
        comp.outputs.parameters["count"].ty,
        ParamType::NumberInteger
    );
    assert_eq!(
        comp.outputs.artifacts["data"].schema_title,
        "system.Artifact"
    );
    let Executor::Container(container) = &comp.executor else {
        panic!("a container")
    };
    assert_eq!(container.image, "python:3.11");
    assert_eq!(
        container.args,
        [
            "--out",
            "{{$.outputs.artifacts['data'].path}}",
            "--rows",
            "{{$.inputs.parameters['rows']}}",
            "--count-file",
            "{{$.outputs.parameters['count'].output_file}}"
        ]
    );
    assert_eq!(
        (
            container.env[0].name.as_str(),
            container.env[0].value.as_str()
        ),
        ("PYTHONUNBUFFERED", "1")
    );
    let resources = &container.resources;
    assert_eq!(
        (resources.cpu_request_milli, resources.cpu_limit_milli),
        (Some(500), Some(500))
    );
    assert_eq!(
        (resources.memory_request_mib, resources.memory_limit_mib),
        (Some(1024), Some(1024))
    );
    assert_eq!(resources.accelerator, None);

    let Executor::Container(train) = &p.components["comp-train"].executor else {
        panic!("a container")
    };
    let gpu = Accelerator {
        kind: Some("nvidia.com/gpu".into()),
        count: 1,
    };
    assert_eq!(train.resources.accelerator, Some(gpu));
    assert_eq!(train.resources.memory_limit_mib, Some(4096));
    assert_eq!(train.args[0], "--data={{$.inputs.artifacts['data'].path}}");

    let evaluate = task(&p.root.tasks, "evaluate");
    assert_eq!(evaluate.dependencies, ["sweep", "train"]);
    assert_eq!(
        evaluate.condition.as_deref(),
        Some(r#"inputs.parameter_values["name"] != "" && !inputs.parameter_values["verbose"]"#)
    );
    let score = InputSource::TaskOutputParameter {
        task: "train".into(),
        key: "score".into(),
    };
    assert_eq!(source(evaluate, "scores"), score);
    let model = InputSource::TaskOutputArtifact {
        task: "train".into(),
        key: "model".into(),
    };
    assert_eq!(source(evaluate, "models"), model);
    // a forEach's outputs are lists
    let comp = &p.components["comp-evaluate"];
    assert_eq!(comp.inputs.parameters["scores"].ty, ParamType::List);
    assert_eq!(comp.inputs.parameters["verbose"].ty, ParamType::Boolean);
    assert!(comp.inputs.artifacts["models"].is_list);
}

#[test]
fn a_for_each_is_a_sub_dag_that_collects_its_outputs_as_lists() {
    let p = load(FIXTURE);
    let train = task(&p.root.tasks, "train");
    assert_eq!(train.dependencies, ["prepare"]);
    assert_eq!(
        train.condition.as_deref(),
        Some(r#"inputs.parameter_values["pipelinechannel--prepare-count"] > 0"#)
    );
    assert!(train.retry.is_none() && train.timeout.is_none());
    let sub = sub_dag(train);
    assert_eq!(sub.component, "comp-for-each-train");
    let for_each = ForEach {
        items: LoopItems::Input("pipelinechannel--shards".into()),
        item_input: "pipelinechannel--shards-loop-item".into(),
        parallelism: Some(2),
    };
    assert_eq!(sub.for_each, Some(for_each));
    // the outer values, passed down
    let given: Vec<(&str, InputSource)> = train
        .inputs
        .parameters
        .iter()
        .chain(&train.inputs.artifacts)
        .map(|(name, binding)| (name.as_str(), binding.source.clone()))
        .collect();
    let count = InputSource::TaskOutputParameter {
        task: "prepare".into(),
        key: "count".into(),
    };
    let data = InputSource::TaskOutputArtifact {
        task: "prepare".into(),
        key: "data".into(),
    };
    assert_eq!(
        given,
        [
            (
                "pipelinechannel--config",
                InputSource::ComponentInput("config".into())
            ),
            (
                "pipelinechannel--lr",
                InputSource::ComponentInput("lr".into())
            ),
            ("pipelinechannel--prepare-count", count),
            (
                "pipelinechannel--shards",
                InputSource::ComponentInput("shards".into())
            ),
            ("pipelinechannel--prepare-data", data),
        ]
    );
    assert_eq!(
        train.inputs.parameters["pipelinechannel--shards"].path,
        "tasks[1].forEach.items"
    );
    assert_eq!(
        train.inputs.parameters["pipelinechannel--prepare-count"].path,
        "tasks[1].inputs.parameters.n"
    );
    let declared = &sub.inputs.parameters;
    assert_eq!(declared["pipelinechannel--shards"].ty, ParamType::List);
    assert_eq!(
        declared["pipelinechannel--shards-loop-item"].ty,
        ParamType::String
    );
    assert_eq!(
        declared["pipelinechannel--prepare-count"].ty,
        ParamType::NumberInteger
    );
    assert!(!sub.inputs.artifacts["pipelinechannel--prepare-data"].is_list);

    // the body: one container task of the same name, reading the item and the channels
    assert_eq!(sub.dag.tasks.len(), 1);
    let body = &sub.dag.tasks[0];
    assert_eq!(
        (body.name.as_str(), body.path.as_str()),
        ("train", "tasks[1]")
    );
    assert_eq!(
        body.kind,
        TaskKind::Container {
            component: "comp-train".into()
        }
    );
    assert!(body.condition.is_none() && body.dependencies.is_empty());
    assert_eq!(body.timeout, Some(Duration::from_secs(3600)));
    assert_eq!(body.retry.as_ref().map(|r| r.max_retries), Some(1));
    let item = InputSource::ComponentInput("pipelinechannel--shards-loop-item".into());
    assert_eq!(source(body, "shard"), item);
    assert_eq!(
        source(body, "n"),
        InputSource::ComponentInput("pipelinechannel--prepare-count".into())
    );
    assert_eq!(
        source(body, "data"),
        InputSource::ComponentInputArtifact("pipelinechannel--prepare-data".into())
    );
    assert_eq!(
        body.inputs.parameters["n"].path,
        "tasks[1].inputs.parameters.n"
    );
    assert_eq!(
        p.components["comp-train"].inputs.parameters["config"].ty,
        ParamType::Struct
    );

    // outputs: every iteration's value, as a list
    assert_eq!(sub.outputs.parameters["score"].ty, ParamType::List);
    assert!(sub.outputs.artifacts["model"].is_list);
    let from_body = |key: &str| OutputRef {
        task: "train".into(),
        key: key.into(),
    };
    assert_eq!(
        sub.dag.outputs.parameters["score"].source,
        DagParameterSource::Task(from_body("score"))
    );
    assert_eq!(
        sub.dag.outputs.artifacts["model"].selectors,
        [from_body("model")]
    );
}

#[test]
fn dict_items_are_read_by_field_with_kfp_selectors() {
    let p = load(FIXTURE);
    let sweep = task(&p.root.tasks, "sweep");
    assert!(sweep.inputs.parameters.is_empty());
    let sub = sub_dag(sweep);
    let items = vec![
        json!({"depth": 2, "kind": "tree"}),
        json!({"depth": 4, "kind": "forest"}),
    ];
    assert_eq!(
        sub.for_each.as_ref().unwrap().items,
        LoopItems::Literal(items)
    );
    assert_eq!(
        sub.for_each.as_ref().unwrap().item_input,
        "pipelinechannel--loop-item"
    );
    assert_eq!(
        sub.inputs.parameters["pipelinechannel--loop-item"].ty,
        ParamType::Struct
    );
    let body = &sub.dag.tasks[0];
    let depth = &body.inputs.parameters["depth"];
    assert_eq!(
        depth.source,
        InputSource::ComponentInput("pipelinechannel--loop-item".into())
    );
    assert_eq!(
        depth.selector.as_deref(),
        Some(r#"parseJson(string_value)["depth"]"#)
    );
    let declared = &p.components["comp-sweep"].inputs.parameters;
    assert_eq!(
        (declared["depth"].ty, declared["kind"].ty),
        (ParamType::NumberInteger, ParamType::String)
    );
    assert!(sub.outputs.parameters.is_empty() && sub.dag.outputs.parameters.is_empty());
}

#[test]
fn the_example_of_the_documentation_is_the_fixture() {
    let docs = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/pipelines-yaml.md"
    ));
    let start = docs.find("```yaml\n").expect("a YAML example") + "```yaml\n".len();
    let example = &docs[start..start + docs[start..].find("```").unwrap()];
    assert_eq!(load(example), load(FIXTURE));
}
