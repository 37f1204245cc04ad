//! Katib's `parameters` as a search space: types, feasible spaces and their refusals.

use suggest::{Param, ParamKind, Space};

use super::SpecError;
use super::katib::ParameterSpec;

/// The space of `parameters`, or the first parameter that is wrong.
pub fn space_of(parameters: &[ParameterSpec]) -> Result<Space, SpecError> {
    if parameters.is_empty() {
        return Err(SpecError::at(
            "spec.parameters",
            "there is no parameter to tune",
        ));
    }
    let mut params: Vec<Param> = Vec::with_capacity(parameters.len());
    for (i, p) in parameters.iter().enumerate() {
        let path = format!("spec.parameters[{i}]");
        if p.name.trim().is_empty() {
            return Err(SpecError::at(format!("{path}.name"), "empty"));
        }
        if params.iter().any(|q| q.name == p.name) {
            return Err(SpecError::at(
                format!("{path}.name"),
                format!("`{}` is already a parameter", p.name),
            ));
        }
        params.push(Param {
            name: p.name.clone(),
            kind: kind_of(p, &path)?,
        });
    }
    Ok(Space::new(params))
}

fn kind_of(p: &ParameterSpec, path: &str) -> Result<ParamKind, SpecError> {
    let fs = &p.feasible_space;
    let at = |field: &str| format!("{path}.feasibleSpace.{field}");
    let uses_list = matches!(p.parameter_type.as_str(), "categorical" | "discrete");
    if !uses_list && !fs.list.is_empty() {
        return Err(SpecError::at(
            at("list"),
            format!(
                "a list is for categorical and discrete parameters, not {}",
                p.parameter_type
            ),
        ));
    }
    if uses_list && (fs.min.is_some() || fs.max.is_some() || fs.step.is_some()) {
        return Err(SpecError::at(
            format!("{path}.feasibleSpace"),
            format!(
                "a {} parameter takes a list, not min, max or step",
                p.parameter_type
            ),
        ));
    }
    let distribution = fs.distribution.as_deref().unwrap_or("uniform");
    if !matches!(distribution, "uniform" | "logUniform") {
        return Err(SpecError::at(
            at("distribution"),
            format!("`{distribution}` is not supported; Capstan samples uniform and logUniform"),
        ));
    }
    if distribution == "logUniform" && p.parameter_type != "double" {
        return Err(SpecError::at(
            at("distribution"),
            "logUniform is for double parameters",
        ));
    }
    match p.parameter_type.as_str() {
        "int" => {
            let min = int(fs.min.as_deref(), &at("min"))?;
            let max = int(fs.max.as_deref(), &at("max"))?;
            let step = match &fs.step {
                Some(text) => int(Some(text), &at("step"))?,
                None => 1,
            };
            bounds_in_order(min as f64, max as f64, path)?;
            if step <= 0 {
                return Err(SpecError::at(at("step"), "must be above 0"));
            }
            Ok(ParamKind::Int { min, max, step })
        }
        "double" => {
            let min = number(fs.min.as_deref(), &at("min"))?;
            let max = number(fs.max.as_deref(), &at("max"))?;
            bounds_in_order(min, max, path)?;
            let step = match &fs.step {
                Some(text) => {
                    let step = number(Some(text), &at("step"))?;
                    if step <= 0.0 {
                        return Err(SpecError::at(at("step"), "must be above 0"));
                    }
                    Some(step)
                }
                None => None,
            };
            let log = distribution == "logUniform";
            if log && min <= 0.0 {
                return Err(SpecError::at(
                    at("min"),
                    "a logUniform double needs min above 0",
                ));
            }
            if log && step.is_some() {
                return Err(SpecError::at(
                    at("step"),
                    "a logUniform double takes no step",
                ));
            }
            Ok(ParamKind::Double {
                min,
                max,
                step,
                log,
            })
        }
        "categorical" => {
            let choices = distinct_list(&fs.list, &at("list"))?;
            Ok(ParamKind::Categorical { choices })
        }
        "discrete" => {
            let texts = distinct_list(&fs.list, &at("list"))?;
            let mut values = Vec::with_capacity(texts.len());
            for (k, text) in texts.iter().enumerate() {
                values.push(number(Some(text), &format!("{}[{k}]", at("list")))?);
            }
            values.sort_by(f64::total_cmp);
            Ok(ParamKind::Discrete { values })
        }
        other => Err(SpecError::at(
            format!("{path}.parameterType"),
            format!(
                "`{other}` is not a parameter type; Katib's are int, double, categorical and discrete"
            ),
        )),
    }
}

fn bounds_in_order(min: f64, max: f64, path: &str) -> Result<(), SpecError> {
    if min > max {
        return Err(SpecError::at(
            format!("{path}.feasibleSpace"),
            format!("min ({min}) is above max ({max}): the space is empty"),
        ));
    }
    Ok(())
}

fn distinct_list(list: &[String], path: &str) -> Result<Vec<String>, SpecError> {
    if list.is_empty() {
        return Err(SpecError::at(
            path,
            "empty: the parameter has no value to take",
        ));
    }
    for (k, item) in list.iter().enumerate() {
        if list[..k].contains(item) {
            return Err(SpecError::at(
                format!("{path}[{k}]"),
                format!("`{item}` is listed twice"),
            ));
        }
    }
    Ok(list.to_vec())
}

fn int(text: Option<&str>, path: &str) -> Result<i64, SpecError> {
    let text = text.ok_or_else(|| SpecError::at(path, "missing"))?;
    text.trim()
        .parse()
        .map_err(|_| SpecError::at(path, format!("`{text}` is not a whole number")))
}

fn number(text: Option<&str>, path: &str) -> Result<f64, SpecError> {
    let text = text.ok_or_else(|| SpecError::at(path, "missing"))?;
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| SpecError::at(path, format!("`{text}` is not a number")))
}
