//! The walk: from the top DAG down, every task whose dependencies have ended is resolved and
//! either decided at once (skipped, canceled, failed) or made ready; sub-DAGs are entered, loop
//! iterations opened (at most `parallelism` at a time); DAGs whose tasks have all ended end,
//! and their outputs are taken. Walking again changes nothing until something else did.

use api::{RunState, TaskState};
use serde_json::Value;

use super::resolve::{NotRun, dag_outputs, resolve_inputs};
use super::{Node, Outcome, Ready, RunGraph, join};
use crate::pipelines::cel;
use crate::pipelines::model::{
    Dag, ForEach, Interface, LoopItems, Pipeline, SubDag, Task, TaskKind, TriggerStrategy,
};
use crate::pipelines::run::values::Values;

/// How a DAG (or a task) ended, worst first when several did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Failed,
    Canceled,
    Succeeded,
}

impl Verdict {
    fn of(state: TaskState) -> Option<Verdict> {
        match state {
            TaskState::Pending | TaskState::Running => None,
            TaskState::Failed => Some(Verdict::Failed),
            TaskState::Canceled => Some(Verdict::Canceled),
            TaskState::Succeeded | TaskState::Skipped | TaskState::Cached => {
                Some(Verdict::Succeeded)
            }
        }
    }

    fn state(self) -> TaskState {
        match self {
            Verdict::Failed => TaskState::Failed,
            Verdict::Canceled => TaskState::Canceled,
            Verdict::Succeeded => TaskState::Succeeded,
        }
    }
}

/// What a DAG's tasks read as "component inputs": its own input values and declarations.
struct Scope<'p> {
    values: Values,
    interface: &'p Interface,
}

impl RunGraph {
    /// Walks the graph; answers the container tasks that are ready to start. When the top DAG
    /// has ended, [`RunGraph::outcome`] says how.
    pub fn advance(&mut self, now: i64) -> Vec<Ready> {
        let pipeline = self.pipeline.clone();
        let scope = Scope {
            values: self.parameters.clone(),
            interface: &pipeline.inputs,
        };
        // A DAG that ends late in one walk can unblock a task met earlier in it: walk until
        // a walk changes nothing (each changing walk ends at least one node, so this stops).
        loop {
            let before = self.revision;
            let mut ready = Vec::new();
            let ended = self.walk_dag("", &pipeline.root, &scope, &mut ready, now);
            if self.revision == before {
                self.conclude(ended, &pipeline);
                return ready;
            }
        }
    }

    fn conclude(&mut self, ended: Option<Verdict>, pipeline: &Pipeline) {
        if let Some(verdict) = ended {
            let outputs = dag_outputs(&self.nodes, "", &pipeline.root);
            let (state, reason) = match verdict {
                // Whatever failed before, a run the user canceled ends canceled.
                _ if self.canceling => (RunState::Canceled, "canceled".to_owned()),
                Verdict::Succeeded => (RunState::Succeeded, String::new()),
                Verdict::Failed => (RunState::Failed, self.first_failure()),
                Verdict::Canceled => (RunState::Canceled, "canceled".to_owned()),
            };
            self.outcome = Some(Outcome {
                state,
                reason,
                outputs,
            });
        }
    }

    /// `Some` when every task of the DAG has ended.
    fn walk_dag(
        &mut self,
        prefix: &str,
        dag: &Dag,
        scope: &Scope<'_>,
        ready: &mut Vec<Ready>,
        now: i64,
    ) -> Option<Verdict> {
        let mut worst = Some(Verdict::Succeeded);
        for task in &dag.tasks {
            let ended = self.walk_task(prefix, task, scope, ready, now);
            worst = match (worst, ended) {
                (Some(a), Some(b)) => Some(a.min(b)),
                _ => None,
            };
        }
        worst
    }

