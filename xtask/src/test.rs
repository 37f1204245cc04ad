//! `cargo xtask test`: every check CI makes, on a fresh machine, ending with one
//! `N passed, N failed` line that sums every suite.

use std::process::Command;

use testkit::{POSTGRES_URL_VAR, PgCluster};

use crate::process::{run_captured, step, version_of};
use crate::tally::{self, Counts};
use crate::{e2e, tools};

/// Where the training tests find a python3 with torch.
const TORCH_PYTHON_VAR: &str = "CAPSTAN_TORCH_PYTHON";

pub fn run_all() -> Result<(), String> {
    tools::ensure_build_tools()?;
    tools::ensure_jupyter()?;
    tools::ensure_kfp()?;
    tools::ensure_mlserver()?;
    let torch = tools::ensure_torch()?;
    tools::ensure_debian_packages(&[
        ("postgresql", "/usr/lib/postgresql"),
        ("chromium", "/usr/bin/chromium"),
    ])?;
    // A full disk once failed CI in the middle of the builds: say up front how much there is.
    step("free disk (a full run writes about 6 GiB under target/)");
    let _ = Command::new("df").args(["-h", "."]).status();
    let mut total = Counts::default();
    let mut broken = Vec::new();

    step("formatting: cargo fmt --check");
    total.add(check(
        Command::new("cargo").args(["fmt", "--all", "--check"]),
        "formatting",
        &mut broken,
    )?);

    step("lints: cargo clippy (server side) -D warnings");
    total.add(check(
        Command::new("cargo").args(["clippy", "--all-targets", "--", "-D", "warnings"]),
        "clippy (server side)",
        &mut broken,
    )?);

    step("lints: cargo clippy (wasm frontend) -D warnings");
    total.add(check(
        Command::new("cargo").args([
            "clippy",
            "-p",
            "frontend",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]),
        "clippy (wasm)",
        &mut broken,
    )?);

    step("starting a throwaway PostgreSQL for the database tests");
    let postgres = PgCluster::start().map_err(|e| e.to_string())?;

    e2e::ensure_node_modules(&testkit::oidc::provider_dir())?;
    step("unit and integration tests (SQLite, PostgreSQL, the test OpenID provider)");
    let torch_python = torch.join("bin").join("python3");
    total.add(unit_and_integration_tests(
        &postgres.url(),
        &torch_python,
        &mut broken,
    )?);

    step("doc tests");
    let (ok, lines) = run_captured(Command::new("cargo").args(["test", "--doc"]))?;
    total.add(suite(ok, tally::libtest(&lines), "doc tests", &mut broken));
    drop(postgres);

    step("browser tests (Playwright in Debian chromium, release build)");
    match e2e::run() {
        Ok(counts) => total.add(counts),
        Err(e) => {
            eprintln!("browser tests could not run: {e}");
            broken.push("browser tests".to_owned());
            total.add(Counts::one(false));
        }
    }

    if !broken.is_empty() {
        eprintln!("\nfailed: {}", broken.join(", "));
    }
    total.print_summary();
    if total.failed == 0 && broken.is_empty() {
        Ok(())
    } else {
        Err("some checks failed".to_owned())
    }
}

/// nextest when the machine has it (it does on the project's machines), else cargo test.
/// `torch_python`: the python3 with torch that the training tests' PyTorchJob runs.
fn unit_and_integration_tests(
    postgres_url: &str,
    torch_python: &std::path::Path,
    broken: &mut Vec<String>,
) -> Result<Counts, String> {
    if version_of("cargo-nextest").is_some() {
        let (ok, lines) = run_captured(
            tools::with_tools(&mut Command::new("cargo"))
                .args(["nextest", "run", "--no-fail-fast"])
                .env(POSTGRES_URL_VAR, postgres_url)
                .env(TORCH_PYTHON_VAR, torch_python),
        )?;
        let counts = tally::nextest(&lines).unwrap_or(Counts::one(false));
        Ok(suite(ok, counts, "unit and integration tests", broken))
    } else {
        let (ok, lines) = run_captured(
            tools::with_tools(&mut Command::new("cargo"))
                .args(["test", "--lib", "--bins", "--tests", "--no-fail-fast"])
                .env(POSTGRES_URL_VAR, postgres_url)
                .env(TORCH_PYTHON_VAR, torch_python),
        )?;
        Ok(suite(
            ok,
            tally::libtest(&lines),
            "unit and integration tests",
            broken,
        ))
    }
}

/// A check that passes or fails as a whole.
fn check(command: &mut Command, name: &str, broken: &mut Vec<String>) -> Result<Counts, String> {
    let (ok, _) = run_captured(command)?;
    if !ok {
        broken.push(name.to_owned());
    }
    Ok(Counts::one(ok))
}

/// A suite's counts; a suite that failed without a failed test (it did not build) counts as
/// one failure, so that it can never look green.
fn suite(ok: bool, mut counts: Counts, name: &str, broken: &mut Vec<String>) -> Counts {
    if !ok {
        broken.push(name.to_owned());
        if counts.failed == 0 {
            counts.failed = 1;
        }
    }
    counts
}
