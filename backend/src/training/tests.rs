//! The environment and the workload of an attempt, and the restart rules.

use std::time::Duration;

use super::job_workload::job_workload;
use super::restart::{Verdict, after_failure};
use super::spec::{SpecRules, TrainingSpec, parse};

fn spec(text: &str) -> TrainingSpec {
    let rules = SpecRules {
        cluster: false,
        max_node_gpus: 8,
    };
    parse(text, &rules).expect("valid")
}

fn pytorch(worker_policy: &str, backoff: u32) -> TrainingSpec {
    spec(&format!(
        "apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: {{name: ddp}}
spec:
  runPolicy: {{backoffLimit: {backoff}}}
  pytorchReplicaSpecs:
    Master:
      template: {{spec: {{containers: [{{name: pytorch, command: [python3, ddp.py]}}]}}}}
    Worker:
      replicas: 2
      restartPolicy: {worker_policy}
      template: {{spec: {{containers: [{{name: pytorch, command: [python3, ddp.py]}}]}}}}
"
    ))
}

#[test]
fn a_pytorch_attempt_is_a_gang_that_finds_its_master() {
    let w = job_workload(&pytorch("OnFailure", 2), 3);
    assert_eq!(w.name, "ddp-3");
    assert!(w.gang);
    assert_eq!(w.groups[0].name, "master");
    let worker = &w.groups[1].env;
    assert_eq!(worker["MASTER_ADDR"], "$(CAPSTAN_PEER_MASTER_0_HOST)");
    assert_eq!(
        worker["MASTER_PORT"],
        "$(CAPSTAN_PEER_MASTER_0_PORT_PYTORCHJOB_PORT)"
    );
    assert_eq!(worker["WORLD_SIZE"], "3");
    assert_eq!(worker["RANK"], "$(CAPSTAN_RANK)");
    assert_eq!(worker["PET_NNODES"], "3");
    assert_eq!(w.groups[1].ports[0].name, "pytorchjob-port");
    assert_eq!(w.groups[1].ports[0].container_port, 23456);
}

#[test]
fn tf_config_lists_the_cluster_without_the_evaluator() {
    let s = spec(
        "apiVersion: kubeflow.org/v1
kind: TFJob
metadata: {name: tf}
spec:
  tfReplicaSpecs:
    Worker:
      replicas: 2
      template: {spec: {containers: [{name: tensorflow, command: [python3, t.py]}]}}
    Evaluator:
      template: {spec: {containers: [{name: tensorflow, command: [python3, t.py]}]}}
    Chief:
      template: {spec: {containers: [{name: tensorflow, command: [python3, t.py]}]}}
",
    );
    let w = job_workload(&s, 0);
    let tf_config = &w.groups[1].env["TF_CONFIG"];
    // What the runtime makes of it, with made-up values.
    let filled = tf_config
        .replace("$(CAPSTAN_REPLICA_INDEX)", "1")
        .replace("$(CAPSTAN_PEER_CHIEF_0_HOST)", "h")
        .replace("$(CAPSTAN_PEER_WORKER_0_HOST)", "h")
        .replace("$(CAPSTAN_PEER_WORKER_1_HOST)", "h")
        .replace("$(CAPSTAN_PEER_CHIEF_0_PORT_TFJOB_PORT)", "1")
        .replace("$(CAPSTAN_PEER_WORKER_0_PORT_TFJOB_PORT)", "2")
        .replace("$(CAPSTAN_PEER_WORKER_1_PORT_TFJOB_PORT)", "3");
    let parsed: serde_json::Value = serde_json::from_str(&filled).expect(&filled);
    assert_eq!(
        parsed,
        serde_json::json!({
            "cluster": {"chief": ["h:1"], "worker": ["h:2", "h:3"]},
            "task": {"type": "worker", "index": 1},
            "environment": "cloud"
        })
    );
    assert!(w.groups[2].env["TF_CONFIG"].contains(r#""type":"evaluator""#));
}

#[test]
fn failures_restart_by_policy_with_growing_back_off_up_to_the_limit() {
    let base = Duration::from_secs(10);
    let s = pytorch("OnFailure", 2);
    let code_1 = "replica worker-1 exited with code 1";
    let worker_failed = |restarts| after_failure(&s, code_1, restarts, base);
    assert!(matches!(worker_failed(0), Verdict::Restart { delay, .. } if delay == base));
    assert!(matches!(worker_failed(1), Verdict::Restart { delay, .. } if delay == base * 2));
    let Verdict::Fail { reason, message } = worker_failed(2) else {
        panic!("the limit is 2");
    };
    assert_eq!(reason, "BackoffLimitExceeded");
    assert!(message.contains("restarted 2 times"), "{message}");

    let never = pytorch("Never", 5);
    assert!(matches!(
        after_failure(&never, code_1, 0, base),
        Verdict::Fail {
            reason: "Failed",
            ..
        }
    ));
    // The master's policy (Never, the default) is not the worker's.
    assert!(matches!(
        after_failure(&s, "replica master-0 exited with code 1", 0, base),
        Verdict::Fail { .. }
    ));

    let by_code = pytorch("ExitCode", 5);
    assert!(matches!(
        after_failure(&by_code, code_1, 0, base),
        Verdict::Fail { .. }
    ));
    let killed = "replica worker-0 exited with code 137";
    assert!(matches!(
        after_failure(&by_code, killed, 0, base),
        Verdict::Restart { .. }
    ));
    let signal = "replica worker-0 was killed by signal 9 (SIGKILL)";
    assert!(matches!(
        after_failure(&by_code, signal, 0, base),
        Verdict::Restart { .. }
    ));
    // Processes lost when Capstan restarted: restarted, as after a kill.
    assert!(matches!(
        after_failure(&never, crate::runtime::RESTARTED, 0, base),
        Verdict::Restart { .. }
    ));
}
