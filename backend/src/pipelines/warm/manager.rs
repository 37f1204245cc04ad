//! A runner's warm Python: the forkserver process (forkserver.py), started at the first task
//! that can use it, started again if it ended, stopped with the runner.
//!
//! It lives in `<data_dir>/pipelines/warm/` (mode 0700: whoever can reach its socket can run
//! code as Capstan): `forkserver.py`, `forkserver.sock` and `forkserver.log` (its own messages;
//! tasks' output goes to their logs). It starts with the environment tasks inherit, never
//! Capstan's whole one: a task could read it in `/proc/self/environ`.

use std::fs::{self, File};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::runtime::LocalOptions;

const SCRIPT: &str = include_str!("forkserver.py");
/// How long its imports may take before it says `ready`.
const READY_WAIT: Duration = Duration::from_secs(20);
/// A Unix socket's path: 108 bytes with the final NUL.
const MAX_SOCKET_PATH: usize = 107;

pub struct WarmPython {
    dir: PathBuf,
    /// The `PATH` of its process, where it finds `python3`: the tasks' own.
    path: String,
    state: State,
}

enum State {
    /// Not started yet, or it ended: started at the next task.
    Down,
    Up {
        child: Box<Child>,
        socket: PathBuf,
    },
    /// It cannot start here (said once): tasks run the plain way.
    Off,
}

impl WarmPython {
    /// Not started: [`WarmPython::socket`] starts it. `path` is the tasks' `PATH`.
    pub fn new(data_dir: &Path, path: String) -> WarmPython {
        WarmPython {
            dir: data_dir.join("pipelines").join("warm"),
            path,
            state: State::Down,
        }
    }

    /// The `PATH` a task must have for the warm `python3` to be its own.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The socket of the running forkserver, started now if it is not running; None when it
    /// cannot start (a warning the first time).
    pub async fn socket(&mut self) -> Option<PathBuf> {
        if let State::Up { child, socket } = &mut self.state {
            match child.try_wait() {
                Ok(None) if socket.exists() => return Some(socket.clone()),
                Ok(None) => {
                    tracing::warn!("the warm Python's socket is gone; starting another");
                    stop(child);
                }
                Ok(Some(status)) => {
                    tracing::warn!(%status, "the warm Python ended; starting it again");
                }
                Err(e) => tracing::warn!(error = %e, "the warm Python is lost; starting it again"),
            }
            self.state = State::Down;
        }
        if matches!(self.state, State::Off) {
            return None;
        }
        match self.start().await {
            Ok((child, socket)) => {
                tracing::info!(socket = %socket.display(), pid = child.id(), "the warm Python is up");
                self.state = State::Up {
                    child: Box::new(child),
                    socket: socket.clone(),
                };
                Some(socket)
            }
            Err(why) => {
                tracing::warn!(
                    reason = %why,
                    "the warm Python cannot start: KFP lightweight components run the plain way"
                );
                self.state = State::Off;
                None
            }
        }
    }

    async fn start(&self) -> Result<(Child, PathBuf), String> {
        let socket = self.dir.join("forkserver.sock");
        if socket.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(format!(
                "its socket's path {} is longer than {MAX_SOCKET_PATH} bytes",
                socket.display()
            ));
        }
        let python = find_python3(&self.path)
            .ok_or_else(|| format!("there is no python3 on PATH {}", self.path))?;
        private_dir(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        let script = self.dir.join("forkserver.py");
        fs::write(&script, SCRIPT).map_err(|e| format!("{}: {e}", script.display()))?;
        let log_path = self.dir.join("forkserver.log");
        // A new file: a forkserver still finishing its tasks keeps writing to the old one.
        let _ = fs::remove_file(&log_path);
        let log = File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
        let mut child = Command::new(&python)
            .arg(&script)
            .arg(&socket)
            .env_clear()
            .envs(self.environment())
            .env("_KFP_RUNTIME", "true")
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            // Its own group, like tasks: a Ctrl-C to Capstan does not reach it.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("{}: {e}", python.display()))?;
        let ready = match child.stdout.take() {
            Some(out) => tokio::time::timeout(READY_WAIT, first_line(out)).await,
            None => Ok(None),
        };
        if matches!(&ready, Ok(Some(line)) if line == "ready") {
            return Ok((child, socket));
        }
        let _ = child.start_kill();
        let _ = child.wait().await;
        let said = fs::read_to_string(&log_path).unwrap_or_default();
        let last = said.lines().rev().find(|l| !l.trim().is_empty());
        Err(match ready {
            Err(_) => format!("not ready after {READY_WAIT:?}"),
            Ok(_) => format!(
                "{} ended before it was ready: {}",
                python.display(),
                last.unwrap_or("(it said nothing)")
            ),
        })
    }

