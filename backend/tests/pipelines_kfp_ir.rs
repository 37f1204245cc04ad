//! The KFP v2 IR reader and the pipeline checks, on pipelines compiled by the real kfp SDK
//! (2.17.3, `tests/fixtures/kfp/`, see its README) and on edited copies of them.

use std::time::Duration;

use backend::pipelines::kfp_ir::{load_kfp_ir, read_kfp_ir};
use backend::pipelines::model::{
    Accelerator, DagParameterSource, Executor, ForEach, InputSource, LoopItems, OutputRef,
    ParamType, Pipeline, RetryPolicy, SubDag, Task, TaskKind, TriggerStrategy,
};
use backend::pipelines::validate::validate;
use serde_json::json;
use serde_yaml::Value as Yaml;

const FIXTURES: [&str; 6] = [
    "bench",
    "params",
    "artifacts",
    "conditions",
    "loops",
    "other_features",
];

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/kfp/{name}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read(name: &str) -> Pipeline {
    read_kfp_ir(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The fixture `name` with `edit` applied to its YAML.
fn edited(name: &str, edit: impl FnOnce(&mut Yaml)) -> String {
    let mut doc: Yaml = serde_yaml::from_str(&fixture(name)).unwrap();
    edit(&mut doc);
    serde_yaml::to_string(&doc).unwrap()
}

/// The value at a dotted path (keys hold no dots in these fixtures); the last key is added
/// when missing.
fn at<'v>(doc: &'v mut Yaml, path: &str) -> &'v mut Yaml {
    let (parent, last) = path.rsplit_once('.').unwrap_or(("", path));
    let parent = parent
        .split('.')
        .filter(|k| !k.is_empty())
        .fold(doc, |value, key| {
            value
                .get_mut(key)
                .unwrap_or_else(|| panic!("no {key} in {path}"))
        });
    let map = parent.as_mapping_mut().expect("a mapping");
    if !map.contains_key(last) {
        map.insert(last.into(), Yaml::Null);
    }
    &mut map[last]
}

fn yaml(text: &str) -> Yaml {
    serde_yaml::from_str(text).unwrap()
}

/// Every problem that reading and validating `text` finds, as `path: problem`.
fn problems(text: &str) -> Vec<String> {
    match load_kfp_ir(text) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

/// The one problem that reading (not validating) `text` finds.
fn read_problem(text: &str) -> String {
    match read_kfp_ir(text) {
        Ok(_) => panic!("read without a problem"),
        Err(e) => e.to_string(),
    }
}

fn task<'p>(tasks: &'p [Task], name: &str) -> &'p Task {
    tasks
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no task {name}"))
}

fn sub_dag(task: &Task) -> &SubDag {
    match &task.kind {
        TaskKind::SubDag(sub) => sub,
        other => panic!("{} is {other:?}", task.name),
    }
}

fn names(tasks: &[Task]) -> Vec<&str> {
    tasks.iter().map(|t| t.name.as_str()).collect()
}

#[test]
fn every_fixture_reads_and_all_but_the_importer_validate() {
    for name in FIXTURES {
        let pipeline = read(name);
        let result = validate(&pipeline);
        if name == "other_features" {
            let errors = result.unwrap_err();
            assert_eq!(errors.len(), 1, "{errors:?}");
        } else {
            result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
        }
        // the API shows graphs: the model serialises
        let shown = serde_json::to_value(&pipeline).unwrap();
        assert_eq!(shown["name"], json!(pipeline.name));
    }
}

