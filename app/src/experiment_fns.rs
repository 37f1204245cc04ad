//! Server functions of the Experiments page: experiments of a profile, both groups of runs
//! and tuning experiments (listed together, created and acted on each their way).

use api::ExperimentView;
use leptos::prelude::*;

#[server(prefix = "/fn", endpoint = "list_experiments")]
pub async fn list_experiments(profile: String) -> Result<Vec<ExperimentView>, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (pipelines, principal) = ssr::pipelines_caller()?;
    let (tuning, _) = ssr::tuning_caller()?;
    let mut views = pipelines
        .list_experiments(&principal, &profile)
        .await
        .map_err(ssr::refused)?;
    tuning
        .annotate(&profile, &mut views)
        .await
        .map_err(ssr::refused)?;
    Ok(views)
}

#[server(prefix = "/fn", endpoint = "create_experiment")]
pub async fn create_experiment(
    profile: String,
    name: String,
    description: String,
) -> Result<ExperimentView, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (pipelines, principal) = ssr::pipelines_caller()?;
    let new = api::NewExperiment {
        name: name.trim().to_owned(),
        description: description.trim().to_owned(),
    };
    pipelines
        .create_experiment(&principal, &profile, &new)
        .await
        .map_err(ssr::refused)
}

/// Archive, restore or delete an experiment (`action`).
#[server(prefix = "/fn", endpoint = "experiment_action")]
pub async fn experiment_action(
    profile: String,
    name: String,
    action: String,
) -> Result<(), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (pipelines, principal) = ssr::pipelines_caller()?;
    let (tuning, _) = ssr::tuning_caller()?;
    if action == "delete"
        && tuning
            .is_tuning(&principal, &profile, &name)
            .await
            .map_err(ssr::refused)?
    {
        return tuning
            .delete(&principal, &profile, &name)
            .await
            .map_err(ssr::refused);
    }
    let done = match ssr::switch_or_delete(&action, "archive", "restore")? {
        Some(archived) => pipelines
            .archive_experiment(&principal, &profile, &name, archived)
            .await
            .map(drop),
        None => {
            pipelines
                .delete_experiment(&principal, &profile, &name)
                .await
        }
    };
    done.map_err(ssr::refused)
}
