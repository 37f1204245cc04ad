//! DAGs and their tasks: inputs, dependencies, conditions, iterators, caching and retries, with
//! sub-DAG components inlined where they are used.

use std::collections::BTreeMap;

use super::values::{Side, interface, retry_policy};
use crate::pipelines::model::{
    Caching, Component, Dag, DagArtifactOutput, DagOutputs, DagParameterOutput, DagParameterSource,
    ForEach, InputBinding, InputSource, LoopItems, OutputRef, SubDag, Task, TaskInputs, TaskKind,
    TaskPaths, TriggerStrategy,
};
use crate::pipelines::node::{Node, Obj, Result};

/// The most tasks a pipeline may have once its sub-DAGs are inlined (a sub-DAG used twice
/// counts twice): a bound on what a small document can expand to.
pub const MAX_TASKS: usize = 10_000;

/// Reads DAGs, inlining the sub-DAG components that their tasks use.
pub struct Reader<'a> {
    /// Every entry of `components`, as written.
    pub components: BTreeMap<String, Node<'a>>,
    /// The components that run something, already read.
    pub containers: BTreeMap<String, Component>,
    /// The sub-DAG components being inlined, outermost first (to refuse recursion).
    expanding: Vec<String>,
    tasks: usize,
}

impl<'a> Reader<'a> {
    pub fn new(
        components: BTreeMap<String, Node<'a>>,
        containers: BTreeMap<String, Component>,
    ) -> Self {
        Reader {
            components,
            containers,
            expanding: Vec::new(),
            tasks: 0,
        }
    }

    /// A `dag` (a mapping with `tasks` and `outputs`).
    pub fn dag(&mut self, node: &Node<'a>) -> Result<Dag> {
        let obj = node.obj()?;
        obj.only(&["tasks", "outputs"], &[])?;
        let mut tasks = Vec::new();
        for (name, task) in obj.entries("tasks")? {
            tasks.push(self.task(&name, &task)?);
        }
        Ok(Dag {
            path: obj.child_path("tasks"),
            tasks,
            outputs: match obj.opt_obj("outputs")? {
                Some(outputs) => dag_outputs(outputs)?,
                None => DagOutputs {
                    path: obj.child_path("outputs"),
                    ..DagOutputs::default()
                },
            },
        })
    }

    fn task(&mut self, name: &str, node: &Node<'a>) -> Result<Task> {
        self.tasks += 1;
        if self.tasks > MAX_TASKS {
            return Err(node.err(format!(
                "the pipeline has more than {MAX_TASKS} tasks once its sub-DAGs are expanded"
            )));
        }
        let obj = node.obj()?;
        obj.only(
            &[
                "taskInfo",
                "inputs",
                "dependentTasks",
                "cachingOptions",
                "componentRef",
                "triggerPolicy",
                "artifactIterator",
                "parameterIterator",
                "retryPolicy",
                "iteratorPolicy",
            ],
            &[],
        )?;
        let display_name = match obj.opt_obj("taskInfo")? {
            Some(info) => {
                info.only(&["name"], &[])?;
                info.opt_str("name")?
            }
            None => None,
        }
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| name.to_string());

        let component_ref = obj.req("componentRef")?.obj()?;
        component_ref.only(&["name"], &[])?;
        let component = component_ref.req("name")?;
        let inputs_path = obj.child_path("inputs");
        let trigger_path = obj.child_path("triggerPolicy");
        let iterator_path = if obj.get("artifactIterator").is_some() {
            obj.child_path("artifactIterator")
        } else {
            obj.child_path("parameterIterator")
        };
        let paths = TaskPaths {
            component: component.path.clone(),
            dependencies: obj.child_path("dependentTasks"),
            parameters: format!("{inputs_path}.parameters"),
            artifacts: format!("{inputs_path}.artifacts"),
            condition: format!("{trigger_path}.condition"),
            iterator: iterator_path,
        };

        let for_each = self::for_each(&obj)?;
        let kind = self.kind(&component, for_each)?;