#[test]
fn the_bench_pipeline_has_its_tasks_dependencies_condition_and_loop() {
    let p = read("bench");
    assert_eq!(p.name, "kfp-local-baseline");
    assert_eq!(p.root.path, "root.dag.tasks");
    let n_rows = &p.inputs.parameters["n_rows"];
    assert_eq!(n_rows.ty, ParamType::NumberInteger);
    assert_eq!(n_rows.default, Some(json!(100))); // written 100.0
    assert!(n_rows.optional);

    let root = &p.root.tasks;
    assert_eq!(
        names(root),
        [
            "aggregate",
            "col-stat",
            "col-stat-2",
            "col-stat-3",
            "col-stat-4",
            "condition-1",
            "make-data"
        ]
    );
    assert_eq!(
        task(root, "aggregate").dependencies,
        ["col-stat", "col-stat-2", "col-stat-3", "col-stat-4"]
    );
    assert!(task(root, "make-data").dependencies.is_empty());
    for reader in ["col-stat", "col-stat-2", "col-stat-3", "col-stat-4"] {
        let t = task(root, reader);
        assert_eq!(t.dependencies, ["make-data"]);
        assert_eq!(
            t.inputs.artifacts["data"].source,
            InputSource::TaskOutputArtifact {
                task: "make-data".into(),
                key: "data".into()
            }
        );
        assert!(t.caching.enabled);
        assert_eq!(t.trigger, TriggerStrategy::AllUpstreamTasksSucceeded);
    }
    let col_stat_2 = task(root, "col-stat-2");
    assert_eq!(
        col_stat_2.inputs.parameters["col"].source,
        InputSource::Constant(json!(1.0))
    );
    assert_eq!(
        col_stat_2.inputs.parameters["col"].path,
        "root.dag.tasks.col-stat-2.inputs.parameters.col"
    );
    assert_eq!(
        task(root, "aggregate").inputs.parameters["d"].source,
        InputSource::TaskOutputParameter {
            task: "col-stat-4".into(),
            key: "Output".into()
        }
    );
    assert_eq!(
        task(root, "make-data").inputs.parameters["n_rows"].source,
        InputSource::ComponentInput("n_rows".into())
    );

    // the condition: a sub-DAG task with its CEL text
    let condition = task(root, "condition-1");
    assert_eq!(condition.display_name, "agg-positive");
    assert_eq!(condition.dependencies, ["aggregate", "make-data"]);
    assert_eq!(
        condition.condition.as_deref(),
        Some("inputs.parameter_values['pipelinechannel--aggregate-Output'] > 0.0")
    );
    assert!(!condition.caching.enabled);
    let body = sub_dag(condition);
    assert_eq!(body.component, "comp-condition-1");
    assert!(body.for_each.is_none());
    assert_eq!(body.dag.path, "components.comp-condition-1.dag.tasks");
    assert_eq!(names(&body.dag.tasks), ["finalize", "for-loop-3"]);
    assert_eq!(
        body.inputs.parameters["pipelinechannel--make-data-Output"].ty,
        ParamType::NumberInteger
    );

    // the loop inside it
    let fan = task(&body.dag.tasks, "for-loop-3");
    assert_eq!(fan.display_name, "fan");
    let fan_dag = sub_dag(fan);
    assert_eq!(
        fan_dag.for_each,
        Some(ForEach {
            items: LoopItems::Literal(vec![json!(1), json!(2), json!(3)]),
            item_input: "pipelinechannel--loop-item-param-2".into(),
            parallelism: None,
        })
    );
    assert_eq!(names(&fan_dag.dag.tasks), ["scale"]);
    let scale = &fan_dag.dag.tasks[0];
    assert_eq!(scale.path, "components.comp-for-loop-3.dag.tasks.scale");
    assert_eq!(
        scale.inputs.parameters["item"].source,
        InputSource::ComponentInput("pipelinechannel--loop-item-param-2".into())
    );
    assert_eq!(
        fan_dag.dag.outputs.parameters["pipelinechannel--scale-Output"].source,
        DagParameterSource::Task(OutputRef {
            task: "scale".into(),
            key: "Output".into()
        })
    );
    assert_eq!(
        fan_dag.outputs.parameters["pipelinechannel--scale-Output"].ty,
        ParamType::List
    );
    let finalize = task(&body.dag.tasks, "finalize");
    assert_eq!(finalize.dependencies, ["for-loop-3"]);
    assert_eq!(
        finalize.inputs.parameters["scaled"].source,
        InputSource::TaskOutputParameter {
            task: "for-loop-3".into(),
            key: "pipelinechannel--scale-Output".into()
        }
    );

    // ten task executions: 7 container tasks at the root and in the condition, scale × 3
    assert_eq!(p.components.len(), 8);
    let TaskKind::Container { component } = &scale.kind else {
        panic!("scale is a container task")
    };
    let Executor::Container(container) = &p.components[component].executor else {
        panic!("comp-scale runs a container")
    };
    assert_eq!(container.image, "python:3.11");
    assert_eq!(container.command[..2], ["sh", "-ec"]);
    assert_eq!(
        container.args,
        [
            "--executor_input",
            "{{$}}",
            "--function_to_execute",
            "scale"
        ]
    );
    assert_eq!(
        p.components[component].executor_path,
        "deploymentSpec.executors.exec-scale"
    );
}

