//! The real kfp SDK (the virtualenv `cargo xtask` installs; `CAPSTAN_PIPELINE_PATH` names its
//! bin directory) compiles a pipeline of lightweight Python components passing parameters and
//! artifacts, with a condition that holds, one that does not, and a parallel-for whose outputs
//! are collected. Capstan runs the compiled IR to success, and every task's outputs equal
//! what kfp.local produces for the same pipeline.

mod pipeline_harness;

use api::{RunState, TaskState};
use serde_json::json;

use pipeline_harness::kfp::{assert_like_kfp_local, compile, e2e_module, kfp_bin, run_local};
use pipeline_harness::{capstan_with, task, with_profile};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kfp_compiled_pipeline_runs_to_the_outputs_kfp_local_gives() {
    let dir = tempfile::tempdir().unwrap();
    let ir = compile(&e2e_module(), "e2e", dir.path());
    let expected = run_local(&e2e_module(), "e2e", &dir.path().join("kfp-local"));

    let (store, _keep) = testkit::sqlite().await;
    with_profile(&store).await;
    let c = capstan_with(
        &store,
        &dir.path().join("data"),
        Some(kfp_bin().display().to_string()),
    );
    c.upload("e2e", &ir).await;
    let id = c.run("e2e", json!({})).await;
    let run = c.finished(id).await;
    assert_eq!(run.run.state, RunState::Succeeded, "{run:#?}");

    let ran = assert_like_kfp_local(&run, &expected);
    assert_eq!(
        ran.len(),
        8,
        "make-dataset, 2 means, 3 scales, summarize, write-report: {ran:?}"
    );
    // The condition that did not hold: skipped, with the reason; the metric recorded.
    let never = run
        .tasks
        .iter()
        .find(|t| t.state == TaskState::Skipped)
        .expect("the `never` condition is skipped");
    assert!(
        never.reason.contains("condition is false"),
        "{}",
        never.reason
    );
    assert_eq!(run.metrics["make-dataset"]["rows"], 6.0);
    assert_eq!(task(&run, "make-dataset").attempt, 0);
    c.shut_down().await;
}