    fn walk_task(
        &mut self,
        prefix: &str,
        task: &Task,
        scope: &Scope<'_>,
        ready: &mut Vec<Ready>,
        now: i64,
    ) -> Option<Verdict> {
        let path = join(prefix, &task.name);
        match self.nodes.get(&path).map(|n| n.state) {
            Some(state) if state.is_finished() => return Verdict::of(state),
            Some(TaskState::Running) => {
                return match &task.kind {
                    TaskKind::Container { .. } => None,
                    TaskKind::SubDag(sub) => self.walk_sub_dag(&path, sub, ready, now),
                };
            }
            _ => {}
        }
        if self.canceling {
            return self.decide(&path, TaskState::Canceled, "the run was canceled", now);
        }
        for dependency in &task.dependencies {
            let state = self.nodes.get(&join(prefix, dependency)).map(|n| n.state);
            match state {
                Some(state) if state.is_finished() => {
                    let broken = matches!(state, TaskState::Failed | TaskState::Canceled);
                    if broken && task.trigger == TriggerStrategy::AllUpstreamTasksSucceeded {
                        let why = format!("not run: `{dependency}` {}", state.as_str());
                        return self.decide(&path, TaskState::Canceled, &why, now);
                    }
                }
                _ => return None,
            }
        }
        let inputs = match resolve_inputs(&self.nodes, prefix, task, &scope.values, scope.interface)
        {
            Ok(inputs) => inputs,
            Err(NotRun::Skip(why)) => return self.decide(&path, TaskState::Skipped, &why, now),
            Err(NotRun::Fail(why)) => return self.decide(&path, TaskState::Failed, &why, now),
        };
        if let Some(condition) = &task.condition {
            let values = inputs.parameters.clone().into_iter().collect();
            match cel::condition(condition, &values) {
                Ok(true) => {}
                Ok(false) => {
                    let why = format!("condition is false: {condition}");
                    return self.decide_with(&path, TaskState::Skipped, &why, inputs, now);
                }
                Err(e) => {
                    let why = format!("condition `{condition}` cannot be evaluated: {e}");
                    return self.decide_with(&path, TaskState::Failed, &why, inputs, now);
                }
            }
        }
        match &task.kind {
            TaskKind::Container { component } => {
                if !self.nodes.contains_key(&path) {
                    self.put(&path, Node::new(TaskState::Pending, "waiting for a slot"));
                }
                if let Some(node) = self.nodes.get_mut(&path) {
                    node.inputs = Some(inputs.clone());
                }
                ready.push(Ready {
                    node: path,
                    task: task.clone(),
                    component: component.clone(),
                    inputs,
                });
                None
            }
            TaskKind::SubDag(sub) => {
                let mut node = Node::new(TaskState::Running, "");
                node.inputs = Some(inputs);
                node.started_at_ms = Some(now);
                self.put(&path, node);
                self.walk_sub_dag(&path, sub, ready, now)
            }
        }
    }

    fn walk_sub_dag(
        &mut self,
        path: &str,
        sub: &SubDag,
        ready: &mut Vec<Ready>,
        now: i64,
    ) -> Option<Verdict> {
        let inputs = self
            .nodes
            .get(path)
            .and_then(|n| n.inputs.clone())
            .unwrap_or_default();
        let ended = match &sub.for_each {
            None => {
                let scope = Scope {
                    values: inputs,
                    interface: &sub.inputs,
                };
                let verdict = self.walk_dag(path, &sub.dag, &scope, ready, now)?;
                let outputs = dag_outputs(&self.nodes, path, &sub.dag);
                (verdict, outputs)
            }
            Some(each) => match loop_items(each, &inputs) {
                Ok(items) => self.walk_loop(path, sub, each, &inputs, &items, ready, now)?,
                Err(why) => return self.decide(path, TaskState::Failed, &why, now),
            },
        };
        let (verdict, outputs) = ended;
        let reason = match verdict {
            Verdict::Succeeded => "",
            Verdict::Failed => "a task in it failed",
            Verdict::Canceled => "a task in it was canceled",
        };
        self.finished(path, verdict.state(), reason, Some(outputs), now);
        Some(verdict)
    }

    /// One iteration per item, each a DAG of its own at `path[i]`; at most `parallelism`
    /// open at once. Ends when every iteration has; its outputs are lists, in item order.
    #[allow(clippy::too_many_arguments)]
    fn walk_loop(
        &mut self,
        path: &str,
        sub: &SubDag,
        each: &ForEach,
        inputs: &Values,
        items: &[Value],
        ready: &mut Vec<Ready>,
        now: i64,
    ) -> Option<(Verdict, Values)> {
        let limit = match each.parallelism {
            Some(n) if n > 0 => n as usize,
            _ => usize::MAX,
        };
        let iteration = |i: usize| format!("{path}[{i}]");
        let mut open = (0..items.len())
            .filter(|i| {
                self.nodes
                    .get(&iteration(*i))
                    .is_some_and(|n| n.state == TaskState::Running)
            })
            .count();
        let mut worst = Some(Verdict::Succeeded);
        for (i, item) in items.iter().enumerate() {
            let at = iteration(i);
            let state = self.nodes.get(&at).map(|n| n.state);
            let ended = match state {
                Some(state) if state.is_finished() => Verdict::of(state),
                Some(TaskState::Running) => self.walk_iteration(&at, sub, ready, now, &mut open),
                _ if self.canceling => {
                    self.decide(&at, TaskState::Canceled, "the run was canceled", now)
                }
                _ if open >= limit => None,
                _ => {
                    let mut values = inputs.clone();
                    values
                        .parameters
                        .insert(each.item_input.clone(), item.clone());
                    let mut node = Node::new(TaskState::Running, "");
                    node.inputs = Some(values);
                    node.started_at_ms = Some(now);
                    self.put(&at, node);
                    open += 1;
                    self.walk_iteration(&at, sub, ready, now, &mut open)
                }
            };
            worst = match (worst, ended) {
                (Some(a), Some(b)) => Some(a.min(b)),
                _ => None,
            };
        }
        let verdict = worst?;
        let mut outputs = Values::default();
        for name in sub.dag.outputs.parameters.keys() {
            let list: Vec<Value> = (0..items.len())
                .filter_map(|i| self.output_of(&iteration(i), |o| o.parameters.get(name).cloned()))
                .collect();
            outputs.parameters.insert(name.clone(), Value::Array(list));
        }
        for name in sub.dag.outputs.artifacts.keys() {
            let list = (0..items.len())
                .filter_map(|i| self.output_of(&iteration(i), |o| o.artifacts.get(name).cloned()))
                .flatten()
                .collect();
            outputs.artifacts.insert(name.clone(), list);
        }
        Some((verdict, outputs))
    }

