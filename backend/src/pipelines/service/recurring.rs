//! Recurring runs: a pipeline version run on a cron schedule or an interval, with at most
//! `max_concurrency` of its runs unfinished at once. The loop here starts their runs when due;
//! `last_fired_ms` in the store makes it survive restarts without repeating a time, and without
//! replaying the missed ones unless `catch_up` asks.

use std::sync::Arc;
use std::time::Duration;

use api::{RecurringRunSpec, RecurringRunView, Trigger as ApiTrigger};

use super::names::{check_name, tidy_name};
use super::runs::{RunRequest, check_options};
use super::{PipelineError, PipelineService};
use crate::authz::Principal;
use crate::clock::now_ms;
use crate::pipelines::load_version;
use crate::pipelines::schedule::{Trigger, due, utc_stamp};
use crate::profiles::{Role, service::require};
use crate::store::RecurringRunRow;

/// How often the loop looks for due recurring runs.
const POLL: Duration = Duration::from_secs(1);

impl PipelineService {
    pub async fn create_recurring_run(
        &self,
        principal: &Principal,
        profile: &str,
        spec: &RecurringRunSpec,
    ) -> Result<RecurringRunView, PipelineError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        check_name("name", &spec.name)?;
        trigger_of(&spec.trigger)?;
        if spec.max_concurrency == 0 {
            return Err(PipelineError::invalid(
                "max_concurrency",
                "at least 1 run at a time",
            ));
        }
        if let (Some(start), Some(end)) = (spec.start_at_ms, spec.end_at_ms)
            && end <= start
        {
            return Err(PipelineError::invalid(
                "end_at_ms",
                "the end is not after the start",
            ));
        }
        let version = self
            .version_row(profile, &spec.pipeline, spec.version.as_deref())
            .await?;
        let pipeline =
            load_version(&version.format, &version.source).map_err(PipelineError::Spec)?;
        check_options(&pipeline, &spec.run)?;
        let experiment_id = match &spec.experiment {
            Some(name) => Some(self.group_of_runs(profile, name).await?.id),
            None => None,
        };
        // The version is pinned: later uploads do not change what it runs.
        let mut pinned = spec.clone();
        pinned.version = Some(version.name.clone());
        let inserted = self
            .store
            .recurring_runs()
            .insert(
                profile,
                &pinned,
                experiment_id,
                version.id,
                &principal.user,
                now_ms(),
            )
            .await?;
        if inserted.is_none() {
            return Err(PipelineError::AlreadyExists(
                "a recurring run",
                spec.name.clone(),
                profile.to_owned(),
            ));
        }
        Ok(view(&self.recurring_row(profile, &spec.name).await?))
    }

    pub async fn list_recurring_runs(
        &self,
        principal: &Principal,
        profile: &str,
    ) -> Result<Vec<RecurringRunView>, PipelineError> {
        require(&self.store, principal, profile, Role::View).await?;
        let rows = self.store.recurring_runs().of_profile(profile).await?;
        Ok(rows.iter().map(view).collect())
    }

    pub async fn get_recurring_run(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<RecurringRunView, PipelineError> {
        require(&self.store, principal, profile, Role::View).await?;
        Ok(view(&self.recurring_row(profile, name).await?))
    }

    /// Enables or disables. Enabling does not replay what was missed while disabled, unless
    /// the recurring run asks for catch-up.
    pub async fn enable_recurring_run(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
        enabled: bool,
    ) -> Result<RecurringRunView, PipelineError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let row = self.recurring_row(profile, name).await?;
        let store = self.store.recurring_runs();
        store.set_enabled(row.id, enabled).await?;
        if enabled && !row.enabled && !row.spec.catch_up {
            store.set_last_fired(row.id, now_ms()).await?;
        }
        Ok(view(&self.recurring_row(profile, name).await?))
    }

    pub async fn delete_recurring_run(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<(), PipelineError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let row = self.recurring_row(profile, name).await?;
        self.store.recurring_runs().delete(row.id).await?;
        Ok(())
    }

    pub(super) async fn recurring_row(
        &self,
        profile: &str,
        name: &str,
    ) -> Result<RecurringRunRow, PipelineError> {
        self.store
            .recurring_runs()
            .get(profile, name)
            .await?
            .ok_or_else(|| {
                PipelineError::NotFound("recurring run", name.to_owned(), profile.to_owned())
            })
    }

    /// Starts the runs of every enabled recurring run that are due now.
    pub async fn fire_due(&self) -> Result<(), PipelineError> {
        let now = now_ms();
        for row in self.store.recurring_runs().enabled().await? {
            if let Err(e) = self.fire(&row, now).await {
                tracing::warn!(recurring_run = row.name, profile = row.profile, error = %e,
                    "a recurring run could not start its run");
            }
        }
        Ok(())
    }

    async fn fire(&self, row: &RecurringRunRow, now: i64) -> Result<(), PipelineError> {
        let trigger = trigger_of(&row.spec.trigger)?;
        let start = row.spec.start_at_ms.unwrap_or(row.created_at_ms);
        let times = due(
            &trigger,
            start,
            row.spec.end_at_ms,
            row.last_fired_ms,
            now,
            row.spec.catch_up,
        );
        if times.is_empty() {
            return Ok(());
        }
        let Some(version) = self.store.pipelines().version_by_id(row.version_id).await? else {
            return Ok(());
        };
        let runs = self.store.runs();
        for at in times {
            // At the limit: wait; the time stays due until a run finishes.
            let unfinished = runs.unfinished_of_recurring(row.id).await?;
            if unfinished >= i64::from(row.spec.max_concurrency) {
                return Ok(());
            }
            self.start_run(RunRequest {
                profile: &row.profile,
                name: Some(tidy_name(&format!("{}-{}", row.name, utc_stamp(at)))),
                version: &version,
                experiment_id: row.experiment_id,
                recurring_run_id: Some(row.id),
                options: &row.spec.run,
                created_by: &row.created_by,
            })
            .await?;
            self.store
                .recurring_runs()
                .set_last_fired(row.id, at)
                .await?;
        }
        Ok(())
    }
}

/// Starts the loop that fires recurring runs; it ends when `shutdown` turns true.
pub fn spawn_recurring_loop(
    service: Arc<PipelineService>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = service.fire_due().await {
                tracing::warn!(error = %e, "cannot look for due recurring runs");
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        break;
                    }
                }
            }
        }
    });
}

fn trigger_of(trigger: &ApiTrigger) -> Result<Trigger, PipelineError> {
    match trigger {
        ApiTrigger::Cron(text) => Trigger::cron(text),
        ApiTrigger::IntervalSeconds(seconds) => Trigger::interval(*seconds),
    }
    .map_err(|e| PipelineError::invalid("trigger", e.to_string()))
}

fn view(row: &RecurringRunRow) -> RecurringRunView {
    let trigger = trigger_of(&row.spec.trigger).ok();
    let start = row.spec.start_at_ms.unwrap_or(row.created_at_ms);
    let after = row.last_fired_ms.unwrap_or(start - 1).max(now_ms());
    let next = trigger
        .as_ref()
        .filter(|_| row.enabled)
        .and_then(|t| t.next_after(after, start))
        .filter(|at| row.spec.end_at_ms.is_none_or(|end| *at <= end));
    RecurringRunView {
        spec: row.spec.clone(),
        enabled: row.enabled,
        schedule: trigger.map(|t| t.describe()).unwrap_or_default(),
        created_by: row.created_by.clone(),
        created_at_ms: row.created_at_ms,
        last_fired_ms: row.last_fired_ms,
        next_fire_ms: next,
    }
}
