//! Tuning experiments end to end with real processes: Katib's own example experiments, their
//! training programs replaced by `fixtures/tuning/train.py` (it prints metrics in Katib's
//! formats), run through the workload engine and agree with what the specs ask: trial counts,
//! parallelism, algorithms, early stopping, collectors, failures, stop and resume, a restart.

mod pipeline_harness;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use api::{TrialState, TrialView, TuningDetail, TuningState};
use backend::pipelines::runner::{PipelineRunner, RunnerSettings};
use backend::pipelines::service::PipelineService;
use backend::store::Store;
use backend::tuning::{TuningController, TuningService};
use serde_yaml::Value;
use tokio::sync::watch;

use pipeline_harness::{PROFILE, admin, engine, with_profile};

const WAIT: Duration = Duration::from_secs(120);

/// One Capstan process's worth of engine, tuning controller and service.
struct Capstan {
    service: Arc<TuningService>,
    pipelines: Arc<PipelineService>,
    stop: watch::Sender<bool>,
    engine_loop: tokio::task::JoinHandle<()>,
}

/// A profile and a Capstan over a fresh data directory.
async fn fresh(store: &Store) -> (Capstan, tempfile::TempDir) {
    with_profile(store).await;
    let dir = tempfile::tempdir().unwrap();
    (capstan(store, dir.path()), dir)
}

fn capstan(store: &Store, data: &Path) -> Capstan {
    let (engine, events) = engine(store, data);
    let runner = PipelineRunner::spawn(
        store.clone(),
        engine.clone(),
        events.clone(),
        RunnerSettings {
            data_dir: data.to_path_buf(),
            path_prefix: None,
            parallelism: 8,
            warm_launcher: None,
        },
    );
    let pipelines = PipelineService::new(store.clone(), engine.clone(), runner, data.to_path_buf());
    let controller = TuningController::spawn(
        store.clone(),
        engine.clone(),
        events,
        data.join("tuning"),
        Some(pipelines.clone()),
    );
    let service = TuningService::new(
        store.clone(),
        engine.clone(),
        controller,
        Some(pipelines.clone()),
    );
    let (stop, shutdown) = watch::channel(false);
    let engine_loop = tokio::spawn(engine.run(shutdown));
    Capstan {
        service,
        pipelines,
        stop,
        engine_loop,
    }
}

impl Capstan {
    async fn shut_down(self) {
        self.stop.send(true).unwrap();
        self.engine_loop.await.unwrap();
    }

    async fn create(&self, manifest: &str) -> TuningDetail {
        self.service
            .create(&admin(), PROFILE, manifest)
            .await
            .unwrap_or_else(|e| panic!("refused: {e}"))
    }

    async fn detail(&self, name: &str) -> TuningDetail {
        self.service.detail(&admin(), PROFILE, name).await.unwrap()
    }

    async fn until(&self, name: &str, done: impl Fn(&TuningDetail) -> bool) -> TuningDetail {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let detail = self.detail(name).await;
            if done(&detail) {
                return detail;
            }
            let trials: Vec<String> = detail
                .trials
                .iter()
                .map(|t| format!("{} {:?} {:?}", t.name, t.state, t.reason))
                .collect();
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name} never got there: {:?}\n{}",
                detail.summary,
                trials.join("\n")
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn finished(&self, name: &str) -> TuningDetail {
        self.until(name, |d| d.summary.state.is_finished()).await
    }
}

