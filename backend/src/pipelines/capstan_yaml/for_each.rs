//! A task with a forEach, as KFP compiles a `dsl.ParallelFor`: a sub-DAG task that runs its DAG
//! once per item, holding one container task of the same name. The sub-DAG sees the outer
//! values that its task needs only through its own inputs, which carry them down under
//! `pipelinechannel--` names (`pipelinechannel--prepare-count`, the item
//! `pipelinechannel--shards-loop-item`); it exposes the task's outputs as lists of every
//! iteration's value. A condition is the sub-DAG task's, evaluated once before the iterations.

use serde_json::Value;

use super::build::{Bound, Context, component, constant, container_task, not_an_input, paths};
use super::condition;
use super::refs::{Given, Ref};
use super::spec::{ForEachSpec, TaskSpec};
use super::types::{Decl, artifact_def, common_type, param_def};
use crate::pipelines::cel::{Expr, Function};
use crate::pipelines::model::{
    Caching, Component, Dag, DagArtifactOutput, DagOutputs, DagParameterOutput, DagParameterSource,
    ForEach, InputBinding, InputSource, Interface, LoopItems, OutputRef, ParamType, SpecError,
    SubDag, Task, TaskInputs, TaskKind, TriggerStrategy,
};
use crate::pipelines::node::Result;

