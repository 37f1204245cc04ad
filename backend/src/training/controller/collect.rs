//! The metrics a job reports: `name=value` lines of its leading replica (the chief or master,
//! else the first worker), as Katib's StdOut collector reads a trial's. Every numeric pair
//! counts: a job declares no objective.

use api::JobMetric;

use super::Controller;
use crate::clock::now_ms;

/// The most log lines read back at once.
const MAX_LOG_LINES: usize = 200_000;

impl Controller {
    pub(super) async fn collect_all(&mut self) {
        let running: Vec<i64> = self
            .jobs
            .iter()
            .filter(|(_, j)| j.row.workload_id.is_some() && !j.row.state.is_finished())
            .map(|(id, _)| *id)
            .collect();
        for id in running {
            self.collect(id).await;
        }
    }

    /// Reads the leader's lines not read yet and stores their reports.
    pub(super) async fn collect(&mut self, id: i64) {
        let Some(job) = self.jobs.get(&id) else {
            return;
        };
        let (Some(workload), Some(leader)) = (job.row.workload_id, job.spec.replicas.first())
        else {
            return;
        };
        let group = leader.replica_type.group();
        let Ok(lines) = self
            .engine
            .tail_log_of(workload, group, 0, MAX_LOG_LINES)
            .await
        else {
            return;
        };
        let Some(job) = self.jobs.get_mut(&id) else {
            return;
        };
        let start = job.lines_read.min(lines.len());
        job.lines_read = lines.len();
        let now = now_ms();
        let mut fresh = Vec::new();
        for (name, value) in lines[start..].iter().flat_map(|l| reports_in_line(l)) {
            let step = job.steps.entry(name.clone()).or_default();
            fresh.push(JobMetric {
                name,
                attempt: job.row.attempt,
                step: *step,
                value,
                at_ms: now,
            });
            *step += 1;
        }
        if let Err(e) = self.store.training().add_metrics(id, &fresh).await {
            tracing::warn!(job = id, error = %e, "cannot store a training job's metrics");
        }
    }
}

/// The `name=value` pairs of a line whose value is a whole finite number and whose name
/// starts with a letter: `epoch=3 loss=0.25, accuracy=0.91`. Words around them are ignored.
pub(crate) fn reports_in_line(line: &str) -> Vec<(String, f64)> {
    line.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter_map(|token| {
            let (name, value) = token.split_once('=')?;
            let value: f64 = value.parse().ok()?;
            let named = name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
            (named && value.is_finite()).then(|| (name.to_owned(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::reports_in_line;

    #[test]
    fn name_value_pairs_with_numbers_only() {
        assert_eq!(
            reports_in_line("epoch=3 loss=0.25, accuracy=9.1e-1 note=done"),
            vec![
                ("epoch".to_owned(), 3.0),
                ("loss".to_owned(), 0.25),
                ("accuracy".to_owned(), 0.91)
            ]
        );
        assert!(reports_in_line("MASTER_ADDR=127.0.0.1 3=4 x=inf =2").is_empty());
        assert!(reports_in_line("").is_empty());
    }
}