/// Katib's example `name` with its training program replaced by `train.py`, and `env` set in
/// the training container.
fn katib(name: &str, env: &[(&str, &str)]) -> String {
    let path = format!(
        "{}/tests/fixtures/katib/{name}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut doc: Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let script = format!(
        "{}/tests/fixtures/tuning/train.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let container =
        &mut doc["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]["containers"][0];
    let Value::Sequence(command) = &mut container["command"] else {
        panic!("the example has a command")
    };
    for part in command.iter_mut() {
        if part.as_str().is_some_and(|p| p.ends_with("mnist.py")) {
            *part = Value::String(script.clone());
        }
    }
    let vars: Vec<Value> = env
        .iter()
        .map(|(k, v)| serde_yaml::from_str(&format!("{{name: {k}, value: \"{v}\"}}")).unwrap())
        .collect();
    container["env"] = Value::Sequence(vars);
    serde_yaml::to_string(&doc).unwrap()
}

/// The most trials that ran at once, from their creation and end.
fn most_at_once(trials: &[TrialView]) -> usize {
    trials
        .iter()
        .map(|t| {
            trials
                .iter()
                .filter(|o| {
                    o.created_at_ms <= t.created_at_ms
                        && o.finished_at_ms.is_none_or(|end| end > t.created_at_ms)
                })
                .count()
        })
        .max()
        .unwrap_or(0)
}

fn assert_ran_as_asked(d: &TuningDetail, trials: usize, parallel: usize) {
    assert_eq!(d.summary.state, TuningState::Succeeded, "{:#?}", d.summary);
    assert_eq!(d.trials.len(), trials, "{:#?}", d.trials);
    assert_eq!(most_at_once(&d.trials), parallel, "{:#?}", d.trials);
    for t in &d.trials {
        assert_eq!(t.state, TrialState::Succeeded, "{t:#?}");
        assert!(
            t.objective.is_some() && t.metrics.contains_key(&d.summary.objective_metric),
            "{t:#?}"
        );
    }
    let numbers: Vec<u32> = d.trials.iter().map(|t| t.number).collect();
    assert_eq!(numbers, (0..trials as u32).collect::<Vec<_>>());
    let objectives = d.trials.iter().filter_map(|t| t.objective);
    let best = if d.summary.maximize {
        objectives.fold(f64::NEG_INFINITY, f64::max)
    } else {
        objectives.fold(f64::INFINITY, f64::min)
    };
    assert_eq!(d.summary.best_value, Some(best));
}

fn distinct_assignments(d: &TuningDetail) -> usize {
    let mut seen: Vec<_> = d.trials.iter().map(|t| t.parameters.clone()).collect();
    seen.sort();
    seen.dedup();
    seen.len()
}

testkit::on_both_databases!(katib_examples_run_as_their_specs_ask);

async fn katib_examples_run_as_their_specs_ask(store: Store) {
    let (c, _dir) = fresh(&store).await;
    let names = ["random", "grid", "tpe", "bayesian-optimization", "sobol"];
    for name in names {
        c.create(&katib(name, &[])).await;
    }
    for name in names {
        let d = c.finished(name).await;
        assert_ran_as_asked(&d, 12, 3);
        assert_eq!(distinct_assignments(&d), 12, "{name}: {:#?}", d.trials);
        assert!(
            d.summary
                .reason
                .as_deref()
                .unwrap()
                .contains("maxTrialCount"),
            "{:?}",
            d.summary
        );
        for t in &d.trials {
            let lr: f64 = t.parameters["lr"].parse().unwrap();
            assert!((0.001..=0.03).contains(&lr), "{name}: {t:#?}");
            assert!(["sgd", "adam", "ftrl"].contains(&t.parameters["optimizer"].as_str()));
        }
    }
    // Grid search walks the grid in order: the last parameter fastest.
    let grid = c.detail("grid").await;
    let first: Vec<(&str, &str, &str)> = grid.trials[..4]
        .iter()
        .map(|t| {
            (
                t.parameters["lr"].as_str(),
                t.parameters["num-layers"].as_str(),
                t.parameters["optimizer"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        first,
        [
            ("0.001", "2", "sgd"),
            ("0.001", "2", "adam"),
            ("0.001", "2", "ftrl"),
            ("0.001", "3", "sgd")
        ]
    );
    c.shut_down().await;
}

testkit::on_both_databases!(hyperband_runs_its_first_rung_and_collectors_read_files);

async fn hyperband_runs_its_first_rung_and_collectors_read_files(store: Store) {
    let (c, _dir) = fresh(&store).await;
    let names = [
        "hyperband",
        "file-metrics-collector",
        "file-metrics-collector-with-json-format",
    ];
    for name in names {
        c.create(&katib(name, &[])).await;
    }
    // Katib's hyperband example: eta 2, r_l 2 and maxTrialCount 2 is the first rung of the
    // first bracket, two configurations at a budget of one epoch.
    let d = c.finished("hyperband").await;
    assert_ran_as_asked(&d, 2, 2);
    assert!(
        d.trials.iter().all(|t| t.parameters["num-epochs"] == "1"),
        "{:#?}",
        d.trials
    );
    assert_eq!(distinct_assignments(&d), 2);
    for name in &names[1..] {
        let d = c.finished(name).await;
        assert_ran_as_asked(&d, 12, 3);
        let t = &d.trials[0];
        assert!(t.metrics.contains_key("loss"), "{t:#?}");
        let history = c
            .service
            .trial_metrics(&admin(), PROFILE, name, &t.name)
            .await
            .unwrap();
        // --epochs=1: one report of each.
        assert_eq!(history.metrics["accuracy"].len(), 1, "{history:#?}");
        assert!((history.metrics["accuracy"][0].value - t.objective.unwrap()).abs() < 1e-12);
    }
    c.shut_down().await;
}

testkit::on_both_databases!(median_stop_stops_trials_worse_than_the_median);

async fn median_stop_stops_trials_worse_than_the_median(store: Store) {
    let (c, _dir) = fresh(&store).await;
    c.create(&katib("median-stop", &[("TUNING_EPOCH_SECONDS", "0.6")]))
        .await;
    let d = c.finished("median-stop").await;
    assert_eq!(d.summary.state, TuningState::Succeeded, "{:#?}", d.summary);
    assert_eq!(d.trials.len(), 15);
    assert!(most_at_once(&d.trials) <= 2);
    let stopped: Vec<&TrialView> = d
        .trials
        .iter()
        .filter(|t| t.state == TrialState::EarlyStopped)
        .collect();
    assert!(!stopped.is_empty(), "{:#?}", d.trials);
    assert_eq!(d.summary.early_stopped as usize, stopped.len());
    for t in &stopped {
        assert!(
            t.reason.as_deref().unwrap().contains("medianstop"),
            "{t:#?}"
        );
        let history = c
            .service
            .trial_metrics(&admin(), PROFILE, "median-stop", &t.name)
            .await
            .unwrap();
        // Judged by when the decision was made: a trial being stopped may print one more
        // epoch before SIGTERM reaches it.
        let epochs: u32 = t.parameters["num-epochs"].parse().unwrap();
        let reports = history.metrics["Validation-accuracy"].len() as u32;
        // The step is the number of reports the rule had seen.
        let seen: u32 = t
            .reason
            .as_deref()
            .and_then(|r| r.strip_prefix("early stopped by medianstop at step "))
            .and_then(|rest| rest.split(':').next())
            .and_then(|step| step.parse().ok())
            .unwrap_or_else(|| panic!("no step in {t:#?}"));
        // At its last epoch at the latest: on a loaded machine the controller may read a
        // trial's reports only once it has printed them all, and still stop it before it
        // exits (a full run saw that once).
        assert!(
            (2..=epochs).contains(&seen) && reports >= seen,
            "stopped after its start_step, not past its end: {t:#?} {history:#?}"
        );
    }
    // The first trial had no completed trial to compare with.
    assert_eq!(d.trials[0].state, TrialState::Succeeded);
    c.shut_down().await;
}

testkit::on_both_databases!(failed_trials_say_why_and_fail_the_experiment_past_the_limit);

async fn failed_trials_say_why_and_fail_the_experiment_past_the_limit(store: Store) {
    let (c, _dir) = fresh(&store).await;
    c.create(&katib("random", &[("TUNING_TRIAL_FAIL", "1")]))
        .await;
    let d = c.finished("random").await;
    assert_eq!(d.summary.state, TuningState::Failed, "{:#?}", d.summary);
    let reason = d.summary.reason.as_deref().unwrap();
    assert!(
        reason.contains("more than maxFailedTrialCount (3)"),
        "{reason}"
    );
    assert!(d.summary.failed >= 4, "{:#?}", d.summary);
    let failed = d
        .trials
        .iter()
        .find(|t| t.state == TrialState::Failed)
        .unwrap();
    let why = failed.reason.as_deref().unwrap();
    assert!(why.contains("CUDA out of memory (simulated)"), "{why}");
    // The trials still running when the experiment failed are stopped: they end (killed)
    // once their processes have (the experiment's end is stored first: CI once saw one still
    // running right then).
    c.until("random", |d| d.trials.iter().all(|t| t.state.is_finished()))
        .await;
    c.shut_down().await;
}

testkit::on_both_databases!(an_experiment_stops_resumes_and_survives_a_restart);

async fn an_experiment_stops_resumes_and_survives_a_restart(store: Store) {
    let (c, dir) = fresh(&store).await;
    let manifest = katib("random", &[("TUNING_EPOCH_SECONDS", "0.2")]);
    c.create(&manifest).await;
    c.until("random", |d| d.trials.len() >= 3).await;
    let stopped = c.service.stop(&admin(), PROFILE, "random").await.unwrap();
    assert_eq!(stopped.summary.state, TuningState::Stopped);
    let d = c
        .until("random", |d| d.trials.iter().all(|t| t.state.is_finished()))
        .await;
    let made = d.trials.len();
    assert!(
        d.trials.iter().any(|t| t.state == TrialState::Killed),
        "{:#?}",
        d.trials
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        c.detail("random").await.trials.len(),
        made,
        "no trial starts while stopped"
    );
    let conflict = c
        .service
        .stop(&admin(), PROFILE, "random")
        .await
        .unwrap_err();
    assert!(
        conflict.to_string().contains("is stopped, not running"),
        "{conflict}"
    );

    c.service.resume(&admin(), PROFILE, "random").await.unwrap();
    c.until("random", |d| d.trials.len() > made).await;
    // Stopped and resumed at once, while its stopped trials are still ending: it goes on.
    c.service.stop(&admin(), PROFILE, "random").await.unwrap();
    c.service.resume(&admin(), PROFILE, "random").await.unwrap();
    c.until("random", |d| d.trials.len() >= made + 4).await;
    // Capstan goes away in the middle of the experiment and comes back.
    let Capstan {
        service,
        pipelines,
        stop,
        engine_loop,
    } = c;
    drop((service, pipelines));
    stop.send(true).unwrap();
    engine_loop.await.unwrap();
    // The old controller's loop ends at its next look at its commands, as a process would.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let c = capstan(&store, dir.path());
    let d = c.finished("random").await;
    assert_eq!(
        d.summary.state,
        TuningState::Succeeded,
        "{:#?}",
        (&d.summary, &d.trials)
    );
    assert_eq!(d.trials.len(), 12, "{:#?}", d.trials);
    let numbers: Vec<u32> = d.trials.iter().map(|t| t.number).collect();
    assert_eq!(numbers, (0..12).collect::<Vec<_>>());
    c.shut_down().await;
}

testkit::on_both_databases!(what_cannot_run_here_is_refused_and_nothing_is_stored);

async fn what_cannot_run_here_is_refused_and_nothing_is_stored(store: Store) {
    let (c, _dir) = fresh(&store).await;
    let mut doc: Value = serde_yaml::from_str(&katib("random", &[])).unwrap();
    doc["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]["containers"][0]["resources"] =
        serde_yaml::from_str("{limits: {nvidia.com/gpu: 3}}").unwrap();
    let error = c
        .service
        .create(&admin(), PROFILE, &serde_yaml::to_string(&doc).unwrap())
        .await
        .unwrap_err();
    assert_eq!(error.refusal(), backend::refusal::Refusal::Invalid);
    assert!(
        error
            .to_string()
            .starts_with("spec.trialTemplate: a trial cannot run here"),
        "{error}"
    );
    let bad = katib("random", &[]).replace("max: '5'", "max: '1'");
    let error = c.service.create(&admin(), PROFILE, &bad).await.unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("spec.parameters[1].feasibleSpace: min (2) is above max (1)"),
        "{error}"
    );
    assert!(c.service.detail(&admin(), PROFILE, "random").await.is_err());
    assert!(
        store
            .tuning()
            .get(PROFILE, "random")
            .await
            .unwrap()
            .is_none()
    );
    // A name is taken once, whichever kind of experiment has it.
    c.create(&katib("random", &[])).await;
    let again = c
        .service
        .create(&admin(), PROFILE, &katib("random", &[]))
        .await
        .unwrap_err();
    assert!(again.to_string().contains("exists already"), "{again}");
    c.service.delete(&admin(), PROFILE, "random").await.unwrap();
    assert!(
        store
            .tuning()
            .get(PROFILE, "random")
            .await
            .unwrap()
            .is_none()
    );
    c.shut_down().await;
}

/// Trials that are runs of `fixtures/tuning/quadratic.yaml`, which reports
/// `loss = (x - 0.3)^2`.
const PIPELINE_TRIALS: &str = r#"
apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata: {name: by-pipeline}
spec:
  objective: {type: minimize, objectiveMetricName: loss}
  algorithm: {algorithmName: random}
  parallelTrialCount: 2
  maxTrialCount: 4
  parameters:
    - {name: x, parameterType: double, feasibleSpace: {min: "0", max: "1"}}
  trialTemplate:
    trialParameters: [{name: x, reference: x}]
    pipeline: {pipeline: quadratic, parameters: {x: "${trialParameters.x}"}}
"#;

testkit::on_both_databases!(pipeline_trials_are_runs_whose_metrics_are_the_objective);

async fn pipeline_trials_are_runs_whose_metrics_are_the_objective(store: Store) {
    let (c, _dir) = fresh(&store).await;
    let upload = api::PipelineUpload {
        source: include_str!("fixtures/tuning/quadratic.yaml").into(),
        ..Default::default()
    };
    c.pipelines
        .upload(&admin(), PROFILE, &upload)
        .await
        .unwrap();
    let wrong = PIPELINE_TRIALS.replace("parameters: {x: \"$", "parameters: {y: \"$");
    let error = c
        .service
        .create(&admin(), PROFILE, &wrong)
        .await
        .unwrap_err();
    assert!(
        error.to_string().starts_with(
            "spec.trialTemplate.pipeline.parameters.y: pipeline `quadratic` has no parameter `y`"
        ),
        "{error}"
    );
    c.create(PIPELINE_TRIALS).await;
    let d = c.finished("by-pipeline").await;
    assert_ran_as_asked(&d, 4, 2);
    for t in &d.trials {
        let x: f64 = t.parameters["x"].parse().unwrap();
        assert!(
            (t.objective.unwrap() - (x - 0.3).powi(2)).abs() < 1e-9,
            "{t:#?}"
        );
    }
    let runs = c
        .pipelines
        .list_runs(&admin(), PROFILE, &api::RunListQuery::default())
        .await
        .unwrap();
    assert_eq!(runs.runs.len(), 4, "one run per trial");
    c.shut_down().await;
}
