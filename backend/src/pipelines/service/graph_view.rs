//! A pipeline's graph, and a run's, as the UI draws them: every task with the sub-DAG it is
//! in and the tasks of its DAG that it waits for. In a run, a loop shows the iterations it
//! opened (each with its own copy of the body), and every node its state.

use std::collections::BTreeMap;

use api::{GraphNode, GraphView, TaskState};

use crate::pipelines::model::{Dag, Pipeline, TaskKind};

/// The pipeline as written: a loop's body appears once.
pub fn pipeline_graph(pipeline: &Pipeline) -> GraphView {
    let mut graph = GraphView::default();
    add_dag(&mut graph, &pipeline.root, "", None, &BTreeMap::new());
    graph
}

/// A run: states from its nodes, loops expanded into the iterations it reached.
pub fn run_graph(pipeline: &Pipeline, states: &BTreeMap<String, TaskState>) -> GraphView {
    let mut graph = GraphView::default();
    add_dag(&mut graph, &pipeline.root, "", None, states);
    graph
}

fn add_dag(
    graph: &mut GraphView,
    dag: &Dag,
    prefix: &str,
    parent: Option<&str>,
    states: &BTreeMap<String, TaskState>,
) {
    let path = |name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}/{name}")
        }
    };
    for task in &dag.tasks {
        let id = path(&task.name);
        let kind = match &task.kind {
            TaskKind::Container { .. } => "task",
            TaskKind::SubDag(sub) if sub.for_each.is_some() => "loop",
            TaskKind::SubDag(_) if task.condition.is_some() => "condition",
            TaskKind::SubDag(_) => "dag",
        };
        graph.nodes.push(GraphNode {
            id: id.clone(),
            parent: parent.map(str::to_owned),
            label: task.display_name.clone(),
            kind: kind.to_owned(),
            after: task.dependencies.iter().map(|d| path(d)).collect(),
            state: states.get(&id).copied(),
        });
        let TaskKind::SubDag(sub) = &task.kind else {
            continue;
        };
        let iterations: Vec<String> = (0..)
            .map(|i| format!("{id}[{i}]"))
            .take_while(|it| states.contains_key(it))
            .collect();
        if sub.for_each.is_some() && !iterations.is_empty() {
            for (i, iteration) in iterations.iter().enumerate() {
                graph.nodes.push(GraphNode {
                    id: iteration.clone(),
                    parent: Some(id.clone()),
                    label: format!("iteration {i}"),
                    kind: "iteration".to_owned(),
                    after: Vec::new(),
                    state: states.get(iteration).copied(),
                });
                add_dag(graph, &sub.dag, iteration, Some(iteration), states);
            }
        } else {
            add_dag(graph, &sub.dag, &id, Some(&id), states);
        }
    }
}
