//! The small `capstan-task-launch` binary: the same launcher as `capstan task-launch` (whose
//! warm path `server/tests/pipelines_warm.rs` covers), with its own argument parsing.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_capstan-task-launch");

#[test]
fn a_command_line_without_socket_or_argv_is_refused_with_the_usage() {
    for args in [
        &[][..],
        &["--socket"][..],
        &["--socket", "/tmp/s"][..],
        &["--socket", "/tmp/s", "--"][..],
        &["--sock", "/tmp/s", "--", "true"][..],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("usage: capstan-task-launch"),
            "{args:?}"
        );
    }
}

#[test]
fn what_it_cannot_hand_over_runs_as_it_is_with_its_status() {
    let out = Command::new(BIN)
        .args(["--socket", "/nonexistent/forkserver.sock", "--"])
        .args(["sh", "-c", "echo plain; exit 3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "plain\n");
}
