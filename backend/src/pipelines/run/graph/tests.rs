use std::sync::Arc;

use api::{RunState, TaskState};
use serde_json::{Value, json};

use super::*;
use crate::pipelines::kfp_ir::load_kfp_ir;
use crate::pipelines::run::parameters::run_parameters;
use crate::pipelines::run::values::{Artifact, Values};

fn bench() -> RunGraph {
    let yaml = include_str!("../../../../tests/fixtures/kfp/bench.yaml");
    let pipeline = Arc::new(load_kfp_ir(yaml).expect("the bench pipeline loads"));
    let parameters = run_parameters(&pipeline, &Default::default()).expect("defaults");
    RunGraph::new(pipeline, parameters)
}

fn names(ready: &[Ready]) -> Vec<&str> {
    ready.iter().map(|r| r.node.as_str()).collect()
}

fn output(value: Value) -> Values {
    let mut values = Values::default();
    values.parameters.insert("Output".into(), value);
    values
}

/// Runs every ready task to success with the output `answer` gives it.
fn succeed_all(graph: &mut RunGraph, ready: &[Ready], answer: impl Fn(&Ready) -> Values) {
    for (i, r) in ready.iter().enumerate() {
        graph.started(&r.node, i as i64, None, 1);
        graph.finished(&r.node, TaskState::Succeeded, "", Some(answer(r)), 2);
    }
}

#[test]
fn the_bench_pipeline_runs_in_waves_and_passes_values_along() {
    let mut graph = bench();
    let ready = graph.advance(0);
    assert_eq!(names(&ready), ["make-data"]);
    assert_eq!(ready[0].inputs.parameters["n_rows"], json!(100));
    // Walking again before anything ended changes nothing.
    assert_eq!(names(&graph.advance(0)), ["make-data"]);
    succeed_all(&mut graph, &ready, |_| with_data(100));

    let ready = graph.advance(3);
    assert_eq!(
        names(&ready),
        ["col-stat", "col-stat-2", "col-stat-3", "col-stat-4"]
    );
    assert_eq!(
        ready[0].inputs.artifacts["data"][0].uri,
        "/runs/1/make-data/data"
    );
    succeed_all(&mut graph, &ready, |_| output(json!(75.0)));

    let ready = graph.advance(4);
    assert_eq!(names(&ready), ["aggregate"]);
    succeed_all(&mut graph, &ready, |_| output(json!(300.0)));

    let ready = graph.advance(5);
    let loop_tasks: Vec<&str> = names(&ready);
    assert_eq!(loop_tasks.len(), 3, "{loop_tasks:?}");
    assert!(loop_tasks[0].starts_with("condition-1/for-loop-"));
    assert!(loop_tasks[0].ends_with("[0]/scale"), "{loop_tasks:?}");
    succeed_all(&mut graph, &ready, |r| {
        let item = r
            .inputs
            .parameters
            .get("item")
            .and_then(Value::as_f64)
            .unwrap();
        output(json!(300.0 * item))
    });

    let ready = graph.advance(6);
    assert_eq!(
        names(&ready),
        ["condition-1/finalize"],
        "{:#?}",
        graph.nodes()
    );
    assert_eq!(
        ready[0].inputs.parameters["scaled"],
        json!([300.0, 600.0, 900.0])
    );
    assert_eq!(ready[0].inputs.parameters["n_rows"], json!(100));
    assert!(graph.outcome().is_none());
    succeed_all(&mut graph, &ready, |_| output(json!("done")));

    assert!(graph.advance(7).is_empty());
    let outcome = graph.outcome().expect("finished");
    assert_eq!(outcome.state, RunState::Succeeded);
    assert_eq!(
        graph.node("condition-1").unwrap().state,
        TaskState::Succeeded
    );
}

fn with_data(n: i64) -> Values {
    let mut out = output(json!(n));
    out.artifacts.insert(
        "data".into(),
        vec![Artifact {
            name: "data".into(),
            uri: "/runs/1/make-data/data".into(),
            schema_title: None,
            schema_version: None,
            metadata: Default::default(),
        }],
    );
    out
}

fn to_aggregate(graph: &mut RunGraph, total: f64) {
    let ready = graph.advance(0);
    succeed_all(graph, &ready, |_| with_data(10));
    let ready = graph.advance(1);
    succeed_all(graph, &ready, |_| output(json!(1.0)));
    let ready = graph.advance(2);
    assert_eq!(names(&ready), ["aggregate"]);
    succeed_all(graph, &ready, |_| output(json!(total)));
}

