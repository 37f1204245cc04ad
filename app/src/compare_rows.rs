//! Runs side by side: one row per parameter and per `node/metric` that any of the runs has,
//! one column per run, and whether the runs differ on the row.

use std::collections::BTreeSet;

use crate::run_fns::ComparedRun;

#[derive(Debug, Clone, PartialEq)]
pub struct CompareRow {
    pub label: String,
    /// One per run; `None` where the run has no such value.
    pub values: Vec<Option<String>>,
    pub differs: bool,
}

/// The parameter rows, then the metric rows.
pub fn compare_rows(runs: &[ComparedRun]) -> (Vec<CompareRow>, Vec<CompareRow>) {
    let parameters = rows(
        runs.iter().flat_map(|r| r.run.parameters.keys()),
        |run, key| run.run.parameters.get(key).map(json_text),
        runs,
    );
    let metrics = rows(
        runs.iter().flat_map(|r| r.metrics.keys()),
        |run, key| run.metrics.get(key).map(|v| v.to_string()),
        runs,
    );
    (parameters, metrics)
}

fn rows<'a>(
    keys: impl Iterator<Item = &'a String>,
    value: impl Fn(&ComparedRun, &str) -> Option<String>,
    runs: &[ComparedRun],
) -> Vec<CompareRow> {
    let keys: BTreeSet<&String> = keys.collect();
    keys.into_iter()
        .map(|key| {
            let values: Vec<Option<String>> = runs.iter().map(|r| value(r, key)).collect();
            let differs = values.windows(2).any(|w| w[0] != w[1]);
            CompareRow {
                label: key.clone(),
                values,
                differs,
            }
        })
        .collect()
}

/// A value as a person reads it: a string as it is, anything else as JSON.
pub fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use api::{RunState, RunView};
    use serde_json::json;

    use super::*;

    fn run(
        id: i64,
        parameters: &[(&str, serde_json::Value)],
        metrics: &[(&str, f64)],
    ) -> ComparedRun {
        ComparedRun {
            run: RunView {
                id,
                name: format!("run-{id}"),
                pipeline: "p".into(),
                version: "v1".into(),
                experiment: None,
                recurring_run: None,
                state: RunState::Succeeded,
                reason: String::new(),
                parameters: parameters
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
                created_by: "me".into(),
                created_at_ms: 0,
                started_at_ms: None,
                finished_at_ms: None,
                archived: false,
            },
            metrics: metrics
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn rows_cover_every_key_and_mark_differences() {
        let runs = [
            run(
                1,
                &[("lr", json!(0.1)), ("name", json!("a"))],
                &[("train/acc", 0.9)],
            ),
            run(
                2,
                &[("lr", json!(0.2)), ("name", json!("a"))],
                &[("train/acc", 0.9), ("eval/loss", 1.5)],
            ),
        ];
        let (parameters, metrics) = compare_rows(&runs);
        assert_eq!(parameters.len(), 2);
        assert_eq!(parameters[0].label, "lr");
        assert!(parameters[0].differs);
        assert_eq!(
            parameters[1].values,
            [Some("a".to_owned()), Some("a".to_owned())]
        );
        assert!(!parameters[1].differs);
        assert_eq!(metrics[0].label, "eval/loss");
        assert_eq!(metrics[0].values, [None, Some("1.5".to_owned())]);
        assert!(metrics[0].differs, "missing in one run is a difference");
        assert!(!metrics[1].differs);
    }
}
