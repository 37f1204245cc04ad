//! How the training jobs pages write a job's figures: its page's address, its state badge,
//! its replicas in a line, restarts of the limit, GPU placement, which actions apply, the
//! current attempt's metrics by name, and the events after which they reload.

use std::collections::BTreeMap;

use api::{EventKind, GpuShare, JobMetric, JobState, JobSummary, MetricPoint};
use leptos::prelude::*;

use crate::pages::run_parts::StateBadge;

/// A job changed state (created, running, restarting, finished, suspended, resumed, deleted).
pub const JOB_CHANGES: &[EventKind] = &[EventKind::Training];

/// Where a job's page is.
pub fn job_href(profile: &str, name: &str) -> String {
    crate::nav::item_href("/jobs", profile, name)
}

/// A job's state in its colour (`st-suspended`, …).
#[component]
pub fn JobBadge(state: JobState) -> impl IntoView {
    view! { <StateBadge state=state.as_str()/> }
}

/// Replicas per type in rank order: "Master 1 · Worker 2".
pub fn replicas_text(replicas: &[(String, u32)]) -> String {
    let parts: Vec<String> = replicas.iter().map(|(t, n)| format!("{t} {n}")).collect();
    parts.join(" · ")
}

/// Restarts so far of those the run policy allows: "1 of 3".
pub fn restarts_text(s: &JobSummary) -> String {
    format!("{} of {}", s.restarts, s.backoff_limit)
}

/// Where a replica's GPUs are: "GPU 0 (1000‰), GPU 1 (500‰)", or a dash for none.
pub fn gpu_text(gpus: &[GpuShare]) -> String {
    if gpus.is_empty() {
        return "—".to_owned();
    }
    let parts: Vec<String> = gpus
        .iter()
        .map(|g| format!("GPU {} ({}‰)", g.index, g.milli))
        .collect();
    parts.join(", ")
}

/// Suspend stops what runs or waits to run; a finished or suspended job has nothing to stop.
pub fn can_suspend(state: JobState) -> bool {
    matches!(
        state,
        JobState::Created | JobState::Running | JobState::Restarting
    )
}

pub fn can_resume(state: JobState) -> bool {
    state == JobState::Suspended
}

/// The `attempt`'s reports of each metric, step by step, for the metric chart.
pub fn attempt_metrics(metrics: &[JobMetric], attempt: u32) -> BTreeMap<String, Vec<MetricPoint>> {
    let mut by_name: BTreeMap<String, Vec<MetricPoint>> = BTreeMap::new();
    for m in metrics.iter().filter(|m| m.attempt == attempt) {
        by_name
            .entry(m.name.clone())
            .or_default()
            .push(MetricPoint {
                step: m.step,
                value: m.value,
                at_ms: m.at_ms,
            });
    }
    for points in by_name.values_mut() {
        points.sort_by_key(|p| p.step);
    }
    by_name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(name: &str, attempt: u32, step: u32, value: f64) -> JobMetric {
        JobMetric {
            name: name.into(),
            attempt,
            step,
            value,
            at_ms: 0,
        }
    }

    #[test]
    fn figures_read_as_the_pages_write_them() {
        let replicas = [("Master".to_owned(), 1), ("Worker".to_owned(), 2)];
        assert_eq!(replicas_text(&replicas), "Master 1 · Worker 2");
        let gpus = [
            GpuShare {
                index: 0,
                milli: 1000,
            },
            GpuShare {
                index: 1,
                milli: 500,
            },
        ];
        assert_eq!(gpu_text(&gpus), "GPU 0 (1000‰), GPU 1 (500‰)");
        assert_eq!(gpu_text(&[]), "—");
        assert_eq!(job_href("team a", "mnist"), "/jobs/mnist?ns=team%20a");
    }

    #[test]
    fn actions_apply_by_state() {
        let suspendable: Vec<JobState> = JobState::ALL
            .into_iter()
            .filter(|s| can_suspend(*s))
            .collect();
        assert_eq!(
            suspendable,
            [JobState::Created, JobState::Running, JobState::Restarting]
        );
        assert!(can_resume(JobState::Suspended) && !can_resume(JobState::Running));
    }

    #[test]
    fn the_chart_shows_the_current_attempt_by_metric() {
        let metrics = [
            metric("loss", 0, 0, 0.9),
            metric("loss", 1, 1, 0.25),
            metric("loss", 1, 0, 0.5),
            metric("acc", 1, 0, 0.7),
        ];
        let chart = attempt_metrics(&metrics, 1);
        assert_eq!(chart.keys().collect::<Vec<_>>(), ["acc", "loss"]);
        let loss: Vec<f64> = chart["loss"].iter().map(|p| p.value).collect();
        assert_eq!(loss, [0.5, 0.25]);
    }
}