#[test]
fn a_false_condition_skips_its_whole_sub_dag() {
    let mut graph = bench();
    to_aggregate(&mut graph, -1.0);
    assert!(graph.advance(3).is_empty());
    let condition = graph.node("condition-1").unwrap();
    assert_eq!(condition.state, TaskState::Skipped);
    assert!(
        condition.reason.contains("condition is false"),
        "{}",
        condition.reason
    );
    assert_eq!(graph.outcome().unwrap().state, RunState::Succeeded);
    assert!(graph.node("condition-1/finalize").is_none());
}

#[test]
fn a_failure_cancels_what_needs_it_lets_the_rest_finish_and_fails_the_run() {
    let mut graph = bench();
    let ready = graph.advance(0);
    succeed_all(&mut graph, &ready, |_| with_data(10));
    let ready = graph.advance(1);
    for r in &ready {
        graph.started(&r.node, 1, None, 1);
    }
    graph.finished(
        "col-stat-2",
        TaskState::Failed,
        "replica main-0 exited with code 1",
        None,
        2,
    );
    // aggregate waits for the three others still running.
    assert!(graph.advance(3).is_empty());
    for name in ["col-stat", "col-stat-3", "col-stat-4"] {
        graph.finished(name, TaskState::Succeeded, "", Some(output(json!(1.0))), 4);
    }
    assert!(graph.advance(5).is_empty());
    let aggregate = graph.node("aggregate").unwrap();
    assert_eq!(aggregate.state, TaskState::Canceled);
    assert_eq!(aggregate.reason, "not run: `col-stat-2` failed");
    let outcome = graph.outcome().unwrap();
    assert_eq!(outcome.state, RunState::Failed);
    assert!(
        outcome.reason.starts_with("col-stat-2: replica"),
        "{}",
        outcome.reason
    );

    // A retry runs the failed task again and keeps what succeeded.
    let forgotten = graph.reset_for_retry();
    assert!(forgotten.contains(&"col-stat-2".to_owned()));
    assert!(forgotten.contains(&"aggregate".to_owned()));
    assert_eq!(names(&graph.advance(6)), ["col-stat-2"]);
    assert_eq!(graph.node("col-stat").unwrap().state, TaskState::Succeeded);
}

#[test]
fn a_canceled_run_starts_nothing_more() {
    let mut graph = bench();
    let ready = graph.advance(0);
    graph.started(&ready[0].node, 7, None, 0);
    assert_eq!(graph.cancel(), vec![7]);
    graph.finished("make-data", TaskState::Canceled, "stopped", None, 1);
    assert!(graph.advance(2).is_empty());
    assert_eq!(graph.node("col-stat").unwrap().state, TaskState::Canceled);
    assert_eq!(graph.outcome().unwrap().state, RunState::Canceled);
}

#[test]
fn loop_iterations_open_no_more_than_the_parallelism_limit() {
    let yaml = include_str!("../../../../tests/fixtures/kfp/loops.yaml");
    let pipeline = Arc::new(load_kfp_ir(yaml).expect("loops load"));
    let parameters = run_parameters(&pipeline, &Default::default()).expect("defaults");
    let mut graph = RunGraph::new(pipeline.clone(), parameters);
    let limited = pipeline
        .root
        .tasks
        .iter()
        .find_map(|t| match &t.kind {
            crate::pipelines::model::TaskKind::SubDag(sub)
                if sub.for_each.as_ref().and_then(|e| e.parallelism) == Some(1) =>
            {
                Some(t.name.clone())
            }
            _ => None,
        })
        .expect("loops.yaml has a loop with parallelism 1");
    let mut seen = 0;
    for step in 0..20 {
        let ready = graph.advance(step);
        let in_limited: Vec<&Ready> = ready
            .iter()
            .filter(|r| r.node.starts_with(&format!("{limited}[")))
            .collect();
        assert!(in_limited.len() <= 1, "{:?}", names(&ready));
        seen += in_limited.len();
        if ready.is_empty() {
            break;
        }
        succeed_all(&mut graph, &ready, |r| {
            // Every output of the component, with a plausible value.
            let mut out = Values::default();
            let _ = r;
            out.parameters.insert("Output".into(), json!([1, 2]));
            out
        });
    }
    assert!(seen >= 2, "the limited loop ran its iterations one by one");
}
