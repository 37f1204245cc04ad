//! Replica logs: one file per replica, `<replica dir>/output.log`, that holds stdout and stderr
//! together in the order they were written (like `kubectl logs`). The process gets the file
//! itself, opened with `O_APPEND`, so it keeps logging while Capstan is down. Rotation is
//! copy-truncate: the file is copied to `output.log.1` (older copies shift to `.2`, `.3`…) and
//! then truncated in place; the process never notices. Lines written between the copy and the
//! truncation are lost, the known price of copy-truncate.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::mpsc;

pub(crate) const LOG_FILE: &str = "output.log";

/// Lines a follower may have queued before it waits for its reader.
const FOLLOW_BUFFER: usize = 1024;

/// Bytes read at once, backwards for a tail, forwards for a follower.
const CHUNK: u64 = 64 * 1024;

/// The log of a replica whose directory is `dir`.
pub(crate) fn log_path(dir: &Path) -> PathBuf {
    dir.join(LOG_FILE)
}

/// `output.log.<n>`.
fn rotated(path: &Path, n: u32) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

/// Opens (creating) the log for appending; the handle goes to the process as stdout/stderr.
pub(crate) fn open_for_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// Rotates `path` when it holds more than `max_bytes`: keeps `keep` copies (`.1` newest), drops
/// the oldest, and truncates the log. Returns whether it rotated.
pub(crate) fn rotate_if_needed(path: &Path, max_bytes: u64, keep: u32) -> io::Result<bool> {
    let len = match fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    if len <= max_bytes {
        return Ok(false);
    }
    if keep > 0 {
        for n in (1..keep).rev() {
            match fs::rename(rotated(path, n), rotated(path, n + 1)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        fs::copy(path, rotated(path, 1))?;
    }
    OpenOptions::new().write(true).open(path)?.set_len(0)?;
    Ok(true)
}

/// The last `n` lines of the log, reaching into rotated copies when the current file holds
/// fewer. A log that does not exist is `NotFound`.
pub(crate) fn tail(path: &Path, n: usize, keep: u32) -> io::Result<Vec<String>> {
    let mut lines = last_lines(path, n)?;
    for k in 1..=keep {
        if lines.len() >= n {
            break;
        }
        let older = match last_lines(&rotated(path, k), n - lines.len()) {
            Ok(l) => l,
            Err(e) if e.kind() == io::ErrorKind::NotFound => break,
            Err(e) => return Err(e),
        };
        lines.splice(0..0, older);
    }
    Ok(lines)
}

/// The last `n` lines of one file, read backwards so that a large log costs little.
fn last_lines(path: &Path, n: usize) -> io::Result<Vec<String>> {
    let mut file = File::open(path)?;
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut pos = file.metadata()?.len();
    let mut buf: Vec<u8> = Vec::new();
    let mut newlines = 0;
    // One newline more than lines wanted marks where the first wanted line starts.
    while pos > 0 && newlines <= n {
        let start = pos.saturating_sub(CHUNK);
        let mut chunk = vec![0; usize::try_from(pos - start).map_err(io::Error::other)?];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut chunk)?;
        newlines += chunk.iter().filter(|b| **b == b'\n').count();
        chunk.extend_from_slice(&buf);
        buf = chunk;
        pos = start;
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    if pos > 0 && !lines.is_empty() {
        // Starts mid-line: that line was cut by the chunk boundary.
        lines.remove(0);
    }
    let skip = lines.len().saturating_sub(n);
    Ok(lines[skip..].iter().map(|l| (*l).to_owned()).collect())
}

/// Follows the log from its current end: each complete line written from now on, and a last
/// incomplete one once `live` says the writer is gone. Ends when `live` turns false and the
/// file is drained, or when the receiver is dropped. Survives copy-truncate rotation, unless the
/// writer puts more into the truncated file between two polls than it held before the rotation
/// (then the follower cannot see that it shrank and skips that much).
pub(crate) async fn follow(
    path: &Path,
    live: Arc<dyn Fn() -> bool + Send + Sync>,
    poll: Duration,
) -> io::Result<mpsc::Receiver<String>> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut pos = file.seek(SeekFrom::End(0)).await?;
    let (tx, rx) = mpsc::channel(FOLLOW_BUFFER);
    tokio::spawn(async move {
        let mut partial: Vec<u8> = Vec::new();
        let mut chunk = vec![0u8; CHUNK as usize];
        loop {
            if tx.is_closed() {
                return;
            }
            let alive = live();
            let Ok(len) = file.metadata().await.map(|m| m.len()) else {
                return;
            };
            if len < pos {
                // Truncated by a rotation: what remains is new.
                pos = 0;
                partial.clear();
                if file.seek(SeekFrom::Start(0)).await.is_err() {
                    return;
                }
            }
            let read = if len > pos {
                match file.read(&mut chunk).await {
                    Ok(r) => r,
                    Err(_) => return,
                }
            } else {
                0
            };
            if read > 0 {
                pos += read as u64;
                partial.extend_from_slice(&chunk[..read]);
                while let Some(end) = partial.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = partial.drain(..=end).collect();
                    let text = String::from_utf8_lossy(&line[..end]).into_owned();
                    if tx.send(text).await.is_err() {
                        return;
                    }
                }
                continue;
            }
            if !alive {
                if !partial.is_empty() {
                    let _ = tx
                        .send(String::from_utf8_lossy(&partial).into_owned())
                        .await;
                }
                return;
            }
            tokio::time::sleep(poll).await;
        }
    });
    Ok(rx)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn write_lines(path: &Path, from: usize, to: usize) {
        let mut f = open_for_append(path).expect("open");
        for i in from..to {
            writeln!(f, "line {i}").expect("write");
        }
    }

    #[test]
    fn rotation_copies_truncates_and_keeps_three() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = log_path(dir.path());
        // The writer keeps its O_APPEND handle across rotations, like a replica.
        let mut writer = open_for_append(&path).expect("open");
        for round in 0..5 {
            writeln!(writer, "round {round} {}", "x".repeat(100)).expect("write");
            assert!(rotate_if_needed(&path, 50, 3).expect("rotate"));
            assert_eq!(fs::metadata(&path).expect("meta").len(), 0);
        }
        writeln!(writer, "after").expect("write");
        assert_eq!(fs::read_to_string(&path).expect("read"), "after\n");
        let copy = |n| fs::read_to_string(rotated(&path, n)).expect("rotated copy");
        assert!(copy(1).starts_with("round 4 "));
        assert!(copy(2).starts_with("round 3 "));
        assert!(copy(3).starts_with("round 2 "));
        assert!(!rotated(&path, 4).exists());
        assert!(!rotate_if_needed(&path, 50, 3).expect("small log"));
    }

    #[test]
    fn missing_log_does_not_rotate() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(!rotate_if_needed(&log_path(dir.path()), 1, 3).expect("rotate"));
    }

    #[test]
    fn tail_reads_the_last_lines_across_chunks_and_rotations() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = log_path(dir.path());
        assert_eq!(
            tail(&path, 3, 3).map_err(|e| e.kind()),
            Err(io::ErrorKind::NotFound)
        );
        // More than one chunk of lines.
        write_lines(&path, 0, 20_000);
        let last = tail(&path, 3, 3).expect("tail");
        assert_eq!(last, vec!["line 19997", "line 19998", "line 19999"]);
        assert!(rotate_if_needed(&path, 1, 3).expect("rotate"));
        write_lines(&path, 20_000, 20_002);
        let last = tail(&path, 4, 3).expect("tail");
        assert_eq!(
            last,
            vec!["line 19998", "line 19999", "line 20000", "line 20001"]
        );
        assert_eq!(tail(&path, 0, 3).expect("tail"), Vec::<String>::new());
    }

    #[test]
    fn tail_keeps_an_unterminated_last_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = log_path(dir.path());
        fs::write(&path, "a\nb\nc").expect("write");
        assert_eq!(tail(&path, 2, 3).expect("tail"), vec!["b", "c"]);
        assert_eq!(tail(&path, 10, 3).expect("tail"), vec!["a", "b", "c"]);
    }

    #[tokio::test]
    async fn follow_sees_new_lines_survives_rotation_and_ends_with_the_writer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = log_path(dir.path());
        write_lines(&path, 0, 2);
        let live = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let flag = live.clone();
        let mut rx = follow(
            &path,
            Arc::new(move || flag.load(std::sync::atomic::Ordering::SeqCst)),
            Duration::from_millis(10),
        )
        .await
        .expect("follow");
        write_lines(&path, 2, 3);
        assert_eq!(rx.recv().await.as_deref(), Some("line 2"));
        // Much more before the rotation than after it, so the follower sees the file shrink.
        let mut f = open_for_append(&path).expect("open");
        writeln!(f, "{}", "x".repeat(1000)).expect("write");
        assert_eq!(rx.recv().await.map(|l| l.len()), Some(1000));
        assert!(rotate_if_needed(&path, 1, 3).expect("rotate"));
        write!(f, "line 3\nunterminated").expect("write");
        assert_eq!(rx.recv().await.as_deref(), Some("line 3"));
        live.store(false, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(rx.recv().await.as_deref(), Some("unterminated"));
        assert_eq!(rx.recv().await, None);
    }
}
