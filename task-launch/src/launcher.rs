//! The launcher (`capstan task-launch --socket S -- ARGV…`): a task's process when the warm
//! Python runs it. It hands the task (its stdin, stdout and stderr, environment, cwd, process
//! group and the component's source and arguments) to the forkserver, then waits for the
//! child's end and exits as the child did, so that the local runtime sees the task's status.
//!
//! The child joins the launcher's process group, so a stop (SIGTERM, then SIGKILL, to the
//! group) reaches it; the launcher itself keeps waiting on SIGTERM and passes on one that came
//! before the child was in the group. If the forkserver cannot be reached, the launcher runs
//! ARGV itself (`exec`), as the task would have run without the warm Python.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};

use super::detect::warm_argv;
use super::fds::send_with_fds;
use super::protocol::{Reply, Request};

/// The last stop signal the launcher got (0: none).
static SIGNALLED: AtomicI32 = AtomicI32::new(0);

const STOP_SIGNALS: [libc::c_int; 3] = [libc::SIGTERM, libc::SIGINT, libc::SIGHUP];

/// Runs `argv` (a KFP lightweight component's command) in the warm Python at `socket`;
/// answers the exit status for the launcher's process. A task killed by a signal makes the
/// launcher kill itself with the same signal (so its status says so, as a shell's would).
pub fn run_launcher(socket: &Path, argv: &[String]) -> i32 {
    let Some(task) = warm_argv(argv) else {
        return run_plain(argv, "not a KFP lightweight component's command");
    };
    let stream = match UnixStream::connect(socket) {
        Ok(stream) => stream,
        Err(e) => {
            let why = format!(
                "the warm Python at {} cannot be reached ({e})",
                socket.display()
            );
            return run_plain(argv, &why);
        }
    };
    catch_stop_signals();
    let request = Request {
        source: task.source,
        args: task.args,
        env: std::env::vars_os()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect(),
        cwd: std::env::current_dir()
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_else(|_| ".".to_owned()),
        // SAFETY: getpgrp(2) cannot fail and touches no memory.
        pgid: unsafe { libc::getpgrp() },
    };
    if let Err(e) = send(&stream, &request.frame()) {
        // The forkserver forks only on a whole request: nothing runs yet.
        return run_plain(argv, &format!("the task cannot be handed over ({e})"));
    }
    wait(stream)
}

fn send(mut stream: &UnixStream, frame: &[u8]) -> std::io::Result<()> {
    let stdio = [libc::STDIN_FILENO, libc::STDOUT_FILENO, libc::STDERR_FILENO];
    let sent = send_with_fds(stream, frame, &stdio)?;
    stream.write_all(&frame[sent..])
}

/// Reads the forkserver's answers until the task's end.
fn wait(stream: UnixStream) -> i32 {
    for line in BufReader::new(stream).lines() {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                eprintln!("capstan task-launch: lost the warm Python ({e})");
                return 1;
            }
        };
        match Reply::parse(&line) {
            Some(Reply::Pid(pid)) => pass_on_early_signal(pid),
            Some(Reply::Exit(code)) => return code,
            Some(Reply::Signal(signal)) => return die_of(signal),
            Some(Reply::Error(message)) => {
                eprintln!("capstan task-launch: the warm Python cannot run the task: {message}");
                return 1;
            }
            None => eprintln!("capstan task-launch: unexpected answer `{line}`"),
        }
    }
    eprintln!("capstan task-launch: the warm Python went away before the task ended");
    1
}

/// Runs the command as it is, in this process; answers only if that fails.
fn run_plain(argv: &[String], why: &str) -> i32 {
    eprintln!("capstan task-launch: {why}: running the command as it is");
    let signal = SIGNALLED.load(Ordering::SeqCst);
    if signal != 0 {
        return die_of(signal);
    }
    let Some((program, args)) = argv.split_first() else {
        eprintln!("capstan task-launch: no command");
        return 127;
    };
    let e = std::process::Command::new(program).args(args).exec();
    eprintln!("capstan task-launch: cannot run {program}: {e}");
    127
}

extern "C" fn remember(signal: libc::c_int) {
    SIGNALLED.store(signal, Ordering::SeqCst);
}

/// Stop signals are remembered instead of ending the launcher: the task gets them too.
fn catch_stop_signals() {
    for signal in STOP_SIGNALS {
        // SAFETY: a zeroed sigaction is valid; `remember` only stores to an atomic, which is
        // async-signal-safe; sigaction(2) reads the struct during the call only.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = remember as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// A stop signal that came before the child was in the launcher's group did not reach it.
fn pass_on_early_signal(pid: i32) {
    let signal = SIGNALLED.swap(0, Ordering::SeqCst);
    if signal != 0 && pid > 1 {
        // SAFETY: kill(2) takes plain integers; `pid` > 1 is one process, the task's.
        unsafe { libc::kill(pid, signal) };
    }
}

/// Ends the launcher by `signal`, as the task ended; the shell's status if that fails.
fn die_of(signal: i32) -> i32 {
    // SAFETY: signal(2) and raise(3) take plain integers.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
    128 + signal
}