        let (condition, trigger) = match obj.opt_obj("triggerPolicy")? {
            Some(policy) => trigger_policy(policy)?,
            None => (None, TriggerStrategy::default()),
        };
        let caching = match obj.opt_obj("cachingOptions")? {
            Some(options) => {
                options.only(&["enableCache", "cacheKey"], &[])?;
                Caching {
                    enabled: options.opt_bool("enableCache")?.unwrap_or(false),
                    key: options.opt_str("cacheKey")?.filter(|k| !k.is_empty()),
                }
            }
            None => Caching::default(),
        };
        Ok(Task {
            name: name.to_string(),
            display_name,
            path: node.path.clone(),
            kind,
            inputs: match obj.opt_obj("inputs")? {
                Some(inputs) => task_inputs(inputs)?,
                None => TaskInputs::default(),
            },
            dependencies: match obj.get("dependentTasks") {
                Some(list) => list.strings()?,
                None => Vec::new(),
            },
            condition,
            trigger,
            caching,
            retry: match obj.opt_obj("retryPolicy")? {
                Some(policy) => Some(retry_policy(policy)?),
                None => None,
            },
            timeout: None,
            paths,
        })
    }

    /// What the component `name_node` names makes of the task: a container task, or its DAG
    /// inlined.
    fn kind(&mut self, name_node: &Node<'a>, for_each: Option<ForEach>) -> Result<TaskKind> {
        let name = name_node.str()?;
        let Some(component) = self.components.get(name).cloned() else {
            return Err(name_node.err(format!("no component {name:?} in components")));
        };
        let obj = component.obj()?;
        let Some(dag) = obj.get("dag") else {
            if for_each.is_some() {
                return Err(name_node.err(format!(
                    "{name:?} runs a container, but an iterator needs a sub-DAG component"
                )));
            }
            return match self.containers.contains_key(name) {
                true => Ok(TaskKind::Container {
                    component: name.to_string(),
                }),
                // read with every component before the DAGs; absent only if it failed to read
                false => Err(name_node.err(format!("component {name:?} could not be read"))),
            };
        };
        if self.expanding.iter().any(|c| c == name) {
            let mut chain = self.expanding.clone();
            chain.push(name.to_string());
            let start = chain.iter().position(|c| c == name).unwrap_or(0);
            return Err(name_node.err(format!(
                "component {name:?} contains itself ({})",
                chain[start..].join(" -> ")
            )));
        }
        self.expanding.push(name.to_string());
        let sub_dag = self.dag(&dag);
        self.expanding.pop();
        Ok(TaskKind::SubDag(Box::new(SubDag {
            component: name.to_string(),
            inputs: interface(obj.get("inputDefinitions"), Side::Inputs)?,
            outputs: interface(obj.get("outputDefinitions"), Side::Outputs)?,
            for_each,
            dag: sub_dag?,
        })))
    }
}

fn trigger_policy(obj: Obj) -> Result<(Option<String>, TriggerStrategy)> {
    obj.only(&["condition", "strategy"], &[])?;
    let condition = obj.opt_str("condition")?.filter(|c| !c.trim().is_empty());
    let strategy = match obj.get("strategy") {
        None => TriggerStrategy::default(),
        Some(node) => match node.str()? {
            "TRIGGER_STRATEGY_UNSPECIFIED" | "ALL_UPSTREAM_TASKS_SUCCEEDED" => {
                TriggerStrategy::AllUpstreamTasksSucceeded
            }
            "ALL_UPSTREAM_TASKS_COMPLETED" => TriggerStrategy::AllUpstreamTasksCompleted,
            other => {
                return Err(node.err(format!(
                    "unknown strategy {other:?} (expected ALL_UPSTREAM_TASKS_SUCCEEDED or \
                     ALL_UPSTREAM_TASKS_COMPLETED)"
                )));
            }
        },
    };
    Ok((condition, strategy))
}

