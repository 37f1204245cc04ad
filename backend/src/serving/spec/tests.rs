use super::*;

struct Fixture {
    _dir: tempfile::TempDir,
    rules: StorageRules,
    iris: String,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let iris = dir.path().join("models/iris");
    std::fs::create_dir_all(&iris).expect("mkdir");
    Fixture {
        rules: StorageRules {
            roots: vec![dir.path().join("models")],
            cluster: false,
        },
        iris: iris.display().to_string(),
        _dir: dir,
    }
}

/// KServe's first example, `sklearn-iris`, with the model on this machine.
fn sklearn_iris(uri: &str, predictor_extra: &str) -> String {
    format!(
        "apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: sklearn-iris
spec:
  predictor:
{predictor_extra}    model:
      modelFormat:
        name: sklearn
      storageUri: file://{uri}
"
    )
}

fn refusal(text: &str, rules: &StorageRules) -> SpecError {
    parse(text, rules).expect_err("refused")
}

#[test]
fn reads_kserves_sklearn_example_with_its_defaults() {
    let f = fixture();
    let spec = parse(&sklearn_iris(&f.iris, ""), &f.rules).expect("spec");
    assert_eq!(spec.name, "sklearn-iris");
    let r = &spec.revision;
    assert_eq!(r.format, ModelFormat::Sklearn);
    assert_eq!(r.protocol, Protocol::V2);
    assert!(
        matches!(&r.runtime, Runtime::MlServer { implementation, .. }
        if implementation == "mlserver_sklearn.SKLearnModel")
    );
    assert_eq!(r.scale.min, 1);
    assert_eq!(r.scale.max, DEFAULT_MAX_REPLICAS);
    assert_eq!(r.scale.metric, ScaleMetric::Concurrency);
    assert_eq!(r.timeout_s, 60);
    assert_eq!(spec.canary_percent, None);
}

#[test]
fn reads_scaling_canary_and_resources() {
    let f = fixture();
    let extra = "    minReplicas: 0
    maxReplicas: 3
    scaleMetric: rps
    scaleTarget: 50
    canaryTrafficPercent: 20
    containerConcurrency: 4
    timeout: 5
";
    let mut text = sklearn_iris(&f.iris, extra);
    text.push_str("      resources:\n        limits:\n          nvidia.com/gpu: \"1\"\n          memory: 2Gi\n");
    let spec = parse(&text, &f.rules).expect("spec");
    let r = &spec.revision;
    assert_eq!((r.scale.min, r.scale.max), (0, 3));
    assert_eq!(r.scale.metric, ScaleMetric::Rps);
    assert_eq!(r.scale.target, 50.0);
    assert_eq!(spec.canary_percent, Some(20));
    assert_eq!((r.container_concurrency, r.timeout_s), (4, 5));
    assert_eq!((r.resources.gpus, r.resources.memory_mib), (1, 2048));
}

#[test]
fn reads_a_custom_container_and_the_older_framework_field() {
    let f = fixture();
    let custom = "apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: echo}
spec:
  predictor:
    containers:
      - name: kserve-container
        command: [python3, server.py, --port, $(PORT)]
        env: [{name: MODE, value: fast}]
";
    let spec = parse(custom, &f.rules).expect("custom");
    assert_eq!(spec.revision.format, ModelFormat::Custom);
    assert_eq!(spec.revision.protocol, Protocol::V1);
    assert!(
        matches!(&spec.revision.runtime, Runtime::Container { argv, env, .. }
        if argv[0] == "python3" && env["MODE"] == "fast")
    );
    let legacy = format!(
        "apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {{name: xgb}}
spec:
  predictor:
    xgboost:
      storageUri: {}
",
        f.iris
    );
    let spec = parse(&legacy, &f.rules).expect("legacy");
    assert_eq!(spec.revision.format, ModelFormat::Xgboost);
}

#[test]
fn refuses_bad_input_with_its_path() {
    let f = fixture();
    let cases = [
        (
            sklearn_iris("/etc", ""),
            "spec.predictor.model.storageUri",
            "outside the model roots",
        ),
        (
            sklearn_iris(&f.iris, "").replace("name: sklearn", "name: caffe"),
            "spec.predictor.model.modelFormat.name",
            "not a format",
        ),
        (
            sklearn_iris(&f.iris, "    minReplicas: 3\n    maxReplicas: 2\n"),
            "spec.predictor.maxReplicas",
            "below minReplicas",
        ),
        (
            sklearn_iris(&f.iris, "    canaryTrafficPercent: 120\n"),
            "spec.predictor.canaryTrafficPercent",
            "between 0 and 100",
        ),
        (
            sklearn_iris(&f.iris, "    canaryTrafficPercent: -1\n"),
            "spec.predictor.canaryTrafficPercent",
            "between 0 and 100",
        ),
        (
            sklearn_iris(&f.iris, "    scaleMetric: cpu\n"),
            "spec.predictor.scaleMetric",
            "HPA",
        ),
        (
            sklearn_iris(&f.iris, "    replicas: 2\n"),
            "spec.predictor.replicas",
            "unknown field `replicas`",
        ),
        (
            sklearn_iris(&f.iris, "")
                .replace("modelFormat:", "runtime: triton\n      modelFormat:"),
            "spec.predictor.model.runtime",
            "not a runtime",
        ),
        (
            sklearn_iris(&f.iris, "").replace("sklearn-iris", "Sklearn_Iris"),
            "metadata.name",
            "",
        ),
        (
            sklearn_iris(&f.iris, "")
                .replace("serving.kserve.io/v1beta1", "serving.kserve.io/v1alpha1"),
            "apiVersion",
            "not KServe's",
        ),
        (
            sklearn_iris(&f.iris, "    minReplicas: -2\n"),
            "spec.predictor.minReplicas",
            "at least 0",
        ),
    ];
    for (text, path, message) in cases {
        let err = refusal(&text, &f.rules);
        assert_eq!(err.path, path, "{err}");
        assert!(err.message.contains(message), "{err}");
    }
}

#[test]
fn a_predictor_needs_exactly_one_model() {
    let f = fixture();
    let none = "apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: empty}
spec: {predictor: {minReplicas: 1}}
";
    assert_eq!(refusal(none, &f.rules).path, "spec.predictor");
    let missing_uri =
        sklearn_iris(&f.iris, "").replace(&format!("storageUri: file://{}", f.iris), "");
    assert_eq!(
        refusal(&missing_uri, &f.rules).path,
        "spec.predictor.model.storageUri"
    );
}
