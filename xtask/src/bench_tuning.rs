//! `cargo xtask bench tuning [regrets]`: figures, never asserted. The last line is one JSON
//! object, `{"functions": [{"name", "capstan_tpe", "capstan_gp", "optuna_tpe", "optuna_gp"}…],
//! "trial_launch_ms": …}`.
//!
//! - Search quality (tuning_regrets.rs): on Branin, Hartmann-6 and a noisy quadratic, the
//!   median regret of the best of 50 trials over 20 seeds, Capstan's TPE and GP next to
//!   Optuna's TPESampler and GPSampler (target: Capstan no worse on each function).
//! - Trial launch overhead in standalone mode (target ≤ 50 ms): a release Capstan runs a TPE
//!   experiment of 30 sequential trials whose command prints a quadratic; for each trial after
//!   the first, its workload's start minus the previous trial's exit, as the engine records
//!   them (ms). That is the controller noticing the end and reading the metric, asking TPE,
//!   storing the trial, submitting, scheduling and spawning.
//!
//! `regrets` measures the search quality alone, without building or starting the server.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http_client::ApiClient;
use crate::process::step;
use crate::server::{self, RunningServer, sqlite};
use crate::stats::{median, percentile, round};
use crate::tools;
use crate::tuning_regrets::{self, Comparison};

const PROFILE: &str = "bench";
const EXPERIMENT: &str = "launch";
const LAUNCH_TRIALS: usize = 30;
/// Rare polls: the gaps come from the database, and polling competes for the 2 cores.
const POLL: Duration = Duration::from_millis(100);

pub fn run(args: &[String]) -> Result<(), String> {
    let launch = match args.first().map(String::as_str) {
        None => true,
        Some("regrets") => false,
        Some(other) => {
            return Err(format!(
                "usage: cargo xtask bench tuning [regrets] (not `{other}`)"
            ));
        }
    };
    let venv = tools::ensure_torch()?;
    // The launch first, on a machine that nothing else of the benchmark keeps busy.
    let gaps = if launch { Some(launch_gaps()?) } else { None };
    let comparison = tuning_regrets::measure(&venv)?;

    println!();
    print_regrets(&comparison);
    let launch_ms = gaps.as_ref().map(|gaps| {
        let ms = median(gaps);
        println!(
            "trial launch (a trial's exit to the next one's spawn): median {ms:.1} ms (p25 {:.1}, \
             p75 {:.1}, max {:.1}) over {} launches (target ≤ 50)",
            percentile(gaps, 25.0),
            percentile(gaps, 75.0),
            percentile(gaps, 100.0),
            gaps.len()
        );
        round(ms)
    });
    let functions: Vec<Value> = comparison.functions.iter().map(|f| f.to_json()).collect();
    println!(
        "{}",
        json!({ "functions": functions, "trial_launch_ms": launch_ms })
    );
    Ok(())
}

fn print_regrets(comparison: &Comparison) {
    println!(
        "median regret of the best of {} trials over {} seeds (lower is better; target: \
         Capstan no worse than Optuna)",
        comparison.trials, comparison.seeds
    );
    println!(
        "{:16} {:>12} {:>12} {:>12} {:>12}  Capstan worse",
        "function", "Capstan TPE", "Optuna TPE", "Capstan GP", "Optuna GP"
    );
    for f in &comparison.functions {
        let worse: Vec<&str> = [
            ("TPE", f.capstan_tpe > f.optuna_tpe),
            ("GP", f.capstan_gp > f.optuna_gp),
        ]
        .into_iter()
        .filter_map(|(what, worse)| worse.then_some(what))
        .collect();
        println!(
            "{:16} {:>12.6} {:>12.6} {:>12.6} {:>12.6}  {}",
            f.name,
            f.capstan_tpe,
            f.optuna_tpe,
            f.capstan_gp,
            f.optuna_gp,
            if worse.is_empty() {
                "-".to_owned()
            } else {
                worse.join(", ")
            }
        );
    }
}

/// Runs the launch experiment on a fresh release server; answers the gaps in ms.
fn launch_gaps() -> Result<Vec<f64>, String> {
    tools::ensure_build_tools()?;
    server::build_release()?;
    step(&format!(
        "start Capstan, create profile `{PROFILE}`, run a TPE experiment of {LAUNCH_TRIALS} \
         sequential trials"
    ));
    let capstan = RunningServer::start(&[])?;
    let client = ApiClient::sign_in(&capstan)?;
    client.call(
        "POST",
        "/api/v1/profiles",
        &json!({"name": PROFILE, "owner": "admin"}),
        201,
    )?;
    // A Katib manifest as JSON: the endpoint tells it from a group of runs by its apiVersion.
    client.call(
        "POST",
        &format!("/api/v1/profiles/{PROFILE}/experiments"),
        &manifest(),
        201,
    )?;
    wait_until_succeeded(&client)?;
    let gaps = trial_gaps(capstan.data_dir())?;
    capstan.stop()?;
    if gaps.len() + 1 < LAUNCH_TRIALS {
        return Err(format!(
            "{} launches measured of {LAUNCH_TRIALS} trials",
            gaps.len()
        ));
    }
    Ok(gaps)
}