#[test]
fn artifacts_retries_caching_and_resources() {
    let p = read("artifacts");
    let root = &p.root.tasks;
    let make_ds = task(root, "make-ds");
    assert!(!make_ds.caching.enabled); // cachingOptions: {}
    assert_eq!(
        make_ds.retry,
        Some(RetryPolicy {
            max_retries: 3,
            backoff: Duration::from_secs(5),
            backoff_factor: 2.0,
            backoff_max: Duration::from_secs(60),
        })
    );
    let train = task(root, "train");
    assert_eq!(train.display_name, "Train it");
    assert!(train.retry.is_none());
    let train_2 = task(root, "train-2");
    assert!(train_2.caching.enabled);
    assert_eq!(train_2.caching.key.as_deref(), Some("my-key"));

    let container = |t: &Task| {
        let TaskKind::Container { component } = &t.kind else {
            panic!()
        };
        match &p.components[component].executor {
            Executor::Container(c) => c.clone(),
            other => panic!("{other:?}"),
        }
    };
    let c = container(train);
    assert_eq!(c.resources.cpu_request_milli, Some(500));
    assert_eq!(c.resources.cpu_limit_milli, Some(2000));
    assert_eq!(c.resources.memory_request_mib, Some(1024)); // 1Gi
    assert_eq!(c.resources.memory_limit_mib, Some(3815)); // 4G, rounded up
    assert_eq!(
        c.resources.accelerator,
        Some(Accelerator {
            kind: Some("nvidia.com/gpu".into()),
            count: 1
        })
    );
    assert_eq!(c.env.len(), 1);
    assert_eq!(
        (c.env[0].name.as_str(), c.env[0].value.as_str()),
        ("FOO", "bar")
    );
    assert_eq!(
        container(train_2).resources.accelerator,
        Some(Accelerator {
            kind: None,
            count: 2
        })
    );
    let model = &p.components["comp-make-ds"].outputs.artifacts["metrics"];
    assert_eq!(model.schema_title, "system.Metrics");
    let output = &p.root.outputs.artifacts["Output"];
    assert_eq!(output.path, "root.dag.outputs.artifacts.Output");
    assert_eq!(
        output.selectors,
        [OutputRef {
            task: "train".into(),
            key: "model".into()
        }]
    );
    assert_eq!(p.outputs.artifacts["Output"].schema_title, "system.Model");
}

#[test]
fn parameters_keep_their_types_and_constants() {
    let p = read("params");
    let defaults: Vec<_> = ["s", "i", "f", "b", "l", "d"]
        .iter()
        .map(|n| p.inputs.parameters[*n].default.clone().unwrap())
        .collect();
    assert_eq!(
        defaults,
        [
            json!("hi"),
            json!(3),
            json!(0.5),
            json!(true),
            json!([1.0, 2.0]),
            json!({"k": "v"})
        ]
    );
    let echo_2 = task(&p.root.tasks, "echo-2");
    let constant = |n: &str| match &echo_2.inputs.parameters[n].source {
        InputSource::Constant(v) => v.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(constant("d"), json!({"a": 1.0}));
    assert_eq!(constant("b"), json!(false));
    let consume = &p.components["comp-consume"].inputs.parameters;
    assert_eq!(consume["opt"].ty, ParamType::NumberInteger);
    assert_eq!(consume["opt"].default, Some(json!(7)));
    assert!(!consume["total"].optional);
    // .after(e2) is a dependency without data
    assert_eq!(
        task(&p.root.tasks, "consume").dependencies,
        ["echo", "echo-2", "multi-out"]
    );
}

#[test]
fn conditions_keep_their_cel_text_and_one_of_outputs() {
    let p = read("conditions");
    let mut conditions = Vec::new();
    fn walk<'p>(tasks: &'p [Task], out: &mut Vec<&'p str>) {
        for t in tasks {
            if let Some(c) = &t.condition {
                out.push(c);
            }
            if let TaskKind::SubDag(sub) = &t.kind {
                walk(&sub.dag.tasks, out);
            }
        }
    }
    walk(&p.root.tasks, &mut conditions);
    assert_eq!(conditions.len(), 19, "{conditions:#?}");
    assert!(
        conditions.contains(&"inputs.parameter_values['pipelinechannel--num-Output'] > double(0)")
    );
    assert!(
        conditions
            .iter()
            .any(|c| c.starts_with("!(int(") && c.contains("&&"))
    );

    let branches = task(&p.root.tasks, "condition-branches-17");
    let sub = sub_dag(branches);
    assert!(branches.condition.is_none());
    let DagParameterSource::OneOf(selectors) =
        &sub.dag.outputs.parameters["pipelinechannel--condition-branches-17-oneof-1"].source
    else {
        panic!("a OneOf")
    };
    assert_eq!(
        selectors
            .iter()
            .map(|s| s.task.as_str())
            .collect::<Vec<_>>(),
        ["condition-18", "condition-19", "condition-20"]
    );
}