    /// What tasks inherit from Capstan, with the tasks' `PATH`.
    fn environment(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = LocalOptions::default()
            .inherit_env
            .into_iter()
            .filter(|k| k != "PATH")
            .filter_map(|k| std::env::var(&k).ok().map(|v| (k, v)))
            .collect();
        env.push(("PATH".to_owned(), self.path.clone()));
        env
    }
}

impl Drop for WarmPython {
    fn drop(&mut self) {
        if let State::Up { child, .. } = &self.state {
            stop(child);
        }
    }
}

/// Asks the forkserver to end: it stops taking tasks, lets the running ones finish, and exits.
fn stop(child: &Child) {
    if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: kill(2) takes plain integers; `pid` is our child, not yet reaped.
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
}

async fn first_line(out: tokio::process::ChildStdout) -> Option<String> {
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line).await.ok()?;
    Some(line.trim_end().to_owned())
}

/// The first executable `python3` on `path`.
fn find_python3(path: &str) -> Option<PathBuf> {
    path.split(':')
        .filter(|dir| !dir.is_empty())
        .map(|dir| Path::new(dir).join("python3"))
        .find(|candidate| {
            fs::metadata(candidate)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// A directory only Capstan's user can enter.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python3_is_found_on_the_path_in_order() {
        let root = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            root.path().join("a"),
            root.path().join("b"),
            root.path().join("c"),
        );
        for dir in [&a, &b, &c] {
            fs::create_dir(dir).unwrap();
        }
        // Not executable: skipped.
        fs::write(a.join("python3"), "").unwrap();
        for dir in [&b, &c] {
            fs::write(dir.join("python3"), "").unwrap();
            fs::set_permissions(dir.join("python3"), fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path = format!("{}::{}:{}", a.display(), b.display(), c.display());
        assert_eq!(find_python3(&path), Some(b.join("python3")));
        assert_eq!(find_python3(&a.display().to_string()), None);
    }

    /// A `python3` that runs `script` with sh, in a new bin directory of `root`; answers a
    /// PATH with that directory first.
    fn fake_python(root: &Path, script: &str) -> String {
        let bin = root.join("bin");
        fs::create_dir(&bin).unwrap();
        let fake = bin.join("python3");
        fs::write(&fake, format!("#!/bin/sh\n{script}\n")).unwrap();
        fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
        let path = std::env::var("PATH").unwrap_or_default();
        format!("{}:{path}", bin.display())
    }

    fn pid(warm: &WarmPython) -> u32 {
        match &warm.state {
            State::Up { child, .. } => child.id().unwrap(),
            _ => panic!("not up"),
        }
    }

    /// Gone, or a zombie.
    fn ended(pid: u32) -> bool {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit(')').next().unwrap_or_default().trim_start();
        stat.is_empty() || state.starts_with('Z')
    }

    async fn eventually(done: impl Fn() -> bool) {
        for _ in 0..200 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("never");
    }

    #[tokio::test]
    async fn it_starts_again_when_it_ended_or_its_socket_is_gone_and_stops_when_dropped() {
        let root = tempfile::tempdir().unwrap();
        // Stands for the forkserver: makes its socket file ($2), says ready, waits.
        let path = fake_python(root.path(), ": > \"$2\"; echo ready; exec sleep 30");
        let mut warm = WarmPython::new(root.path(), path);
        let socket = warm.socket().await.unwrap();
        assert_eq!(socket, root.path().join("pipelines/warm/forkserver.sock"));
        let first = pid(&warm);
        assert_eq!(warm.socket().await, Some(socket.clone()));
        assert_eq!(pid(&warm), first, "a running one is kept");

        // SAFETY: kill(2) with plain integers, to our own child.
        unsafe { libc::kill(first as i32, libc::SIGKILL) };
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(warm.socket().await, Some(socket.clone()));
        let second = pid(&warm);
        assert_ne!(second, first);

        fs::remove_file(&socket).unwrap();
        assert_eq!(warm.socket().await, Some(socket.clone()));
        let third = pid(&warm);
        assert_ne!(third, second);
        eventually(|| ended(second)).await;

        drop(warm);
        eventually(|| ended(third)).await;
    }

    #[tokio::test]
    async fn without_kfp_it_is_off_and_says_why_once() {
        let root = tempfile::tempdir().unwrap();
        // A python3 that cannot import kfp.
        let path = fake_python(root.path(), "echo 'ModuleNotFoundError: kfp' >&2; exit 1");
        let mut warm = WarmPython::new(root.path(), path);
        let why = warm.start().await.unwrap_err();
        assert!(why.contains("ModuleNotFoundError: kfp"), "{why}");
        assert_eq!(warm.socket().await, None);
        assert!(matches!(warm.state, State::Off));
        assert_eq!(warm.socket().await, None);
        let dir = root.path().join("pipelines/warm");
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }
}
