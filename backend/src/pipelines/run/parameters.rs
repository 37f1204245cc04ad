//! A run's parameters: what the user gave, checked against what the pipeline declares, with
//! the declared defaults filling the rest.

use std::collections::BTreeMap;

use serde_json::Value;

use super::values::Values;
use crate::pipelines::model::{ParamType, Pipeline};

/// The pipeline's inputs for one run. Every problem is reported, each as
/// `parameters.<name>: <what is wrong>`.
pub fn run_parameters(
    pipeline: &Pipeline,
    given: &BTreeMap<String, Value>,
) -> Result<Values, Vec<String>> {
    let mut errors = Vec::new();
    let mut values = Values::default();
    for name in given.keys() {
        if !pipeline.inputs.parameters.contains_key(name) {
            errors.push(format!(
                "parameters.{name}: the pipeline has no such parameter (it has {})",
                pipeline.inputs.parameter_names()
            ));
        }
    }
    for (name, def) in &pipeline.inputs.parameters {
        match given.get(name).filter(|v| !v.is_null()) {
            Some(value) => match check_type(value, def.ty) {
                Ok(()) => {
                    values.parameters.insert(name.clone(), value.clone());
                }
                Err(problem) => errors.push(format!("parameters.{name}: {problem}")),
            },
            None => match &def.default {
                Some(default) => {
                    values.parameters.insert(name.clone(), default.clone());
                }
                None if def.optional => {}
                None => errors.push(format!(
                    "parameters.{name}: required ({} with no default)",
                    def.ty.kfp_name()
                )),
            },
        }
    }
    if !pipeline.inputs.artifacts.is_empty() {
        let names = pipeline.inputs.artifact_names();
        errors.push(format!(
            "the pipeline takes artifacts as run inputs ({names}), which runs cannot give yet"
        ));
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// Whether `value` is a `ty`; the message says what it is instead.
pub fn check_type(value: &Value, ty: ParamType) -> Result<(), String> {
    let fits = match ty {
        ParamType::String => value.is_string(),
        ParamType::NumberInteger => value
            .as_f64()
            .is_some_and(|f| f.fract() == 0.0 && f.is_finite()),
        ParamType::NumberDouble => value.is_number(),
        ParamType::Boolean => value.is_boolean(),
        ParamType::List => value.is_array(),
        ParamType::Struct => value.is_object(),
        ParamType::TaskFinalStatus => false,
    };
    if fits {
        Ok(())
    } else {
        Err(format!("{value} is not {}", describe(ty)))
    }
}

fn describe(ty: ParamType) -> &'static str {
    match ty {
        ParamType::String => "a string",
        ParamType::NumberInteger => "an integer",
        ParamType::NumberDouble => "a number",
        ParamType::Boolean => "true or false",
        ParamType::List => "a list",
        ParamType::Struct => "a map",
        ParamType::TaskFinalStatus => "given by a run",
    }
}
