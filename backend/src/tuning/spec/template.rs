//! The trial template: what one trial runs (a Job's primary container, Capstan's bare
//! command, or a pipeline run), which trial parameters it takes, and their substitution.

use std::collections::BTreeMap;

use api::Resources;
use regex::Regex;
use serde_json::Value as Json;
use suggest::Space;

use super::SpecError;
use super::katib::{PipelineTrial, TrialTemplate};
use crate::k8s::resources::{parse_count, parse_cpu_milli, parse_memory_mib};

/// What a trial runs.
#[derive(Debug, Clone, PartialEq)]
pub enum TrialRecipe {
    Command {
        /// The container's command then its args; `${trialParameters.x}` still in them.
        argv: Vec<String>,
        env: BTreeMap<String, String>,
        /// The image in cluster mode.
        image: Option<String>,
        resources: Resources,
    },
    Pipeline(PipelineTrial),
}

/// What a `${trialParameters.x}` stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum Reference {
    /// The value of the space's parameter at this index.
    Parameter(usize),
    /// `${trialSpec.Name}`: the trial's name.
    TrialName,
    /// `${trialSpec.Namespace}`: the profile.
    Namespace,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub recipe: TrialRecipe,
    /// Trial parameter names and what each stands for.
    pub parameters: Vec<(String, Reference)>,
}

fn placeholder() -> Regex {
    Regex::new(r"\$\{trialParameters\.([^}]*)\}").expect("a valid pattern")
}

const GPU: &str = "nvidia.com/gpu";

impl Template {
    /// Reads `spec.trialTemplate` against the space's parameters.
    pub fn read(template: &TrialTemplate, space: &Space) -> Result<Template, SpecError> {
        let base = "spec.trialTemplate";
        let mut parameters: Vec<(String, Reference)> = Vec::new();
        for (i, p) in template.trial_parameters.iter().enumerate() {
            let path = format!("{base}.trialParameters[{i}]");
            if parameters.iter().any(|(n, _)| *n == p.name) {
                return Err(SpecError::at(
                    format!("{path}.name"),
                    format!("`{}` is already a trial parameter", p.name),
                ));
            }
            let reference = match p.reference.as_str() {
                "${trialSpec.Name}" => Reference::TrialName,
                "${trialSpec.Namespace}" => Reference::Namespace,
                name => Reference::Parameter(space.position(name).ok_or_else(|| {
                    SpecError::at(
                        format!("{path}.reference"),
                        format!(
                            "`{name}` is not a parameter of the experiment; they are {}",
                            names(space)
                        ),
                    )
                })?),
            };
            parameters.push((p.name.clone(), reference));
        }
        let recipe = match (&template.trial_spec, &template.command, &template.pipeline) {
            (Some(job), None, None) => job_recipe(job, template.primary_container_name.as_deref())?,
            (None, Some(argv), None) => {
                if argv.is_empty() {
                    return Err(SpecError::at(format!("{base}.command"), "empty"));
                }
                TrialRecipe::Command {
                    argv: argv.clone(),
                    env: BTreeMap::new(),
                    image: None,
                    resources: Resources::default(),
                }
            }
            (None, None, Some(pipeline)) => TrialRecipe::Pipeline(pipeline.clone()),
            (None, None, None) => {
                return Err(SpecError::at(
                    base,
                    "says nothing to run: give a trialSpec (a Job), a command or a pipeline",
                ));
            }
            _ => {
                return Err(SpecError::at(
                    base,
                    "give one of trialSpec, command and pipeline, not several",
                ));
            }
        };
        let template = Template { recipe, parameters };
        template.check_placeholders()?;
        Ok(template)
    }

