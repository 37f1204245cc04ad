//! A replica's log as the runtime offers it: the last lines, a follower, periodic rotation.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::{Inner, lock, logs, paths};
use crate::runtime::RuntimeError;

impl Inner {
    fn replica_running(&self, id: i64, group: &str, replica: u32) -> bool {
        lock(&self.live).get(&id).is_some_and(|entry| {
            entry
                .index_of(group, replica)
                .is_some_and(|i| entry.state.running().contains(&i))
        })
    }

    fn log_path(&self, id: i64, group: &str, replica: u32) -> Result<PathBuf, RuntimeError> {
        let dir = paths::workload_dir(&self.data_dir, id);
        Ok(logs::log_path(&paths::replica_dir(&dir, group, replica)?))
    }

    pub(super) async fn log_tail(
        &self,
        id: i64,
        group: &str,
        replica: u32,
        lines: usize,
    ) -> Result<Vec<String>, RuntimeError> {
        let path = self.log_path(id, group, replica)?;
        let keep = self.options.keep_logs;
        let read = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || logs::tail(&path, lines, keep))
                .await
                .map_err(|e| RuntimeError::Task(e.to_string()))?
        };
        read.map_err(|e| self.log_error(id, group, replica, path, e))
    }

    pub(super) async fn log_follow(
        self: &Arc<Self>,
        id: i64,
        group: &str,
        replica: u32,
    ) -> Result<mpsc::Receiver<String>, RuntimeError> {
        let path = self.log_path(id, group, replica)?;
        let weak = Arc::downgrade(self);
        let group_name = group.to_owned();
        let live = Arc::new(move || {
            weak.upgrade()
                .is_some_and(|inner| inner.replica_running(id, &group_name, replica))
        });
        logs::follow(&path, live, self.options.poll_interval)
            .await
            .map_err(|e| self.log_error(id, group, replica, path, e))
    }

    fn log_error(
        &self,
        id: i64,
        group: &str,
        replica: u32,
        path: PathBuf,
        e: io::Error,
    ) -> RuntimeError {
        if e.kind() == io::ErrorKind::NotFound {
            RuntimeError::NoLog {
                id,
                group: group.to_owned(),
                replica,
            }
        } else {
            RuntimeError::io("read log", path, e)
        }
    }

    pub(super) async fn rotate_logs(&self) -> Result<(), RuntimeError> {
        let paths: Vec<PathBuf> = lock(&self.live)
            .values()
            .flat_map(|e| e.replicas.iter().map(|r| logs::log_path(&r.dir)))
            .collect();
        let (max, keep) = (self.options.max_log_bytes, self.options.keep_logs);
        tokio::task::spawn_blocking(move || {
            for path in paths {
                if let Err(e) = logs::rotate_if_needed(&path, max, keep) {
                    tracing::warn!(path = %path.display(), error = %e, "cannot rotate a log");
                }
            }
        })
        .await
        .map_err(|e| RuntimeError::Task(e.to_string()))
    }
}
