//! A run's graph as the engine walks it: one [`Node`] per task, condition, loop and loop
//! iteration that the run reached, by its path (`condition-1/for-loop-3[2]/scale`). The walk
//! ([`RunGraph::advance`]) is pure: it decides what was skipped, canceled or finished and which
//! container tasks are ready, and the engine does the rest (launching, waiting, storing).
//!
//! - `walk`: the walk over DAGs, sub-DAGs and loop iterations;
//! - `resolve`: a task's inputs from its DAG's values and its producers' outputs, and a DAG's
//!   outputs from its tasks.

mod resolve;
#[cfg(test)]
mod tests;
mod walk;

pub use walk::task_at;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use api::{RunState, TaskState};
use serde_json::Value;

use super::values::Values;
use crate::pipelines::model::{Pipeline, Task};
use crate::store::TaskRow;

/// One node of the run that the walk reached.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub state: TaskState,
    pub reason: String,
    pub attempt: u32,
    pub workload_id: Option<i64>,
    pub cache_key: Option<String>,
    pub inputs: Option<Values>,
    pub outputs: Option<Values>,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
}

impl Node {
    fn new(state: TaskState, reason: impl Into<String>) -> Node {
        Node {
            state,
            reason: reason.into(),
            attempt: 0,
            workload_id: None,
            cache_key: None,
            inputs: None,
            outputs: None,
            started_at_ms: None,
            finished_at_ms: None,
        }
    }

    pub fn to_row(&self, node: &str) -> TaskRow {
        let json = |v: &Option<Values>| v.as_ref().and_then(|v| serde_json::to_value(v).ok());
        TaskRow {
            node: node.to_owned(),
            state: self.state,
            reason: self.reason.clone(),
            attempt: self.attempt,
            workload_id: self.workload_id,
            cache_key: self.cache_key.clone(),
            inputs: json(&self.inputs),
            outputs: json(&self.outputs),
            started_at_ms: self.started_at_ms,
            finished_at_ms: self.finished_at_ms,
        }
    }

    pub fn from_row(row: &TaskRow) -> Node {
        let values = |v: &Option<Value>| {
            v.as_ref()
                .and_then(|v| serde_json::from_value::<Values>(v.clone()).ok())
        };
        Node {
            state: row.state,
            reason: row.reason.clone(),
            attempt: row.attempt,
            workload_id: row.workload_id,
            cache_key: row.cache_key.clone(),
            inputs: values(&row.inputs),
            outputs: values(&row.outputs),
            started_at_ms: row.started_at_ms,
            finished_at_ms: row.finished_at_ms,
        }
    }
}

/// A container task whose inputs are resolved and that may start.
#[derive(Debug, Clone, PartialEq)]
pub struct Ready {
    pub node: String,
    pub task: Task,
    pub component: String,
    pub inputs: Values,
}

/// How a finished run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub state: RunState,
    pub reason: String,
    /// The pipeline's own outputs (`root.dag.outputs`).
    pub outputs: Values,
}

pub struct RunGraph {
    pipeline: Arc<Pipeline>,
    /// The run's parameters, defaults filled in.
    parameters: Values,
    nodes: BTreeMap<String, Node>,
    canceling: bool,
    /// Nodes changed since [`RunGraph::take_changed`].
    changed: BTreeSet<String>,
    /// Counts changes, so that a walk can tell whether it changed anything.
    revision: u64,
    outcome: Option<Outcome>,
}

impl RunGraph {
    pub fn new(pipeline: Arc<Pipeline>, parameters: Values) -> RunGraph {
        RunGraph {
            pipeline,
            parameters,
            nodes: BTreeMap::new(),
            canceling: false,
            changed: BTreeSet::new(),
            revision: 0,
            outcome: None,
        }
    }

    /// A run rebuilt from its stored nodes (after a restart).
    pub fn restore(&mut self, rows: &[TaskRow]) {
        for row in rows {
            self.nodes.insert(row.node.clone(), Node::from_row(row));
        }
    }

