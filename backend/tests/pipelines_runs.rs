//! Pipeline runs end to end with real processes (shell tasks in Capstan's YAML): values and
//! artifacts passed along, loops, conditions, metrics, caching, retries, retrying a failed
//! run, cancel, timeouts, and a restart of Capstan in the middle of a run.

mod pipeline_harness;

use std::path::{Path, PathBuf};

use api::{RunState, TaskState};
use backend::store::Store;
use serde_json::json;

use pipeline_harness::{PROFILE, admin, capstan, lines, output, task, with_profile};

testkit::on_both_databases!(values_flow_through_loops_and_conditions_and_the_cache_serves_repeats);

async fn values_flow_through_loops_and_conditions_and_the_cache_serves_repeats(store: Store) {
    with_profile(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let c = capstan(&store, dir.path());
    c.upload("flow", include_str!("fixtures/capstan/flow.yaml"))
        .await;

    let id = c.run("flow", json!({"words": ["x", "y", "z"]})).await;
    let run = c.finished(id).await;
    assert_eq!(run.run.state, RunState::Succeeded, "{run:#?}");
    assert_eq!(output(&run, "produce", "count"), json!(3));
    let data = &task(&run, "produce").outputs.as_ref().unwrap()["artifacts"]["data"][0];
    assert_eq!(
        std::fs::read_to_string(data["uri"].as_str().unwrap()).unwrap(),
        "hello"
    );
    assert_eq!(output(&run, "shout[1]/shout", "out"), json!("y-hello"));
    assert_eq!(task(&run, "never").state, TaskState::Skipped);
    assert_eq!(
        output(&run, "collect", "joined"),
        json!("[\"x-hello\",\"y-hello\",\"z-hello\"]")
    );
    assert_eq!(run.metrics["produce"]["accuracy"], 0.9);
    let graph_ids: Vec<&str> = run.graph.nodes.iter().map(|n| n.id.as_str()).collect();
    assert!(graph_ids.contains(&"shout[2]/shout"), "{graph_ids:?}");
    let logs = c
        .service
        .task_logs(&admin(), PROFILE, id, "produce", 10)
        .await
        .unwrap();
    assert!(logs.iter().any(|l| l.contains("produced")), "{logs:?}");

    // The same inputs again: `produce` (cache: true) is not run; the rest is.
    let again = c
        .finished(c.run("flow", json!({"words": ["x", "y", "z"]})).await)
        .await;
    assert_eq!(again.run.state, RunState::Succeeded);
    assert_eq!(task(&again, "produce").state, TaskState::Cached);
    assert_eq!(task(&again, "produce").workload, None);
    assert_eq!(task(&again, "shout[0]/shout").state, TaskState::Succeeded);
    assert_eq!(output(&again, "produce", "count"), json!(3));
    // Other inputs: run again.
    let other = c.finished(c.run("flow", json!({"n": 4})).await).await;
    assert_eq!(task(&other, "produce").state, TaskState::Succeeded);
    assert_eq!(output(&other, "produce", "count"), json!(4));
    c.shut_down().await;
}

fn flaky_pipeline(marker_dir: &Path) -> String {
    format!(
        r#"
apiVersion: capstan.dev/v1
kind: Pipeline
name: flaky
parameters:
  dir: {{type: string, default: "{dir}"}}
tasks:
  - name: first
    command: [sh, -c, 'echo once >> "$0/first.log"', "{{{{inputs.parameters.dir}}}}"]
    inputs: {{parameters: {{dir: "{{{{params.dir}}}}"}}}}
  - name: flaky
    command: [sh, -c, 'echo try >> "$0/flaky.log"; test -f "$0/ok"', "{{{{inputs.parameters.dir}}}}"]
    inputs: {{parameters: {{dir: "{{{{params.dir}}}}"}}}}
    dependsOn: [first]
    retries: {{limit: 2, backoff: 0s}}
  - name: after
    command: [sh, -c, "true"]
    dependsOn: [flaky]
"#,
        dir = marker_dir.display()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_task_is_retried_by_its_policy_and_a_retried_run_reruns_only_what_failed() {
    let (store, _keep) = testkit::sqlite().await;
    with_profile(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let markers = dir.path().join("markers");
    std::fs::create_dir_all(&markers).unwrap();
    let c = capstan(&store, &dir.path().join("data"));
    c.upload("flaky", &flaky_pipeline(&markers)).await;

    let id = c.run("flaky", json!({})).await;
    let run = c.finished(id).await;
    assert_eq!(run.run.state, RunState::Failed);
    assert!(run.run.reason.starts_with("flaky: "), "{}", run.run.reason);
    assert_eq!(
        lines(&markers.join("flaky.log")),
        3,
        "one try and two retries"
    );
    assert_eq!(task(&run, "flaky").attempt, 2);
    assert_eq!(task(&run, "after").state, TaskState::Canceled);
    assert_eq!(task(&run, "after").reason, "not run: `flaky` failed");

    std::fs::write(markers.join("ok"), "").unwrap();
    c.service.retry_run(&admin(), PROFILE, id).await.unwrap();
    let run = c.until(id, |d| d.run.state == RunState::Succeeded).await;
    assert_eq!(task(&run, "after").state, TaskState::Succeeded);
    assert_eq!(
        lines(&markers.join("first.log")),
        1,
        "what succeeded is not rerun"
    );
    assert_eq!(lines(&markers.join("flaky.log")), 4);
    c.shut_down().await;
}

const SLOW: &str = r#"
apiVersion: capstan.dev/v1
kind: Pipeline
name: slow
tasks:
  - name: nap
    command: [sleep, "30"]
  - name: later
    command: [sh, -c, "true"]
    dependsOn: [nap]
  - name: limited
    command: [sleep, "30"]
    timeout: 1s
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canceled_run_stops_its_tasks_and_a_task_past_its_timeout_fails() {
    let (store, _keep) = testkit::sqlite().await;
    with_profile(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let c = capstan(&store, dir.path());
    c.upload("slow", SLOW).await;
    let id = c.run("slow", json!({})).await;
    let run = c
        .until(id, |d| {
            d.tasks
                .iter()
                .any(|t| t.node == "limited" && t.state == TaskState::Failed)
        })
        .await;
    assert!(
        task(&run, "limited")
            .reason
            .starts_with("timed out after 1"),
        "{}",
        task(&run, "limited").reason
    );
    assert_eq!(task(&run, "nap").state, TaskState::Running);

    c.service.cancel_run(&admin(), PROFILE, id).await.unwrap();
    let run = c.finished(id).await;
    assert_eq!(run.run.state, RunState::Canceled, "{run:#?}");
    assert_eq!(task(&run, "nap").state, TaskState::Canceled);
    assert_eq!(task(&run, "later").state, TaskState::Canceled);
    c.shut_down().await;
}

fn restart_pipeline(log_dir: &Path) -> String {
    format!(
        r#"
apiVersion: capstan.dev/v1
kind: Pipeline
name: long
tasks:
  - name: one
    command: [sh, -c, 'echo started >> "{dir}/one.log"; sleep 3; echo 1 > "$0"', "{{{{outputs.parameters.n}}}}"]
    outputs: {{parameters: {{n: integer}}}}
  - name: two
    command: [sh, -c, 'echo started >> "{dir}/two.log"; echo "$0" > "$1"', "{{{{inputs.parameters.n}}}}", "{{{{outputs.parameters.m}}}}"]
    inputs: {{parameters: {{n: "{{{{tasks.one.outputs.parameters.n}}}}"}}}}
    outputs: {{parameters: {{m: integer}}}}
"#,
        dir = log_dir.display()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_goes_on_after_capstan_restarts_without_running_a_task_twice() {
    let (store, _keep) = testkit::sqlite().await;
    with_profile(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let logs: PathBuf = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let data = dir.path().join("data");
    let first = capstan(&store, &data);
    first.upload("long", &restart_pipeline(&logs)).await;
    let id = first.run("long", json!({})).await;
    first
        .until(id, |d| {
            d.tasks
                .iter()
                .any(|t| t.node == "one" && t.state == TaskState::Running)
        })
        .await;
    first.shut_down().await;

    let second = capstan(&store, &data);
    let run = second.finished(id).await;
    assert_eq!(run.run.state, RunState::Succeeded, "{run:#?}");
    assert_eq!(
        lines(&logs.join("one.log")),
        1,
        "the running task was adopted"
    );
    assert_eq!(lines(&logs.join("two.log")), 1);
    assert_eq!(output(&run, "two", "m"), json!(1));
    second.shut_down().await;
}

const WIDE: &str = r#"
apiVersion: capstan.dev/v1
kind: Pipeline
name: wide
tasks:
  - {name: a, command: [sleep, "0.3"]}
  - {name: b, command: [sleep, "0.3"]}
  - {name: c, command: [sleep, "0.3"]}
  - name: greedy
    command: ["true"]
    resources: {gpu: 4}
    dependsOn: [a, b, c]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_keeps_to_its_parallelism_and_the_scheduler_refuses_what_no_node_has() {
    let (store, _keep) = testkit::sqlite().await;
    with_profile(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let c = capstan(&store, dir.path());
    c.upload("wide", WIDE).await;
    let new = api::NewRun {
        name: None,
        pipeline: "wide".into(),
        version: None,
        experiment: None,
        parameters: Default::default(),
        caching: false,
        parallelism: Some(1),
    };
    let id = c
        .service
        .create_run(&admin(), PROFILE, &new)
        .await
        .unwrap()
        .id;
    let run = c.finished(id).await;
    let mut spans: Vec<(i64, i64)> = ["a", "b", "c"]
        .iter()
        .map(|n| {
            let t = task(&run, n);
            (t.started_at_ms.unwrap(), t.finished_at_ms.unwrap())
        })
        .collect();
    spans.sort();
    assert!(
        spans.windows(2).all(|w| w[0].1 <= w[1].0),
        "one task at a time: {spans:?}"
    );
    // No node has 4 GPUs: the task fails with the scheduler's reason, and so does the run.
    assert_eq!(run.run.state, RunState::Failed);
    let greedy = task(&run, "greedy");
    assert_eq!(greedy.state, TaskState::Failed);
    assert!(
        greedy.reason.starts_with("can never run here"),
        "{}",
        greedy.reason
    );
    c.shut_down().await;
}
