use super::*;

const STANDALONE: SpecRules = SpecRules {
    cluster: false,
    max_node_gpus: 8,
};

/// Kubeflow's `pytorch-simple` example, run from a command.
fn pytorch_simple(extra_worker: &str) -> String {
    format!(
        "apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: pytorch-simple
spec:
  runPolicy:
    backoffLimit: 3
  pytorchReplicaSpecs:
    Worker:
      replicas: 2
      restartPolicy: OnFailure
      template:
        spec:
          containers:
            - name: pytorch
              image: docker.io/kubeflowkatib/pytorch-mnist:v1beta1-45c5727
              command: [python3, /opt/pytorch-mnist/mnist.py, --epochs=1]
{extra_worker}    Master:
      replicas: 1
      restartPolicy: OnFailure
      template:
        spec:
          containers:
            - name: pytorch
              image: docker.io/kubeflowkatib/pytorch-mnist:v1beta1-45c5727
              command: [python3, /opt/pytorch-mnist/mnist.py, --epochs=1]
"
    )
}

fn tf_job(specs: &str) -> String {
    format!(
        "apiVersion: kubeflow.org/v1
kind: TFJob
metadata:
  name: dist-mnist
spec:
  tfReplicaSpecs:
{specs}"
    )
}

fn tf_replica(kind: &str, replicas: i64) -> String {
    format!(
        "    {kind}:
      replicas: {replicas}
      template:
        spec:
          containers:
            - name: tensorflow
              command: [python3, train.py]
"
    )
}

fn refusal(text: &str, rules: &SpecRules) -> SpecError {
    parse(text, rules).expect_err("refused")
}

#[test]
fn a_pytorch_job_puts_its_master_first() {
    let spec = parse(&pytorch_simple(""), &STANDALONE).expect("valid");
    assert_eq!(spec.kind, JobKind::PyTorchJob);
    let types: Vec<_> = spec.replicas.iter().map(|r| r.replica_type).collect();
    assert_eq!(types, [ReplicaType::Master, ReplicaType::Worker]);
    assert_eq!(spec.total_replicas(), 3);
    let worker = spec.replica("worker").expect("worker");
    assert_eq!(worker.restart_policy, RestartPolicy::OnFailure);
    assert_eq!(worker.port, 23456);
    assert_eq!(worker.argv[0], "python3");
    assert_eq!(spec.run_policy.backoff_limit, 3);
    assert_eq!(spec.run_policy.clean_pod_policy, CleanPodPolicy::Running);
}

#[test]
fn a_tf_job_orders_chief_ps_worker_evaluator() {
    let text = tf_job(&format!(
        "{}{}{}{}",
        tf_replica("Evaluator", 1),
        tf_replica("Worker", 2),
        tf_replica("PS", 1),
        tf_replica("Chief", 1)
    ));
    let spec = parse(&text, &STANDALONE).expect("valid");
    let groups: Vec<_> = spec
        .replicas
        .iter()
        .map(|r| r.replica_type.group())
        .collect();
    assert_eq!(groups, ["chief", "ps", "worker", "evaluator"]);
    assert_eq!(spec.replicas[0].port, 2222);
    assert_eq!(spec.replicas[0].restart_policy, RestartPolicy::Never);
    assert_eq!(spec.run_policy.backoff_limit, DEFAULT_BACKOFF_LIMIT);
}

#[test]
fn bad_jobs_are_refused_with_their_path() {
    let cases = [
        (tf_job("    {}\n"), "spec.tfReplicaSpecs"),
        (
            tf_job(&tf_replica("Trainer", 1)),
            "spec.tfReplicaSpecs.Trainer",
        ),
        (
            tf_job(&tf_replica("Worker", -1)),
            "spec.tfReplicaSpecs.Worker.replicas",
        ),
        (tf_job(&tf_replica("Worker", 0)), "spec.tfReplicaSpecs"),
        (
            tf_job(&tf_replica("Chief", 2)),
            "spec.tfReplicaSpecs.Chief.replicas",
        ),
        (
            pytorch_simple("").replace("Master:", "Launcher:"),
            "spec.pytorchReplicaSpecs.Launcher",
        ),
        (
            pytorch_simple("").replace("restartPolicy: OnFailure", "restartPolicy: Sometimes"),
            "spec.pytorchReplicaSpecs.Master.restartPolicy",
        ),
        (
            pytorch_simple("              resources: {limits: {nvidia.com/gpu: 16}}\n"),
            "spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].resources.limits[\"nvidia.com/gpu\"]",
        ),
        (
            pytorch_simple("").replace("pytorchReplicaSpecs", "tfReplicaSpecs"),
            "spec.tfReplicaSpecs",
        ),
        (
            pytorch_simple("").replace("backoffLimit: 3", "backoffLimit: -1"),
            "spec.runPolicy.backoffLimit",
        ),
        (
            pytorch_simple("").replace("runPolicy:", "runPolicies:"),
            "spec.runPolicies",
        ),
    ];
    for (text, path) in cases {
        let err = refusal(&text, &STANDALONE);
        assert_eq!(err.path, path, "{err}");
    }
}

#[test]
fn a_pytorch_job_needs_its_master() {
    let text = pytorch_simple("");
    let start = text.find("    Master:").expect("master");
    let err = refusal(&text[..start], &STANDALONE);
    assert_eq!(err.path, "spec.pytorchReplicaSpecs.Master");
    assert!(err.message.contains("MASTER_ADDR"), "{err}");
}

#[test]
fn standalone_runs_commands_and_a_cluster_images() {
    let no_command =
        tf_job(&tf_replica("Worker", 1)).replace("command: [python3, train.py]", "image: tf:2");
    let err = refusal(&no_command, &STANDALONE);
    assert_eq!(
        err.path,
        "spec.tfReplicaSpecs.Worker.template.spec.containers[0].command"
    );
    let cluster = SpecRules {
        cluster: true,
        max_node_gpus: 8,
    };
    assert!(parse(&no_command, &cluster).is_ok());
    let err = refusal(&tf_job(&tf_replica("Worker", 1)), &cluster);
    assert_eq!(
        err.path,
        "spec.tfReplicaSpecs.Worker.template.spec.containers[0].image"
    );
}
