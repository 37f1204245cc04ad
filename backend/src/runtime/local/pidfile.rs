//! One pid file per replica (`<replica dir>/pid`, JSON), so that a Capstan that restarts can find
//! the processes it started. The process start time (from `/proc/<pid>/stat`) is kept beside the
//! pid: a pid that the kernel gave to another process since then has another start time, so a
//! reused pid is never mistaken for the replica. Linux only, like the rest of this runtime.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::runtime::RuntimeError;

pub(crate) const PID_FILE: &str = "pid";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PidFile {
    pub pid: u32,
    /// Clock ticks after boot at which the process started (field 22 of `/proc/<pid>/stat`).
    pub start_time: u64,
    /// The ports allocated to it, by `PortSpec` name.
    #[serde(default)]
    pub ports: BTreeMap<String, u16>,
}

/// Writes `<dir>/pid` whole or not at all (a temporary file, then a rename).
pub(crate) fn write(dir: &Path, pid_file: &PidFile) -> Result<(), RuntimeError> {
    let path = dir.join(PID_FILE);
    let tmp = dir.join("pid.tmp");
    let json = serde_json::to_vec(pid_file)
        .map_err(|e| RuntimeError::io("write", &tmp, io::Error::other(e)))?;
    fs::write(&tmp, json).map_err(|e| RuntimeError::io("write", &tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| RuntimeError::io("rename into", &path, e))
}

/// `<dir>/pid`, or `None` when there is none (the replica was never started, or has ended). A
/// file that cannot be parsed reads as none, with a warning.
pub(crate) fn read(dir: &Path) -> Option<PidFile> {
    let path = dir.join(PID_FILE);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot read pid file");
            return None;
        }
    };
    match serde_json::from_slice(&bytes) {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "pid file is not valid; ignored");
            None
        }
    }
}

/// Removes `<dir>/pid` once the replica has ended; a missing file is fine.
pub(crate) fn remove(dir: &Path) {
    let path = dir.join(PID_FILE);
    if let Err(e) = fs::remove_file(&path)
        && e.kind() != io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %e, "cannot remove pid file");
    }
}

/// The start time of process `pid`, zombie or not; `None` when there is no such process.
pub(crate) fn start_time(pid: u32) -> Option<u64> {
    proc_stat(pid).map(|s| s.start_time)
}

/// Whether the process that the pid file names still runs (a zombie has ended).
pub(crate) fn is_alive(pid_file: &PidFile) -> bool {
    proc_stat(pid_file.pid)
        .is_some_and(|s| s.start_time == pid_file.start_time && !matches!(s.state, 'Z' | 'X' | 'x'))
}

fn proc_stat(pid: u32) -> Option<ProcStat> {
    parse_stat(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

#[derive(Debug, PartialEq, Eq)]
struct ProcStat {
    state: char,
    start_time: u64,
}

/// `pid (comm) state ppid … starttime …`: the command may hold spaces and parentheses, so the
/// fields are counted from the last `)`.
fn parse_stat(stat: &str) -> Option<ProcStat> {
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    // starttime is field 22; state is field 3, so 18 fields lie between them.
    let start_time = fields.nth(18)?.parse().ok()?;
    Some(ProcStat { state, start_time })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_odd_command_names() {
        let line = "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 \
                    987654 1000 50 18446744073709551615";
        assert_eq!(
            parse_stat(line),
            Some(ProcStat {
                state: 'S',
                start_time: 987654
            })
        );
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("1 (x) S 1 2"), None);
    }

    #[test]
    fn this_process_is_alive_and_a_wrong_start_time_is_not() {
        let pid = std::process::id();
        let started = start_time(pid).expect("own /proc stat");
        assert!(is_alive(&PidFile {
            pid,
            start_time: started,
            ports: BTreeMap::new()
        }));
        assert!(!is_alive(&PidFile {
            pid,
            start_time: started + 1,
            ports: BTreeMap::new()
        }));
    }

    #[test]
    fn round_trips_through_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(read(dir.path()), None);
        let p = PidFile {
            pid: 7,
            start_time: 9,
            ports: BTreeMap::from([("http".to_owned(), 8080)]),
        };
        write(dir.path(), &p).expect("write");
        assert_eq!(read(dir.path()), Some(p));
        remove(dir.path());
        assert_eq!(read(dir.path()), None);
    }
}
