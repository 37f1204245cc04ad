//! Server functions that start runs of a pipeline version: now (the create-run form, its
//! parameters typed by the version's declarations) or on a schedule (recurring runs, with
//! the same form's parameters), and enable, disable or delete a recurring run.

use std::collections::BTreeMap;

use api::{RecurringRunSpec, RecurringRunView, RunOptions, RunView, Trigger};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The create-run form, as the browser posts it: every field text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunForm {
    pub pipeline: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub experiment: Option<String>,
    /// By parameter name; read with the version's types (`run_params`).
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    /// Posted when the box is ticked.
    #[serde(default)]
    pub caching: Option<String>,
    #[serde(default)]
    pub parallelism: Option<String>,
}

#[server(prefix = "/fn", endpoint = "create_run")]
pub async fn create_run(profile: String, form: RunForm) -> Result<RunView, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (pipelines, principal) = ssr::pipelines_caller()?;
    let version = text(&form.version);
    let detail = pipelines
        .version_detail(&principal, &profile, &form.pipeline, version.as_deref())
        .await
        .map_err(ssr::refused)?;
    let parameters = crate::run_params::parameter_values(&detail.parameters, &form.parameters)
        .map_err(ssr::bad_request)?;
    let new = api::NewRun {
        name: text(&form.name),
        pipeline: form.pipeline.clone(),
        version: Some(detail.version.name),
        experiment: text(&form.experiment),
        parameters,
        caching: form.caching.is_some(),
        parallelism: whole("parallelism", &form.parallelism).map_err(ssr::bad_request)?,
    };
    pipelines
        .create_run(&principal, &profile, &new)
        .await
        .map_err(ssr::refused)
}

/// The schedule form: a recurring run of a version, its parameters as the run form's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScheduleForm {
    pub pipeline: String,
    #[serde(default)]
    pub version: Option<String>,
    pub name: String,
    #[serde(default)]
    pub experiment: Option<String>,
    /// `cron` or `interval`.
    pub trigger: String,
    /// A cron expression, or a number of seconds.
    pub every: String,
    #[serde(default)]
    pub max_concurrency: Option<String>,
    /// Posted when the box is ticked.
    #[serde(default)]
    pub catch_up: Option<String>,
    /// By parameter name; read with the version's types (`run_params`).
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

#[server(prefix = "/fn", endpoint = "create_recurring_run")]
pub async fn create_recurring_run(
    profile: String,
    form: ScheduleForm,
) -> Result<RecurringRunView, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (pipelines, principal) = ssr::pipelines_caller()?;
    let mut spec = schedule_spec(&form).map_err(ssr::bad_request)?;
    let detail = pipelines
        .version_detail(
            &principal,
            &profile,
            &spec.pipeline,
            spec.version.as_deref(),
        )
        .await
        .map_err(ssr::refused)?;
    spec.run.parameters = crate::run_params::parameter_values(&detail.parameters, &form.parameters)
        .map_err(ssr::bad_request)?;
    pipelines
        .create_recurring_run(&principal, &profile, &spec)
        .await
        .map_err(ssr::refused)
}

/// Enable, disable or delete a recurring run (`action`).
#[server(prefix = "/fn", endpoint = "recurring_action")]
pub async fn recurring_action(
    profile: String,
    name: String,
    action: String,
) -> Result<(), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (pipelines, principal) = ssr::pipelines_caller()?;
    let done = match ssr::switch_or_delete(&action, "enable", "disable")? {
        Some(enabled) => pipelines
            .enable_recurring_run(&principal, &profile, &name, enabled)
            .await
            .map(drop),
        None => {
            pipelines
                .delete_recurring_run(&principal, &profile, &name)
                .await
        }
    };
    done.map_err(ssr::refused)
}

/// Reads the schedule form into a recurring run's spec, naming the field that does not read.
pub fn schedule_spec(form: &ScheduleForm) -> Result<RecurringRunSpec, String> {
    let every = form.every.trim();
    let trigger = match form.trigger.as_str() {
        "cron" => Trigger::Cron(every.to_owned()),
        "interval" => Trigger::IntervalSeconds(
            every
                .parse::<u64>()
                .ok()
                .filter(|s| *s > 0)
                .ok_or_else(|| format!("every: `{every}` is not a whole number of seconds"))?,
        ),
        other => return Err(format!("trigger: `{other}` is neither cron nor interval")),
    };
    Ok(RecurringRunSpec {
        name: form.name.trim().to_owned(),
        pipeline: form.pipeline.clone(),
        version: text(&form.version),
        experiment: text(&form.experiment),
        trigger,
        max_concurrency: whole("max concurrency", &form.max_concurrency)?.unwrap_or(1),
        catch_up: form.catch_up.is_some(),
        start_at_ms: None,
        end_at_ms: None,
        run: RunOptions::default(),
    })
}

/// A field's text, blank meaning none.
fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn whole(field: &str, v: &Option<String>) -> Result<Option<u32>, String> {
    text(v)
        .map(|t| {
            t.parse::<u32>()
                .map_err(|_| format!("{field}: `{t}` is not a whole number"))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_schedule_form() {
        let form = ScheduleForm {
            pipeline: "p".into(),
            name: " nightly ".into(),
            trigger: "interval".into(),
            every: "3600".into(),
            max_concurrency: Some("".into()),
            catch_up: Some("true".into()),
            experiment: Some(" ".into()),
            ..ScheduleForm::default()
        };
        let spec = schedule_spec(&form).expect("reads");
        assert_eq!(spec.name, "nightly");
        assert_eq!(spec.trigger, Trigger::IntervalSeconds(3600));
        assert_eq!(spec.max_concurrency, 1);
        assert!(spec.catch_up);
        assert_eq!(spec.experiment, None);

        let cron = ScheduleForm {
            trigger: "cron".into(),
            every: "0 0 * * * *".into(),
            max_concurrency: Some("2".into()),
            catch_up: None,
            ..form.clone()
        };
        let spec = schedule_spec(&cron).expect("reads");
        assert_eq!(spec.trigger, Trigger::Cron("0 0 * * * *".into()));
        assert_eq!(spec.max_concurrency, 2);
        assert!(!spec.catch_up);

        let bad = ScheduleForm {
            every: "hourly".into(),
            ..form.clone()
        };
        assert!(schedule_spec(&bad).unwrap_err().starts_with("every:"));
        let bad = ScheduleForm {
            max_concurrency: Some("many".into()),
            ..form
        };
        assert!(
            schedule_spec(&bad)
                .unwrap_err()
                .starts_with("max concurrency:")
        );
    }
}
