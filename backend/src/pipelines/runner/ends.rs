//! What the end of a task's workload means for its node: outputs read and stored (with its
//! metrics), a retry after the policy's backoff, a cancel, a timeout, or a failure. A task
//! whose exit Capstan missed because it restarted counts as succeeded when it left complete
//! outputs, and runs again otherwise (that try is not held against its retries).

use api::{Phase, TaskState};

use super::{Runner, TaskTry};
use crate::clock::now_ms;
use crate::pipelines::model::{Component, TaskKind};
use crate::pipelines::run::executor_input::TaskDir;
use crate::pipelines::run::outputs::{TaskResult, read_outputs};
use crate::pipelines::run::task_workload::task_dir;
use crate::runtime::{RESTARTED, RESTARTED_WHILE_RUNNING};

impl Runner {
    pub(super) async fn task_ended(&mut self, task: &TaskTry, phase: Phase, reason: &str) {
        let now = now_ms();
        let Some(run) = self.runs.get_mut(&task.run_id) else {
            return;
        };
        run.deadlines.remove(&task.node);
        let node = task.node.as_str();
        let pipeline = run.graph.pipeline().clone();
        let Some(model) = crate::pipelines::run::graph::task_at(&pipeline, node) else {
            run.graph
                .finished(node, TaskState::Failed, "not in the pipeline", None, now);
            return;
        };
        let TaskKind::Container { component } = &model.kind else {
            return;
        };
        let Some(component) = pipeline.components.get(component) else {
            return;
        };
        let dir = task_dir(&run.context.root, node);
        let lost_in_restart = reason == RESTARTED_WHILE_RUNNING || reason == RESTARTED;
        let result = match phase {
            Phase::Succeeded => read_outputs(component, &dir),
            _ if lost_in_restart && left_outputs(component, &dir) => read_outputs(component, &dir),
            Phase::Stopped if run.graph.is_canceling() => {
                run.graph
                    .finished(node, TaskState::Canceled, "the run was canceled", None, now);
                return;
            }
            Phase::Stopped => match run.timed_out.remove(node) {
                Some(why) => Err(match model.timeout {
                    Some(limit) => format!("{why} after {} s", limit.as_secs_f64()),
                    None => why,
                }),
                None => Err(format!("its workload was stopped: {reason}")),
            },
            _ => Err(reason.to_owned()),
        };
        match result {
            Ok(TaskResult { outputs, metrics }) => {
                if !metrics.is_empty()
                    && let Err(e) = self
                        .store
                        .run_tasks()
                        .put_metrics(task.run_id, node, &metrics)
                        .await
                {
                    tracing::warn!(run = task.run_id, node, error = %e, "cannot store metrics");
                }
                if let Some(run) = self.runs.get_mut(&task.run_id) {
                    run.graph
                        .finished(node, TaskState::Succeeded, "", Some(outputs), now);
                }
            }
            Err(why) => {
                let Some(run) = self.runs.get_mut(&task.run_id) else {
                    return;
                };
                let attempt = run.graph.node(node).map(|n| n.attempt).unwrap_or(0);
                let retries_left = model
                    .retry
                    .as_ref()
                    .filter(|policy| attempt < policy.max_retries);
                if run.graph.is_canceling() {
                    run.graph
                        .finished(node, TaskState::Canceled, &why, None, now);
                } else if lost_in_restart {
                    run.graph
                        .retrying(node, "running again: Capstan restarted while it ran");
                    run.retry_at.insert(node.to_owned(), now);
                } else if let Some(policy) = retries_left {
                    let wait = policy.delay(attempt);
                    let message = format!(
                        "try {} failed ({why}); trying again in {} s",
                        attempt + 1,
                        wait.as_secs_f64()
                    );
                    run.graph.retrying(node, &message);
                    run.retry_at
                        .insert(node.to_owned(), now.saturating_add(wait.as_millis() as i64));
                } else {
                    run.graph.finished(node, TaskState::Failed, &why, None, now);
                }
            }
        }
    }
}

/// Whether a task whose exit status was lost left what a successful run leaves: KFP's
/// executor writes its executor output only on success; a task that declares outputs wrote
/// them all. A task with neither proves nothing and runs again.
fn left_outputs(component: &Component, dir: &TaskDir) -> bool {
    if dir.executor_output().is_file() {
        return true;
    }
    let outputs = &component.outputs;
    let declared = outputs.parameters.keys().chain(outputs.artifacts.keys());
    let mut any = false;
    for name in declared {
        any = true;
        if !dir.output(name).exists() {
            return false;
        }
    }
    any
}