/// The sub-DAG task of `spec`, and the component of its body.
pub fn for_each_task(
    spec: &TaskSpec,
    for_each: &ForEachSpec,
    context: &Context,
) -> Result<(Task, Component)> {
    let mut channels = Channels::default();
    let error = |path: &str, problem: String| SpecError::new(path, problem);

    let (items, known_items) = match &for_each.items {
        Given::Constant(Value::Array(items)) => (LoopItems::Literal(items.clone()), Some(items)),
        Given::Ref(reference) => {
            if let Some(ty) = context.param_type(reference)
                && ty != ParamType::List
            {
                let problem = format!(
                    "forEach iterates over a list, and this is {}",
                    ty.kfp_name()
                );
                return Err(error(&for_each.items_path, problem));
            }
            let (source, decl) = context.resolve(reference);
            let list = channels.add(source, decl, &for_each.items_path);
            let default = match reference {
                Ref::Param(name) => context.params.parameters.get(name),
                _ => None,
            };
            let default = default.and_then(|p| p.default.as_ref()?.as_array());
            (LoopItems::Input(list), default)
        }
        Given::Constant(_) => unreachable!("refused when read"),
    };
    let reads_fields = spec
        .inputs
        .iter()
        .any(|i| matches!(i.given, Given::Ref(Ref::Item(Some(_)))));
    let item_type = known_items
        .and_then(common_type)
        .unwrap_or(if reads_fields {
            ParamType::Struct
        } else {
            ParamType::String
        });
    let item_input = channels.item(
        match &items {
            LoopItems::Input(list) => format!("{list}-loop-item"),
            _ => "pipelinechannel--loop-item".to_string(),
        },
        item_type,
    );

    // the body: constants in place, the item and outer values from the sub-DAG's inputs
    let mut bound = Bound::default();
    for input in &spec.inputs {
        let item = InputSource::ComponentInput(item_input.clone());
        let (source, decl, selector) = match &input.given {
            Given::Constant(value) => {
                let (source, decl) = constant(value);
                (source, decl, None)
            }
            Given::Ref(Ref::Item(None)) => (item, Decl::Parameter(item_type), None),
            Given::Ref(Ref::Item(Some(field))) => {
                let literal = match &for_each.items {
                    Given::Constant(Value::Array(items)) => Some(items),
                    _ => None,
                };
                let ty = field_type(literal, field).map_err(|p| error(&input.path, p))?;
                (item, Decl::Parameter(ty), Some(selector(field)))
            }
            Given::Ref(reference) => {
                let (source, decl) = context.resolve(reference);
                let channel = channels.add(source, decl.clone(), &input.path);
                let inner = match decl {
                    Decl::Parameter(_) => InputSource::ComponentInput(channel),
                    Decl::Artifact(_) => InputSource::ComponentInputArtifact(channel),
                };
                (inner, decl, None)
            }
        };
        bound.bind(input, source, decl, selector);
    }
    let body = container_task(spec, bound.inputs, Vec::new());

    let condition = match &spec.when {
        Some(text) => Some(
            condition::translate(text, &mut |name| {
                let input = spec
                    .inputs
                    .iter()
                    .find(|i| !i.artifact && i.name == name)
                    .ok_or_else(|| not_an_input(name, &spec.inputs))?;
                match &input.given {
                    Given::Constant(value) => {
                        let (source, decl) = constant(value);
                        let base = format!("pipelinechannel--{name}");
                        Ok(channels.add_as(base, source, decl, &input.path))
                    }
                    Given::Ref(Ref::Item(_)) => Err(format!(
                        "the condition of a forEach task is evaluated once, before its \
                         iterations: it cannot read '{name}', which takes the item"
                    )),
                    Given::Ref(reference) => {
                        let (source, decl) = context.resolve(reference);
                        Ok(channels.add(source, decl, &input.path))
                    }
                }
            })
            .map_err(|problem| error(&format!("{}.when", spec.path), problem))?,
        ),
        None => None,
    };

    let (task_inputs, sub_inputs) = channels.interfaces();
    let sources = task_inputs
        .parameters
        .values()
        .chain(task_inputs.artifacts.values());
    let dependencies = context.dependencies(sources.map(|b| &b.source), &spec.depends_on);
    let (sub_outputs, dag_outputs) = list_outputs(spec);
    let task = Task {
        name: spec.name.clone(),
        display_name: spec.name.clone(),
        path: spec.path.clone(),
        kind: TaskKind::SubDag(Box::new(SubDag {
            component: format!("comp-for-each-{}", spec.name),
            inputs: sub_inputs,
            outputs: sub_outputs,
            for_each: Some(ForEach {
                items,
                item_input,
                parallelism: for_each.parallelism,
            }),
            dag: Dag {
                path: spec.path.clone(),
                tasks: vec![body],
                outputs: dag_outputs,
            },
        })),
        inputs: task_inputs,
        dependencies,
        condition,
        trigger: TriggerStrategy::AllUpstreamTasksSucceeded,
        caching: Caching::default(),
        retry: None,
        timeout: None,
        paths: paths(spec),
    };
    Ok((task, component(spec, bound.declared)))
}

/// The type of `{{item.field}}`: that of the field in every literal item (each must be a
/// mapping with it), else a string.
fn field_type(literal: Option<&Vec<Value>>, field: &str) -> std::result::Result<ParamType, String> {
    let Some(items) = literal else {
        return Ok(ParamType::String);
    };
    let mut values = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_object().map(|map| map.get(field)) {
            Some(Some(value)) => values.push(value),
            Some(None) => return Err(format!("item {i} of forEach.items has no field '{field}'")),
            None => {
                return Err(format!(
                    "{{{{item.{field}}}}} reads a field, and item {i} of forEach.items is not a mapping"
                ));
            }
        }
    }
    Ok(common_type(values).unwrap_or(ParamType::String))
}

/// The selector of a field of a dict item, as KFP writes it: `parseJson(string_value)["a"]`.
fn selector(field: &str) -> String {
    let item = Expr::Call(
        Function::ParseJson,
        Box::new(Expr::Ident("string_value".into())),
    );
    Expr::Index(Box::new(item), Box::new(Expr::String(field.to_string()))).to_string()
}

