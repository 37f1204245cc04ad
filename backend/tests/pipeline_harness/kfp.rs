//! The real kfp SDK's side of the pipeline tests (the virtualenv `cargo xtask` installs;
//! `CAPSTAN_PIPELINE_PATH` names its bin directory): compiling pipelines of lightweight Python
//! components, running them under kfp.local, and comparing a Capstan run's outputs with
//! kfp.local's (backend/tests/kfp/harness.py).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use api::{RunDetail, TaskState};
use serde_json::{Map, Value};

pub fn kfp_bin() -> PathBuf {
    let dir = std::env::var("CAPSTAN_PIPELINE_PATH")
        .expect("CAPSTAN_PIPELINE_PATH is not set: run the tests through `cargo xtask test`");
    PathBuf::from(dir)
}

/// backend/tests/kfp, from either crate's tests.
fn kfp_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../backend/tests/kfp")
}

/// The pipeline module of the SDK tests (e2e_pipeline.py).
pub fn e2e_module() -> String {
    kfp_dir().join("e2e_pipeline.py").display().to_string()
}

fn harness(args: &[&str]) -> String {
    let out = Command::new(kfp_bin().join("python3"))
        .arg(kfp_dir().join("harness.py"))
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

/// Compiles the pipeline function `func` of `module` to KFP IR; answers the IR.
pub fn compile(module: &str, func: &str, dir: &Path) -> String {
    let ir = dir.join(format!("{func}.yaml"));
    harness(&["compile", module, func, &ir.display().to_string()]);
    std::fs::read_to_string(&ir).unwrap()
}

/// Runs `func` of `module` once under kfp.local in `root`; answers what every task left, by
/// its directory under the run's (`for-loop-2-iteration-0/scale`).
pub fn run_local(module: &str, func: &str, root: &Path) -> Map<String, Value> {
    let summary = harness(&["local", module, func, &root.display().to_string()]);
    let summary: Value = summary
        .lines()
        .find_map(|l| l.strip_prefix("SUMMARY "))
        .map(|l| serde_json::from_str(l).unwrap())
        .expect("the harness prints a summary");
    summary["tasks"].as_object().unwrap().clone()
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

/// The same tasks ran in `run` as under kfp.local, and each left the same output parameters,
/// artifact metadata and artifact files. Answers the nodes of the tasks that ran.
pub fn assert_like_kfp_local(run: &RunDetail, expected: &Map<String, Value>) -> Vec<String> {
    let ran: BTreeMap<String, &api::TaskView> = run
        .tasks
        .iter()
        .filter(|t| t.state == TaskState::Succeeded && t.workload.is_some())
        .map(|t| (local_dir(&t.node), t))
        .collect();
    let ours: Vec<&String> = ran.keys().collect();
    let mut theirs: Vec<&String> = expected.keys().collect();
    theirs.sort();
    assert_eq!(ours, theirs, "the tasks that ran differ");
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
    ran.values().map(|t| t.node.clone()).collect()
}
