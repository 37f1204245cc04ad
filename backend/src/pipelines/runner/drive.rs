//! Driving a run: walk its graph, store what changed, take cached results, launch what is
//! ready (up to the run's parallelism), and record the run's end.

use api::{RunState, TaskState};
use rand::Rng;

use super::{Runner, TaskTry};
use crate::authz::Principal;
use crate::clock::now_ms;
use crate::pipelines::run::cache_key::cache_key;
use crate::pipelines::run::graph::Ready;
use crate::pipelines::run::task_workload::task_workload;
use crate::pipelines::run::values::Values;
use crate::workload::WorkloadError;
use api::WorkloadSpec;

impl Runner {
    /// Walks the run until nothing more can happen now.
    pub(super) async fn drive(&mut self, run_id: i64) {
        loop {
            let now = now_ms();
            let Some(run) = self.runs.get_mut(&run_id) else {
                return;
            };
            let ready = run.graph.advance(now);
            if run.graph.outcome().is_some() {
                self.store_changes(run_id).await;
                if self.conclude(run_id).await {
                    return;
                }
            }
            let Some(run) = self.runs.get(&run_id) else {
                return;
            };
            let running = run.graph.running().len();
            let mut slots = run.parallelism.saturating_sub(running);
            let mut walk_again = false;
            let mut submissions = Vec::new();
            for task in ready {
                if slots == 0 {
                    break;
                }
                let waiting = self
                    .runs
                    .get(&run_id)
                    .and_then(|r| r.retry_at.get(&task.node))
                    .is_some_and(|at| *at > now);
                if waiting {
                    continue;
                }
                match self.prepare(run_id, &task).await {
                    Launch::Submit(submission) => {
                        submissions.push(submission);
                        slots -= 1;
                    }
                    Launch::Decided => walk_again = true,
                }
            }
            // Together: one transaction and one scheduling cycle for the whole wave.
            if self.submit_all(run_id, submissions).await {
                walk_again = true;
            }
            // Stored after the launches: the next task's start does not wait for the writes.
            self.store_changes(run_id).await;
            self.mark_running(run_id).await;
            if !walk_again {
                return;
            }
        }
    }