#[test]
fn loops_over_lists_task_outputs_and_dicts() {
    let p = read("loops");
    let for_each = |t: &Task| sub_dag(t).for_each.clone().unwrap();
    let root = &p.root.tasks;
    assert_eq!(
        for_each(task(root, "for-loop-1")).items,
        LoopItems::Input("pipelinechannel--xs".into())
    );
    let static_list = for_each(task(root, "for-loop-3"));
    assert_eq!(static_list.parallelism, Some(1));
    assert_eq!(
        static_list.items,
        LoopItems::Literal(vec![json!(4), json!(5)])
    );
    let dicts = task(root, "for-loop-7");
    assert_eq!(
        for_each(dicts).items,
        LoopItems::Literal(vec![json!({"a": 1, "b": 2}), json!({"a": 3, "b": 4})])
    );
    // fields of dict items are read with a selector
    let records = task(root, "for-loop-5");
    let pair = &sub_dag(records).dag.tasks[0];
    assert_eq!(
        pair.inputs.parameters["a"].selector.as_deref(),
        Some("parseJson(string_value)[\"a\"]")
    );
    // nested loops: a loop sub-DAG inside a loop sub-DAG
    let outer = task(root, "for-loop-9");
    let inner = &sub_dag(outer).dag.tasks[0];
    assert_eq!(
        for_each(inner).items,
        LoopItems::Literal(vec![json!(7), json!(8)])
    );
    // collected artifacts
    let collected = &sub_dag(task(root, "for-loop-3")).outputs.artifacts;
    assert!(collected["pipelinechannel--write-ds-out"].is_list);
    assert!(p.components["comp-read-all"].inputs.artifacts["dss"].is_list);
}

#[test]
fn exit_handlers_nested_pipelines_and_f_strings() {
    let p = read("other_features");
    let cleanup = task(&p.root.tasks, "cleanup");
    assert_eq!(cleanup.trigger, TriggerStrategy::AllUpstreamTasksCompleted);
    assert_eq!(
        cleanup.inputs.parameters["status"].source,
        InputSource::TaskFinalStatus {
            task: "exit-handler-1".into()
        }
    );
    let guarded = task(&p.root.tasks, "exit-handler-1");
    assert_eq!(guarded.display_name, "guarded");
    let body = &sub_dag(guarded).dag.tasks;
    let shell = task(body, "shell-step");
    assert_eq!(
        shell.inputs.parameters["msg"].source,
        InputSource::Constant(json!(
            "hello {{$.inputs.parameters['pipelinechannel--who']}}"
        ))
    );
    assert!(shell.inputs.parameters.contains_key("pipelinechannel--who"));
    let inner = sub_dag(task(body, "inner"));
    assert_eq!(inner.component, "comp-inner");
    assert!(inner.dag.outputs.parameters.contains_key("Output"));
    assert_eq!(
        task(body, "fail-maybe").trigger,
        TriggerStrategy::AllUpstreamTasksCompleted
    );
    assert!(matches!(
        p.components["comp-importer"].executor,
        Executor::Importer(_)
    ));
}

