//! Runs: start one (parameters checked against the version's declarations before anything is
//! stored), list them (filter, sort, page), read one with its tasks, graph and metrics, cancel,
//! retry what failed, archive, delete, and read a task's log.

use std::collections::BTreeMap;

use api::{NewRun, RunDetail, RunListQuery, RunOptions, RunPage, RunState, RunView, TaskView};

use super::graph_view::run_graph;
use super::names::{check_name, tidy_name};
use super::{PipelineError, PipelineService};
use crate::authz::Principal;
use crate::clock::now_ms;
use crate::pipelines::load_version;
use crate::pipelines::run::parameters::run_parameters;
use crate::pipelines::run::task_workload::GROUP;
use crate::pipelines::schedule::utc_stamp;
use crate::profiles::{Role, service::require};
use crate::store::{NewRunRow, RunFilter, RunRow, RunSort, VersionRow};

/// Who and what a run is made by and for.
pub(super) struct RunRequest<'a> {
    pub profile: &'a str,
    pub name: Option<String>,
    pub version: &'a VersionRow,
    pub experiment_id: Option<i64>,
    pub recurring_run_id: Option<i64>,
    pub options: &'a RunOptions,
    pub created_by: &'a str,
}

impl PipelineService {
    pub async fn create_run(
        &self,
        principal: &Principal,
        profile: &str,
        new: &NewRun,
    ) -> Result<RunView, PipelineError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let version = self
            .version_row(profile, &new.pipeline, new.version.as_deref())
            .await?;
        let experiment_id = match &new.experiment {
            Some(name) => Some(self.group_of_runs(profile, name).await?.id),
            None => None,
        };
        let options = new.options();
        let id = self
            .start_run(RunRequest {
                profile,
                name: new.name.clone(),
                version: &version,
                experiment_id,
                recurring_run_id: None,
                options: &options,
                created_by: &principal.user,
            })
            .await?;
        self.run_view(profile, id).await
    }

    /// Checks and stores a run, and hands it to the runner.
    pub(super) async fn start_run(&self, request: RunRequest<'_>) -> Result<i64, PipelineError> {
        let pipeline = load_version(&request.version.format, &request.version.source)
            .map_err(PipelineError::Spec)?;
        check_options(&pipeline, request.options)?;
        let now = now_ms();
        let name = match request.name {
            Some(name) => name,
            None => tidy_name(&format!("{}-{}", request.version.pipeline, utc_stamp(now))),
        };
        check_name("name", &name)?;
        let id = self
            .store
            .runs()
            .insert(&NewRunRow {
                profile: request.profile,
                name: &name,
                experiment_id: request.experiment_id,
                version_id: request.version.id,
                recurring_run_id: request.recurring_run_id,
                options: request.options,
                created_by: request.created_by,
                now_ms: now,
            })
            .await?;
        self.runner.start(id);
        Ok(id)
    }

    pub async fn list_runs(
        &self,
        principal: &Principal,
        profile: &str,
        query: &RunListQuery,
    ) -> Result<RunPage, PipelineError> {
        require(&self.store, principal, profile, Role::View).await?;
        let filter = self.filter(profile, query).await?;
        let (total, rows) = self.store.runs().list(profile, &filter).await?;
        Ok(RunPage {
            total,
            runs: rows.iter().map(view).collect(),
        })
    }

    async fn filter(&self, profile: &str, q: &RunListQuery) -> Result<RunFilter, PipelineError> {
        let mut filter = RunFilter::default();
        if let Some(state) = q.state.as_deref().filter(|s| !s.is_empty()) {
            filter.state = Some(RunState::parse(state).ok_or_else(|| {
                PipelineError::invalid(
                    "state",
                    format!(
                        "{state:?} is not a run state: {}",
                        RunState::ALL.map(|s| s.as_str()).join(", ")
                    ),
                )
            })?);
        }
        if let Some(sort) = q.sort.as_deref().filter(|s| !s.is_empty()) {
            filter.sort = RunSort::parse(sort).ok_or_else(|| {
                PipelineError::invalid(
                    "sort",
                    format!("{sort:?}: sort by created, name, state or finished"),
                )
            })?;
        }
        filter.descending = match q.order.as_deref() {
            None | Some("") | Some("desc") => true,
            Some("asc") => false,
            Some(other) => {
                return Err(PipelineError::invalid(
                    "order",
                    format!("{other:?}: asc or desc"),
                ));
            }
        };
        if let Some(name) = q.experiment.as_deref().filter(|s| !s.is_empty()) {
            filter.experiment_id = Some(self.experiment_row(profile, name).await?.id);
        }
        if let Some(name) = q.pipeline.as_deref().filter(|s| !s.is_empty()) {
            filter.pipeline_id = Some(self.pipeline_row(profile, name).await?.id);
        }
        if let Some(name) = q.recurring_run.as_deref().filter(|s| !s.is_empty()) {
            filter.recurring_run_id = Some(self.recurring_row(profile, name).await?.id);
        }
        filter.name_contains = q.q.clone();
        filter.archived = q.archived.unwrap_or(false);
        filter.offset = q.offset.unwrap_or(0);
        filter.limit = q.limit.unwrap_or(50).clamp(1, 1000);
        Ok(filter)
    }

    pub async fn run_detail(
        &self,
        principal: &Principal,
        profile: &str,
        id: i64,
    ) -> Result<RunDetail, PipelineError> {
        require(&self.store, principal, profile, Role::View).await?;
        let run = self.run_row(profile, id).await?;
        let rows = self.store.run_tasks().of_run(id).await?;
        let states = rows.iter().map(|t| (t.node.clone(), t.state)).collect();
        let graph = match self.store.pipelines().version_by_id(run.version_id).await? {
            Some(version) => match self.parsed.get(&version) {
                Ok(pipeline) => run_graph(&pipeline, &states),
                Err(_) => Default::default(),
            },
            None => Default::default(),
        };
        let ids: Vec<i64> = rows.iter().filter_map(|t| t.workload_id).collect();
        let mut names = self.store.workloads().names_of(&ids).await?;
        let tasks = rows
            .into_iter()
            .map(|row| TaskView {
                workload: row.workload_id.and_then(|id| names.remove(&id)),
                node: row.node,
                state: row.state,
                reason: row.reason,
                attempt: row.attempt,
                inputs: row.inputs,
                outputs: row.outputs,
                started_at_ms: row.started_at_ms,
                finished_at_ms: row.finished_at_ms,
            })
            .collect();
        let mut metrics: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
        for (node, name, value) in self.store.run_tasks().metrics(id).await? {
            metrics.entry(node).or_default().insert(name, value);
        }
        Ok(RunDetail {
            run: view(&run),
            tasks,
            graph,
            outputs: run.outputs.clone(),
            metrics,
            options: run.options.clone(),
        })
    }

    pub async fn cancel_run(
        &self,
        principal: &Principal,
        profile: &str,
        id: i64,
    ) -> Result<RunView, PipelineError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let run = self.run_row(profile, id).await?;
        if run.state.is_finished() {
            return Err(PipelineError::Conflict(format!(
                "run {id} has finished ({})",
                run.state.as_str()
            )));
        }
        self.runner.cancel(id);
        self.run_view(profile, id).await
    }

    /// Runs the failed and canceled parts of a finished run again.
    pub async fn retry_run(
        &self,
        principal: &Principal,
        profile: &str,
        id: i64,
    ) -> Result<RunView, PipelineError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let run = self.run_row(profile, id).await?;
        if !matches!(run.state, RunState::Failed | RunState::Canceled) {
            return Err(PipelineError::Conflict(format!(
                "run {id} is {}: only failed or canceled runs are retried",
                run.state.as_str()
            )));
        }
        self.runner.retry(id);
        self.run_view(profile, id).await
    }

    pub async fn archive_run(
        &self,
        principal: &Principal,
        profile: &str,
        id: i64,
        archived: bool,
    ) -> Result<RunView, PipelineError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        self.run_row(profile, id).await?;
        let at = archived.then(now_ms);
        self.store.runs().set_archived(id, at).await?;
        self.run_view(profile, id).await
    }

    /// Deletes a finished run, its records and its files.
    pub async fn delete_run(
        &self,
        principal: &Principal,
        profile: &str,
        id: i64,
    ) -> Result<(), PipelineError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let run = self.run_row(profile, id).await?;
        if !run.state.is_finished() {
            return Err(PipelineError::Conflict(format!(
                "run {id} is {}: cancel it first",
                run.state.as_str()
            )));
        }
        self.store.runs().delete(id).await?;
        let dir = crate::pipelines::run::run_dir(&self.data_dir, id);
        if let Err(e) = std::fs::remove_dir_all(&dir)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(run = id, error = %e, "cannot remove a deleted run's files");
        }
        Ok(())
    }

    /// The last `lines` of a task's log (its latest try).
    pub async fn task_logs(
        &self,
        principal: &Principal,
        profile: &str,
        id: i64,
        node: &str,
        lines: usize,
    ) -> Result<Vec<String>, PipelineError> {
        let workload = self
            .visible_task_workload(principal, profile, id, node)
            .await?;
        Ok(self
            .engine
            .logs(principal, profile, &workload, GROUP, 0, lines)
            .await?)
    }

    /// Follows a task's log as it grows.
    pub async fn follow_task_logs(
        &self,
        principal: &Principal,
        profile: &str,
        id: i64,
        node: &str,
    ) -> Result<tokio::sync::mpsc::Receiver<String>, PipelineError> {
        let workload = self
            .visible_task_workload(principal, profile, id, node)
            .await?;
        Ok(self
            .engine
            .follow_logs(principal, profile, &workload, GROUP, 0)
            .await?)
    }

    /// The workload of a task's latest try, for a caller who may view the run.
    async fn visible_task_workload(
        &self,
        principal: &Principal,
        profile: &str,
        id: i64,
        node: &str,
    ) -> Result<String, PipelineError> {
        require(&self.store, principal, profile, Role::View).await?;
        self.run_row(profile, id).await?;
        self.task_workload(id, node).await
    }

    async fn task_workload(&self, id: i64, node: &str) -> Result<String, PipelineError> {
        let tasks = self.store.run_tasks().of_run(id).await?;
        let not_run = || {
            PipelineError::NotFound(
                "task that ran",
                format!("{id}/{node}"),
                "this run".to_owned(),
            )
        };
        let workload_id = tasks
            .iter()
            .find(|t| t.node == node)
            .and_then(|t| t.workload_id)
            .ok_or_else(not_run)?;
        let row = self.store.workloads().by_id(workload_id).await?;
        row.map(|w| w.name).ok_or_else(not_run)
    }

    async fn run_row(&self, profile: &str, id: i64) -> Result<RunRow, PipelineError> {
        self.store
            .runs()
            .get(id)
            .await?
            .filter(|run| run.profile == profile)
            .ok_or_else(|| PipelineError::NotFound("run", id.to_string(), profile.to_owned()))
    }

    async fn run_view(&self, profile: &str, id: i64) -> Result<RunView, PipelineError> {
        Ok(view(&self.run_row(profile, id).await?))
    }
}

