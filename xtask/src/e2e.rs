//! The browser tests: Playwright in Debian's chromium against the release server.

use std::process::Command;

use crate::process::{self, root, run_captured, step};
use crate::server::{self, RunningServer};
use crate::tally::{self, Counts};
use crate::tools;

pub fn run() -> Result<Counts, String> {
    tools::ensure_build_tools()?;
    tools::ensure_debian_packages(&[("chromium", "/usr/bin/chromium")])?;
    ensure_node_modules()?;
    server::build_release()?;

    step("starting the release server for the browser tests");
    let capstan = RunningServer::start(&[])?;
    let report = root()
        .join("end2end")
        .join("test-results")
        .join("results.json");
    let _ = std::fs::remove_file(&report);
    step("running Playwright");
    let (ok, _) = run_captured(
        Command::new("npx")
            .args(["playwright", "test"])
            .current_dir(root().join("end2end"))
            .env("CAPSTAN_URL", &capstan.url)
            .env("CAPSTAN_ADMIN_PASSWORD", &capstan.admin_password)
            .env("PLAYWRIGHT_BROWSERS_PATH", "0"),
    )
    .map_err(|e| format!("{e} (is Node.js installed?)"))?;
    // The server must stop cleanly on SIGTERM: a failure here fails the suite.
    let stopped = capstan.stop();
    let text = std::fs::read_to_string(&report)
        .map_err(|e| format!("Playwright wrote no report at {}: {e}", report.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("Playwright's report is not JSON: {e}"))?;
    let mut counts = tally::playwright(&json).ok_or("Playwright's report has no stats")?;
    if !ok && counts.failed == 0 {
        counts.failed = 1;
    }
    counts.add(Counts::one(stopped.is_ok()));
    if let Err(e) = stopped {
        eprintln!("graceful shutdown: {e}");
    }
    Ok(counts)
}

/// `npm ci` when node_modules is missing or older than the lock file.
fn ensure_node_modules() -> Result<(), String> {
    let dir = root().join("end2end");
    let modified = |p: std::path::PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let installed = modified(dir.join("node_modules").join(".package-lock.json"));
    let locked = modified(dir.join("package-lock.json"));
    if installed.is_some() && installed >= locked {
        return Ok(());
    }
    step("installing the browser tests' npm packages (Playwright, axe-core; no browser download)");
    process::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"),
    )
}
