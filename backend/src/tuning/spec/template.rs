//! The trial template: what one trial runs (a Job's primary container, Capstan's bare
//! command, or a pipeline run), which trial parameters it takes, and their substitution.

use std::collections::BTreeMap;

use api::Resources;
use regex::Regex;
use serde_json::Value as Json;
use suggest::Space;

use super::SpecError;
use super::katib::{PipelineTrial, TrialTemplate};
use crate::manifest::container;

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
    let path = format!("{containers_path}[{index}]");
    let container = container::read(&containers[index], &path)?;
    if container.argv.is_empty() {
        return Err(SpecError::at(
            format!("{path}.command"),
            "missing: a standalone trial runs the container's command",
        ));
    }
    Ok(TrialRecipe::Command {
        argv: container.argv,
        env: container.env,
        image: container.image,
        resources: container.resources,
    })
}