/// `parameterIterator` or `artifactIterator`, with `iteratorPolicy`.
fn for_each(task: &Obj) -> Result<Option<ForEach>> {
    let (items, item_input) = match (task.get("parameterIterator"), task.get("artifactIterator")) {
        (None, None) => {
            if let Some(policy) = task.get("iteratorPolicy") {
                return Err(policy.err("an iteratorPolicy without an iterator"));
            }
            return Ok(None);
        }
        (Some(_), Some(node)) => {
            return Err(node.err("a task has one iterator, and this one has a parameterIterator"));
        }
        (Some(node), None) => {
            let obj = node.obj()?;
            obj.only(&["items", "itemInput"], &[])?;
            let items = obj.req("items")?.obj()?;
            items.only(&["raw", "inputParameter"], &[])?;
            let items = match (items.get("raw"), items.get("inputParameter")) {
                (Some(raw), None) => LoopItems::Literal(literal_items(&raw)?),
                (None, Some(input)) => LoopItems::Input(input.str()?.to_string()),
                (Some(_), Some(_)) => return Err(items.err("both raw and inputParameter")),
                (None, None) => return Err(items.err("expected raw or inputParameter")),
            };
            (items, obj.req_str("itemInput")?)
        }
        (None, Some(node)) => {
            let obj = node.obj()?;
            obj.only(&["items", "itemInput"], &[])?;
            let items = obj.req("items")?.obj()?;
            items.only(&["inputArtifact"], &[])?;
            (
                LoopItems::ArtifactInput(items.req_str("inputArtifact")?),
                obj.req_str("itemInput")?,
            )
        }
    };
    let parallelism = match task.opt_obj("iteratorPolicy")? {
        Some(policy) => {
            policy.only(&["parallelismLimit"], &[])?;
            match policy.get("parallelismLimit") {
                Some(limit) => Some(limit.u32()?).filter(|n| *n > 0),
                None => None,
            }
        }
        None => None,
    };
    Ok(Some(ForEach {
        items,
        item_input,
        parallelism,
    }))
}

/// `items.raw`: a JSON list in a string (`'[1, 2, 3]'`).
fn literal_items(node: &Node) -> Result<Vec<serde_json::Value>> {
    let text = node.str()?;
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Array(items)) => Ok(items),
        Ok(_) => Err(node.err("expected a JSON list of items")),
        Err(e) => Err(node.err(format!("not a JSON list: {e}"))),
    }
}

fn task_inputs(obj: Obj) -> Result<TaskInputs> {
    obj.only(&["parameters", "artifacts"], &[])?;
    let mut inputs = TaskInputs::default();
    for (name, node) in obj.entries("parameters")? {
        inputs.parameters.insert(name, parameter_binding(&node)?);
    }
    for (name, node) in obj.entries("artifacts")? {
        inputs.artifacts.insert(name, artifact_binding(&node)?);
    }
    Ok(inputs)
}

/// The one key of `kinds` that `obj` has.
fn one_of<'a>(obj: &Obj<'a>, kinds: &[&'static str]) -> Result<(&'static str, Node<'a>)> {
    let present: Vec<(&'static str, Node<'a>)> = kinds
        .iter()
        .filter_map(|k| obj.get(k).map(|node| (*k, node)))
        .collect();
    match present.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(obj.err(format!("expected one of {}", kinds.join(", ")))),
        [(first, _), (second, _), ..] => Err(obj.err(format!(
            "has both {first} and {second}; an input has one source"
        ))),
    }
}

