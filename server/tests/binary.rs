//! The `capstan` binary as an operator meets it: first start, password reset, bad
//! configuration, a port in use, JSON logs with request ids, and SIGTERM; and the hidden
//! `task-launch` that pipeline tasks start as.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use backend::local_accounts;
use backend::store::Store;

fn capstan(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_capstan"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CAPSTAN_DATA_DIR", data_dir)
        .env("CAPSTAN_LOG_LEVEL", "info");
    command
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `serve` and waits until it prints its URL; answers the child and what it printed.
fn start(mut command: Command) -> (Child, Vec<String>) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        let done = line.starts_with("Capstan is listening on");
        lines.push(line.trim_end().to_owned());
        if done {
            return (child, lines);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("capstan did not start: {lines:?}");
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "capstan did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn signs_in(data_dir: &Path, password: &str) -> bool {
    let url = format!("sqlite://{}/capstan.db", data_dir.display());
    let store = Store::connect_lazy(&url).unwrap();
    local_accounts::sign_in(&store, "admin", password)
        .await
        .unwrap()
        .is_some()
}

fn generated_password(lines: &[String]) -> Option<String> {
    lines
        .iter()
        .find_map(|l| l.split("with the password ").nth(1))
        .map(|p| p.trim().to_owned())
}

#[tokio::test]
async fn the_first_start_prints_a_password_once_and_reset_makes_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = capstan(dir.path());
    first.env("CAPSTAN_LISTEN", format!("127.0.0.1:{}", free_port()));
    let (mut child, lines) = start(first);
    assert!(terminate(&mut child).success());
    let password = generated_password(&lines).expect("the first start prints a password");
    assert_eq!(password.len(), 20);
    assert!(signs_in(dir.path(), &password).await);

    let mut second = capstan(dir.path());
    second.env("CAPSTAN_LISTEN", format!("127.0.0.1:{}", free_port()));
    let (mut child, lines) = start(second);
    assert!(terminate(&mut child).success());
    assert_eq!(
        generated_password(&lines),
        None,
        "only the first start prints one: {lines:?}"
    );

    let reset = capstan(dir.path())
        .args(["admin", "reset-password"])
        .output()
        .unwrap();
    assert!(reset.status.success());
    let text = String::from_utf8_lossy(&reset.stdout);
    let new_password = text
        .split("is now: ")
        .nth(1)
        .expect("the new password")
        .trim()
        .to_owned();
    assert!(signs_in(dir.path(), &new_password).await);
    assert!(!signs_in(dir.path(), &password).await);
}

fn refused(output: &Output) -> String {
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn bad_configuration_stops_the_start_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let unknown = capstan(dir.path())
        .env("CAPSTAN_LISTN", "x")
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        refused(&unknown)
            .contains("unknown configuration key `listn` in environment variable CAPSTAN_LISTN")
    );

    let malformed = capstan(dir.path())
        .env("CAPSTAN_SESSION_MAX_HOURS", "soon")
        .output()
        .unwrap();
    assert!(refused(&malformed).contains("configuration key `session_max_hours`"));

    let file = dir.path().join("capstan.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:1\"\nlog_fromat = \"json\"\n").unwrap();
    let in_file = capstan(dir.path())
        .arg("--config")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        refused(&in_file)
            .contains("unknown configuration key `log_fromat` in the configuration file")
    );
}

#[test]
fn a_port_in_use_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let output = capstan(dir.path())
        .env("CAPSTAN_LISTEN", addr.to_string())
        .output()
        .unwrap();
    let stderr = refused(&output);
    assert!(
        stderr.contains(&format!("the address {addr} is already in use")),
        "{stderr}"
    );
}

#[test]
fn json_logs_carry_the_request_id_and_sigterm_ends_open_event_streams() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut command = capstan(dir.path());
    command
        .env("CAPSTAN_LISTEN", format!("127.0.0.1:{port}"))
        .env("CAPSTAN_LOG_FORMAT", "json")
        .env("CAPSTAN_ADMIN_PASSWORD", "pw")
        .env("CAPSTAN_LOG_LEVEL", "info,tower_http=debug");
    let (mut child, _) = start(command);

    // Sign in, then hold an event stream open: shutdown must not wait for it.
    let mut login = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let body = "username=admin&password=pw";
    write!(
        login,
        "POST /auth/local HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nx-request-id: trace-me-123\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    login.read_to_string(&mut answer).unwrap();
    let cookie = answer
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET /api/v1/events HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n"
    )
    .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    assert_eq!(&head[9..12], b"200");

    let status = terminate(&mut child);
    assert!(status.success(), "SIGTERM ends cleanly: {status}");
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest); // the server closed the stream

    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {l}"))
        })
        .collect();
    let traced = lines
        .iter()
        .filter(|l| l["span"]["request_id"] == "trace-me-123")
        .count();
    assert!(traced >= 2, "the request's log lines carry its id: {logs}");
    assert!(lines.iter().any(|l| l["message"] == "stopped"), "{logs}");
}

/// The script of the kfp compiler's lightweight component command, as kfp 2.17.3 writes it.
const KFP_SCRIPT: &str = "program_path=$(mktemp -d)\n\nprintf \"%s\" \"$0\" > \
    \"$program_path/ephemeral_component.py\"\n_KFP_RUNTIME=true python3 -m \
    kfp.dsl.executor_main                         --component_module_path                         \
    \"$program_path/ephemeral_component.py\"                         \"$@\"\n";

#[test]
fn task_launch_is_hidden_and_runs_what_it_cannot_hand_over_as_it_is() {
    let bin = env!("CARGO_BIN_EXE_capstan");
    let help = Command::new(bin).arg("--help").output().unwrap();
    assert!(help.status.success());
    assert!(!String::from_utf8_lossy(&help.stdout).contains("task-launch"));

    // Not a lightweight component's command: run as it is, its status kept.
    let plain = Command::new(bin)
        .args([
            "task-launch",
            "--socket",
            "/nonexistent/forkserver.sock",
            "--",
        ])
        .args(["sh", "-c", "echo plain; exit 3"])
        .output()
        .unwrap();
    assert_eq!(plain.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&plain.stdout), "plain\n");

    // A lightweight one whose warm Python cannot be reached: the plain way, through `sh` and
    // the `python3` on PATH (here one that shows what it was given).
    let dir = tempfile::tempdir().unwrap();
    let python3 = dir.path().join("python3");
    std::fs::write(&python3, "#!/bin/sh\necho \"python3 $*\"\ncat \"$4\"\n").unwrap();
    let executable = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    std::fs::set_permissions(&python3, executable).unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let cold = Command::new(bin)
        .args([
            "task-launch",
            "--socket",
            "/nonexistent/forkserver.sock",
            "--",
        ])
        .args(["sh", "-ec", KFP_SCRIPT, "print('hi')"])
        .args(["--function_to_execute", "f"])
        .env("PATH", path)
        .env("TMPDIR", dir.path())
        .output()
        .unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&cold.stdout),
        String::from_utf8_lossy(&cold.stderr),
    );
    assert!(cold.status.success(), "{out}\n{err}");
    assert!(
        out.starts_with("python3 -m kfp.dsl.executor_main --component_module_path "),
        "{out}"
    );
    assert!(
        out.contains("--function_to_execute f\nprint('hi')"),
        "{out}"
    );
    assert!(err.contains("cannot be reached"), "{err}");
}
