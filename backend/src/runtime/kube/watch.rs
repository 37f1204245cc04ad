//! One task per running workload follows its pods (a list, then a watch from the list's
//! version; any change lists again) and reports the workload's phase each time it changes,
//! until a final one. Level-triggered: a missed event only delays the next report.

use std::sync::Arc;
use std::time::Duration;

use api::{Phase, WorkloadKind};
use futures_util::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, WatchParams};

use super::Shared;
use super::apply::AnchorRecord;
use super::pod_status::workload_phase;
use crate::clock::now_ms;
use crate::k8s::labels::WORKLOAD;
use crate::runtime::RuntimeReport;

/// A watch ends after this long and is opened again (API servers end them anyway).
const WATCH_SECONDS: u32 = 60;
/// After an error from the cluster, wait this long before listing again.
const RETRY: Duration = Duration::from_secs(1);

pub fn follow(
    shared: Arc<Shared>,
    record: AnchorRecord,
    mut last: Option<Phase>,
) -> tokio::task::AbortHandle {
    tokio::spawn(async move {
        let pods: Api<Pod> = Api::namespaced(shared.client.clone(), &record.namespace);
        let selector = format!("{WORKLOAD}={}", record.id);
        loop {
            let listed = match pods.list(&ListParams::default().labels(&selector)).await {
                Ok(listed) => listed,
                Err(e) => {
                    tracing::warn!(workload = record.id, error = %e, "cannot list the workload's pods");
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            };
            let mut items = listed.items;
            items.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
            if let Some((phase, reason)) = workload_phase(record.kind, record.pods, &items)
                && last != Some(phase)
            {
                last = Some(phase);
                // Before the report, so that what reads it finds the gang's GPUs free.
                if phase == Phase::Failed && record.kind == WorkloadKind::Training {
                    stop_the_rest(&pods, &items, record.id).await;
                }
                shared.report(RuntimeReport {
                    id: record.id,
                    phase,
                    reason,
                    exits: Vec::new(),
                    at_ms: now_ms(),
                });
                if phase.is_finished() {
                    return;
                }
            }
            let version = listed.metadata.resource_version.unwrap_or_default();
            let params = WatchParams::default().labels(&selector).timeout(WATCH_SECONDS);
            match pods.watch(&params, &version).await {
                // Any change: list again and judge the whole workload.
                Ok(stream) => {
                    let mut stream = stream.boxed();
                    let _ = stream.next().await;
                }
                Err(e) => {
                    tracing::warn!(workload = record.id, error = %e, "cannot watch the workload's pods");
                    tokio::time::sleep(RETRY).await;
                }
            }
        }
    })
    .abort_handle()
}

/// A gang whose replica failed cannot go on: its training pods that still run are deleted (no
/// controller of Kubernetes' stops bare pods; a Job stops its own).
async fn stop_the_rest(pods: &Api<Pod>, items: &[Pod], id: i64) {
    let running = items.iter().filter(|p| {
        let phase = p.status.as_ref().and_then(|s| s.phase.as_deref());
        matches!(phase, Some("Running") | Some("Pending") | None)
    });
    for pod in running {
        let Some(name) = pod.metadata.name.as_deref() else {
            continue;
        };
        if let Err(e) = pods.delete(name, &DeleteParams::default()).await {
            tracing::warn!(workload = id, pod = name, error = %e, "cannot stop a failed gang's pod");
        }
    }
}
