//! Checks on a [`Pipeline`] before it is stored, whatever format it was read from: every
//! reference resolves (dependencies, producer tasks and their outputs, component inputs, the
//! inputs a component declares), every required input is given, no DAG has a cycle or two
//! tasks of one name, and nothing is there that the run engine does not run. Each problem
//! comes with its path in the source document.
//!
//! Refused as unsupported: importer tasks (`dsl.importer`), iterating over artifacts
//! (`artifactIterator`), platform-specific configuration (the kfp-kubernetes extension).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::model::{
    Dag, DagParameterSource, Executor, InputBinding, InputSource, Interface, LoopItems, OutputRef,
    ParamType, Pipeline, Source, SpecError, Task, TaskKind,
};

/// Every problem of `pipeline` (task by task, a sub-DAG's after the task that holds it); `Ok`
/// when there is none.
pub fn validate(pipeline: &Pipeline) -> Result<(), Vec<SpecError>> {
    let mut checks = Checks {
        pipeline,
        errors: Vec::new(),
    };
    for platform in &pipeline.platforms {
        checks.error(
            &platform.path,
            format!(
                "platform-specific configuration ({}: secrets, volumes, node selectors and the \
                 like from kfp-kubernetes) is not supported",
                platform.platform
            ),
        );
    }
    checks.components();
    if pipeline.root.tasks.is_empty() {
        checks.error(&pipeline.root.path, "the pipeline has no tasks");
    }
    checks.dag(
        &pipeline.root,
        &Scope {
            owner: "the pipeline",
            inputs: &pipeline.inputs,
            outputs: &pipeline.outputs,
        },
    );
    if checks.errors.is_empty() {
        Ok(())
    } else {
        Err(checks.errors)
    }
}

struct Checks<'p> {
    pipeline: &'p Pipeline,
    errors: Vec<SpecError>,
}

/// The DAG being checked: what its tasks can read as component inputs, and what it must
/// produce.
struct Scope<'p> {
    /// `the pipeline`, or the sub-DAG's component (`comp-for-loop-3`).
    owner: &'p str,
    inputs: &'p Interface,
    outputs: &'p Interface,
}

impl<'p> Checks<'p> {
    fn error(&mut self, path: &str, problem: impl Into<String>) {
        self.errors.push(SpecError::new(path, problem));
    }

    /// Placeholders in commands and arguments name what the component declares.
    fn components(&mut self) {
        for component in self.pipeline.components.values() {
            let Executor::Container(container) = &component.executor else {
                continue;
            };
            let lists = [("command", &container.command), ("args", &container.args)];
            for (field, list) in lists {
                for (i, text) in list.iter().enumerate() {
                    for (kind, name) in placeholders(text) {
                        let (declared, names) = match kind {
                            Placeholder::InputParameter => (
                                component.inputs.parameters.contains_key(name),
                                component.inputs.parameter_names(),
                            ),
                            Placeholder::InputArtifact => (
                                component.inputs.artifacts.contains_key(name),
                                component.inputs.artifact_names(),
                            ),
                            Placeholder::OutputParameter => (
                                component.outputs.parameters.contains_key(name),
                                component.outputs.parameter_names(),
                            ),
                            Placeholder::OutputArtifact => (
                                component.outputs.artifacts.contains_key(name),
                                component.outputs.artifact_names(),
                            ),
                        };
                        if !declared {
                            // KFP IR nests the argv in the executor's `container`; Capstan
                            // YAML writes it in the task.
                            let container = match self.pipeline.source {
                                Source::KfpIr { .. } => ".container",
                                Source::Capstan => "",
                            };
                            self.error(
                                &format!("{}{container}.{field}[{i}]", component.executor_path),
                                format!(
                                    "the placeholder names {} '{name}', which {} does not \
                                     declare ({} declares: {names})",
                                    kind.describe(),
                                    component.name,
                                    component.name
                                ),
                            );
                        }
                    }
                }
            }
        }
    }

