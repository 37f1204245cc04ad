//! Building and running the release server.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::process::{root, run, step};
use crate::tools::{path_with_tools, with_tools};

pub fn binary() -> PathBuf {
    root().join("target").join("release").join("capstan")
}

pub fn site_root() -> PathBuf {
    root().join("target").join("site")
}

/// The release site (wasm, JS, CSS) and binary, through cargo-leptos; skipped when both are
/// newer than every source that goes into them (cargo-leptos would spend 20 s re-running
/// wasm-bindgen and wasm-opt on an unchanged wasm).
pub fn build_release() -> Result<(), String> {
    if release_is_fresh() {
        step("the release build is up to date");
    } else {
        step("building Capstan in release (server and wasm; minutes from cold, seconds after)");
        run(Command::new("cargo")
            // --split: pages marked lazy leave the first wasm (app/src/shell.rs).
            .args(["leptos", "build", "--release", "--split"])
            .env("PATH", path_with_tools()))?;
        // The warm-Python tasks' launcher, beside the binary (cargo-leptos builds only that).
        run(Command::new("cargo").args(["build", "--release", "-p", "task-launch"]))?;
    }
    crate::precompress::precompress(&site_root().join("pkg"))
}

fn release_is_fresh() -> bool {
    let outputs = [
        binary(),
        binary().with_file_name("capstan-task-launch"),
        site_root().join("pkg").join("capstan.wasm"),
    ];
    let Some(built) = outputs.iter().map(|p| modified(p)).min().flatten() else {
        return false;
    };
    const SOURCES: &[&str] = &[
        "Cargo.toml",
        "Cargo.lock",
        "api",
        "backend",
        "app",
        "frontend",
        "server",
        "suggest",
        "task-launch",
        "migrations",
        "style",
        "public",
    ];
    SOURCES
        .iter()
        .all(|source| newest_in(&root().join(source)).is_some_and(|newest| newest <= built))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time of a file or of anything below a folder.
fn newest_in(path: &Path) -> Option<SystemTime> {
    let own = modified(path)?;
    let Ok(entries) = std::fs::read_dir(path) else {
        return Some(own);
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| newest_in(&entry.path()))
        .chain([own])
        .max()
}

/// `cargo xtask serve`: Capstan in the foreground on its embedded defaults.
pub fn run_foreground(args: &[String]) -> Result<(), String> {
    step("starting Capstan (Ctrl-C stops it)");
    // `cargo xtask serve -- admin reset-password`: the `--` is for cargo, not for capstan.
    let args = args.strip_prefix(&["--".to_owned()]).unwrap_or(args);
    let status = with_tools(&mut Command::new(binary()))
        .args(args)
        .env("CAPSTAN_SITE_ROOT", site_root())
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not start {}: {e}", binary().display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("capstan exited with {status}"))
    }
}

/// A release server on a free port with a throwaway data directory, for tests and benchmarks.
pub struct RunningServer {
    child: Child,
    pub url: String,
    pub admin_password: String,
    data_dir: PathBuf,
}

impl RunningServer {
    pub fn start(extra_env: &[(&str, &str)]) -> Result<Self, String> {
        Self::start_on(free_port()?, extra_env)
    }

    /// On a given port: for a provider that must know the callback URL first.
    pub fn start_on(port: u16, extra_env: &[(&str, &str)]) -> Result<Self, String> {
        let data_dir =
            std::env::temp_dir().join(format!("capstan-xtask-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data_dir);
        let admin_password = format!("pw-{}-{port}", std::process::id());
        let listen = format!("127.0.0.1:{port}");
        let mut command = Command::new(binary());
        with_tools(&mut command)
            .arg("serve")
            .env("CAPSTAN_LISTEN", &listen)
            .env("CAPSTAN_DATA_DIR", &data_dir)
            .env("CAPSTAN_SITE_ROOT", site_root())
            .env("CAPSTAN_ADMIN_PASSWORD", &admin_password)
            .env("CAPSTAN_LOG_LEVEL", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .current_dir(root());
        for (key, value) in extra_env {
            command.env(key, value);
        }
        let child = command
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", binary().display()))?;
        let server = RunningServer {
            child,
            url: format!("http://{listen}"),
            admin_password,
            data_dir,
        };
        server.wait_ready(Duration::from_secs(30))?;
        Ok(server)
    }

    /// The throwaway data directory (removed when the server stops).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn port(&self) -> u16 {
        self.url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    }

    fn wait_ready(&self, limit: Duration) -> Result<(), String> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if http_status(self.port(), "/readyz") == Some(200) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!(
            "the server at {} did not become ready in {limit:?}",
            self.url
        ))
    }

    /// SIGTERM, then wait: the server finishes requests in flight and exits.
    pub fn stop(mut self) -> Result<(), String> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().map_err(|e| e.to_string())?;
        kill_workloads_in(&self.data_dir);
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if status.success() {
            Ok(())
        } else {
            Err(format!("the server exited with {status} after SIGTERM"))
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        kill_workloads_in(&self.data_dir);
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Workloads outlive Capstan by design (a restart adopts them); a throwaway server's must not
/// outlive the harness. Kills the process group of every process working below `data_dir`.
fn kill_workloads_in(data_dir: &Path) {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for pid in entries.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok()) {
        let inside = std::fs::read_link(format!("/proc/{pid}/cwd"))
            .is_ok_and(|cwd| cwd.starts_with(data_dir));
        if inside {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}"), &pid.to_string()])
                .status();
        }
    }
}

/// Runs one SQL statement on a server's SQLite file (Python's sqlite3: always there); answers
/// the rows as JSON arrays. For benchmarks that read the engine's own timestamps.
pub fn sqlite(data_dir: &Path, sql: &str) -> Result<Vec<Vec<serde_json::Value>>, String> {
    let script = "import json, sqlite3, sys\n\
                  c = sqlite3.connect(sys.argv[1], timeout=60)\n\
                  rows = c.execute(sys.argv[2]).fetchall()\n\
                  c.commit()\n\
                  print(json.dumps(rows))";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(data_dir.join("capstan.db"))
        .arg(sql)
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the SQL failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

pub fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// The status of a plain GET, or `None` when nothing answers.
pub fn http_status(port: u16, path: &str) -> Option<u16> {
    crate::http_client::request(port, "GET", path, &[], "")
        .ok()
        .map(|(status, _, _)| status)
}