/// TPE on a quadratic of two doubles, one trial at a time. The trial is one `awk`: a process as
/// light as a trial can be, so the gaps are Capstan's and not the trial's start-up.
fn manifest() -> Value {
    let double = |name: &str| json!({"name": name, "parameterType": "double", "feasibleSpace": {"min": "-2", "max": "2"}});
    json!({
        "apiVersion": "kubeflow.org/v1beta1",
        "kind": "Experiment",
        "metadata": {"name": EXPERIMENT},
        "spec": {
            "objective": {"type": "minimize", "objectiveMetricName": "loss"},
            "algorithm": {"algorithmName": "tpe"},
            "parallelTrialCount": 1,
            "maxTrialCount": LAUNCH_TRIALS,
            "parameters": [double("x"), double("y")],
            "trialTemplate": {
                "trialParameters": [{"name": "x", "reference": "x"}, {"name": "y", "reference": "y"}],
                "command": [
                    "awk",
                    "BEGIN { x = ${trialParameters.x}; y = ${trialParameters.y}; \
                     print \"loss=\" ((x - 0.5) ^ 2 + (y + 0.3) ^ 2) }",
                ],
            },
        },
    })
}

/// Polls the experiment until it ends; fails unless it and its every trial succeeded.
fn wait_until_succeeded(client: &ApiClient) -> Result<(), String> {
    let path = format!("/api/v1/profiles/{PROFILE}/experiments/{EXPERIMENT}");
    let deadline = Instant::now() + Duration::from_secs(120);
    let detail = loop {
        let detail = client.call("GET", &path, &Value::Null, 200)?;
        match detail["summary"]["state"].as_str() {
            Some("running") if Instant::now() < deadline => std::thread::sleep(POLL),
            Some("running") => return Err(format!("{EXPERIMENT} did not end in 2 minutes")),
            _ => break detail,
        }
    };
    if detail["summary"]["state"] != "succeeded" {
        return Err(format!(
            "{EXPERIMENT} did not succeed: {}",
            detail["summary"]
        ));
    }
    let trials = detail["trials"].as_array().map_or(&[][..], Vec::as_slice);
    if let Some(bad) = trials.iter().find(|t| t["state"] != "succeeded") {
        return Err(format!("a trial did not succeed: {bad}"));
    }
    if trials.len() != LAUNCH_TRIALS {
        return Err(format!(
            "{EXPERIMENT} ran {} trials, not {LAUNCH_TRIALS}",
            trials.len()
        ));
    }
    Ok(())
}

/// The trials' workloads (named `<experiment>-<number>`) as the engine timed them.
fn trial_gaps(data_dir: &Path) -> Result<Vec<f64>, String> {
    let rows = sqlite(
        data_dir,
        &format!(
            "SELECT name, started_at_ms, finished_at_ms FROM workloads \
             WHERE profile = '{PROFILE}' AND name LIKE '{EXPERIMENT}-%'"
        ),
    )?;
    let mut trials: Vec<(u32, i64, i64)> = rows
        .iter()
        .filter_map(|row| {
            let number = row.first()?.as_str()?.strip_prefix(EXPERIMENT)?;
            Some((
                number.strip_prefix('-')?.parse().ok()?,
                row.get(1)?.as_i64()?,
                row.get(2)?.as_i64()?,
            ))
        })
        .collect();
    trials.sort_unstable_by_key(|&(number, _, _)| number);
    Ok(consecutive_gaps(&trials))
}

/// started(n) − finished(n − 1) for each trial `(n, started, finished)` whose predecessor ran.
fn consecutive_gaps(trials: &[(u32, i64, i64)]) -> Vec<f64> {
    trials
        .windows(2)
        .filter(|pair| pair[1].0 == pair[0].0 + 1)
        .map(|pair| (pair[1].1 - pair[0].2) as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gap_is_a_start_after_the_previous_trials_exit() {
        let trials = [(0, 100, 130), (1, 140, 150), (3, 400, 410), (4, 415, 420)];
        assert_eq!(consecutive_gaps(&trials), [10.0, 5.0]);
    }

    #[test]
    fn the_manifest_is_katibs_with_capstans_command() {
        let manifest = manifest();
        assert_eq!(manifest["apiVersion"], "kubeflow.org/v1beta1");
        let spec = &manifest["spec"];
        assert_eq!(spec["maxTrialCount"], LAUNCH_TRIALS);
        assert_eq!(spec["parallelTrialCount"], 1);
        let program = spec["trialTemplate"]["command"][1]
            .as_str()
            .unwrap_or_default();
        for parameter in spec["parameters"].as_array().into_iter().flatten() {
            let name = parameter["name"].as_str().unwrap_or_default();
            assert!(
                program.contains(&format!("${{trialParameters.{name}}}")),
                "{name}"
            );
        }
    }
}
