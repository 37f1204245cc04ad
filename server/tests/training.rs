//! Training jobs end to end through a real server on a TCP port: a PyTorchJob of a master and
//! two workers runs a real torch.distributed all-reduce (gloo, on CPU; the torch of the
//! virtualenv `cargo xtask` installs, `CAPSTAN_TORCH_PYTHON`); every TFJob replica finds
//! itself and reaches every other in its TF_CONFIG; a TFJob ends when its chief does, its
//! parameter server stopped; a worker that keeps failing under OnFailure restarts up to
//! backoffLimit and then fails the job with that reason; a suspended job frees its GPUs for
//! another; bad jobs are refused with their path and nothing is stored.

use std::time::{Duration, Instant};

use backend::store::Store;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[path = "support/header_world.rs"]
mod header_world;

use header_world::{ALICE, World};

/// Three Python processes importing torch on a loaded 2-core machine take a while.
const WAIT: Duration = Duration::from_secs(240);
const JOBS: &str = "/api/v1/profiles/team-a/jobs";

async fn world(store: Store, extra: &[(&str, &str)]) -> World {
    let mut flags = vec![
        ("gpus", "none"),
        ("stop_grace_seconds", "2"),
        ("training_backoff_seconds", "1"),
    ];
    flags.extend_from_slice(extra);
    header_world::world(store, &flags, |_, _| {}).await
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

impl World {
    async fn job(&self, name: &str) -> Value {
        let (status, body) = self
            .call(ALICE, "GET", &format!("{JOBS}/{name}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Waits until the job's state is `state`, and answers the job.
    async fn until_state(&self, name: &str, state: &str) -> Value {
        let started = Instant::now();
        loop {
            let job = self.job(name).await;
            let now = job["summary"]["state"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if now == state {
                return job;
            }
            // An end that is not the one awaited will not change.
            let ended = now == "succeeded" || now == "failed";
            if ended || started.elapsed() > WAIT {
                let logs = self.all_logs(&job).await;
                panic!("{name} never became {state}: {job:#}\n{logs}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Every replica's log of the current attempt, for a failure's message.
    async fn all_logs(&self, job: &Value) -> String {
        let name = job["summary"]["name"].as_str().unwrap_or_default();
        let mut out = String::new();
        for replica in job["replicas"].as_array().into_iter().flatten() {
            let label = format!(
                "{}-{}",
                replica["group"].as_str().unwrap(),
                replica["index"]
            );
            let (_, lines) = self
                .call(
                    ALICE,
                    "GET",
                    &format!("{JOBS}/{name}/logs?replica={label}"),
                    None,
                )
                .await;
            out.push_str(&format!("--- {label}\n{lines:#}\n"));
        }
        out
    }
}

fn conditions(job: &Value) -> Vec<(String, String)> {
    job["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["type"].as_str().unwrap().to_owned(),
                c["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn torch_python() -> String {
    std::env::var("CAPSTAN_TORCH_PYTHON").expect(
        "CAPSTAN_TORCH_PYTHON names a python3 with torch: `cargo xtask test` installs one and \
         sets it",
    )
}

async fn a_pytorch_job_all_reduces_over_three_replicas(store: Store) {
    let w = world(store, &[]).await;
    let python = torch_python();
    let script = fixture("allreduce.py");
    let replica = |replicas: u32| {
        format!(
            "      replicas: {replicas}
      restartPolicy: OnFailure
      template:
        spec:
          containers:
            - name: pytorch
              command: [{python}, {script}]
              env: [{{name: GLOO_SOCKET_IFNAME, value: lo}}]
"
        )
    };
    let manifest = format!(
        "apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: allreduce
spec:
  pytorchReplicaSpecs:
    Master:
{}    Worker:
{}",
        replica(1),
        replica(2)
    );
    let (status, body) = w.send_manifest("POST", JOBS, &manifest).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let job = w.until_state("allreduce", "succeeded").await;
    let seen: Vec<String> = conditions(&job).into_iter().map(|c| c.0).collect();
    assert_eq!(seen, ["Created", "Running", "Succeeded"], "{job:#}");
    assert_eq!(job["summary"]["restarts"], 0);
    // The master's line, collected as metrics: 1 + 2 + 3.
    let metric = |name: &str| {
        job["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .map(|m| m["value"].clone())
    };
    assert_eq!(metric("sum"), Some(json!(6.0)), "{job:#}");
    assert_eq!(metric("world"), Some(json!(3.0)));
    let logs = w.all_logs(&job).await;
    for rank in 0..3 {
        assert!(
            logs.contains(&format!("rank={rank} world=3 sum=6.0")),
            "{logs}"
        );
    }
}

async fn every_tf_job_replica_gets_a_tf_config_that_works(store: Store) {
    let w = world(store, &[]).await;
    let script = fixture("tf_config_check.py");
    let replica = |kind: &str, replicas: u32| {
        format!(
            "    {kind}:
      replicas: {replicas}
      template:
        spec:
          containers:
            - name: tensorflow
              command: [python3, {script}]
              env:
                - {{name: EXPECTED_CLUSTER, value: '{{\"chief\": 1, \"ps\": 1, \"worker\": 2}}'}}
                - {{name: EVALUATORS, value: '1'}}
"
        )
    };
    let manifest = format!(
        "apiVersion: kubeflow.org/v1
kind: TFJob
metadata:
  name: tf-check
spec:
  tfReplicaSpecs:
{}{}{}{}",
        replica("Worker", 2),
        replica("PS", 1),
        replica("Evaluator", 1),
        replica("Chief", 1)
    );
    let (status, body) = w.send_manifest("POST", JOBS, &manifest).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let job = w.until_state("tf-check", "succeeded").await;
    let logs = w.all_logs(&job).await;
    for label in ["chief-0", "ps-0", "worker-0", "worker-1", "evaluator-0"] {
        assert!(logs.contains(&format!("tf_config ok {label}")), "{logs}");
    }
    let replicas = job["replicas"].as_array().unwrap();
    assert_eq!(replicas.len(), 5);
    assert_eq!(replicas[0]["replica_type"], "Chief", "the chief is rank 0");
}

/// The chief decides, as the Training Operator's default success policy: parameter servers
/// run until they are stopped.
async fn a_tf_job_succeeds_when_its_chief_does(store: Store) {
    let w = world(store, &[]).await;
    let manifest = "apiVersion: kubeflow.org/v1
kind: TFJob
metadata:
  name: with-ps
spec:
  tfReplicaSpecs:
    PS:
      template:
        spec:
          containers:
            - name: tensorflow
              command: [sleep, '600']
    Chief:
      template:
        spec:
          containers:
            - name: tensorflow
              command: [python3, -c, 'import time; time.sleep(1); print(\"accuracy=0.9\")']
";
    let (status, body) = w.send_manifest("POST", JOBS, manifest).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let job = w.until_state("with-ps", "succeeded").await;
    let last = job["conditions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(
        last["message"]
            .as_str()
            .unwrap()
            .contains("every chief replica exited with code 0"),
        "{last}"
    );
    assert_eq!(job["metrics"][0]["name"], "accuracy", "{job:#}");
}

async fn a_worker_that_keeps_failing_fails_the_job_after_backoff_limit(store: Store) {
    let w = world(store, &[]).await;
    let manifest = "apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: flaky
spec:
  runPolicy:
    backoffLimit: 2
  pytorchReplicaSpecs:
    Master:
      template:
        spec:
          containers:
            - name: pytorch
              command: [python3, -c, 'import time; time.sleep(120)']
    Worker:
      restartPolicy: OnFailure
      template:
        spec:
          containers:
            - name: pytorch
              command: [python3, -c, 'import sys; print(\"loss=1.5\"); sys.exit(4)']
";
    let (status, body) = w.send_manifest("POST", JOBS, manifest).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let job = w.until_state("flaky", "failed").await;
    assert_eq!(job["summary"]["restarts"], 2, "{job:#}");
    assert_eq!(job["summary"]["attempt"], 2);
    let all = conditions(&job);
    let restarting = all.iter().filter(|c| c.0 == "Restarting").count();
    // Each failure says it restarts, then each restart says it started: twice each.
    assert_eq!(restarting, 4, "{all:?}");
    let last = job["conditions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["reason"], "BackoffLimitExceeded", "{last}");
    let message = last["message"].as_str().unwrap();
    assert!(
        message.contains("replica worker-0 exited with code 4"),
        "{message}"
    );
    // Every attempt was a workload of its own; all have ended.
    let (_, workloads) = w
        .call(ALICE, "GET", "/api/v1/profiles/team-a/workloads", None)
        .await;
    let mut attempts: Vec<&str> = workloads
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    attempts.sort_unstable();
    assert_eq!(attempts, ["flaky-0", "flaky-1", "flaky-2"]);
}

/// A PyTorchJob of a master and a worker on one GPU each, sleeping.
fn gpu_job(name: &str) -> String {
    format!(
        "apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: {name}
spec:
  pytorchReplicaSpecs:
    Master:
      template:
        spec:
          containers:
            - name: pytorch
              command: [sleep, '300']
              resources: {{limits: {{nvidia.com/gpu: 1}}}}
    Worker:
      template:
        spec:
          containers:
            - name: pytorch
              command: [sleep, '300']
              resources: {{limits: {{nvidia.com/gpu: 1}}}}
"
    )
}

async fn a_suspended_job_frees_its_gpus(store: Store) {
    // Two simulated GPUs: one job of two replicas takes both.
    let w = world(store, &[("gpus", "2xL4:24576")]).await;
    for name in ["first", "second"] {
        let (status, body) = w.send_manifest("POST", JOBS, &gpu_job(name)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let first = w.until_state("first", "running").await;
    let gpus: Vec<u64> = first["replicas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["gpus"][0]["index"].as_u64().unwrap())
        .collect();
    assert_eq!(gpus.len(), 2, "{first:#}");
    assert_eq!(w.job("second").await["summary"]["state"], "created");

    let (status, body) = w
        .call(ALICE, "POST", &format!("{JOBS}/first/suspend"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["summary"]["state"], "suspended");
    // Its GPUs go to the job that waited for them.
    w.until_state("second", "running").await;
    let first = w.job("first").await;
    assert_eq!(first["summary"]["state"], "suspended");
    assert_eq!(
        conditions(&first).last().unwrap(),
        &("Suspended".to_owned(), "PyTorchJobSuspended".to_owned())
    );

    // Resumed, it waits in the queue as a new attempt until the GPUs are free again.
    let (status, body) = w
        .call(ALICE, "POST", &format!("{JOBS}/first/resume"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["summary"]["state"], "created");
    assert_eq!(body["summary"]["attempt"], 1);
    assert_eq!(body["summary"]["restarts"], 0, "a resume is not a restart");
    let (status, _) = w
        .call(ALICE, "DELETE", &format!("{JOBS}/second"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    w.until_state("first", "running").await;
    let (status, _) = w.call(ALICE, "GET", &format!("{JOBS}/second"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn bad_jobs_are_refused_with_their_path_and_nothing_is_stored(store: Store) {
    let w = world(store, &[("gpus", "2xL4:24576")]).await;
    let job = |specs: &str| {
        format!(
            "apiVersion: kubeflow.org/v1
kind: TFJob
metadata:
  name: bad
spec:
  tfReplicaSpecs:
{specs}"
        )
    };
    let worker = |kind: &str, replicas: i64, gpus: u32| {
        format!(
            "    {kind}:
      replicas: {replicas}
      template:
        spec:
          containers:
            - name: tensorflow
              command: [python3, train.py]
              resources: {{limits: {{nvidia.com/gpu: {gpus}}}}}
"
        )
    };
    let cases = [
        (job("    {}\n"), "spec.tfReplicaSpecs"),
        (job(&worker("Trainer", 1, 0)), "spec.tfReplicaSpecs.Trainer"),
        (
            job(&worker("Worker", -2, 0)),
            "spec.tfReplicaSpecs.Worker.replicas",
        ),
        (
            job(&worker("Worker", 1, 4)),
            "spec.tfReplicaSpecs.Worker.template.spec.containers[0].resources.limits[\"nvidia.com/gpu\"]",
        ),
    ];
    for (manifest, path) in cases {
        let (status, body) = w.send_manifest("POST", JOBS, &manifest).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.starts_with(path), "{message}");
    }
    let (status, body) = w.call(ALICE, "GET", JOBS, None).await;
    assert_eq!((status, body), (StatusCode::OK, json!([])));
    let (_, workloads) = w
        .call(ALICE, "GET", "/api/v1/profiles/team-a/workloads", None)
        .await;
    assert_eq!(workloads, json!([]));
}

testkit::on_both_databases!(
    a_pytorch_job_all_reduces_over_three_replicas,
    every_tf_job_replica_gets_a_tf_config_that_works,
    a_tf_job_succeeds_when_its_chief_does,
    a_worker_that_keeps_failing_fails_the_job_after_backoff_limit,
    a_suspended_job_frees_its_gpus,
    bad_jobs_are_refused_with_their_path_and_nothing_is_stored,
);
