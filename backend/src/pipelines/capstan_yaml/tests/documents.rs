//! Small documents: what the fixture does not show.

use std::time::Duration;

use serde_json::json;

use super::{FIXTURE, doc, load, source, sub_dag};
use crate::pipelines::load_pipeline;
use crate::pipelines::model::{Executor, InputSource, ParamType, Source};
use crate::pipelines::node::Node;

#[test]
fn conditions_on_constants_and_the_outer_values_of_a_for_each() {
    let p = load(&doc(
        "tasks:\n- {name: a, command: [x], inputs: {parameters: {k: 3, v: '{{params.lr}}', \
         i: '{{item}}'}}, when: \"inputs.parameters['k'] > 1 && inputs.parameters.v < 1.0\", \
         forEach: {items: '{{params.xs}}'}}\n",
    ));
    let a = &p.root.tasks[0];
    assert_eq!(
        a.condition.as_deref(),
        Some(
            r#"inputs.parameter_values["pipelinechannel--k"] > 1 && inputs.parameter_values["pipelinechannel--lr"] < 1.0"#
        )
    );
    assert_eq!(
        source(a, "pipelinechannel--k"),
        InputSource::Constant(json!(3))
    );
    let sub = sub_dag(a);
    // the constant stays in the body too; the item's type comes from the list's default
    assert_eq!(
        source(&sub.dag.tasks[0], "k"),
        InputSource::Constant(json!(3))
    );
    assert_eq!(
        sub.inputs.parameters["pipelinechannel--xs-loop-item"].ty,
        ParamType::NumberInteger
    );
}

#[test]
fn one_value_read_twice_is_passed_down_once_and_names_do_not_collide() {
    let p = load(&doc(
        "tasks:\n- {name: a, command: [x], outputs: {parameters: {loop_item: list}}}\n\
         - {name: b, command: [x], inputs: {parameters: {p: '{{params.lr}}', q: '{{params.lr}}', \
         r: '{{tasks.a.outputs.parameters.loop_item}}', i: '{{item}}'}}, \
         forEach: {items: [1, 2.5]}}\n",
    ));
    let b = &p.root.tasks[1];
    let names: Vec<&str> = b.inputs.parameters.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["pipelinechannel--a-loop_item", "pipelinechannel--lr"]
    );
    let sub = sub_dag(b);
    assert_eq!(
        sub.inputs.parameters["pipelinechannel--loop-item"].ty,
        ParamType::NumberDouble
    );
    assert_eq!(b.dependencies, ["a"]);
}

#[test]
fn durations_quantities_and_placeholders() {
    use crate::pipelines::capstan_yaml::policy::duration;
    use crate::pipelines::capstan_yaml::refs::command_text;
    let at = |text: &str| {
        let value = json!(text);
        duration(&Node::document(&value, "")).map_err(|e| e.problem)
    };
    assert_eq!(at("500ms"), Ok(Duration::from_millis(500)));
    assert_eq!(at("1.5s"), Ok(Duration::from_millis(1500)));
    assert_eq!(at("2m"), Ok(Duration::from_secs(120)));
    assert_eq!(at("1.5h"), Ok(Duration::from_secs(5400)));
    for bad in ["5", "5x", "m", "1h30m", "-1s", "5 s", "5ss", ".5s"] {
        assert!(at(bad).is_err(), "{bad}");
    }
    assert_eq!(
        command_text("--a={{ inputs.parameters.a }},{{outputs.artifacts.b}}"),
        Ok("--a={{$.inputs.parameters['a']}},{{$.outputs.artifacts['b'].path}}".to_string())
    );
    assert_eq!(
        command_text("no {placeholder} }}"),
        Ok("no {placeholder} }}".to_string())
    );
    assert!(command_text("{{$}}").is_err());
    assert!(command_text("{{inputs.parameters.a").is_err());
    assert!(command_text("{{inputs.parameters.a'b}}").is_err());
}

#[test]
fn everything_optional_can_be_left_out() {
    let p = load(&doc("tasks:\n- {name: only, command: [\"true\"]}\n"));
    let only = &p.root.tasks[0];
    assert!(only.inputs.parameters.is_empty() && only.dependencies.is_empty());
    assert!(!only.caching.enabled && only.retry.is_none() && only.timeout.is_none());
    let comp = &p.components["comp-only"];
    let Executor::Container(container) = &comp.executor else {
        panic!("a container")
    };
    assert_eq!(container.image, "");
    assert!(container.args.is_empty() && container.env.is_empty());
    let retry = load(&doc(
        "tasks:\n- {name: a, command: [x], retries: {limit: 2}}\n",
    ));
    let policy = retry.root.tasks[0].retry.clone().unwrap();
    assert_eq!(
        (policy.backoff, policy.backoff_factor),
        (Duration::ZERO, 2.0)
    );
    assert_eq!(policy.backoff_max, Duration::from_secs(3600));
}

#[test]
fn load_pipeline_tells_the_formats_apart() {
    assert_eq!(load_pipeline(FIXTURE).unwrap().source, Source::Capstan);
    let kfp = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/kfp/bench.yaml"
    ));
    assert!(matches!(
        load_pipeline(kfp).unwrap().source,
        Source::KfpIr { .. }
    ));
    // another capstan.dev version is Capstan's to refuse, not read as KFP IR
    let v2 = FIXTURE.replace("capstan.dev/v1", "capstan.dev/v2");
    let errors = load_pipeline(&v2).unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        r#"apiVersion: "capstan.dev/v2" is not supported (expected capstan.dev/v1)"#
    );
    let errors = load_pipeline("apiVersion: v1\nkind: Pod\n").unwrap_err();
    assert!(
        errors[0]
            .problem
            .starts_with("not a Kubeflow Pipelines IR document"),
        "{errors:?}"
    );
}
