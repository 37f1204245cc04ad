//! The UI's experiment form as a Katib manifest: the form is a shorthand, the manifest what
//! Capstan stores and reads, so both go through one set of checks.

use api::TuningForm;
use serde_json::{Value, json};

use super::spec::SpecError;

/// The manifest (JSON text) the form describes; a field that cannot be read is named.
pub fn manifest_from_form(form: &TuningForm) -> Result<String, SpecError> {
    let mut parameters = Vec::new();
    let mut trial_parameters = Vec::new();
    for (i, line) in form.parameters.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let parameter = parameter(&words).map_err(|why| {
            SpecError::at(
                format!("parameters line {}", i + 1),
                format!("`{line}`: {why}"),
            )
        })?;
        trial_parameters.push(json!({ "name": words[0], "reference": words[0] }));
        parameters.push(parameter);
    }
    let command: Vec<&str> = form
        .command
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut spec = json!({
        "objective": {
            "type": form.objective.trim(),
            "objectiveMetricName": form.metric.trim(),
        },
        "algorithm": { "algorithmName": form.algorithm.trim() },
        "parallelTrialCount": whole("parallel", &form.parallel)?,
        "maxTrialCount": whole("max_trials", &form.max_trials)?,
        "parameters": parameters,
        "trialTemplate": {
            "trialParameters": trial_parameters,
            "command": command,
        },
    });
    if !form.goal.trim().is_empty() {
        let goal: f64 = form
            .goal
            .trim()
            .parse()
            .map_err(|_| SpecError::at("goal", format!("`{}` is not a number", form.goal)))?;
        spec["objective"]["goal"] = json!(goal);
    }
    if !form.max_failed.trim().is_empty() {
        spec["maxFailedTrialCount"] = whole("max_failed", &form.max_failed)?;
    }
    if !form.gpus.trim().is_empty() && form.gpus.trim() != "0" {
        // A trial asks for GPUs through a Job, as in Katib.
        let gpus = whole("gpus", &form.gpus)?;
        let template = spec["trialTemplate"].take();
        spec["trialTemplate"] = json!({
            "primaryContainerName": "trial",
            "trialParameters": template["trialParameters"],
            "trialSpec": {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "spec": { "template": { "spec": { "containers": [{
                    "name": "trial",
                    "command": template["command"],
                    "resources": { "limits": { "nvidia.com/gpu": gpus } },
                }] } } },
            },
        });
    }
    let manifest = json!({
        "apiVersion": super::spec::API_VERSION,
        "kind": super::spec::KIND,
        "metadata": { "name": form.name.trim() },
        "spec": spec,
    });
    Ok(manifest.to_string())
}

fn whole(field: &str, text: &str) -> Result<Value, SpecError> {
    text.trim()
        .parse::<i64>()
        .map(|n| json!(n))
        .map_err(|_| SpecError::at(field, format!("`{text}` is not a whole number")))
}

/// `name type …` as a Katib parameter.
fn parameter(words: &[&str]) -> Result<Value, String> {
    let (name, kind, rest) = match words {
        [name, kind, rest @ ..] => (*name, *kind, rest),
        _ => return Err("give a name and a type".into()),
    };
    let feasible = match (kind, rest) {
        ("int" | "double", [min, max]) => json!({ "min": min, "max": max }),
        ("double", [min, max, "log"]) => {
            json!({ "min": min, "max": max, "distribution": "logUniform" })
        }
        ("int" | "double", [min, max, "step", step]) => {
            json!({ "min": min, "max": max, "step": step })
        }
        ("categorical" | "discrete", list) if !list.is_empty() => json!({ "list": list }),
        ("int" | "double", _) => {
            return Err(format!(
                "a {kind} takes `min max`, then `log` or `step <size>`"
            ));
        }
        ("categorical" | "discrete", _) => return Err(format!("a {kind} lists its values")),
        _ => {
            return Err(format!(
                "`{kind}` is none of int, double, categorical, discrete"
            ));
        }
    };
    Ok(json!({ "name": name, "parameterType": kind, "feasibleSpace": feasible }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tuning::spec::{self, TrialRecipe};

    fn form() -> TuningForm {
        TuningForm {
            name: "quick".into(),
            objective: "minimize".into(),
            metric: "loss".into(),
            goal: "0.01".into(),
            algorithm: "tpe".into(),
            parallel: "2".into(),
            max_trials: "20".into(),
            max_failed: "3".into(),
            parameters: "lr double 0.001 0.1 log\nlayers int 1 9 step 2\n\nopt categorical sgd adam\nbatch discrete 16 32".into(),
            command: "python3\ntrain.py\n--lr=${trialParameters.lr}\n".into(),
            gpus: String::new(),
        }
    }

    #[test]
    fn a_form_is_a_manifest_that_reads_back() {
        let parsed = spec::parse(&manifest_from_form(&form()).unwrap(), 1).unwrap();
        assert_eq!(parsed.name, "quick");
        assert_eq!(parsed.space.len(), 4);
        assert_eq!(parsed.objective.goal, Some(0.01));
        assert_eq!(
            (parsed.parallel, parsed.max_trials, parsed.max_failed),
            (2, Some(20), Some(3))
        );
        let TrialRecipe::Command {
            argv, resources, ..
        } = &parsed.template.recipe
        else {
            panic!("a command")
        };
        assert_eq!(argv.len(), 3);
        assert_eq!(resources.gpus, 0);
        let gpu = TuningForm {
            gpus: "1".into(),
            ..form()
        };
        let parsed = spec::parse(&manifest_from_form(&gpu).unwrap(), 1).unwrap();
        let TrialRecipe::Command { resources, .. } = &parsed.template.recipe else {
            panic!("a command")
        };
        assert_eq!(resources.gpus, 1);
    }

    #[test]
    fn what_the_form_cannot_read_is_named() {
        let bad = TuningForm {
            parameters: "lr double 0.1".into(),
            ..form()
        };
        let e = manifest_from_form(&bad).unwrap_err().to_string();
        assert!(
            e.starts_with("parameters line 1: `lr double 0.1`: a double takes"),
            "{e}"
        );
        let bad = TuningForm {
            parallel: "two".into(),
            ..form()
        };
        assert_eq!(
            manifest_from_form(&bad).unwrap_err().to_string(),
            "parallel: `two` is not a whole number"
        );
    }
}
