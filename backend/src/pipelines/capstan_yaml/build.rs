//! Read tasks into the model: each task's component (its interface from what the task is
//! given and declares), its inputs' sources, dependencies and condition. A task with a forEach
//! becomes a sub-DAG (see `for_each`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::condition;
use super::refs::{Given, Ref};
use super::spec::{InputSpec, TaskSpec};
use super::types::{Decl, artifact_def, param_def, type_of};
use crate::pipelines::model::{
    Caching, Component, Executor, InputBinding, InputSource, Interface, ParamType, SpecError, Task,
    TaskInputs, TaskKind, TaskPaths, TriggerStrategy,
};
use crate::pipelines::node::Result;

/// What references resolve against: the run parameters and every task as written.
pub struct Context<'a> {
    pub params: &'a Interface,
    pub tasks: BTreeMap<&'a str, &'a TaskSpec>,
}

impl Context<'_> {
    /// Where a reference (not the item) takes its value from, in the root DAG, and what it is
    /// declared as. What does not resolve is declared a string here; validation names it.
    pub fn resolve(&self, reference: &Ref) -> (InputSource, Decl) {
        let ty = || Decl::Parameter(self.param_type(reference).unwrap_or(ParamType::String));
        match reference {
            Ref::Param(name) => (InputSource::ComponentInput(name.clone()), ty()),
            Ref::TaskParameter { task, key } => {
                let source = InputSource::TaskOutputParameter {
                    task: task.clone(),
                    key: key.clone(),
                };
                (source, ty())
            }
            Ref::TaskArtifact { task, key } => {
                let list = self
                    .tasks
                    .get(task.as_str())
                    .is_some_and(|producer| producer.for_each.is_some());
                let source = InputSource::TaskOutputArtifact {
                    task: task.clone(),
                    key: key.clone(),
                };
                (source, Decl::Artifact(artifact_def(list)))
            }
            Ref::Item(_) => unreachable!("the item is resolved by its forEach"),
        }
    }

    /// The declared type of the run parameter or task output that `reference` names, if it
    /// exists (a forEach's outputs are lists).
    pub fn param_type(&self, reference: &Ref) -> Option<ParamType> {
        match reference {
            Ref::Param(name) => self.params.parameters.get(name).map(|p| p.ty),
            Ref::TaskParameter { task, key } => {
                let producer = self.tasks.get(task.as_str())?;
                let declared = producer.outputs.parameters.get(key)?;
                match producer.for_each {
                    Some(_) => Some(ParamType::List),
                    None => Some(declared.ty),
                }
            }
            Ref::TaskArtifact { .. } | Ref::Item(_) => None,
        }
    }

    /// The tasks that `sources` read from (those that exist: validation names the others at
    /// the input) and those of `depends_on`, sorted.
    pub fn dependencies<'s>(
        &self,
        sources: impl Iterator<Item = &'s InputSource>,
        depends_on: &[String],
    ) -> Vec<String> {
        let mut tasks: BTreeSet<String> = sources
            .filter_map(InputSource::producer)
            .filter(|task| self.tasks.contains_key(task))
            .map(str::to_string)
            .collect();
        tasks.extend(depends_on.iter().cloned());
        tasks.into_iter().collect()
    }
}

/// A task without forEach: a container task and its component.
pub fn plain_task(spec: &TaskSpec, context: &Context) -> Result<(Task, Component)> {
    let mut bound = Bound::default();
    for input in &spec.inputs {
        let (source, decl) = match &input.given {
            Given::Constant(value) => constant(value),
            Given::Ref(reference) => context.resolve(reference),
        };
        bound.bind(input, source, decl, None);
    }
    let inputs = bound.inputs;
    let condition = match &spec.when {
        Some(text) => Some(
            condition::translate(
                text,
                &mut |name| match inputs.parameters.contains_key(name) {
                    true => Ok(name.to_string()),
                    false => Err(not_an_input(name, &spec.inputs)),
                },
            )
            .map_err(|problem| SpecError::new(format!("{}.when", spec.path), problem))?,
        ),
        None => None,
    };
    let sources = inputs.parameters.values().chain(inputs.artifacts.values());
    let dependencies = context.dependencies(sources.map(|b| &b.source), &spec.depends_on);
    let mut task = container_task(spec, inputs, dependencies);
    task.condition = condition;
    Ok((task, component(spec, bound.declared)))
}

/// A constant's source, declared by its type.
pub fn constant(value: &Value) -> (InputSource, Decl) {
    let ty = type_of(value).unwrap_or(ParamType::String);
    (InputSource::Constant(value.clone()), Decl::Parameter(ty))
}

/// A container task's inputs, and what its component declares of them.
#[derive(Default)]
pub struct Bound {
    pub inputs: TaskInputs,
    pub declared: Interface,
}

impl Bound {
    /// Binds `input` to `source` (with a selector, for a field of the item) and declares it as
    /// `decl`.
    pub fn bind(
        &mut self,
        input: &InputSpec,
        source: InputSource,
        decl: Decl,
        selector: Option<String>,
    ) {
        let binding = InputBinding {
            source,
            selector,
            path: input.path.clone(),
        };
        let name = input.name.clone();
        match decl {
            Decl::Parameter(ty) => {
                self.declared.parameters.insert(name.clone(), param_def(ty));
                self.inputs.parameters.insert(name, binding);
            }
            Decl::Artifact(def) => {
                self.declared.artifacts.insert(name.clone(), def);
                self.inputs.artifacts.insert(name, binding);
            }
        }
    }
}

/// The container task of `spec` (no condition: the caller sets it where it belongs).
pub fn container_task(spec: &TaskSpec, inputs: TaskInputs, dependencies: Vec<String>) -> Task {
    Task {
        name: spec.name.clone(),
        display_name: spec.name.clone(),
        path: spec.path.clone(),
        kind: TaskKind::Container {
            component: component_name(spec),
        },
        inputs,
        dependencies,
        condition: None,
        trigger: TriggerStrategy::AllUpstreamTasksSucceeded,
        caching: Caching {
            enabled: spec.cache,
            key: None,
        },
        retry: spec.retry.clone(),
        timeout: spec.timeout,
        paths: paths(spec),
    }
}

/// The component that runs `spec`'s container, declared by `path` = the task's.
pub fn component(spec: &TaskSpec, inputs: Interface) -> Component {
    Component {
        name: component_name(spec),
        path: spec.path.clone(),
        inputs,
        outputs: spec.outputs.clone(),
        executor: Executor::Container(spec.container.clone()),
        executor_path: spec.path.clone(),
    }
}

fn component_name(spec: &TaskSpec) -> String {
    format!("comp-{}", spec.name)
}

/// Where the parts of a task are written.
pub fn paths(spec: &TaskSpec) -> TaskPaths {
    let at = |part: &str| format!("{}.{part}", spec.path);
    TaskPaths {
        component: spec.path.clone(),
        dependencies: at("dependsOn"),
        parameters: at("inputs.parameters"),
        artifacts: at("inputs.artifacts"),
        condition: at("when"),
        iterator: at("forEach.items"),
    }
}

/// The problem of a condition that reads `name`, which is not an input parameter.
pub fn not_an_input(name: &str, inputs: &[InputSpec]) -> String {
    let names: Vec<&str> = inputs
        .iter()
        .filter(|i| !i.artifact)
        .map(|i| i.name.as_str())
        .collect();
    format!(
        "the condition reads '{name}', which is not an input parameter of this task (its input \
         parameters: {})",
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    )
}
