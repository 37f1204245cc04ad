//! What the runtime says, into the store: running, succeeded, failed (requeued when the spec
//! asks), stopped; and after a restart, the workloads whose processes are gone.

use api::Phase;

use super::Engine;
use crate::clock::now_ms;
use crate::runtime::RuntimeReport;
use crate::store::StoreError;

impl Engine {
    /// Asks the runtime which of the workloads the store thinks are running still are. Those
    /// whose processes are gone fail with "capstan restarted" and are requeued if their spec
    /// says so: none is silently lost.
    pub async fn recover(&self) -> Result<(), StoreError> {
        let known: Vec<(i64, Phase)> = self
            .store
            .workloads()
            .active()
            .await?
            .into_iter()
            .filter(|w| w.phase.holds_resources())
            .map(|w| (w.id, w.phase))
            .collect();
        match self.runtime.recover(&known).await {
            Ok(reports) => {
                for report in reports {
                    self.apply_report(report).await?;
                }
            }
            Err(e) => tracing::error!(error = %e, "the runtime could not recover its workloads"),
        }
        self.wake();
        Ok(())
    }

    pub async fn apply_report(&self, report: RuntimeReport) -> Result<(), StoreError> {
        tracing::debug!(workload = report.id, phase = ?report.phase, "applying a runtime report");
        let was_stopping = self
            .stopping
            .lock()
            .map(|mut s| s.remove(&report.id))
            .unwrap_or(false);
        if was_stopping {
            // The end of a preempted run: the workload is queued again already.
            self.wake();
            return Ok(());
        }
        let workloads = self.store.workloads();
        let Some(row) = workloads.by_id(report.id).await? else {
            return Ok(());
        };
        let now = now_ms();
        match report.phase {
            Phase::Running if matches!(row.phase, Phase::Admitted | Phase::Starting) => {
                workloads
                    .transition(
                        row.id,
                        Phase::Running,
                        &report.reason,
                        &row.placements,
                        report.at_ms,
                    )
                    .await?;
            }
            Phase::Succeeded | Phase::Failed | Phase::Stopped if row.phase.holds_resources() => {
                workloads
                    .transition(
                        row.id,
                        report.phase,
                        &report.reason,
                        &row.placements,
                        report.at_ms,
                    )
                    .await?;
                if report.phase == Phase::Failed && row.spec.requeue_on_failure {
                    let again = format!("back in the queue after: {}", report.reason);
                    workloads
                        .transition(row.id, Phase::Queued, &again, &[], now)
                        .await?;
                }
            }
            // Stale (a stop the user asked for, already recorded) or out of order.
            _ => return Ok(()),
        }
        self.publish_workload(
            &row.profile,
            row.id,
            &row.name,
            report.phase,
            &report.reason,
        );
        self.publish_cluster();
        self.wake();
        Ok(())
    }
}
