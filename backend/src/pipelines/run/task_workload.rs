//! One try of a container task as a workload: its directory under the run's, the executor
//! input, the command line with placeholders replaced, the environment and the resources.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use api::{ReplicaGroup, Resources as WorkloadResources, WorkloadKind, WorkloadSpec};

use super::executor_input::{TaskDir, executor_input, file_name, typed_inputs};
use super::graph::Ready;
use super::placeholders::{Context, substitute};
use crate::pipelines::model::{Component, Executor, Resources};

/// What every task of a run shares.
#[derive(Debug, Clone)]
pub struct RunContext {
    pub run_id: i64,
    pub run_name: String,
    /// The run's directory: `<data>/pipelines/runs/<id>`.
    pub root: PathBuf,
    /// Put before `PATH` for every task: where a `python3` with the kfp package is.
    pub path_prefix: Option<String>,
}

/// The replica group of a task's workload.
pub const GROUP: &str = "main";

/// The directory of the node at `path`: one level per task, `for-loop-3-iteration-2` for
/// a loop iteration, as kfp.local lays them out.
pub fn task_dir(root: &Path, node: &str) -> TaskDir {
    let mut dir = root.to_path_buf();
    for segment in node.split('/') {
        let segment = match segment.split_once('[') {
            Some((name, index)) => format!("{name}-iteration-{}", index.trim_end_matches(']')),
            None => segment.to_owned(),
        };
        dir.push(file_name(&segment));
    }
    TaskDir(dir)
}

/// The `PATH` of tasks: `prefix` before Capstan's own.
pub fn task_path(prefix: Option<&str>) -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    match prefix {
        Some(prefix) => format!("{prefix}:{path}"),
        None => path,
    }
}

/// The workload for one try of `ready`, named `name`.
pub fn task_workload(
    run: &RunContext,
    ready: &Ready,
    component: &Component,
    name: &str,
) -> Result<(WorkloadSpec, TaskDir), String> {
    let Executor::Container(container) = &component.executor else {
        return Err(format!("component `{}` runs no container", component.name));
    };
    let dir = task_dir(&run.root, &ready.node);
    let inputs = typed_inputs(component, &ready.inputs);
    let input = executor_input(component, &inputs, &dir).to_string();
    let root = run.root.to_string_lossy();
    let context = Context {
        executor_input: &input,
        inputs: &inputs,
        dir: &dir,
        run_name: &run.run_name,
        run_id: run.run_id,
        task: &ready.node,
        run_root: &root,
    };
    let command: Vec<String> = container
        .command
        .iter()
        .chain(&container.args)
        .map(|part| substitute(part, &context))
        .collect();
    if command.is_empty() {
        return Err(format!("component `{}` has no command", component.name));
    }
    let mut env: BTreeMap<String, String> = container
        .env
        .iter()
        .map(|e| (e.name.clone(), e.value.clone()))
        .collect();
    env.insert("TMPDIR".into(), dir.tmp().to_string_lossy().into_owned());
    env.insert("CAPSTAN_RUN_ID".into(), run.run_id.to_string());
    env.insert("CAPSTAN_TASK".into(), ready.node.clone());
    env.insert(
        "CAPSTAN_METRICS_FILE".into(),
        dir.metrics_file().to_string_lossy().into_owned(),
    );
    if let Some(prefix) = &run.path_prefix {
        env.insert("PATH".into(), task_path(Some(prefix)));
    }
    let spec = WorkloadSpec {
        name: name.to_owned(),
        kind: WorkloadKind::Step,
        priority_class: None,
        groups: vec![ReplicaGroup {
            name: GROUP.into(),
            replicas: 1,
            command,
            image: (!container.image.is_empty()).then(|| container.image.clone()),
            args: Vec::new(),
            env,
            ports: Vec::new(),
            volumes: Vec::new(),
            working_dir: Some(dir.path().to_string_lossy().into_owned()),
            resources: resources(&container.resources),
        }],
        gang: false,
        requeue_on_failure: false,
        leader: None,
    };
    Ok((spec, dir))
}

/// A task's requests as the scheduler counts them: the request, or else the limit.
fn resources(r: &Resources) -> WorkloadResources {
    let accelerator = r.accelerator.as_ref();
    let model = accelerator
        .and_then(|a| a.kind.clone())
        .filter(|kind| !kind.ends_with("/gpu"));
    WorkloadResources {
        cpu_milli: r.cpu_request_milli.or(r.cpu_limit_milli).unwrap_or(0),
        memory_mib: r.memory_request_mib.or(r.memory_limit_mib).unwrap_or(0),
        gpus: accelerator.map(|a| a.count).unwrap_or(0),
        gpu_milli: 0,
        gpu_models: model.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_directories_follow_the_graph() {
        let dir = task_dir(Path::new("/d/runs/7"), "condition-1/for-loop-3[2]/scale");
        assert_eq!(
            dir.path(),
            Path::new("/d/runs/7/condition-1/for-loop-3-iteration-2/scale")
        );
        assert_eq!(
            task_dir(Path::new("/r"), "../x").path(),
            Path::new("/r/_../x")
        );
    }
}
