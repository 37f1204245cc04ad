//! A run being driven: its graph (rebuilt from the store after a restart), its files, its
//! limits, and the timers of its tasks (retry waits and timeouts).

use std::collections::HashMap;
use std::sync::Arc;

use api::{RunState, TaskState};

use super::{Runner, TaskTry};
use crate::pipelines::model::Pipeline;
use crate::pipelines::run::graph::RunGraph;
use crate::pipelines::run::parameters::run_parameters;
use crate::pipelines::run::task_workload::RunContext;
use crate::pipelines::{load_version, run};
use crate::store::RunRow;

pub(super) struct ActiveRun {
    pub profile: String,
    pub graph: RunGraph,
    pub context: RunContext,
    pub caching: bool,
    pub parallelism: usize,
    /// Tasks waiting to be tried again: not before this time (ms).
    pub retry_at: HashMap<String, i64>,
    /// Running tasks with a timeout: (deadline in ms, workload).
    pub deadlines: HashMap<String, (i64, String)>,
    /// Tasks stopped because they ran past their timeout, and why.
    pub timed_out: HashMap<String, String>,
    /// Whether the run's state says running already.
    pub started: bool,
}

impl ActiveRun {
    /// Running tasks past their deadline, with their workloads; each is reported once.
    pub fn overdue(&mut self, now: i64) -> Vec<(String, String)> {
        let due: Vec<String> = self
            .deadlines
            .iter()
            .filter(|(_, (at, _))| *at <= now)
            .map(|(node, _)| node.clone())
            .collect();
        due.into_iter()
            .filter_map(|node| self.deadlines.remove(&node).map(|(_, w)| (node, w)))
            .collect()
    }

    pub fn waiting_retry_due(&self, now: i64) -> bool {
        self.retry_at.values().any(|at| *at <= now)
    }
}

impl Runner {
    /// Loads a run into memory: its version's pipeline, its parameters and whatever nodes it
    /// reached before. A run that cannot be loaded fails with the reason.
    pub(super) async fn activate(&mut self, row: RunRow) {
        let id = row.id;
        let pipeline = match self.pipeline_of(row.version_id).await {
            Ok(pipeline) => pipeline,
            Err(why) => return self.fail_at_start(&row, &why).await,
        };
        let parameters = match run_parameters(&pipeline, &row.options.parameters) {
            Ok(parameters) => parameters,
            Err(problems) => return self.fail_at_start(&row, &problems.join("; ")).await,
        };
        let mut graph = RunGraph::new(pipeline, parameters);
        match self.store.run_tasks().of_run(id).await {
            Ok(rows) => graph.restore(&rows),
            Err(e) => return self.fail_at_start(&row, &e.to_string()).await,
        }
        if row.state == RunState::Canceling {
            graph.cancel();
        }
        for (node, workload_id) in graph.running() {
            if let Some(workload_id) = workload_id {
                let workload = self.workload_name(workload_id).await;
                self.workloads.insert(
                    workload_id,
                    TaskTry {
                        run_id: id,
                        node,
                        workload,
                    },
                );
            }
        }
        // A task that was about to wait for a retry when Capstan stopped waits no more.
        let retry_at = graph
            .nodes()
            .iter()
            .filter(|(_, n)| n.state == TaskState::Pending && n.attempt > 0)
            .map(|(node, _)| (node.clone(), 0))
            .collect();
        let parallelism = row
            .options
            .parallelism
            .unwrap_or(self.settings.parallelism)
            .max(1) as usize;
        let context = RunContext {
            run_id: id,
            run_name: row.name.clone(),
            root: run::run_dir(&self.settings.data_dir, id),
            path_prefix: self.settings.path_prefix.clone(),
        };
        self.runs.insert(
            id,
            ActiveRun {
                profile: row.profile.clone(),
                graph,
                context,
                caching: row.options.caching,
                parallelism,
                retry_at,
                deadlines: HashMap::new(),
                timed_out: HashMap::new(),
                started: row.state == RunState::Running,
            },
        );
    }

    async fn pipeline_of(&mut self, version_id: i64) -> Result<Arc<Pipeline>, String> {
        if let Some(pipeline) = self.pipelines.get(&version_id) {
            return Ok(pipeline.clone());
        }
        let version = self
            .store
            .pipelines()
            .version_by_id(version_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "its pipeline version no longer exists".to_owned())?;
        let pipeline = load_version(&version.format, &version.source).map_err(|errors| {
            let first = errors.first().map(ToString::to_string).unwrap_or_default();
            format!("its pipeline no longer loads: {first}")
        })?;
        let pipeline = Arc::new(pipeline);
        self.pipelines.insert(version_id, pipeline.clone());
        Ok(pipeline)
    }

    async fn workload_name(&self, id: i64) -> String {
        match self.store.workloads().by_id(id).await {
            Ok(Some(row)) => row.name,
            _ => String::new(),
        }
    }

    async fn fail_at_start(&mut self, row: &RunRow, why: &str) {
        tracing::warn!(run = row.id, reason = why, "a pipeline run cannot run");
        let now = crate::clock::now_ms();
        if let Err(e) = self
            .store
            .runs()
            .set_state(row.id, RunState::Failed, why, Some(now), Some(now))
            .await
        {
            tracing::warn!(run = row.id, error = %e, "cannot record that the run failed");
        }
        self.publish(&row.profile, row.id, RunState::Failed.as_str(), None);
    }
}