    fn dag(&mut self, dag: &'p Dag, scope: &Scope<'p>) {
        let mut seen = BTreeSet::new();
        for task in &dag.tasks {
            if !seen.insert(task.name.as_str()) {
                self.error(&task.path, format!("duplicate task name '{}'", task.name));
            }
        }
        for task in &dag.tasks {
            self.task(task, dag, scope);
        }
        self.cycles(dag);
        self.dag_outputs(dag, scope);
    }

    fn task(&mut self, task: &'p Task, dag: &'p Dag, scope: &Scope<'p>) {
        for dependency in &task.dependencies {
            if dag.task(dependency).is_none() {
                self.error(
                    &task.paths.dependencies,
                    format!(
                        "unknown task '{dependency}' (tasks in this DAG: {})",
                        task_names(dag)
                    ),
                );
            }
        }
        for (name, binding) in task.inputs.parameters.iter().chain(&task.inputs.artifacts) {
            if let Some(selector) = &binding.selector
                && let Err(e) = super::cel::parse(selector)
            {
                self.error(
                    &format!("{}.parameterExpressionSelector", binding.path),
                    format!("the selector of '{name}' is not valid CEL: {e}"),
                );
            }
        }
        if let Some(condition) = &task.condition {
            if let Err(e) = super::cel::parse(condition) {
                self.error(
                    &task.paths.condition,
                    format!("not valid CEL: {e} (in `{condition}`)"),
                );
            }
            for name in condition_inputs(condition) {
                if !task.inputs.parameters.contains_key(name) {
                    self.error(
                        &task.paths.condition,
                        format!(
                            "the condition reads '{name}', which is not an input of this task \
                             (its inputs: {})",
                            names(task.inputs.parameters.keys())
                        ),
                    );
                }
            }
        }

        // What the task's component declares, and (for a for-each) the input it feeds itself.
        let (component, declared, item_input) = match &task.kind {
            TaskKind::Container { component } => match self.pipeline.components.get(component) {
                None => {
                    self.error(
                        &task.paths.component,
                        format!("unknown component '{component}'"),
                    );
                    self.inputs_without_component(task, dag, scope);
                    return;
                }
                Some(c) => {
                    if let Executor::Importer(_) = c.executor {
                        self.error(
                            &task.path,
                            format!(
                                "'{}' is an importer (dsl.importer), which Capstan does not run: \
                                 pass the data as an artifact produced by a task instead",
                                c.name
                            ),
                        );
                    }
                    (c.name.as_str(), &c.inputs, None)
                }
            },
            TaskKind::SubDag(sub) => {
                let mut item_input = None;
                if let Some(for_each) = &sub.for_each {
                    item_input = Some(for_each.item_input.as_str());
                    match &for_each.items {
                        LoopItems::Literal(_) => {}
                        LoopItems::Input(name) => {
                            if !task.inputs.parameters.contains_key(name) {
                                self.error(
                                    &task.paths.iterator,
                                    format!(
                                        "the items come from input '{name}', which this task \
                                         does not have (its inputs: {})",
                                        names(task.inputs.parameters.keys())
                                    ),
                                );
                            }
                        }
                        LoopItems::ArtifactInput(_) => self.error(
                            &task.paths.iterator,
                            "iterating over a list of artifacts (ParallelFor over artifacts) is \
                             not supported; iterate over parameters",
                        ),
                    }
                    if !sub.inputs.parameters.contains_key(&for_each.item_input) {
                        self.error(
                            &task.paths.iterator,
                            format!(
                                "the item input '{}' is not an input of {} (it declares: {})",
                                for_each.item_input,
                                sub.component,
                                sub.inputs.parameter_names()
                            ),
                        );
                    }
                }
                (sub.component.as_str(), &sub.inputs, item_input)
            }
        };

        for (name, binding) in &task.inputs.parameters {
            if binding.source.is_artifact() {
                self.error(&binding.path, "an artifact given to a parameter input");
                continue;
            }
            match declared.parameters.get(name) {
                Some(def) => self.constant_type(binding, def.ty),
                None if !channel_in_constants(task, name) => self.error(
                    &binding.path,
                    format!(
                        "unknown input '{name}' ({component} declares: {})",
                        declared.parameter_names()
                    ),
                ),
                None => {}
            }
            if let InputSource::TaskFinalStatus { .. } = binding.source
                && let Some(def) = declared.parameters.get(name)
                && def.ty != ParamType::TaskFinalStatus
            {
                self.error(
                    &binding.path,
                    format!(
                        "a task's final status goes to a TASK_FINAL_STATUS input, and '{name}' \
                         is {}",
                        def.ty.kfp_name()
                    ),
                );
            }
            self.source(task, binding, dag, scope);
        }
        for (name, binding) in &task.inputs.artifacts {
            if !binding.source.is_artifact() {
                self.error(&binding.path, "a parameter given to an artifact input");
                continue;
            }
            if !declared.artifacts.contains_key(name) {
                self.error(
                    &binding.path,
                    format!(
                        "unknown input '{name}' ({component} declares artifacts: {})",
                        declared.artifact_names()
                    ),
                );
            }
            self.source(task, binding, dag, scope);
        }

        for (name, def) in &declared.parameters {
            let given = task.inputs.parameters.contains_key(name) || item_input == Some(name);
            if !given && !def.optional && def.default.is_none() {
                self.error(
                    &format!("{}.{name}", task.paths.parameters),
                    format!("required input '{name}' of {component} is not given"),
                );
            }
        }
        for (name, def) in &declared.artifacts {
            if !task.inputs.artifacts.contains_key(name) && !def.optional {
                self.error(
                    &format!("{}.{name}", task.paths.artifacts),
                    format!("required artifact '{name}' of {component} is not given"),
                );
            }
        }

        if let TaskKind::SubDag(sub) = &task.kind {
            self.dag(
                &sub.dag,
                &Scope {
                    owner: &sub.component,
                    inputs: &sub.inputs,
                    outputs: &sub.outputs,
                },
            );
        }
    }

