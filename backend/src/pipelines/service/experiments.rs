//! Experiments: named groups of runs (Kubeflow Pipelines' meaning of the word).

use api::{ExperimentView, NewExperiment};

use super::names::check_name;
use super::{PipelineError, PipelineService};
use crate::authz::Principal;
use crate::clock::now_ms;
use crate::profiles::{Role, service::require};
use crate::store::ExperimentRow;

impl PipelineService {
    pub async fn create_experiment(
        &self,
        principal: &Principal,
        profile: &str,
        new: &NewExperiment,
    ) -> Result<ExperimentView, PipelineError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        check_name("name", &new.name)?;
        let experiments = self.store.experiments();
        if experiments
            .insert(profile, &new.name, &new.description, now_ms())
            .await?
            .is_none()
        {
            return Err(PipelineError::AlreadyExists(
                "an experiment",
                new.name.clone(),
                profile.to_owned(),
            ));
        }
        Ok(view(&self.experiment_row(profile, &new.name).await?))
    }

    pub async fn list_experiments(
        &self,
        principal: &Principal,
        profile: &str,
    ) -> Result<Vec<ExperimentView>, PipelineError> {
        require(&self.store, principal, profile, Role::View).await?;
        let rows = self.store.experiments().of_profile(profile).await?;
        Ok(rows.iter().map(view).collect())
    }

    /// Archives (`true`) or restores an experiment.
    pub async fn archive_experiment(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
        archived: bool,
    ) -> Result<ExperimentView, PipelineError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let row = self.experiment_row(profile, name).await?;
        let at = archived.then(now_ms);
        self.store.experiments().set_archived(row.id, at).await?;
        Ok(view(&self.experiment_row(profile, name).await?))
    }

    /// Deletes an experiment; its runs stay, in no experiment.
    pub async fn delete_experiment(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<(), PipelineError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let row = self.experiment_row(profile, name).await?;
        if row.kind == api::ExperimentKind::Tuning {
            return Err(PipelineError::Conflict(format!(
                "`{name}` is a tuning experiment: the tuning service deletes it with its trials"
            )));
        }
        self.store.experiments().delete(row.id).await?;
        Ok(())
    }

    /// A group of runs that a run may join: not a tuning experiment.
    pub(super) async fn group_of_runs(
        &self,
        profile: &str,
        name: &str,
    ) -> Result<ExperimentRow, PipelineError> {
        let row = self.experiment_row(profile, name).await?;
        if row.kind == api::ExperimentKind::Tuning {
            return Err(PipelineError::invalid(
                "experiment",
                format!(
                    "`{name}` is a tuning experiment; runs join an experiment that groups runs"
                ),
            ));
        }
        Ok(row)
    }

    pub(super) async fn experiment_row(
        &self,
        profile: &str,
        name: &str,
    ) -> Result<ExperimentRow, PipelineError> {
        self.store
            .experiments()
            .get(profile, name)
            .await?
            .ok_or_else(|| {
                PipelineError::NotFound("experiment", name.to_owned(), profile.to_owned())
            })
    }
}

fn view(row: &ExperimentRow) -> ExperimentView {
    ExperimentView {
        name: row.name.clone(),
        description: row.description.clone(),
        created_at_ms: row.created_at_ms,
        archived: row.archived,
        runs: row.runs.max(0) as u64,
        kind: row.kind,
        tuning: None,
    }
}