#[test]
fn json_and_the_api_form_read_like_yaml() {
    let yaml_model = read("bench");
    let doc: serde_json::Value = serde_yaml::from_str(&fixture("bench")).unwrap();
    let from_json = read_kfp_ir(&serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    assert_eq!(from_json, yaml_model);
    // KFP's API form: the same pipeline, with paths that start at pipelineSpec
    let wrapped = json!({"pipelineSpec": doc}).to_string();
    let from_api = read_kfp_ir(&wrapped).unwrap();
    assert_eq!(names(&from_api.root.tasks), names(&yaml_model.root.tasks));
    assert_eq!(from_api.root.path, "pipelineSpec.root.dag.tasks");
    assert_eq!(
        from_api.components["comp-scale"].executor_path,
        "pipelineSpec.deploymentSpec.executors.exec-scale"
    );
}

// ---- bad input: refused with the path of the problem -----------------------------------------

#[test]
fn a_cycle_through_dependent_tasks_is_named() {
    let text = edited("bench", |doc| {
        *at(doc, "root.dag.tasks.col-stat-2.dependentTasks") = yaml("[make-data, col-stat-3]");
        *at(doc, "root.dag.tasks.col-stat-3.dependentTasks") = yaml("[make-data, col-stat-2]");
    });
    assert_eq!(
        problems(&text),
        ["root.dag.tasks: cycle col-stat-2 -> col-stat-3 -> col-stat-2"]
    );
    let text = edited("bench", |doc| {
        *at(doc, "root.dag.tasks.make-data.dependentTasks") = yaml("[aggregate]");
    });
    assert_eq!(
        problems(&text),
        ["root.dag.tasks: cycle aggregate -> col-stat -> make-data -> aggregate"]
    );
    let text = edited("bench", |doc| {
        *at(
            doc,
            "components.comp-condition-1.dag.tasks.for-loop-3.dependentTasks",
        ) = yaml("[finalize]");
    });
    assert_eq!(
        problems(&text),
        ["components.comp-condition-1.dag.tasks: cycle finalize -> for-loop-3 -> finalize"]
    );
    let text = edited("bench", |doc| {
        *at(doc, "root.dag.tasks.make-data.dependentTasks") = yaml("[make-data]");
    });
    assert_eq!(
        problems(&text),
        ["root.dag.tasks: cycle make-data -> make-data"]
    );
}

#[test]
fn a_missing_dependency_is_refused() {
    let text = edited("bench", |doc| {
        *at(doc, "root.dag.tasks.aggregate.dependentTasks") = yaml("[col-stat, col-stat-9]");
    });
    assert_eq!(
        problems(&text),
        [
            "root.dag.tasks.aggregate.dependentTasks: unknown task 'col-stat-9' (tasks in this \
             DAG: aggregate, col-stat, col-stat-2, col-stat-3, col-stat-4, condition-1, make-data)"
        ]
    );
}

#[test]
fn an_unknown_input_name_is_refused() {
    let text = edited("bench", |doc| {
        let inputs = at(doc, "root.dag.tasks.aggregate.inputs.parameters")
            .as_mapping_mut()
            .unwrap();
        let d = inputs.remove("d").unwrap();
        inputs.insert("lr".into(), d);
    });
    assert_eq!(
        problems(&text),
        [
            "root.dag.tasks.aggregate.inputs.parameters.lr: unknown input 'lr' (comp-aggregate \
             declares: a, b, c, d)",
            "root.dag.tasks.aggregate.inputs.parameters.d: required input 'd' of comp-aggregate \
             is not given",
        ]
    );
}

#[test]
fn an_unknown_producer_or_output_is_refused() {
    let text = edited("bench", |doc| {
        *at(
            doc,
            "root.dag.tasks.aggregate.inputs.parameters.a.taskOutputParameter.producerTask",
        ) = yaml("col-stat-7");
        *at(
            doc,
            "root.dag.tasks.aggregate.inputs.parameters.b.taskOutputParameter.outputParameterKey",
        ) = yaml("Outptu");
        *at(
            doc,
            "root.dag.tasks.col-stat.inputs.artifacts.data.taskOutputArtifact.outputArtifactKey",
        ) = yaml("dataset");
    });
    assert_eq!(
        problems(&text),
        [
            "root.dag.tasks.aggregate.inputs.parameters.a: unknown producer task 'col-stat-7' \
             (tasks in this DAG: aggregate, col-stat, col-stat-2, col-stat-3, col-stat-4, \
             condition-1, make-data)",
            "root.dag.tasks.aggregate.inputs.parameters.b: task 'col-stat-2' has no output \
             parameter 'Outptu' (comp-col-stat-2 declares: Output)",
            "root.dag.tasks.col-stat.inputs.artifacts.data: task 'make-data' has no output \
             artifact 'dataset' (comp-make-data declares: data)",
        ]
    );
}

#[test]
fn an_unknown_component_input_is_refused() {
    let text = edited("bench", |doc| {
        *at(
            doc,
            "root.dag.tasks.make-data.inputs.parameters.n_rows.componentInputParameter",
        ) = yaml("rows");
        *at(
            doc,
            "components.comp-condition-1.dag.tasks.finalize.inputs.parameters.n_rows",
        ) = yaml("{componentInputParameter: n_rows}");
    });
    assert_eq!(
        problems(&text),
        [
            // task by task: condition-1 (and its sub-DAG) comes before make-data
            "components.comp-condition-1.dag.tasks.finalize.inputs.parameters.n_rows: unknown \
             component input 'n_rows' (comp-condition-1 declares: \
             pipelinechannel--aggregate-Output, pipelinechannel--make-data-Output)",
            "root.dag.tasks.make-data.inputs.parameters.n_rows: unknown pipeline input 'rows' \
             (the pipeline declares: n_rows)",
        ]
    );
}

#[test]
fn a_missing_required_input_and_a_bad_condition_input_are_refused() {
    let text = edited("bench", |doc| {
        at(doc, "root.dag.tasks.make-data")
            .as_mapping_mut()
            .unwrap()
            .remove("inputs");
        *at(doc, "root.dag.tasks.condition-1.triggerPolicy.condition") =
            yaml("\"inputs.parameter_values['pipelinechannel--agg-Output'] > 0.0\"");
    });
    assert_eq!(
        problems(&text),
        [
            "root.dag.tasks.condition-1.triggerPolicy.condition: the condition reads \
             'pipelinechannel--agg-Output', which is not an input of this task (its inputs: \
             pipelinechannel--aggregate-Output, pipelinechannel--make-data-Output)",
            "root.dag.tasks.make-data.inputs.parameters.n_rows: required input 'n_rows' of \
             comp-make-data is not given",
        ]
    );
}

#[test]
fn a_condition_that_is_not_cel_is_refused_with_its_path() {
    // What the compiler writes for `x == "it's"`: the quote is not escaped.
    let text = edited("bench", |doc| {
        *at(doc, "root.dag.tasks.condition-1.triggerPolicy.condition") =
            yaml("\"inputs.parameter_values['pipelinechannel--aggregate-Output'] == 'it's'\"");
    });
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .starts_with("root.dag.tasks.condition-1.triggerPolicy.condition: not valid CEL: at "),
        "{}",
        found[0]
    );
}

