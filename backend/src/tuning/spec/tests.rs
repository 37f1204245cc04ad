//! Katib's own examples are read; every kind of bad input is refused with its place.

use super::*;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/katib/{name}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const EXAMPLES: [&str; 10] = [
    "random",
    "grid",
    "tpe",
    "bayesian-optimization",
    "hyperband",
    "sobol",
    "median-stop",
    "median-stop-with-json-format",
    "file-metrics-collector",
    "file-metrics-collector-with-json-format",
];

#[test]
fn every_katib_example_is_read() {
    for name in EXAMPLES {
        let spec = parse(&fixture(name), 7).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(spec.name, name);
        assert!(
            matches!(spec.template.recipe, TrialRecipe::Command { .. }),
            "{name}"
        );
    }
}

#[test]
fn the_random_example_says_what_katib_means() {
    let spec = parse(&fixture("random"), 7).unwrap();
    assert!(spec.objective.maximize);
    assert_eq!(spec.objective.goal, Some(0.99));
    assert_eq!(spec.objective.metric, "Validation-accuracy");
    assert_eq!(
        spec.objective.strategies["Validation-accuracy"],
        Strategy::Max
    );
    assert_eq!(spec.objective.strategies["Train-accuracy"], Strategy::Max);
    assert_eq!(
        (spec.parallel, spec.max_trials, spec.max_failed),
        (3, Some(12), Some(3))
    );
    assert_eq!(spec.space.len(), 3);
    assert_eq!(spec.algorithm, Algorithm::Random { seed: 7 });
    let TrialRecipe::Command { argv, image, .. } = &spec.template.recipe else {
        panic!("a command")
    };
    assert_eq!(argv[0], "python3");
    assert!(argv.contains(&"--lr=${trialParameters.learningRate}".to_owned()));
    assert_eq!(
        image.as_deref(),
        Some("docker.io/kubeflowkatib/mxnet-mnist:v0.15.0")
    );
    let values = TrialValues {
        parameters: vec!["0.02".into(), "3".into(), "adam".into()],
        trial_name: "random-1".into(),
        profile: "team".into(),
    };
    assert_eq!(
        spec.template.substitute(
            "--lr=${trialParameters.learningRate} ${trialParameters.optimizer}",
            &values
        ),
        "--lr=0.02 adam"
    );
}

#[test]
fn early_stopping_and_collectors_are_read() {
    let spec = parse(&fixture("median-stop"), 1).unwrap();
    assert_eq!(
        spec.early_stopping,
        Some(MedianStop {
            min_trials_required: 1,
            start_step: 2
        })
    );
    let spec = parse(&fixture("file-metrics-collector"), 1).unwrap();
    assert!(matches!(&spec.collector.source, Source::File { path } if path == "/katib/mnist.log"));
    let Format::Text(filters) = &spec.collector.format else {
        panic!("text")
    };
    let line = "{metricName: accuracy, metricValue: 0.9172}";
    let found = filters[0].captures(line).unwrap();
    assert_eq!((&found[1], &found[2]), ("accuracy", "0.9172"));
    let spec = parse(&fixture("file-metrics-collector-with-json-format"), 1).unwrap();
    assert!(matches!(spec.collector.format, Format::Json));
}

/// The random example with `from` replaced by `to`, parsed; answers the refusal.
fn refusal(from: &str, to: &str) -> String {
    let text = fixture("random");
    assert!(text.contains(from), "the example has `{from}`");
    match parse(&text.replacen(from, to, 1), 1) {
        Ok(_) => panic!("`{to}` was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_input_is_refused_with_its_place() {
    let cases = [
        // An inverted and an empty feasible space.
        (
            r#"min: "2""#,
            r#"min: "9""#,
            "spec.parameters[1].feasibleSpace: min (9) is above max (5)",
        ),
        (
            "          - sgd\n          - adam\n          - ftrl",
            "          []",
            "",
        ),
        // An unknown algorithm and an unknown setting.
        (
            "algorithmName: random",
            "algorithmName: annealing",
            "spec.algorithm.algorithmName: unknown algorithm `annealing`",
        ),
        (
            "algorithmName: random",
            "algorithmName: random\n    algorithmSettings:\n      - name: temperature\n        value: \"3\"",
            "spec.algorithm.algorithmSettings[0].name: `random` has no setting `temperature`",
        ),
        // A template that references a parameter that does not exist.
        (
            "reference: lr",
            "reference: learning-rate",
            "spec.trialTemplate.trialParameters[0].reference: `learning-rate` is not a parameter",
        ),
        (
            "${trialParameters.learningRate}",
            "${trialParameters.lrate}",
            "`${trialParameters.lrate}` names no trial parameter",
        ),
        // A metric name that no collector can produce.
        (
            "objectiveMetricName: Validation-accuracy",
            "objectiveMetricName: \"val acc\"",
            "spec.objective.objectiveMetricName: no metrics filter can read a metric named `val acc`",
        ),
        (
            "type: maximize",
            "type: maximise",
            "spec.objective.type: `maximise` is neither",
        ),
        (
            "parallelTrialCount: 3",
            "parallelTrialCount: 0",
            "spec.parallelTrialCount: must be at least 1",
        ),
        (
            "parameterType: int",
            "parameterType: integer",
            "spec.parameters[1].parameterType: `integer`",
        ),
        (
            "maxTrialCount: 12",
            "maxTrialCount: 12\n  maxTrialCoutn: 3",
            "maxTrialCoutn",
        ),
        (
            "apiVersion: kubeflow.org/v1beta1",
            "apiVersion: kubeflow.org/v1",
            "apiVersion: `kubeflow.org/v1` is not Katib's",
        ),
    ];
    for (from, to, expected) in cases {
        let error = refusal(from, to);
        assert!(error.contains(expected), "{to}: {error}");
    }
    let empty = refusal(
        "          - sgd\n          - adam\n          - ftrl",
        "          []",
    );
    assert!(
        empty.starts_with("spec.parameters[2].feasibleSpace.list: empty"),
        "{empty}"
    );
}

#[test]
fn collector_none_and_grid_without_steps_are_refused() {
    let text = fixture("random").replacen(
        "  algorithm:",
        "  metricsCollectorSpec:\n    collector:\n      kind: None\n  algorithm:",
        1,
    );
    let error = parse(&text, 1).unwrap_err().to_string();
    assert!(
        error.starts_with("spec.metricsCollectorSpec.collector.kind: None collects nothing"),
        "{error}"
    );
    let grid = fixture("random").replacen("algorithmName: random", "algorithmName: grid", 1);
    let error = parse(&grid, 1).unwrap_err().to_string();
    assert!(
        error.starts_with("spec.parameters[0]: grid search needs feasibleSpace.step"),
        "{error}"
    );
}

#[test]
fn what_is_not_an_experiment_says_so() {
    assert!(parse("[1, 2", 1).is_err());
    let error = parse("apiVersion: v1\nkind: Pod\n", 1)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("metadata") || error.contains("missing field"),
        "{error}"
    );
}
