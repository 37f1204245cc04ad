//! Running commands: each step says what it is doing, since first runs compile for minutes.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;

/// The workspace root (xtask lives one folder below it).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

pub fn step(message: &str) {
    eprintln!("\n==> {message}");
}

/// Runs a command, streaming its output; fails on a non-zero exit.
pub fn run(command: &mut Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("could not start {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}

/// Runs a command, streaming its output and keeping a copy of every line for parsing.
/// Answers whether it succeeded and what it printed (stdout and stderr interleaved).
pub fn run_captured(command: &mut Command) -> Result<(bool, Vec<String>), String> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {command:?}: {e}"))?;
    let (tx, rx) = mpsc::channel::<String>();
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(echo_lines(out, tx.clone(), println_line));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(echo_lines(err, tx.clone(), eprintln_line));
    }
    drop(tx);
    let lines: Vec<String> = rx.iter().collect();
    for reader in readers {
        let _ = reader.join();
    }
    let status = child
        .wait()
        .map_err(|e| format!("could not wait for {command:?}: {e}"))?;
    Ok((status.success(), lines))
}

fn println_line(line: &str) {
    println!("{line}");
}

fn eprintln_line(line: &str) {
    eprintln!("{line}");
}

/// Echoes each line of a child's output as it comes and sends a copy for parsing.
fn echo_lines(
    source: impl std::io::Read + Send + 'static,
    copies: mpsc::Sender<String>,
    echo: fn(&str),
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(source).lines().map_while(Result::ok) {
            echo(&line);
            let _ = copies.send(line);
        }
    })
}

/// Whether a program answers `--version` (is on PATH).
pub fn version_of(program: &str) -> Option<String> {
    Command::new(program)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
}