#[test]
fn duplicate_task_names_are_refused_in_the_model() {
    let mut p = read("bench");
    let copy = p.root.tasks[0].clone();
    p.root.tasks.push(copy);
    assert_eq!(
        validate(&p).unwrap_err()[0].to_string(),
        "root.dag.tasks.aggregate: duplicate task name 'aggregate'"
    );
}

#[test]
fn a_bad_retry_duration_is_refused() {
    let text = edited("artifacts", |doc| {
        *at(doc, "root.dag.tasks.make-ds.retryPolicy.backoffDuration") = yaml("5m");
    });
    assert_eq!(
        read_problem(&text),
        "root.dag.tasks.make-ds.retryPolicy.backoffDuration: \"5m\" is not a duration; expected \
         seconds followed by 's', such as '5s' or '1.5s'"
    );
    let text = edited("artifacts", |doc| {
        *at(doc, "root.dag.tasks.make-ds.retryPolicy.backoffMaxDuration") = yaml("1.5s");
        *at(doc, "root.dag.tasks.make-ds.retryPolicy.maxRetryCount") = yaml("-1");
    });
    assert_eq!(
        read_problem(&text),
        "root.dag.tasks.make-ds.retryPolicy.maxRetryCount: expected a whole number from 0 to \
         4294967295, found -1"
    );
}

#[test]
fn not_yaml_and_not_kfp_ir_are_refused() {
    let problem = read_problem("root: [unclosed\npipelineInfo: {name: x");
    assert!(
        problem.starts_with("(document): not valid YAML: "),
        "{problem}"
    );
    assert_eq!(
        read_problem(""),
        "(document): empty: there is no pipeline in it"
    );
    assert_eq!(
        read_problem("- a\n- b\n"),
        "(document): expected a mapping, found a list"
    );
    assert_eq!(
        read_problem("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n"),
        "(document): not a Kubeflow Pipelines IR document: it has no pipelineInfo and no root \
         (compile the pipeline with kfp.compiler.Compiler().compile)"
    );
    assert_eq!(
        read_problem("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n"),
        "(document): an Argo Workflow, as kfp 1 compiled pipelines: recompile the pipeline with \
         kfp 2"
    );
    let text = edited("bench", |doc| {
        doc.as_mapping_mut().unwrap().remove("pipelineInfo");
    });
    assert_eq!(read_problem(&text), "pipelineInfo: missing");
    let text = edited("bench", |doc| {
        doc.as_mapping_mut().unwrap().remove("root");
    });
    assert_eq!(read_problem(&text), "root: missing");
    let text = edited("bench", |doc| {
        at(doc, "deploymentSpec.executors")
            .as_mapping_mut()
            .unwrap()
            .remove("exec-scale");
    });
    assert_eq!(
        read_problem(&text),
        "deploymentSpec.executors.exec-scale: missing"
    );
    let text = edited("bench", |doc| {
        *at(doc, "root.dag.tasks.aggregate.componentRef.name") = yaml("comp-agg");
    });
    assert_eq!(
        read_problem(&text),
        "root.dag.tasks.aggregate.componentRef.name: no component \"comp-agg\" in components"
    );
    let text = edited("bench", |doc| {
        at(doc, "root.dag.tasks.make-data")
            .as_mapping_mut()
            .unwrap()
            .insert("timeout".into(), "5s".into());
    });
    assert!(
        read_problem(&text).starts_with("root.dag.tasks.make-data.timeout: unknown field"),
        "{}",
        read_problem(&text)
    );
    assert_eq!(
        problems("pipelineInfo: {name: x}\nroot: {dag: {}}"),
        ["root.dag.tasks: the pipeline has no tasks"]
    );
    let text = edited("bench", |doc| {
        *at(doc, "schemaVersion") = yaml("'1.0.0'");
    });
    assert_eq!(
        read_problem(&text),
        "schemaVersion: \"1.0.0\" is not supported (Capstan reads schema 2.x, as kfp 2 writes)"
    );
}