    /// The inputs' sources of a task whose component is unknown (names cannot be checked).
    fn inputs_without_component(&mut self, task: &'p Task, dag: &'p Dag, scope: &Scope<'p>) {
        let bindings = task.inputs.parameters.values();
        for binding in bindings.chain(task.inputs.artifacts.values()) {
            self.source(task, binding, dag, scope);
        }
    }

    /// Where an input comes from exists: the enclosing DAG's input, or a task of the same DAG
    /// and its output.
    fn source(&mut self, task: &Task, binding: &InputBinding, dag: &'p Dag, scope: &Scope<'p>) {
        let path = &binding.path;
        match &binding.source {
            InputSource::Constant(value) => {
                for (kind, name) in value_placeholders(value) {
                    if kind == Placeholder::InputParameter
                        && !task.inputs.parameters.contains_key(name)
                    {
                        self.error(
                            path,
                            format!(
                                "the value refers to input '{name}', which this task does not \
                                 have (its inputs: {})",
                                names(task.inputs.parameters.keys())
                            ),
                        );
                    }
                }
            }
            InputSource::ComponentInput(name) => {
                if !scope.inputs.parameters.contains_key(name) {
                    self.error(
                        path,
                        unknown_scope_input(scope, "input", name, || {
                            scope.inputs.parameter_names()
                        }),
                    );
                }
            }
            InputSource::ComponentInputArtifact(name) => {
                if !scope.inputs.artifacts.contains_key(name) {
                    self.error(
                        path,
                        unknown_scope_input(scope, "artifact", name, || {
                            scope.inputs.artifact_names()
                        }),
                    );
                }
            }
            InputSource::TaskOutputParameter {
                task: producer,
                key,
            }
            | InputSource::TaskOutputArtifact {
                task: producer,
                key,
            } => {
                let reference = OutputRef {
                    task: producer.clone(),
                    key: key.clone(),
                };
                let artifact = matches!(binding.source, InputSource::TaskOutputArtifact { .. });
                if let Err(problem) = self.output(dag, &reference, artifact) {
                    self.error(path, problem);
                }
            }
            InputSource::TaskFinalStatus { task: producer } => {
                if dag.task(producer).is_none() {
                    self.error(path, unknown_producer(dag, producer));
                }
            }
        }
    }

