//! Median regrets of Capstan's algorithms on the test functions, 50 trials, 20 seeds:
//! `cargo run --release -p suggest --example regret [tpe|gp|random|sobol]…`.

use suggest::Algorithm;
use suggest::functions::ALL;
use suggest::gp::GpSettings;
use suggest::regret::median_regret;
use suggest::tpe::TpeSettings;

fn main() {
    let mut names: Vec<String> = std::env::args().skip(1).collect();
    if names.is_empty() {
        names = vec!["tpe".into(), "gp".into()];
    }
    for function in ALL {
        for name in &names {
            let make = |seed: u64| match name.as_str() {
                "tpe" => Algorithm::Tpe(TpeSettings::new(seed)),
                "gp" => Algorithm::Gp(GpSettings::new(seed)),
                "sobol" => Algorithm::Sobol { seed },
                _ => Algorithm::Random { seed },
            };
            let started = std::time::Instant::now();
            let regret = median_regret(make, function, 50, 20);
            println!(
                "{:16} {:6} median regret {:.6}  ({:.1} s)",
                function.name,
                name,
                regret,
                started.elapsed().as_secs_f64()
            );
        }
    }
}
