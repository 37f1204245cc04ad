//! The real kfp SDK (the virtualenv `cargo xtask` installs; `CAPSTAN_PIPELINE_PATH` names its
//! bin directory) compiles a pipeline of lightweight Python components passing parameters and
//! artifacts, with a condition that holds, one that does not, and a parallel-for whose outputs
//! are collected. Capstan runs the compiled IR to success, and every task's outputs equal
//! what kfp.local produces for the same pipeline.

mod pipeline_harness;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use api::{RunState, TaskState};
use serde_json::{Value, json};

use pipeline_harness::{capstan_with, task, with_profile};

fn kfp_bin() -> PathBuf {
    let dir = std::env::var("CAPSTAN_PIPELINE_PATH")
        .expect("CAPSTAN_PIPELINE_PATH is not set: run the tests through `cargo xtask test`");
    PathBuf::from(dir)
}

fn harness(args: &[&str]) -> String {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("kfp");
    let out = Command::new(kfp_bin().join("python3"))
        .arg(here.join("harness.py"))
        .args(args)
        .output()
        .expect("the kfp virtualenv's python3 runs");
    assert!(
        out.status.success(),
        "harness {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pipeline_module() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kfp/e2e_pipeline.py");
    path.display().to_string()
}

/// kfp.local's directory for a node: condition sub-DAGs add no level, loop iterations do.
fn local_dir(node: &str) -> String {
    node.split('/')
        .filter(|segment| !segment.starts_with("condition-"))
        .map(|segment| match segment.split_once('[') {
            Some((name, index)) => format!("{name}-iteration-{}", index.trim_end_matches(']')),
            None => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Numbers compared as numbers (kfp.local writes `6`, a double `2.5`; JSON keeps both).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kfp_compiled_pipeline_runs_to_the_outputs_kfp_local_gives() {
    let dir = tempfile::tempdir().unwrap();
    let ir = dir.path().join("e2e.yaml");
    harness(&[
        "compile",
        &pipeline_module(),
        "e2e",
        &ir.display().to_string(),
    ]);
    let root = dir.path().join("kfp-local");
    let summary = harness(&[
        "local",
        &pipeline_module(),
        "e2e",
        &root.display().to_string(),
    ]);
    let summary: Value = summary
        .lines()
        .find_map(|l| l.strip_prefix("SUMMARY "))
        .map(|l| serde_json::from_str(l).unwrap())
        .expect("the harness prints a summary");
    let expected = summary["tasks"].as_object().unwrap();

    let (store, _keep) = testkit::sqlite().await;
    with_profile(&store).await;
    let c = capstan_with(
        &store,
        &dir.path().join("data"),
        Some(kfp_bin().display().to_string()),
    );
    c.upload("e2e", &std::fs::read_to_string(&ir).unwrap())
        .await;
    let id = c.run("e2e", json!({})).await;
    let run = c.finished(id).await;
    assert_eq!(run.run.state, RunState::Succeeded, "{run:#?}");

    // The same tasks ran: every container task that Capstan ran, kfp.local ran, and back.
    let ran: BTreeMap<String, &api::TaskView> = run
        .tasks
        .iter()
        .filter(|t| t.state == TaskState::Succeeded && t.workload.is_some())
        .map(|t| (local_dir(&t.node), t))
        .collect();
    let mut ours: Vec<&String> = ran.keys().collect();
    let mut theirs: Vec<&String> = expected.keys().collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs, "the tasks that ran differ");
    assert_eq!(
        ran.len(),
        8,
        "make-dataset, 2 means, 3 scales, summarize, write-report: {ours:?}"
    );

    for (dir_name, local) in expected {
        let capstan = ran[dir_name].outputs.as_ref().expect("outputs recorded");
        // Parameters: each value equal.
        let local_parameters = local["executor_output"]["parameterValues"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let our_parameters = capstan["parameters"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            local_parameters.keys().collect::<Vec<_>>(),
            our_parameters.keys().collect::<Vec<_>>(),
            "{dir_name}: output parameters"
        );
        for (name, value) in &local_parameters {
            assert!(
                same(value, &our_parameters[name]),
                "{dir_name}.{name}: kfp.local {value}, Capstan {}",
                our_parameters[name]
            );
        }
        // Artifacts: the same metadata, and the same file contents.
        let local_artifacts = local["executor_output"]["artifacts"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (name, list) in &local_artifacts {
            let theirs = &list["artifacts"][0];
            let ours = &capstan["artifacts"][name][0];
            assert!(
                same(&theirs["metadata"], &ours["metadata"]),
                "{dir_name}.{name}: metadata {} vs {}",
                theirs["metadata"],
                ours["metadata"]
            );
            if let Some(text) = local["files"].get(name) {
                let our_text = std::fs::read_to_string(ours["uri"].as_str().unwrap()).unwrap();
                assert_eq!(text.as_str(), Some(our_text.as_str()), "{dir_name}.{name}");
            }
        }
    }
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