    /// Checks that `reference` names a task of `dag` and one of its outputs (an artifact when
    /// `artifact`); the problem otherwise.
    fn output(&self, dag: &'p Dag, reference: &OutputRef, artifact: bool) -> Result<(), String> {
        let Some(producer) = dag.task(&reference.task) else {
            return Err(unknown_producer(dag, &reference.task));
        };
        let (component, outputs) = match &producer.kind {
            TaskKind::Container { component } => match self.pipeline.components.get(component) {
                Some(c) => (c.name.as_str(), &c.outputs),
                None => return Ok(()), // reported at the producer
            },
            TaskKind::SubDag(sub) => (sub.component.as_str(), &sub.outputs),
        };
        let key = &reference.key;
        let (found, kind, declared) = if artifact {
            (
                outputs.artifacts.contains_key(key),
                "output artifact",
                outputs.artifact_names(),
            )
        } else {
            (
                outputs.parameters.contains_key(key),
                "output parameter",
                outputs.parameter_names(),
            )
        };
        if found {
            Ok(())
        } else {
            Err(format!(
                "task '{}' has no {kind} '{key}' ({component} declares: {declared})",
                reference.task
            ))
        }
    }

    /// A constant's JSON type fits the input's declared type (strings may hold placeholders,
    /// so only their kind is checked).
    fn constant_type(&mut self, binding: &InputBinding, ty: ParamType) {
        let InputSource::Constant(value) = &binding.source else {
            return;
        };
        if binding.selector.is_some() {
            return;
        }
        let fits = match ty {
            ParamType::String => value.is_string(),
            ParamType::NumberInteger => value.as_f64().is_some_and(|f| f.fract() == 0.0),
            ParamType::NumberDouble => value.is_number(),
            ParamType::Boolean => value.is_boolean(),
            ParamType::List => value.is_array(),
            ParamType::Struct => value.is_object(),
            ParamType::TaskFinalStatus => false,
        };
        if !fits {
            self.error(
                &binding.path,
                format!(
                    "the value {} does not fit the input's type {}",
                    short(value),
                    ty.kfp_name()
                ),
            );
        }
    }

