//! Median regrets of Capstan's algorithms on the test functions, 50 trials, 20 seeds:
//! `cargo run --release -p suggest --example regret [--json] [tpe|gp|random|sobol]…`.
//!
//! With `--json` the figures go to stderr as they come and stdout gets one JSON object,
//! `{"trials": 50, "seeds": 20, "functions": [{"name": "branin", "capstan_tpe": 0.01, …}, …]}`
//! in the order of `functions::ALL`: what `cargo xtask bench tuning` reads (and hands the
//! budget on to Optuna, so both sides run the same one).

use serde_json::{Map, Value, json};
use suggest::Algorithm;
use suggest::functions::ALL;
use suggest::gp::GpSettings;
use suggest::regret::median_regret;
use suggest::tpe::TpeSettings;

const TRIALS: usize = 50;
const SEEDS: u64 = 20;

fn main() {
    let mut names: Vec<String> = std::env::args().skip(1).collect();
    let json = names.iter().any(|n| n == "--json");
    names.retain(|n| n != "--json");
    if names.is_empty() {
        names = vec!["tpe".into(), "gp".into()];
    }
    let mut rows = Vec::new();
    for function in ALL {
        let mut row = Map::new();
        row.insert("name".into(), json!(function.name));
        for name in &names {
            let make = |seed: u64| match name.as_str() {
                "tpe" => Algorithm::Tpe(TpeSettings::new(seed)),
                "gp" => Algorithm::Gp(GpSettings::new(seed)),
                "sobol" => Algorithm::Sobol { seed },
                _ => Algorithm::Random { seed },
            };
            let started = std::time::Instant::now();
            let regret = median_regret(make, function, TRIALS, SEEDS);
            let line = format!(
                "{:16} {:6} median regret {:.6}  ({:.1} s)",
                function.name,
                name,
                regret,
                started.elapsed().as_secs_f64()
            );
            if json {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
            // An infinite regret (no trial at all) becomes null: JSON has no infinity.
            row.insert(format!("capstan_{name}"), json!(regret));
        }
        rows.push(Value::Object(row));
    }
    if json {
        println!(
            "{}",
            json!({ "trials": TRIALS, "seeds": SEEDS, "functions": rows })
        );
    }
}