    fn walk_iteration(
        &mut self,
        at: &str,
        sub: &SubDag,
        ready: &mut Vec<Ready>,
        now: i64,
        open: &mut usize,
    ) -> Option<Verdict> {
        let values = self
            .nodes
            .get(at)
            .and_then(|n| n.inputs.clone())
            .unwrap_or_default();
        let scope = Scope {
            values,
            interface: &sub.inputs,
        };
        let verdict = self.walk_dag(at, &sub.dag, &scope, ready, now)?;
        let outputs = dag_outputs(&self.nodes, at, &sub.dag);
        self.finished(at, verdict.state(), "", Some(outputs), now);
        *open = open.saturating_sub(1);
        Some(verdict)
    }

    fn output_of<T>(&self, path: &str, pick: impl Fn(&Values) -> Option<T>) -> Option<T> {
        self.nodes
            .get(path)
            .filter(|n| n.state.is_done_well())
            .and_then(|n| n.outputs.as_ref())
            .and_then(pick)
    }

    /// Ends a node that will not run, and says how.
    fn decide(&mut self, path: &str, state: TaskState, why: &str, now: i64) -> Option<Verdict> {
        let inputs = self.nodes.get(path).and_then(|n| n.inputs.clone());
        let mut node = Node::new(state, why);
        node.inputs = inputs;
        node.finished_at_ms = Some(now);
        self.put(path, node);
        Verdict::of(state)
    }

    fn decide_with(
        &mut self,
        path: &str,
        state: TaskState,
        why: &str,
        inputs: Values,
        now: i64,
    ) -> Option<Verdict> {
        let mut node = Node::new(state, why);
        node.inputs = Some(inputs);
        node.finished_at_ms = Some(now);
        self.put(path, node);
        Verdict::of(state)
    }

    /// The first failed container task and why, for the run's reason.
    fn first_failure(&self) -> String {
        self.nodes
            .iter()
            .filter(|(path, n)| n.state == TaskState::Failed && self.is_container(path))
            .min_by_key(|(_, n)| n.finished_at_ms)
            .or_else(|| {
                self.nodes
                    .iter()
                    .find(|(_, n)| n.state == TaskState::Failed)
            })
            .map(|(path, n)| format!("{path}: {}", n.reason))
            .unwrap_or_else(|| "a task failed".to_owned())
    }
}

/// The items a loop iterates over: written in the pipeline, or one of the loop task's own
/// inputs (a list, or a string holding a JSON list, as KFP accepts).
fn loop_items(each: &ForEach, inputs: &Values) -> Result<Vec<Value>, String> {
    let value = match &each.items {
        LoopItems::Literal(items) => return Ok(items.clone()),
        LoopItems::Input(name) => inputs
            .parameters
            .get(name)
            .ok_or_else(|| format!("the list to iterate over, `{name}`, has no value"))?,
        LoopItems::ArtifactInput(name) => {
            return Err(format!(
                "iterating over artifacts (`{name}`) is not supported"
            ));
        }
    };
    match value {
        Value::Array(items) => Ok(items.clone()),
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => Ok(items),
            _ => Err(format!("the loop's items are not a list: {value}")),
        },
        other => Err(format!("the loop's items are not a list: {other}")),
    }
}

/// The task that the node at `path` runs (for an iteration, its loop task).
pub fn task_at<'p>(pipeline: &'p Pipeline, path: &str) -> Option<&'p Task> {
    let mut dag = &pipeline.root;
    let mut found = None;
    for segment in path.split('/') {
        let name = segment.split('[').next().unwrap_or(segment);
        let task = dag.task(name)?;
        found = Some(task);
        if let TaskKind::SubDag(sub) = &task.kind {
            dag = &sub.dag;
        }
    }
    found
}