    /// Reports every cycle of `dag` once (`a -> b -> a`: a waits for b, which waits for a).
    /// A task waits for its dependencies and for the producers of its inputs.
    fn cycles(&mut self, dag: &'p Dag) {
        let index: BTreeMap<&str, usize> = dag
            .tasks
            .iter()
            .enumerate()
            .rev() // the first of duplicate names wins
            .map(|(i, t)| (t.name.as_str(), i))
            .collect();
        let edges: Vec<Vec<usize>> = dag
            .tasks
            .iter()
            .map(|task| {
                let mut waits_for: Vec<&str> =
                    task.dependencies.iter().map(String::as_str).collect();
                let bindings = task.inputs.parameters.values();
                waits_for.extend(
                    bindings
                        .chain(task.inputs.artifacts.values())
                        .filter_map(|b| b.source.producer()),
                );
                let mut next: Vec<usize> = waits_for
                    .into_iter()
                    .filter_map(|name| index.get(name).copied())
                    .collect();
                next.sort_unstable();
                next.dedup();
                next
            })
            .collect();

        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            OnPath,
            Done,
        }
        let mut marks = vec![Mark::New; dag.tasks.len()];
        let mut found: BTreeSet<Vec<usize>> = BTreeSet::new();
        let mut cycles = Vec::new();
        for start in 0..dag.tasks.len() {
            if marks[start] != Mark::New {
                continue;
            }
            // iterative depth-first search: (task, next edge to follow)
            let mut path: Vec<(usize, usize)> = vec![(start, 0)];
            marks[start] = Mark::OnPath;
            while let Some(&mut (node, ref mut edge)) = path.last_mut() {
                if let Some(&next) = edges[node].get(*edge) {
                    *edge += 1;
                    match marks[next] {
                        Mark::New => {
                            marks[next] = Mark::OnPath;
                            path.push((next, 0));
                        }
                        Mark::OnPath => {
                            let from = path.iter().position(|(n, _)| *n == next).unwrap_or(0);
                            let cycle: Vec<usize> = path[from..].iter().map(|(n, _)| *n).collect();
                            // the same cycle entered elsewhere is reported once
                            let lowest = cycle
                                .iter()
                                .enumerate()
                                .min_by_key(|(_, n)| **n)
                                .map_or(0, |(i, _)| i);
                            let mut canonical = cycle[lowest..].to_vec();
                            canonical.extend_from_slice(&cycle[..lowest]);
                            if found.insert(canonical) {
                                cycles.push(cycle);
                            }
                        }
                        Mark::Done => {}
                    }
                } else {
                    marks[node] = Mark::Done;
                    path.pop();
                }
            }
        }
        for cycle in cycles {
            let mut names: Vec<&str> = cycle.iter().map(|&i| dag.tasks[i].name.as_str()).collect();
            names.push(names[0]);
            self.error(&dag.path, format!("cycle {}", names.join(" -> ")));
        }
    }

    /// The DAG's outputs come from its tasks and are the ones the DAG declares.
    fn dag_outputs(&mut self, dag: &'p Dag, scope: &Scope<'p>) {
        let outputs = &dag.outputs;
        for (name, output) in &outputs.parameters {
            if !scope.outputs.parameters.contains_key(name) {
                self.error(
                    &output.path,
                    format!(
                        "{} declares no output parameter '{name}' (it declares: {})",
                        scope.owner,
                        scope.outputs.parameter_names()
                    ),
                );
            }
            let selectors = match &output.source {
                DagParameterSource::Task(one) => std::slice::from_ref(one),
                DagParameterSource::OneOf(many) => many.as_slice(),
            };
            if selectors.is_empty() {
                self.error(&output.path, "no task to take the value from");
            }
            for selector in selectors {
                if let Err(problem) = self.output(dag, selector, false) {
                    self.error(&output.path, problem);
                }
            }
        }
        for (name, output) in &outputs.artifacts {
            if !scope.outputs.artifacts.contains_key(name) {
                self.error(
                    &output.path,
                    format!(
                        "{} declares no output artifact '{name}' (it declares: {})",
                        scope.owner,
                        scope.outputs.artifact_names()
                    ),
                );
            }
            if output.selectors.is_empty() {
                self.error(&output.path, "no task to take the artifact from");
            }
            for selector in &output.selectors {
                if let Err(problem) = self.output(dag, selector, true) {
                    self.error(&output.path, problem);
                }
            }
        }
        for name in scope.outputs.parameters.keys() {
            if !outputs.parameters.contains_key(name) {
                self.error(
                    &outputs.path,
                    format!("output parameter '{name}' is declared, but no task produces it"),
                );
            }
        }
        for name in scope.outputs.artifacts.keys() {
            if !outputs.artifacts.contains_key(name) {
                self.error(
                    &outputs.path,
                    format!("output artifact '{name}' is declared, but no task produces it"),
                );
            }
        }
    }
}

fn unknown_scope_input(
    scope: &Scope,
    what: &str,
    name: &str,
    declared: impl FnOnce() -> String,
) -> String {
    if scope.owner == "the pipeline" {
        format!(
            "unknown pipeline {what} '{name}' (the pipeline declares: {})",
            declared()
        )
    } else {
        format!(
            "unknown component {what} '{name}' ({} declares: {})",
            scope.owner,
            declared()
        )
    }
}

fn unknown_producer(dag: &Dag, producer: &str) -> String {
    format!(
        "unknown producer task '{producer}' (tasks in this DAG: {})",
        task_names(dag)
    )
}

fn task_names(dag: &Dag) -> String {
    names(dag.tasks.iter().map(|t| &t.name))
}

