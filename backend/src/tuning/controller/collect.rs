//! Collecting a running trial's metric reports from its output (StdOut collector: the
//! replica's log; File collector: the file in the trial's directory) into the store.

use std::io::{Read, Seek, SeekFrom};

use crate::clock::now_ms;
use crate::store::MetricRow;
use crate::tuning::metrics::reports_in_line;
use crate::tuning::spec::Source;
use crate::tuning::trial_workload::{GROUP, metrics_file, trial_dir};

use super::Controller;

/// The most log lines read back at once: a trial's log is its metric reports and some noise.
const MAX_LOG_LINES: usize = 200_000;

impl Controller {
    /// Reads what the trial wrote since the last look and stores its new reports. `last`:
    /// the trial has ended, so a last line without its newline counts too.
    pub(super) async fn collect(&mut self, experiment: i64, index: usize, last: bool) {
        let Some(lines) = self.new_lines(experiment, index, last).await else {
            return;
        };
        let Some(exp) = self.experiments.get(&experiment) else {
            return;
        };
        let known: Vec<String> = exp.spec.objective.metrics().cloned().collect();
        let format = &exp.spec.collector.format;
        let reports: Vec<(String, f64)> = lines
            .iter()
            .flat_map(|line| reports_in_line(format, &known, line))
            .collect();
        self.record(experiment, index, reports).await;
    }

    /// Stores the reports met, in order, that are not stored yet (reading a trial's output
    /// again after a restart meets the stored ones first).
    pub(super) async fn record(
        &mut self,
        experiment: i64,
        index: usize,
        reports: Vec<(String, f64)>,
    ) {
        let Some(exp) = self.experiments.get_mut(&experiment) else {
            return;
        };
        let trial = &mut exp.trials[index];
        let now = now_ms();
        let mut fresh = Vec::new();
        for (name, value) in reports {
            let met = trial.met.entry(name.clone()).or_default();
            let step = *met;
            *met += 1;
            let stored = trial.reports.entry(name.clone()).or_default();
            if (step as usize) < stored.len() {
                continue;
            }
            stored.push(value);
            fresh.push(MetricRow {
                trial_id: trial.row.id,
                name,
                step,
                value,
                at_ms: now,
            });
        }
        if let Err(e) = self.store.tuning().add_metrics(&fresh).await {
            tracing::warn!(experiment, error = %e, "cannot store a trial's metrics");
        }
    }

    /// The trial's output lines not read yet.
    async fn new_lines(
        &mut self,
        experiment: i64,
        index: usize,
        last: bool,
    ) -> Option<Vec<String>> {
        let exp = self.experiments.get(&experiment)?;
        let trial = &exp.trials[index];
        match &exp.spec.collector.source {
            Source::StdOut => {
                let workload = trial.row.workload_id?;
                let lines = self
                    .engine
                    .tail_log_of(workload, GROUP, 0, MAX_LOG_LINES)
                    .await
                    .ok()?;
                let exp = self.experiments.get_mut(&experiment)?;
                let trial = &mut exp.trials[index];
                // Programs write a report line at once (print flushes whole lines to a file).
                let start = trial.lines_read.min(lines.len());
                trial.lines_read = lines.len();
                Some(lines[start..].to_vec())
            }
            Source::File { path } => {
                let dir = trial_dir(&self.root, experiment, &trial.row.name);
                let file = metrics_file(&dir, path);
                let (lines, read) = read_from(&file, trial.bytes_read, last)?;
                let exp = self.experiments.get_mut(&experiment)?;
                exp.trials[index].bytes_read += read;
                Some(lines)
            }
        }
    }
}

/// The whole lines of `path` from byte `offset` (and a last partial one when `last`), and the
/// bytes they took.
fn read_from(path: &std::path::Path, offset: u64, last: bool) -> Option<(Vec<String>, u64)> {
    let mut file = std::fs::File::open(path).ok()?;
    file.seek(SeekFrom::Start(offset)).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    let end = if last {
        bytes.len()
    } else {
        bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1)
    };
    let text = String::from_utf8_lossy(&bytes[..end]);
    Some((text.lines().map(str::to_owned).collect(), end as u64))
}