/// The sub-DAG's outputs: each output of the body, as the list of every iteration's.
fn list_outputs(spec: &TaskSpec) -> (Interface, DagOutputs) {
    let mut interface = Interface::default();
    let mut outputs = DagOutputs {
        path: format!("{}.outputs", spec.path),
        ..DagOutputs::default()
    };
    let from_body = |key: &str| OutputRef {
        task: spec.name.clone(),
        key: key.to_string(),
    };
    for key in spec.outputs.parameters.keys() {
        interface
            .parameters
            .insert(key.clone(), param_def(ParamType::List));
        let output = DagParameterOutput {
            path: format!("{}.outputs.parameters.{key}", spec.path),
            source: DagParameterSource::Task(from_body(key)),
        };
        outputs.parameters.insert(key.clone(), output);
    }
    for key in spec.outputs.artifacts.keys() {
        interface.artifacts.insert(key.clone(), artifact_def(true));
        let output = DagArtifactOutput {
            path: format!("{}.outputs.artifacts", spec.path),
            selectors: vec![from_body(key)],
        };
        outputs.artifacts.insert(key.clone(), output);
    }
    (interface, outputs)
}

/// The sub-DAG's inputs: one per outer value, named once.
#[derive(Default)]
struct Channels {
    list: Vec<Channel>,
}

struct Channel {
    name: String,
    /// Where the value comes from, outside; `None` for the item.
    source: Option<InputSource>,
    decl: Decl,
    /// Where it is written.
    path: String,
}

impl Channels {
    /// The input that carries `source`, a reference (the same one for every reader of one
    /// value): `pipelinechannel--lr`, `pipelinechannel--prepare-count`.
    fn add(&mut self, source: InputSource, decl: Decl, path: &str) -> String {
        let base = match &source {
            InputSource::ComponentInput(name) => format!("pipelinechannel--{name}"),
            InputSource::TaskOutputParameter { task, key }
            | InputSource::TaskOutputArtifact { task, key } => {
                format!("pipelinechannel--{task}-{key}")
            }
            _ => "pipelinechannel--value".to_string(),
        };
        self.add_as(base, source, decl, path)
    }

    /// The input that carries `source`, named `base` unless taken.
    fn add_as(&mut self, base: String, source: InputSource, decl: Decl, path: &str) -> String {
        if let Some(channel) = self
            .list
            .iter()
            .find(|c| c.source.as_ref() == Some(&source))
        {
            return channel.name.clone();
        }
        let name = self.free(base);
        self.list.push(Channel {
            name: name.clone(),
            source: Some(source),
            decl,
            path: path.to_string(),
        });
        name
    }

    /// The input that receives the item.
    fn item(&mut self, base: String, ty: ParamType) -> String {
        let name = self.free(base);
        self.list.push(Channel {
            name: name.clone(),
            source: None,
            decl: Decl::Parameter(ty),
            path: String::new(),
        });
        name
    }

    /// `base`, or `base-2`, `base-3`… when taken.
    fn free(&self, base: String) -> String {
        let taken = |name: &str| self.list.iter().any(|c| c.name == name);
        if !taken(&base) {
            return base;
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|name| !taken(name))
            .unwrap_or(base)
    }

    /// What the sub-DAG task is given, and what the sub-DAG declares.
    fn interfaces(self) -> (TaskInputs, Interface) {
        let mut given = TaskInputs::default();
        let mut declared = Interface::default();
        for channel in self.list {
            let binding = channel.source.map(|source| InputBinding {
                source,
                selector: None,
                path: channel.path,
            });
            match channel.decl {
                Decl::Parameter(ty) => {
                    declared
                        .parameters
                        .insert(channel.name.clone(), param_def(ty));
                    if let Some(binding) = binding {
                        given.parameters.insert(channel.name, binding);
                    }
                }
                Decl::Artifact(def) => {
                    declared.artifacts.insert(channel.name.clone(), def);
                    if let Some(binding) = binding {
                        given.artifacts.insert(channel.name, binding);
                    }
                }
            }
        }
        (given, declared)
    }
}