    pub fn pipeline(&self) -> &Arc<Pipeline> {
        &self.pipeline
    }

    pub fn node(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    pub fn nodes(&self) -> &BTreeMap<String, Node> {
        &self.nodes
    }

    /// How the run ended, once the last walk found it finished.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    pub fn is_canceling(&self) -> bool {
        self.canceling
    }

    /// The nodes changed since the last call, to store.
    pub fn take_changed(&mut self) -> Vec<(String, Node)> {
        std::mem::take(&mut self.changed)
            .into_iter()
            .filter_map(|path| self.nodes.get(&path).map(|n| (path, n.clone())))
            .collect()
    }

    /// Container tasks running now, with their workloads.
    pub fn running(&self) -> Vec<(String, Option<i64>)> {
        self.nodes
            .iter()
            .filter(|(_, n)| n.state == TaskState::Running && n.inputs.is_some())
            .filter(|(path, _)| self.is_container(path))
            .map(|(path, n)| (path.clone(), n.workload_id))
            .collect()
    }

    /// Whether the node at `path` runs a process (rather than a sub-DAG or an iteration).
    pub fn is_container(&self, path: &str) -> bool {
        walk::task_at(&self.pipeline, path).is_some_and(|task| {
            matches!(
                task.kind,
                crate::pipelines::model::TaskKind::Container { .. }
            )
        })
    }

    /// A ready task has been handed to the scheduler as `workload_id`.
    pub fn started(&mut self, path: &str, workload_id: i64, cache_key: Option<String>, now: i64) {
        self.update(path, |n| {
            n.state = TaskState::Running;
            n.reason = "submitted".into();
            n.workload_id = Some(workload_id);
            n.cache_key = cache_key;
            n.started_at_ms.get_or_insert(now);
        });
    }

    /// A running task is waiting to be tried again after a failure.
    pub fn retrying(&mut self, path: &str, reason: &str) {
        self.update(path, |n| {
            n.state = TaskState::Pending;
            n.attempt += 1;
            n.reason = reason.to_owned();
            n.workload_id = None;
        });
    }

    /// A task ended (or was found in the cache).
    pub fn finished(
        &mut self,
        path: &str,
        state: TaskState,
        reason: &str,
        outputs: Option<Values>,
        now: i64,
    ) {
        self.update(path, |n| {
            n.state = state;
            n.reason = reason.to_owned();
            n.outputs = outputs;
            n.started_at_ms.get_or_insert(now);
            n.finished_at_ms = Some(now);
        });
    }

    /// Stops launching: what has not started is canceled at the next walk. Answers the
    /// workloads to stop.
    pub fn cancel(&mut self) -> Vec<i64> {
        self.canceling = true;
        self.running().into_iter().filter_map(|(_, w)| w).collect()
    }

    /// Forgets every node that did not end well, so that the next walk runs them again
    /// (with the same inputs: what succeeded is kept). Answers the forgotten paths.
    pub fn reset_for_retry(&mut self) -> Vec<String> {
        let gone: Vec<String> = self
            .nodes
            .iter()
            .filter(|(_, n)| !n.state.is_done_well())
            .map(|(path, _)| path.clone())
            .collect();
        for path in &gone {
            self.nodes.remove(path);
            self.changed.remove(path);
        }
        self.canceling = false;
        self.outcome = None;
        gone
    }

    fn update(&mut self, path: &str, change: impl FnOnce(&mut Node)) {
        if let Some(node) = self.nodes.get_mut(path) {
            change(node);
            self.changed.insert(path.to_owned());
            self.revision += 1;
        }
    }

    fn put(&mut self, path: &str, node: Node) {
        self.nodes.insert(path.to_owned(), node);
        self.changed.insert(path.to_owned());
        self.revision += 1;
    }
}

/// `prefix/name`, or `name` at the top.
fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}/{name}")
    }
}