fn parameter_binding(node: &Node) -> Result<InputBinding> {
    let obj = node.obj()?;
    obj.only(
        &[
            "taskOutputParameter",
            "runtimeValue",
            "componentInputParameter",
            "taskFinalStatus",
            "parameterExpressionSelector",
        ],
        &[],
    )?;
    let source = match one_of(
        &obj,
        &[
            "taskOutputParameter",
            "runtimeValue",
            "componentInputParameter",
            "taskFinalStatus",
        ],
    )? {
        ("taskOutputParameter", node) => {
            let output = node.obj()?;
            output.only(&["producerTask", "outputParameterKey"], &[])?;
            InputSource::TaskOutputParameter {
                task: output.req_str("producerTask")?,
                key: output.req_str("outputParameterKey")?,
            }
        }
        ("runtimeValue", node) => {
            let value = node.obj()?;
            value.only(
                &["constant"],
                &[
                    (
                        "constantValue",
                        "the constantValue of kfp before 2.0; recompile with kfp 2",
                    ),
                    (
                        "runtimeParameter",
                        "runtimeParameter of kfp before 2.0; recompile with kfp 2",
                    ),
                ],
            )?;
            InputSource::Constant(value.req("constant")?.value.clone())
        }
        ("componentInputParameter", node) => InputSource::ComponentInput(node.str()?.to_string()),
        (_, node) => {
            let status = node.obj()?;
            status.only(&["producerTask"], &[])?;
            InputSource::TaskFinalStatus {
                task: status.req_str("producerTask")?,
            }
        }
    };
    Ok(InputBinding {
        source,
        selector: obj
            .opt_str("parameterExpressionSelector")?
            .filter(|s| !s.trim().is_empty()),
        path: node.path.clone(),
    })
}

fn artifact_binding(node: &Node) -> Result<InputBinding> {
    let obj = node.obj()?;
    obj.only(&["taskOutputArtifact", "componentInputArtifact"], &[])?;
    let source = match one_of(&obj, &["taskOutputArtifact", "componentInputArtifact"])? {
        ("taskOutputArtifact", node) => {
            let output = node.obj()?;
            output.only(&["producerTask", "outputArtifactKey"], &[])?;
            InputSource::TaskOutputArtifact {
                task: output.req_str("producerTask")?,
                key: output.req_str("outputArtifactKey")?,
            }
        }
        (_, node) => InputSource::ComponentInputArtifact(node.str()?.to_string()),
    };
    Ok(InputBinding {
        source,
        selector: None,
        path: node.path.clone(),
    })
}

fn dag_outputs(obj: Obj) -> Result<DagOutputs> {
    obj.only(&["parameters", "artifacts"], &[])?;
    let mut outputs = DagOutputs {
        path: obj.path.clone(),
        ..DagOutputs::default()
    };
    for (name, node) in obj.entries("parameters")? {
        let output = node.obj()?;
        output.only(&["valueFromParameter", "valueFromOneof"], &[])?;
        let source = match one_of(&output, &["valueFromParameter", "valueFromOneof"])? {
            ("valueFromParameter", selector) => {
                DagParameterSource::Task(output_ref(&selector, "outputParameterKey")?)
            }
            (_, oneof) => {
                let oneof = oneof.obj()?;
                oneof.only(&["parameterSelectors"], &[])?;
                let selectors = oneof
                    .req("parameterSelectors")?
                    .items()?
                    .iter()
                    .map(|s| output_ref(s, "outputParameterKey"))
                    .collect::<Result<Vec<_>>>()?;
                DagParameterSource::OneOf(selectors)
            }
        };
        outputs.parameters.insert(
            name,
            DagParameterOutput {
                path: node.path.clone(),
                source,
            },
        );
    }
    for (name, node) in obj.entries("artifacts")? {
        let output = node.obj()?;
        output.only(&["artifactSelectors"], &[])?;
        let selectors = output
            .req("artifactSelectors")?
            .items()?
            .iter()
            .map(|s| output_ref(s, "outputArtifactKey"))
            .collect::<Result<Vec<_>>>()?;
        outputs.artifacts.insert(
            name,
            DagArtifactOutput {
                path: node.path.clone(),
                selectors,
            },
        );
    }
    Ok(outputs)
}

/// `{producerSubtask, <key_field>}`.
fn output_ref(node: &Node, key_field: &str) -> Result<OutputRef> {
    let obj = node.obj()?;
    obj.only(&["producerSubtask", key_field], &[])?;
    Ok(OutputRef {
        task: obj.req_str("producerSubtask")?,
        key: obj.req_str(key_field)?,
    })
}
