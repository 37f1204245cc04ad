//! `cargo xtask …`: everything a fresh machine needs, pinned, behind four commands.
//!
//! - `serve [ARGS…]`: install the tools, build the release site and binary, run Capstan.
//! - `test`: formatting, lints, unit and integration tests (SQLite and a real PostgreSQL),
//!   doc tests and the browser tests; ends with one `N passed, N failed` line.
//! - `e2e`: only the browser tests, against a release build.
//! - `bench http`: start-up, Home page throughput and latency, memory, first-visit bytes.
//! - `bench scheduler`: `capstan sim` on every trace file with both policies, and on 10,000
//!   nodes.
//! - `bench notebooks`: a notebook's spawn to ready, and JupyterLab's latency straight and
//!   through Capstan's proxy.
//! - `bench tuning [regrets]`: Capstan's TPE and GP against Optuna's on three test functions,
//!   and a trial's launch overhead (`regrets`: the search quality only, no server).

mod bench;
mod bench_notebooks;
mod bench_pipelines;
mod bench_scheduler;
mod bench_serving;
mod bench_tuning;
mod e2e;
mod http_client;
mod precompress;
mod process;
mod server;
mod stats;
mod tally;
mod test;
mod tools;
mod tuning_regrets;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Every command and path below is relative to the workspace root.
    if let Err(e) = std::env::set_current_dir(process::root()) {
        eprintln!("xtask: cannot enter the workspace root: {e}");
        return ExitCode::FAILURE;
    }
    let result = match args.first().map(String::as_str) {
        Some("serve") => tools::ensure_build_tools()
            .and_then(|()| tools::ensure_jupyter())
            .and_then(|()| tools::ensure_kfp())
            .and_then(|()| tools::ensure_mlserver())
            .and_then(|()| server::build_release())
            .and_then(|()| server::run_foreground(&args[1..])),
        Some("test") => test::run_all(),
        Some("e2e") => e2e::run().map(|counts| counts.print_summary()),
        Some("bench") => bench::run(&args[1..]),
        _ => Err(
            "usage: cargo xtask serve [capstan args…] | test | e2e | bench http|auth|scheduler|notebooks|pipelines|tuning [regrets]"
                .to_owned(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