#[test]
fn a_sub_dag_that_contains_itself_is_refused() {
    let text = edited("bench", |doc| {
        *at(
            doc,
            "components.comp-for-loop-3.dag.tasks.scale.componentRef.name",
        ) = yaml("comp-condition-1");
    });
    assert_eq!(
        read_problem(&text),
        "components.comp-for-loop-3.dag.tasks.scale.componentRef.name: component \
         \"comp-condition-1\" contains itself (comp-condition-1 -> comp-for-loop-3 -> \
         comp-condition-1)"
    );
}

#[test]
fn unsupported_features_are_refused() {
    assert_eq!(
        problems(&fixture("other_features")),
        [
            "components.comp-exit-handler-1.dag.tasks.importer: 'comp-importer' is an importer \
             (dsl.importer), which Capstan does not run: pass the data as an artifact produced \
             by a task instead"
        ]
    );

    let text = edited("loops", |doc| {
        let task = at(doc, "root.dag.tasks.for-loop-3")
            .as_mapping_mut()
            .unwrap();
        task.remove("parameterIterator");
        task.insert(
            "artifactIterator".into(),
            yaml("{items: {inputArtifact: pipelinechannel--ds}, itemInput: pipelinechannel--loop-item-param-2}"),
        );
    });
    assert_eq!(
        problems(&text),
        [
            "root.dag.tasks.for-loop-3.artifactIterator: iterating over a list of artifacts \
             (ParallelFor over artifacts) is not supported; iterate over parameters"
        ]
    );

    let platform = "---\nplatforms:\n  kubernetes:\n    deploymentSpec:\n      executors:\n        \
                    exec-scale:\n          secretAsEnv: [{secretName: s, keyToEnv: [{secretKey: \
                    k, envVar: K}]}]\n";
    let text = format!("{}{platform}", fixture("bench"));
    assert_eq!(
        problems(&text),
        [
            "platforms.kubernetes: platform-specific configuration (kubernetes: secrets, volumes, \
             node selectors and the like from kfp-kubernetes) is not supported"
        ]
    );

    let text = edited("bench", |doc| {
        at(doc, "deploymentSpec.executors.exec-scale.container")
            .as_mapping_mut()
            .unwrap()
            .insert("lifecycle".into(), yaml("{preCacheCheck: {command: [x]}}"));
    });
    assert_eq!(
        read_problem(&text),
        "deploymentSpec.executors.exec-scale.container.lifecycle: container lifecycle hooks \
         (preCacheCheck) are not supported"
    );
}

