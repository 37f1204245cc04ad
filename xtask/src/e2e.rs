//! The browser tests: Playwright in Debian's chromium against the release server.

use std::process::Command;

use crate::process::{self, root, run_captured, step};
use crate::server::{self, RunningServer};
use crate::tally::{self, Counts};
use crate::tools;
use testkit::oidc::{CLIENT_ID, CLIENT_SECRET, OidcProvider};

pub fn run() -> Result<Counts, String> {
    tools::ensure_build_tools()?;
    tools::ensure_jupyter()?;
    tools::ensure_kfp()?;
    tools::ensure_debian_packages(&[("chromium", "/usr/bin/chromium")])?;
    ensure_node_modules(&root().join("end2end"))?;
    ensure_node_modules(&testkit::oidc::provider_dir())?;
    server::build_release()?;

    step("starting the test OpenID provider and the release server for the browser tests");
    let port = server::free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let provider = OidcProvider::start(
        &format!("{base}/auth/callback"),
        &format!("{base}/login"),
        &[],
    );
    let capstan = RunningServer::start_on(
        port,
        &[
            ("CAPSTAN_OIDC_ISSUER", &provider.issuer),
            ("CAPSTAN_OIDC_CLIENT_ID", CLIENT_ID),
            ("CAPSTAN_OIDC_CLIENT_SECRET", CLIENT_SECRET),
            ("CAPSTAN_OIDC_SCOPES", "openid email profile groups"),
            ("CAPSTAN_SELF_REGISTRATION", "true"),
            // Two simulated GPUs, so that the GPUs page has something to show and place on.
            ("CAPSTAN_GPUS", "2xH100:81920"),
        ],
    )?;
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
            .env("OIDC_ISSUER", &provider.issuer)
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

/// `npm ci` in `dir` when its node_modules is missing or older than its lock file.
pub fn ensure_node_modules(dir: &std::path::Path) -> Result<(), String> {
    let modified = |p: std::path::PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let installed = modified(dir.join("node_modules").join(".package-lock.json"));
    let locked = modified(dir.join("package-lock.json"));
    if installed.is_some() && installed >= locked {
        return Ok(());
    }
    step(&format!(
        "installing the npm packages of {} (no browser download)",
        dir.display()
    ));
    process::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"),
    )
}
