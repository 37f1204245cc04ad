//! `capstan-task-launch --socket PATH -- ARGV…`: started by the pipeline runner, not by hand
//! (the same as the server's hidden `capstan task-launch`).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let socket = match (args.next().as_deref(), args.next()) {
        (Some("--socket"), Some(path)) => PathBuf::from(path),
        _ => return usage(),
    };
    if args.next().as_deref() != Some("--") {
        return usage();
    }
    let argv: Vec<String> = args.collect();
    if argv.is_empty() {
        return usage();
    }
    let code = task_launch::run_launcher(&socket, &argv);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn usage() -> ExitCode {
    eprintln!("usage: capstan-task-launch --socket PATH -- ARGV…");
    ExitCode::from(2)
}