    /// Takes a cached result, or builds the task's workload for [`Runner::submit_all`].
    async fn prepare(&mut self, run_id: i64, task: &Ready) -> Launch {
        let now = now_ms();
        let Some(run) = self.runs.get_mut(&run_id) else {
            return Launch::Decided;
        };
        run.retry_at.remove(&task.node);
        let pipeline = run.graph.pipeline().clone();
        let Some(component) = pipeline.components.get(&task.component) else {
            let why = format!("component `{}` is missing", task.component);
            run.graph
                .finished(&task.node, TaskState::Failed, &why, None, now);
            return Launch::Decided;
        };
        let key = cache_key(&task.task.caching, component, &task.inputs).filter(|_| run.caching);
        let profile = run.profile.clone();
        if let Some(key) = &key
            && let Some(outputs) = self.cached(&profile, key).await
        {
            if let Some(run) = self.runs.get_mut(&run_id) {
                run.graph
                    .finished(&task.node, TaskState::Cached, "cached", Some(outputs), now);
            }
            return Launch::Decided;
        }
        let name = format!("run-{run_id}-{:08x}", rand::thread_rng().r#gen::<u32>());
        let Some(run) = self.runs.get_mut(&run_id) else {
            return Launch::Decided;
        };
        let (mut spec, dir) = match task_workload(&run.context, task, component, &name) {
            Ok(built) => built,
            Err(why) => {
                run.graph
                    .finished(&task.node, TaskState::Failed, &why, None, now);
                return Launch::Decided;
            }
        };
        if let Err(e) = prepare_dir(dir.path()) {
            let why = format!("cannot prepare the task's directory: {e}");
            run.graph
                .finished(&task.node, TaskState::Failed, &why, None, now);
            return Launch::Decided;
        }
        self.warm_up(&mut spec).await;
        Launch::Submit(Submission {
            node: task.node.clone(),
            spec,
            cache_key: key,
            timeout: task.task.timeout,
        })
    }

    /// Submits the prepared tasks' workloads; answers whether one of them could not start
    /// (its node failed: walk the graph again).
    async fn submit_all(&mut self, run_id: i64, submissions: Vec<Submission>) -> bool {
        let Some(run) = self.runs.get(&run_id) else {
            return false;
        };
        if submissions.is_empty() {
            return false;
        }
        let profile = run.profile.clone();
        let specs: Vec<_> = submissions.iter().map(|s| s.spec.clone()).collect();
        tracing::debug!(run = run_id, tasks = specs.len(), "submitting tasks");
        let submitted = self
            .engine
            .submit_all(&Principal::service("pipelines"), &profile, &specs)
            .await;
        let answers: Vec<Result<_, WorkloadError>> = match submitted {
            Ok(answers) => answers,
            Err(e) => {
                let why = e.to_string();
                specs
                    .iter()
                    .map(|_| Err(WorkloadError::invalid("", &why)))
                    .collect()
            }
        };
        let Some(run) = self.runs.get_mut(&run_id) else {
            return false;
        };
        let now = now_ms();
        let mut failed = false;
        for (submission, answer) in submissions.into_iter().zip(answers) {
            let Submission {
                node,
                spec,
                cache_key,
                timeout,
            } = submission;
            match answer {
                Ok(row) => {
                    run.graph.started(&node, row.id, cache_key, now);
                    if let Some(timeout) = timeout {
                        let at = now.saturating_add(timeout.as_millis() as i64);
                        run.deadlines.insert(node.clone(), (at, spec.name.clone()));
                    }
                    self.workloads.insert(
                        row.id,
                        TaskTry {
                            run_id,
                            node,
                            workload: spec.name,
                        },
                    );
                }
                Err(e) => {
                    let why = match e {
                        WorkloadError::NeverRuns(why) => format!("can never run here: {why}"),
                        other => format!("cannot start: {other}"),
                    };
                    run.graph
                        .finished(&node, TaskState::Failed, &why, None, now);
                    failed = true;
                }
            }
        }
        failed
    }

    async fn cached(&self, profile: &str, key: &str) -> Option<Values> {
        let outputs = self
            .store
            .run_tasks()
            .cached_outputs(profile, key)
            .await
            .ok()??;
        let values: Values = serde_json::from_value(outputs).ok()?;
        // A result whose files were deleted is no result.
        let files_there = values
            .artifacts
            .values()
            .flatten()
            .all(|a| std::path::Path::new(&a.uri).exists());
        files_there.then_some(values)
    }

    /// Stores the nodes that changed and tells the browsers.
    pub(super) async fn store_changes(&mut self, run_id: i64) {
        let Some(run) = self.runs.get_mut(&run_id) else {
            return;
        };
        let changed = run.graph.take_changed();
        if changed.is_empty() {
            return;
        }
        let profile = run.profile.clone();
        let rows: Vec<_> = changed.iter().map(|(node, n)| n.to_row(node)).collect();
        if let Err(e) = self.store.run_tasks().put_all(run_id, &rows).await {
            tracing::warn!(run = run_id, error = %e, "cannot store the tasks' states");
        }
        let first = changed.first().map(|(node, _)| node.as_str());
        self.publish(&profile, run_id, "running", first);
    }

    /// Records the run's end once its graph has one; answers whether it has.
    async fn conclude(&mut self, run_id: i64) -> bool {
        let Some(run) = self.runs.get(&run_id) else {
            return true;
        };
        let now = now_ms();
        let Some(outcome) = run.graph.outcome().cloned() else {
            return false;
        };
        let profile = run.profile.clone();
        let runs = self.store.runs();
        let outputs = serde_json::to_value(&outcome.outputs).unwrap_or_default();
        let stored = async {
            runs.set_outputs(run_id, &outputs).await?;
            runs.set_state(run_id, outcome.state, &outcome.reason, Some(now), Some(now))
                .await
        };
        if let Err(e) = stored.await {
            tracing::warn!(run = run_id, error = %e, "cannot record the run's end");
        }
        self.runs.remove(&run_id);
        self.workloads.retain(|_, t| t.run_id != run_id);
        self.publish(&profile, run_id, outcome.state.as_str(), None);
        true
    }

    /// A run that has not ended says it is running (once).
    async fn mark_running(&mut self, run_id: i64) {
        let Some(run) = self.runs.get_mut(&run_id) else {
            return;
        };
        if run.graph.is_canceling() || run.started {
            return;
        }
        run.started = true;
        if let Err(e) = self
            .store
            .runs()
            .set_state(run_id, RunState::Running, "", Some(now_ms()), None)
            .await
        {
            tracing::warn!(run = run_id, error = %e, "cannot record that the run started");
        }
    }

    /// Stops the run's running tasks; what has not started will not.
    pub(super) async fn cancel(&mut self, run_id: i64) {
        let Some(run) = self.runs.get_mut(&run_id) else {
            return;
        };
        let stopping = run.graph.cancel();
        let profile = run.profile.clone();
        if let Err(e) = self
            .store
            .runs()
            .set_state(run_id, RunState::Canceling, "cancel asked", None, None)
            .await
        {
            tracing::warn!(run = run_id, error = %e, "cannot record the cancel");
        }
        for workload_id in stopping {
            let Some(task) = self.workloads.get(&workload_id) else {
                continue;
            };
            let name = task.workload.clone();
            if let Err(e) = self
                .engine
                .stop_because(&profile, &name, "the run was canceled")
                .await
            {
                tracing::warn!(run = run_id, workload = name, error = %e, "cannot stop a task");
            }
        }
        self.drive(run_id).await;
    }

    /// Runs a finished run's failed and canceled parts again.
    pub(super) async fn retry(&mut self, run_id: i64) {
        let row = match self.store.runs().get(run_id).await {
            Ok(Some(row)) if matches!(row.state, RunState::Failed | RunState::Canceled) => row,
            _ => return,
        };
        self.activate(row).await;
        let Some(run) = self.runs.get_mut(&run_id) else {
            return;
        };
        let forgotten = run.graph.reset_for_retry();
        if let Err(e) = self.store.run_tasks().remove(run_id, &forgotten).await {
            tracing::warn!(run = run_id, error = %e, "cannot forget the failed tasks");
            return;
        }
        if let Err(e) = self
            .store
            .runs()
            .set_state(run_id, RunState::Running, "retried", None, None)
            .await
        {
            tracing::warn!(run = run_id, error = %e, "cannot record the retry");
        }
        self.drive(run_id).await;
    }
}

/// A task's workload, built and ready to submit.
struct Submission {
    node: String,
    spec: WorkloadSpec,
    cache_key: Option<String>,
    timeout: Option<std::time::Duration>,
}

enum Launch {
    /// Its workload is built: submit it.
    Submit(Submission),
    /// It ended without running (cached, or it cannot start): walk again.
    Decided,
}

/// A clean directory for a try: outputs of an earlier try removed, `TMPDIR` made.
fn prepare_dir(dir: &std::path::Path) -> std::io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir.join(".tmp"))
}