fn names<'a>(list: impl Iterator<Item = &'a String>) -> String {
    let list: Vec<&str> = list.map(String::as_str).collect();
    if list.is_empty() {
        "none".to_string()
    } else {
        list.join(", ")
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

/// Whether an input that the component does not declare is one that a constant of the task
/// refers to (an f-string argument: `hello {{$.inputs.parameters['pipelinechannel--who']}}`
/// comes with an extra input `pipelinechannel--who`).
fn channel_in_constants(task: &Task, name: &str) -> bool {
    task.inputs.parameters.values().any(|binding| {
        matches!(&binding.source, InputSource::Constant(value)
            if value_placeholders(value)
                .iter()
                .any(|(kind, n)| *kind == Placeholder::InputParameter && *n == name))
    })
}

/// The kinds of placeholder that name an input or output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placeholder {
    InputParameter,
    InputArtifact,
    OutputParameter,
    OutputArtifact,
}

impl Placeholder {
    fn describe(self) -> &'static str {
        match self {
            Placeholder::InputParameter => "input parameter",
            Placeholder::InputArtifact => "input artifact",
            Placeholder::OutputParameter => "output parameter",
            Placeholder::OutputArtifact => "output artifact",
        }
    }
}

/// The inputs and outputs that KFP placeholders in `text` name
/// (`{{$.inputs.parameters['msg']}}`, `{{$.outputs.artifacts['out'].path}}`).
fn placeholders(text: &str) -> Vec<(Placeholder, &str)> {
    const FORMS: [(&str, Placeholder); 4] = [
        ("{{$.inputs.parameters[", Placeholder::InputParameter),
        ("{{$.inputs.artifacts[", Placeholder::InputArtifact),
        ("{{$.outputs.parameters[", Placeholder::OutputParameter),
        ("{{$.outputs.artifacts[", Placeholder::OutputArtifact),
    ];
    let mut found = Vec::new();
    for (prefix, kind) in FORMS {
        let mut rest = text;
        while let Some(at) = rest.find(prefix) {
            rest = &rest[at + prefix.len()..];
            if let Some(name) = quoted(rest) {
                found.push((kind, name));
            }
        }
    }
    found
}

/// The placeholders in every string of a JSON value.
fn value_placeholders(value: &Value) -> Vec<(Placeholder, &str)> {
    match value {
        Value::String(s) => placeholders(s),
        Value::Array(items) => items.iter().flat_map(value_placeholders).collect(),
        Value::Object(map) => map.values().flat_map(value_placeholders).collect(),
        _ => Vec::new(),
    }
}

/// The names a CEL condition reads: `inputs.parameter_values['name']`.
fn condition_inputs(condition: &str) -> Vec<&str> {
    let prefix = "inputs.parameter_values[";
    let mut found = Vec::new();
    let mut rest = condition;
    while let Some(at) = rest.find(prefix) {
        rest = &rest[at + prefix.len()..];
        if let Some(name) = quoted(rest) {
            found.push(name);
        }
    }
    found
}

/// The text of a quoted name at the start of `text` (`'name']…` or `"name"]…`).
fn quoted(text: &str) -> Option<&str> {
    let quote = text.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let body = &text[1..];
    let end = body.find(quote)?;
    Some(&body[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_in_text() {
        let text = "echo {{$.inputs.parameters['msg']}} > {{$.outputs.artifacts[\"out\"].path}}";
        assert_eq!(
            placeholders(text),
            vec![
                (Placeholder::InputParameter, "msg"),
                (Placeholder::OutputArtifact, "out")
            ]
        );
        assert_eq!(placeholders("{{$}} {{$.inputs.parameters['broken"), vec![]);
    }

    #[test]
    fn condition_inputs_are_found() {
        let cel =
            "!(int(inputs.parameter_values['a']) > 5) && inputs.parameter_values[\"b\"] == 'x'";
        assert_eq!(condition_inputs(cel), vec!["a", "b"]);
    }
}
