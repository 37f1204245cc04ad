//! What users ask of a job: suspend (stop the attempt, hold nothing), resume (a new attempt,
//! not counted as a restart), delete (the job and every attempt's workload).

use api::JobState;

use super::super::error::TrainingError;
use super::super::job_workload::workload_name;
use super::{Controller, reason};

impl Controller {
    pub(super) async fn suspend(&mut self, id: i64, by: &str) -> Result<(), TrainingError> {
        let (row, spec) = self.active(id)?;
        if row.state.is_finished() || row.state == JobState::Suspended {
            return Err(TrainingError::Conflict(format!(
                "job `{}` is {}: only a job that runs or waits can be suspended",
                row.name,
                row.state.as_str()
            )));
        }
        if row.workload_id.is_some() {
            let name = workload_name(&row.name, row.attempt);
            // Finished already (it failed and waits for its restart): nothing to stop.
            let _ = self
                .engine
                .stop_because(&row.profile, &name, &format!("job suspended by {by}"))
                .await;
        }
        let mut row = row;
        row.state = JobState::Suspended;
        row.restart_at_ms = None;
        let message = format!("suspended by {by}: its replicas stopped and hold nothing");
        self.save(id, row, &reason(&spec, JobState::Suspended), &message)
            .await;
        Ok(())
    }

    pub(super) async fn resume(&mut self, id: i64, by: &str) -> Result<(), TrainingError> {
        let (row, spec) = self.active(id)?;
        if row.state != JobState::Suspended {
            return Err(TrainingError::Conflict(format!(
                "job `{}` is {}: only a suspended job can be resumed",
                row.name,
                row.state.as_str()
            )));
        }
        let mut row = row;
        row.state = JobState::Created;
        // A fresh attempt: the one before was stopped (or never submitted).
        if row.workload_id.take().is_some() {
            row.attempt += 1;
        }
        let message = format!("resumed by {by}");
        self.save(id, row, &format!("{}Resumed", spec.kind.as_str()), &message)
            .await;
        self.reconcile(id).await;
        Ok(())
    }

    pub(super) async fn delete(&mut self, id: i64) -> Result<(), TrainingError> {
        let Some(job) = self.jobs.remove(&id) else {
            // Finished without a time to live: not followed any more, but still stored.
            if let Some(row) = self.store.training().by_id(id).await? {
                self.remove_attempts(&row.profile, &row.name, row.attempt)
                    .await;
                self.store.training().delete(id).await?;
                self.publish_deleted(&row);
            }
            return Ok(());
        };
        let row = job.row;
        self.remove_attempts(&row.profile, &row.name, row.attempt)
            .await;
        self.store.training().delete(id).await?;
        self.publish_deleted(&row);
        Ok(())
    }

    /// A followed job's row and spec, or why it cannot be acted on.
    fn active(
        &self,
        id: i64,
    ) -> Result<(crate::store::JobRow, super::TrainingSpec), TrainingError> {
        let job = self.jobs.get(&id).ok_or_else(|| {
            TrainingError::Conflict("the job has finished: it can only be deleted".to_owned())
        })?;
        Ok((job.row.clone(), job.spec.clone()))
    }
}