/// Checks a run's options against its pipeline.
pub(super) fn check_options(
    pipeline: &crate::pipelines::model::Pipeline,
    options: &RunOptions,
) -> Result<(), PipelineError> {
    if options.parallelism == Some(0) {
        return Err(PipelineError::invalid(
            "parallelism",
            "at least 1 task at a time",
        ));
    }
    run_parameters(pipeline, &options.parameters)
        .map(|_| ())
        .map_err(|problems| {
            let (field, problem) = problems
                .first()
                .and_then(|p| p.split_once(": "))
                .map(|(f, p)| (f.to_owned(), p.to_owned()))
                .unwrap_or_else(|| ("parameters".to_owned(), problems.join("; ")));
            let rest = problems.len().saturating_sub(1);
            let problem = if rest > 0 {
                format!("{problem} (and {rest} more: {})", problems[1..].join("; "))
            } else {
                problem
            };
            PipelineError::invalid(field, problem)
        })
}

pub(super) fn view(run: &RunRow) -> RunView {
    RunView {
        id: run.id,
        name: run.name.clone(),
        pipeline: run.pipeline.clone(),
        version: run.version.clone(),
        experiment: run.experiment.clone(),
        recurring_run: run.recurring_run.clone(),
        state: run.state,
        reason: run.reason.clone(),
        parameters: run.options.parameters.clone(),
        created_by: run.created_by.clone(),
        created_at_ms: run.created_at_ms,
        started_at_ms: run.started_at_ms,
        finished_at_ms: run.finished_at_ms,
        archived: run.archived,
    }
}
