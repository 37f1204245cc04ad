//! What the launcher and the forkserver say to each other on a task's connection (see
//! forkserver.py): a 4-byte big-endian length and a JSON request, its stdin, stdout and stderr
//! attached; answers are lines, `pid N` after the fork, then `exit N` or `signal N` at the
//! end, or `error MESSAGE`.

use std::collections::BTreeMap;

use serde::Serialize;

/// One task for the forkserver.
#[derive(Debug, Serialize)]
pub struct Request<'a> {
    /// The component's source, written as `ephemeral_component.py`.
    pub source: &'a str,
    /// The executor's arguments.
    pub args: &'a [String],
    /// The task's whole environment.
    pub env: BTreeMap<String, String>,
    pub cwd: String,
    /// The launcher's process group: the child joins it.
    pub pgid: i32,
}

impl Request<'_> {
    /// The request as it goes on the wire.
    pub fn frame(&self) -> Vec<u8> {
        let body = serde_json::to_vec(self).unwrap_or_default();
        let length = u32::try_from(body.len()).unwrap_or(u32::MAX);
        let mut out = Vec::with_capacity(4 + body.len());
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(&body);
        out
    }
}

/// An answer line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// The task's process.
    Pid(i32),
    /// It ended with this exit status.
    Exit(i32),
    /// It was killed by this signal.
    Signal(i32),
    /// The forkserver could not run it.
    Error(String),
}

impl Reply {
    pub fn parse(line: &str) -> Option<Reply> {
        let (word, rest) = line.trim_end().split_once(' ')?;
        let number = || rest.parse::<i32>().ok();
        match word {
            "pid" => number().map(Reply::Pid),
            "exit" => number().map(Reply::Exit),
            "signal" => number().map(Reply::Signal),
            "error" => Some(Reply::Error(rest.to_owned())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_its_length_then_json() {
        let args = vec!["--executor_input".to_owned(), "{}".to_owned()];
        let request = Request {
            source: "def f(): pass\n",
            args: &args,
            env: BTreeMap::from([("TMPDIR".to_owned(), "/t".to_owned())]),
            cwd: "/task".into(),
            pgid: 42,
        };
        let frame = request.frame();
        let length = u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
        assert_eq!(length, frame.len() - 4);
        let json: serde_json::Value = serde_json::from_slice(&frame[4..]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"source": "def f(): pass\n", "args": ["--executor_input", "{}"],
                "env": {"TMPDIR": "/t"}, "cwd": "/task", "pgid": 42})
        );
    }

    #[test]
    fn replies_are_read_from_lines() {
        assert_eq!(Reply::parse("pid 123\n"), Some(Reply::Pid(123)));
        assert_eq!(Reply::parse("exit 1"), Some(Reply::Exit(1)));
        assert_eq!(Reply::parse("signal 15\n"), Some(Reply::Signal(15)));
        assert_eq!(
            Reply::parse("error expected 3 file descriptors\n"),
            Some(Reply::Error("expected 3 file descriptors".into()))
        );
        assert_eq!(Reply::parse("exit x"), None);
        assert_eq!(Reply::parse("hello"), None);
    }
}