#[test]
fn wrong_types_name_their_path() {
    let text = edited("bench", |doc| {
        *at(doc, "root.dag.tasks.aggregate.dependentTasks") = yaml("col-stat");
    });
    assert_eq!(
        read_problem(&text),
        "root.dag.tasks.aggregate.dependentTasks: expected a list, found a string"
    );
    let text = edited("bench", |doc| {
        *at(doc, "root.dag.tasks.aggregate.dependentTasks") = yaml("[col-stat, 3]");
    });
    assert_eq!(
        read_problem(&text),
        "root.dag.tasks.aggregate.dependentTasks[1]: expected a string, found a number"
    );
    let text = edited("bench", |doc| {
        *at(doc, "root.inputDefinitions.parameters.n_rows.defaultValue") = yaml("many");
    });
    assert_eq!(
        read_problem(&text),
        "root.inputDefinitions.parameters.n_rows.defaultValue: expected a number for a \
         NUMBER_INTEGER parameter, found a string"
    );
    let text = edited("bench", |doc| {
        *at(
            doc,
            "components.comp-condition-1.dag.tasks.for-loop-3.parameterIterator.items.raw",
        ) = yaml("'[1, 2'");
    });
    assert!(
        read_problem(&text).starts_with(
            "components.comp-condition-1.dag.tasks.for-loop-3.parameterIterator.items.raw: not \
             a JSON list: "
        ),
        "{}",
        read_problem(&text)
    );
    let text = edited("bench", |doc| {
        *at(
            doc,
            "root.dag.tasks.col-stat-2.inputs.parameters.col.runtimeValue.constant",
        ) = yaml("one");
    });
    assert_eq!(
        problems(&text),
        [
            "root.dag.tasks.col-stat-2.inputs.parameters.col: the value \"one\" does not fit \
             the input's type NUMBER_INTEGER"
        ]
    );
}

// ---- garbage: errors, never panics -----------------------------------------------------------

/// A small deterministic generator (xorshift), so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn garbage_gives_errors_not_panics() {
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let read_any = |text: &str| {
        let _ = load_kfp_ir(text);
    };
    // truncated fixtures
    for name in FIXTURES {
        let text = fixture(name);
        let mut cut = 0;
        while cut < text.len() {
            if text.is_char_boundary(cut) {
                read_any(&text[..cut]);
            }
            cut += 1 + rng.below(400);
        }
    }
    // fixtures with bytes replaced or lines dropped
    let alphabet = b" \n:-[]{}'\"#&*!|>%@`,?0123456789abcxyz.";
    for name in FIXTURES {
        let text = fixture(name);
        for _ in 0..40 {
            let mut bytes = text.clone().into_bytes();
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(bytes.len());
                bytes[i] = alphabet[rng.below(alphabet.len())];
            }
            if let Ok(text) = String::from_utf8(bytes) {
                read_any(&text);
            }
            let lines: Vec<&str> = text.lines().collect();
            let drop = rng.below(lines.len());
            let kept: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .map(|(_, l)| *l)
                .collect();
            read_any(&kept.join("\n"));
        }
    }
    // random text
    for _ in 0..300 {
        let len = rng.below(300);
        let text: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())] as char)
            .collect();
        read_any(&text);
    }
    // odd documents
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let laughs = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c]\n\
                  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e]\n\
                  g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    for text in [
        "~",
        "null",
        "42",
        "\"just a string\"",
        "{}",
        "pipelineInfo: {}\nroot: {}",
        "pipelineInfo: {name: x}\nroot: {dag: {tasks: {t: {}}}}",
        "pipelineInfo: {name: x}\nroot: {dag: {tasks: []}}",
        "pipelineInfo: {name: x}\nroot: {dag: {}}\n---\n---\n",
        "pipelineInfo: {name: x}\nroot: {dag: {}}\n---\n[1]\n",
        "!!binary aGVsbG8=",
        "? [a, b]\n: c",
        "1: 2\n1.0: 3",
        ".nan: 1",
        "x: .inf",
        deep.as_str(),
        laughs,
        "\u{feff}pipelineInfo: {name: x}",
        "\0\0\0",
    ] {
        read_any(text);
    }
}

#[test]
fn a_pipeline_that_expands_too_far_is_refused() {
    // 2^14 tasks from 14 components that each use the next twice
    let mut components = String::new();
    for level in 0..14 {
        let next = if level == 13 {
            "comp-leaf".to_string()
        } else {
            format!("comp-l{}", level + 1)
        };
        components.push_str(&format!(
            "  comp-l{level}:\n    dag:\n      tasks:\n        a: {{componentRef: {{name: \
             {next}}}}}\n        b: {{componentRef: {{name: {next}}}}}\n"
        ));
    }
    let text = format!(
        "pipelineInfo: {{name: wide}}\nroot:\n  dag:\n    tasks:\n      top: {{componentRef: \
         {{name: comp-l0}}}}\ncomponents:\n{components}  comp-leaf: {{executorLabel: exec-leaf}}\n\
         deploymentSpec:\n  executors:\n    exec-leaf: {{container: {{image: alpine}}}}\n"
    );
    let problem = read_problem(&text);
    assert!(
        problem.ends_with("the pipeline has more than 10000 tasks once its sub-DAGs are expanded"),
        "{problem}"
    );
}