    /// Every `${trialParameters.x}` names a trial parameter.
    fn check_placeholders(&self) -> Result<(), SpecError> {
        let pattern = placeholder();
        for (path, text) in self.texts() {
            for found in pattern.captures_iter(&text) {
                let name = &found[1];
                if !self.parameters.iter().any(|(n, _)| n == name) {
                    let known: Vec<&str> =
                        self.parameters.iter().map(|(n, _)| n.as_str()).collect();
                    return Err(SpecError::at(
                        path,
                        format!(
                            "`${{trialParameters.{name}}}` names no trial parameter; the \
                             trialParameters are {}",
                            if known.is_empty() {
                                "none".to_owned()
                            } else {
                                known.join(", ")
                            }
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The texts that may hold placeholders, with their paths.
    fn texts(&self) -> Vec<(String, String)> {
        match &self.recipe {
            TrialRecipe::Command { argv, env, .. } => argv
                .iter()
                .enumerate()
                .map(|(i, a)| (format!("spec.trialTemplate command[{i}]"), a.clone()))
                .chain(
                    env.iter()
                        .map(|(k, v)| (format!("spec.trialTemplate env.{k}"), v.clone())),
                )
                .collect(),
            TrialRecipe::Pipeline(p) => p
                .parameters
                .iter()
                .map(|(k, v)| {
                    (
                        format!("spec.trialTemplate.pipeline.parameters.{k}"),
                        v.clone(),
                    )
                })
                .collect(),
        }
    }

    /// `text` with every placeholder replaced by its value for this trial.
    pub fn substitute(&self, text: &str, values: &TrialValues) -> String {
        placeholder()
            .replace_all(text, |found: &regex::Captures| {
                let name = &found[1];
                let reference = self
                    .parameters
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, r)| r);
                match reference {
                    Some(Reference::Parameter(i)) => {
                        values.parameters.get(*i).cloned().unwrap_or_default()
                    }
                    Some(Reference::TrialName) => values.trial_name.clone(),
                    Some(Reference::Namespace) => values.profile.clone(),
                    None => found[0].to_owned(),
                }
            })
            .into_owned()
    }
}

/// What one trial fills the placeholders with.
pub struct TrialValues {
    /// The parameters' values as text, in the space's order.
    pub parameters: Vec<String>,
    pub trial_name: String,
    pub profile: String,
}

fn names(space: &Space) -> String {
    space
        .params
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The primary container of a `batch/v1` Job.
fn job_recipe(job: &Json, primary: Option<&str>) -> Result<TrialRecipe, SpecError> {
    let base = "spec.trialTemplate.trialSpec";
    let api_version = job
        .get("apiVersion")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let kind = job.get("kind").and_then(Json::as_str).unwrap_or_default();
    if api_version != "batch/v1" || kind != "Job" {
        return Err(SpecError::at(
            base,
            format!(
                "a {api_version} {kind} cannot be a trial here; Capstan runs trials from a \
                 batch/v1 Job, a command or a pipeline"
            ),
        ));
    }
    let containers_path = format!("{base}.spec.template.spec.containers");
    let containers = job
        .pointer("/spec/template/spec/containers")
        .and_then(Json::as_array)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| SpecError::at(&containers_path, "missing: the Job has no container"))?;
    let index = match primary {
        Some(name) => containers
            .iter()
            .position(|c| c.get("name").and_then(Json::as_str) == Some(name))
            .ok_or_else(|| {
                SpecError::at(
                    "spec.trialTemplate.primaryContainerName",
                    format!("no container of the Job is named `{name}`"),
                )
            })?,
        None if containers.len() == 1 => 0,
        None => {
            return Err(SpecError::at(
                "spec.trialTemplate.primaryContainerName",
                "missing: the Job has several containers",
            ));
        }
    };
    let container = &containers[index];
    let path = format!("{containers_path}[{index}]");
    let strings = |field: &str| -> Result<Vec<String>, SpecError> {
        match container.get(field) {
            None | Some(Json::Null) => Ok(Vec::new()),
            Some(Json::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Json::String(s) => Ok(s.clone()),
                    Json::Number(n) => Ok(n.to_string()),
                    _ => Err(SpecError::at(
                        format!("{path}.{field}[{i}]"),
                        "expected a string",
                    )),
                })
                .collect(),
            Some(_) => Err(SpecError::at(
                format!("{path}.{field}"),
                "expected a list of strings",
            )),
        }
    };
    let mut argv = strings("command")?;
    argv.extend(strings("args")?);
    if argv.is_empty() {
        return Err(SpecError::at(
            format!("{path}.command"),
            "missing: a standalone trial runs the container's command",
        ));
    }
    let mut env = BTreeMap::new();
    if let Some(vars) = container.get("env").and_then(Json::as_array) {
        for (i, var) in vars.iter().enumerate() {
            let name = var
                .get("name")
                .and_then(Json::as_str)
                .ok_or_else(|| SpecError::at(format!("{path}.env[{i}].name"), "missing"))?;
            if let Some(value) = var.get("value") {
                env.insert(
                    name.to_owned(),
                    value.as_str().unwrap_or_default().to_owned(),
                );
            }
        }
    }
    Ok(TrialRecipe::Command {
        argv,
        env,
        image: container
            .get("image")
            .and_then(Json::as_str)
            .map(str::to_owned),
        resources: resources(container, &path)?,
    })
}

/// CPU and memory requests (or limits) and `nvidia.com/gpu` limits of the container.
fn resources(container: &Json, path: &str) -> Result<Resources, SpecError> {
    let amount = |kind: &str, name: &str, parse: fn(&str) -> Result<u64, _>| {
        let value = container.pointer(&format!("/resources/{kind}/{}", name.replace('/', "~1")));
        match value {
            None => Ok(None),
            Some(v) => {
                let text = match v {
                    Json::String(s) => s.clone(),
                    Json::Number(n) => n.to_string(),
                    _ => String::new(),
                };
                parse(&text)
                    .map(Some)
                    .map_err(|e: crate::k8s::resources::QuantityError| {
                        SpecError::at(
                            format!("{path}.resources.{kind}[{name:?}]"),
                            format!("`{text}` {e}"),
                        )
                    })
            }
        }
    };
    let either =
        |name: &str, parse: fn(&str) -> Result<u64, crate::k8s::resources::QuantityError>| {
            Ok::<_, SpecError>(amount("requests", name, parse)?.or(amount("limits", name, parse)?))
        };
    let gpus = amount("limits", GPU, parse_count)?.or(amount("requests", GPU, parse_count)?);
    Ok(Resources {
        cpu_milli: either("cpu", parse_cpu_milli)?.unwrap_or(0),
        memory_mib: either("memory", parse_memory_mib)?.unwrap_or(0),
        gpus: gpus
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
            .unwrap_or(0),
        ..Resources::default()
    })
}
