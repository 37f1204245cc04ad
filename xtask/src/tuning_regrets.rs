//! Search quality for `cargo xtask bench tuning`: the median regret of the best trial found by
//! Capstan's TPE and GP and by Optuna's TPESampler and GPSampler, on the same test functions
//! with the same budget, in the same run.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{Value, json};

use crate::process::{root, step};

/// Optuna's trials run in this many processes (the benchmark machine has 2 cores).
const OPTUNA_WORKERS: u32 = 2;

/// One test function's median regrets (lower is better).
pub struct Regrets {
    pub name: String,
    pub capstan_tpe: f64,
    pub capstan_gp: f64,
    pub optuna_tpe: f64,
    pub optuna_gp: f64,
}

impl Regrets {
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "capstan_tpe": self.capstan_tpe,
            "capstan_gp": self.capstan_gp,
            "optuna_tpe": self.optuna_tpe,
            "optuna_gp": self.optuna_gp,
        })
    }
}

/// The budget both sides ran and each function's regrets.
pub struct Comparison {
    pub trials: u64,
    pub seeds: u64,
    pub functions: Vec<Regrets>,
}

/// Runs both sides; `venv` is the Optuna virtualenv.
pub fn measure(venv: &Path) -> Result<Comparison, String> {
    // The release build of suggest's own example rather than a call from xtask: xtask is built
    // in debug, where the GP's model fits and acquisition searches run many times slower, and
    // Optuna's numerics are compiled code; the example is the same code the controller runs.
    step("Capstan's TPE and GP (release build of suggest/examples/regret.rs)");
    let started = Instant::now();
    let capstan = json_stdout(Command::new("cargo").args([
        "run",
        "--release",
        "--quiet",
        "-p",
        "suggest",
        "--example",
        "regret",
        "--",
        "--json",
        "tpe",
        "gp",
    ]))?;
    let capstan_s = started.elapsed().as_secs_f64();
    let (trials, seeds) = match (capstan["trials"].as_u64(), capstan["seeds"].as_u64()) {
        (Some(trials), Some(seeds)) => (trials, seeds),
        _ => return Err("the regret example printed no trials or seeds".to_owned()),
    };

    step(&format!(
        "Optuna's TPESampler and GPSampler (xtask/bench/tuning_optuna.py, {OPTUNA_WORKERS} processes)"
    ));
    let started = Instant::now();
    let optuna = json_stdout(
        Command::new(venv.join("bin").join("python3"))
            .arg(root().join("xtask").join("bench").join("tuning_optuna.py"))
            .args([trials, seeds, u64::from(OPTUNA_WORKERS)].map(|n| n.to_string())),
    )?;
    println!(
        "  computed in {capstan_s:.0} s (Capstan, 1 process) and {:.0} s (Optuna)",
        started.elapsed().as_secs_f64()
    );

    let rows = capstan["functions"]
        .as_array()
        .ok_or("the regret example printed no functions")?;
    let functions = rows
        .iter()
        .map(|row| {
            let name = row["name"].as_str().ok_or("a function without a name")?;
            // A missing or null figure (an algorithm that suggested nothing) is an error.
            let figure = |from: &Value, key: &str| {
                from[key]
                    .as_f64()
                    .ok_or_else(|| format!("no {key} regret for {name}"))
            };
            Ok(Regrets {
                name: name.to_owned(),
                capstan_tpe: figure(row, "capstan_tpe")?,
                capstan_gp: figure(row, "capstan_gp")?,
                optuna_tpe: figure(&optuna[name], "optuna_tpe")?,
                optuna_gp: figure(&optuna[name], "optuna_gp")?,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(Comparison {
        trials,
        seeds,
        functions,
    })
}

/// Runs a command whose stdout's last line is a JSON object (its stderr shows as it comes).
fn json_stdout(command: &mut Command) -> Result<Value, String> {
    let out = command
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start {command:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{command:?} failed ({})", out.status));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .map_err(|e| format!("{command:?} printed no JSON line ({e}): {last}"))
}
