//! What the models list and the model page show, from the store and the controller's state.

use std::sync::atomic::Ordering;

use api::{
    ModelDetail, ModelEvent, ModelState, ModelSummary, ModelTokenView, ReplicaView, RevisionRole,
    RevisionView,
};

use super::spec::{ModelFormat, RevisionSpec};
use super::traffic::{self, TrafficState};
use super::{Serving, ServingError};
use crate::store::{RevisionRow, ServiceRow};

/// Events the page shows.
const EVENTS: u32 = 100;

/// A V2 request with one row of four numbers (iris's shape), for the "try it" panel.
const EXAMPLE_V2: &str = r#"{"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": [6.8, 2.8, 4.8, 1.4]}]}"#;

impl Serving {
    pub(super) async fn summary_of(&self, row: &ServiceRow) -> Result<ModelSummary, ServingError> {
        let revisions = self.store.serving().revisions(row.id).await?;
        let specs = self.specs_of(row.id, &revisions)?;
        let links = self.store.serving().replicas_of(row.id).await?;
        let latest_ready = revisions
            .iter()
            .any(|r| r.number == row.latest_revision && r.ready_at_ms.is_some());
        let split = traffic::split(TrafficState {
            latest: row.latest_revision,
            latest_ready,
            stable: row.stable_revision,
            canary_percent: row.canary_percent,
        });
        let state = self.state();
        let mut views = Vec::new();
        for r in revisions.iter().rev() {
            let spec = specs.get(&r.number).map(|s| s.as_ref());
            let share = split
                .shares
                .iter()
                .find(|(n, _)| *n == r.number)
                .map_or(0, |(_, p)| *p);
            let mine: Vec<i64> = links
                .iter()
                .filter(|l| l.revision == r.number)
                .map(|l| l.workload_id)
                .collect();
            let st = state.revisions.get(&(row.id, r.number));
            views.push(revision_view(
                r,
                row,
                spec,
                share,
                &split,
                ReplicaCounts {
                    ready: mine
                        .iter()
                        .filter(|id| state.ready.contains_key(id))
                        .count() as u32,
                    desired: st.map_or(mine.len() as u32, |s| s.wanted),
                    failure: st.and_then(|s| s.failure.clone()),
                },
            ));
        }
        let with_traffic: Vec<&RevisionView> =
            views.iter().filter(|v| v.traffic_percent > 0).collect();
        let latest_failed = state
            .revisions
            .get(&(row.id, row.latest_revision))
            .is_some_and(|s| s.gave_up());
        let model_state = if with_traffic.iter().all(|v| v.replicas_ready > 0) && latest_ready {
            ModelState::Ready
        } else if latest_failed && row.stable_revision.is_none() {
            ModelState::Failed
        } else if with_traffic.iter().all(|v| v.replicas_desired == 0)
            && latest_ready
            // Not while the last replica is still being taken away (the autoscaler decides
            // before the controller's pass removes it).
            && links.is_empty()
        {
            ModelState::ScaledToZero
        } else if with_traffic.iter().all(|v| v.replicas_ready > 0) && row.stable_revision.is_some()
        {
            ModelState::Ready
        } else {
            ModelState::Starting
        };
        let format = views
            .first()
            .map(|v| v.model_format.clone())
            .unwrap_or_default();
        Ok(ModelSummary {
            name: row.name.clone(),
            state: model_state,
            url: format!("/serving/{}/{}", row.profile, row.name),
            model_format: format,
            replicas_ready: views.iter().map(|v| v.replicas_ready).sum(),
            replicas: views.iter().map(|v| v.replicas_desired).sum(),
            revisions: views,
            created_at_ms: row.created_at_ms,
            created_by: row.created_by.clone(),
        })
    }

    pub(super) async fn detail_of(&self, row: &ServiceRow) -> Result<ModelDetail, ServingError> {
        let summary = self.summary_of(row).await?;
        let mut replicas = Vec::new();
        for link in self.store.serving().replicas_of(row.id).await? {
            let Some(w) = self.store.workloads().by_id(link.workload_id).await? else {
                continue;
            };
            let address = self.state().ready.get(&link.workload_id).copied();
            let outstanding = self
                .routes
                .ready_replica(link.workload_id)
                .map_or(0, |r| r.outstanding.load(Ordering::Relaxed));
            replicas.push(ReplicaView {
                workload: w.name.clone(),
                revision: link.revision,
                phase: w.phase,
                ready: address.is_some(),
                address: address.map(|a| a.to_string()),
                outstanding,
                gpus: w
                    .placements
                    .iter()
                    .flat_map(|p| {
                        p.gpus
                            .iter()
                            .map(move |g| format!("{}:{} ({}‰)", p.node, g.index, g.milli))
                    })
                    .collect(),
            });
        }
        let events = self
            .store
            .serving()
            .events(row.id, EVENTS)
            .await?
            .into_iter()
            .map(|(at_ms, message)| ModelEvent { at_ms, message })
            .collect();
        let tokens = self
            .store
            .serving()
            .tokens_of(row.id)
            .await?
            .into_iter()
            .map(|t| ModelTokenView {
                id: t.id,
                label: t.label,
                created_by: t.created_by,
                created_at_ms: t.created_at_ms,
            })
            .collect();
        let samples = self
            .state()
            .samples
            .get(&row.id)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        Ok(ModelDetail {
            summary,
            replicas,
            events,
            samples,
            tokens,
            manifest: row.manifest.clone(),
            example_request: EXAMPLE_V2.to_owned(),
        })
    }
}

struct ReplicaCounts {
    ready: u32,
    desired: u32,
    failure: Option<String>,
}

fn revision_view(
    r: &RevisionRow,
    row: &ServiceRow,
    spec: Option<&RevisionSpec>,
    share: u32,
    split: &traffic::Split,
    counts: ReplicaCounts,
) -> RevisionView {
    let latest = r.number == row.latest_revision;
    let role = if latest && split.shares.len() > 1 {
        RevisionRole::Canary
    } else if latest && split.stable == Some(r.number) {
        RevisionRole::Latest
    } else if latest {
        RevisionRole::Canary
    } else if share > 0 {
        RevisionRole::Stable
    } else {
        RevisionRole::Retired
    };
    RevisionView {
        number: r.number,
        role,
        traffic_percent: share,
        ready: r.ready_at_ms.is_some(),
        created_at_ms: r.created_at_ms,
        model_format: spec
            .map_or(ModelFormat::Custom, |s| s.format)
            .as_str()
            .to_owned(),
        runtime: spec.map_or("", |s| s.runtime.name()).to_owned(),
        storage_uri: spec.and_then(|s| s.storage.as_ref()).map(|s| s.uri()),
        replicas_ready: counts.ready,
        replicas_desired: counts.desired,
        min_replicas: spec.map_or(0, |s| s.scale.min),
        max_replicas: spec.map_or(0, |s| s.scale.max),
        scale_metric: spec.map_or("", |s| s.scale.metric.as_str()).to_owned(),
        scale_target: spec.map_or(0.0, |s| s.scale.target),
        failure: counts.failure,
    }
}
