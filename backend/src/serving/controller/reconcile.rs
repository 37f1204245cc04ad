//! One pass over every model.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use api::WorkloadKind;

use super::{RevisionState, State};
use crate::clock::now_ms;
use crate::serving::routes::{RevisionRoute, ServiceRoute};
use crate::serving::spec::RevisionSpec;
use crate::serving::traffic::{self, Split, TrafficState};
use crate::serving::{Serving, ServingError};
use crate::store::{ReplicaLink, RevisionRow, ServiceRow, WorkloadRow};

/// A model's replicas that still run (or are about to), by workload id.
pub(super) type Active<'a> = HashMap<i64, &'a WorkloadRow>;

impl Serving {
    /// Answers whether a replica is starting (the next pass should come soon).
    pub(super) async fn reconcile_all(&self, autoscale: bool) -> Result<bool, ServingError> {
        let services = self.store.serving().all().await?;
        let links = self.store.serving().replicas().await?;
        let active_rows: Vec<WorkloadRow> = self
            .store
            .workloads()
            .active()
            .await?
            .into_iter()
            .filter(|w| w.kind == WorkloadKind::Server)
            .collect();
        let active: Active = active_rows.iter().map(|w| (w.id, w)).collect();
        let mut live_links = Vec::with_capacity(links.len());
        for link in links {
            if active.contains_key(&link.workload_id) {
                live_links.push(link);
            } else {
                self.replica_ended(&link, &services).await?;
            }
        }
        let mut starting = false;
        for service in &services {
            let mine: Vec<&ReplicaLink> = live_links
                .iter()
                .filter(|l| l.service_id == service.id)
                .collect();
            starting |= self
                .reconcile_service(service, &mine, &active, autoscale)
                .await?;
        }
        self.forget_the_gone(&services, &active);
        Ok(starting)
    }

    /// Forgets what belonged to services that are gone (deleted, or with their profile) and to
    /// replicas that no longer run: routes, stats, tokens, the controller's own state.
    fn forget_the_gone(&self, services: &[ServiceRow], active: &Active<'_>) {
        let known: HashSet<(String, String)> = services
            .iter()
            .map(|s| (s.profile.clone(), s.name.clone()))
            .collect();
        for (profile, name) in self.routes.service_names() {
            if !known.contains(&(profile.clone(), name.clone())) {
                self.routes.remove_service(&profile, &name);
            }
        }
        let ids: HashSet<i64> = services.iter().map(|s| s.id).collect();
        self.routes.retain_stats(&ids);
        self.routes.retain_tokens(&ids);
        let ready: HashSet<i64> = {
            let mut state = self.state();
            state.ready.retain(|id, _| active.contains_key(id));
            state.revisions.retain(|(s, _), _| ids.contains(s));
            state.specs.retain(|(s, _), _| ids.contains(s));
            state.samples.retain(|s, _| ids.contains(s));
            state.ready.keys().copied().collect()
        };
        self.routes.forget_replicas(&ready);
    }

    async fn reconcile_service(
        &self,
        service: &ServiceRow,
        links: &[&ReplicaLink],
        active: &Active<'_>,
        autoscale: bool,
    ) -> Result<bool, ServingError> {
        let rows = self.store.serving().revisions(service.id).await?;
        let specs = self.specs_of(service.id, &rows)?;
        let starting = self
            .probe_replicas(service, links, active, &rows, &specs, autoscale)
            .await?;
        let rows = if starting.became_ready {
            self.store.serving().revisions(service.id).await?
        } else {
            rows
        };
        let latest_ready = rows
            .iter()
            .any(|r| r.number == service.latest_revision && r.ready_at_ms.is_some());
        let split = traffic::split(TrafficState {
            latest: service.latest_revision,
            latest_ready,
            stable: service.stable_revision,
            canary_percent: service.canary_percent,
        });
        if split.stable != service.stable_revision {
            self.rolled_out(service, &split).await?;
        }
        let now = now_ms();
        let desired = self.desire(
            service,
            links,
            &rows,
            &specs,
            &split,
            latest_ready,
            autoscale,
            now,
        );
        if autoscale {
            self.sample(service.id, &split, links, now);
        }
        self.match_replicas(service, links, active, &specs, &desired)
            .await?;
        self.publish(service, &split, links, &specs);
        Ok(starting.any)
    }

    /// Revisions' specs, parsed once and kept.
    pub(in crate::serving) fn specs_of(
        &self,
        service_id: i64,
        rows: &[RevisionRow],
    ) -> Result<HashMap<u32, Arc<RevisionSpec>>, ServingError> {
        let mut state = self.state();
        let mut specs = HashMap::new();
        for row in rows {
            let key = (service_id, row.number);
            let spec = match state.specs.get(&key) {
                Some(spec) => Arc::clone(spec),
                None => {
                    let spec: RevisionSpec = serde_json::from_str(&row.spec_json).map_err(|e| {
                        crate::store::StoreError::Corrupt(format!(
                            "revision {} of model {service_id}: {e}",
                            row.number
                        ))
                    })?;
                    let spec = Arc::new(spec);
                    state.specs.insert(key, Arc::clone(&spec));
                    spec
                }
            };
            specs.insert(row.number, spec);
        }
        Ok(specs)
    }

    /// The stable revision changed: the newest took all the traffic.
    async fn rolled_out(&self, service: &ServiceRow, split: &Split) -> Result<(), ServingError> {
        self.store
            .serving()
            .set_stable(service.id, split.stable)
            .await?;
        if let Some(stable) = split.stable {
            let message = match service.stable_revision {
                Some(old) => format!("revision {stable} rolled out: it takes the traffic of {old}"),
                None => format!("revision {stable} is ready and takes all the traffic"),
            };
            self.event(service, &message).await;
        }
        Ok(())
    }

    /// Replicas each revision should have.
    #[allow(clippy::too_many_arguments)]
    fn desire(
        &self,
        service: &ServiceRow,
        links: &[&ReplicaLink],
        rows: &[RevisionRow],
        specs: &HashMap<u32, Arc<RevisionSpec>>,
        split: &Split,
        latest_ready: bool,
        autoscale: bool,
        now: i64,
    ) -> HashMap<u32, u32> {
        let mut state = self.state();
        let State {
            revisions, ready, ..
        } = &mut *state;
        let mut desired = HashMap::new();
        for row in rows {
            let Some(spec) = specs.get(&row.number) else {
                continue;
            };
            let scale = spec.scale;
            let st = revisions
                .entry((service.id, row.number))
                .or_insert_with(|| RevisionState::new(now, scale.min.max(1)));
            let share = split
                .shares
                .iter()
                .find(|(n, _)| *n == row.number)
                .map_or(0, |(_, p)| *p);
            let unproven = row.number == service.latest_revision && !latest_ready;
            let stats = self.routes.stats(service.id, row.number);
            let rolled_back = service.canary_percent == Some(0);
            let n = if unproven && !rolled_back {
                // It must start to show that it can; it takes no traffic until then.
                if st.gave_up() { 0 } else { scale.min.max(1) }
            } else if share == 0 {
                0
            } else {
                if autoscale {
                    let ready = links
                        .iter()
                        .filter(|l| l.revision == row.number && ready.contains_key(&l.workload_id))
                        .count() as u32;
                    self.observe(st, &stats, spec, now, ready);
                }
                if stats.demand.load(Ordering::Relaxed) {
                    st.desired = st.desired.max(1);
                }
                st.desired
            };
            st.wanted = n;
            desired.insert(row.number, n);
        }
        desired
    }

    /// The routing table's entry: the revisions with a share, and their ready replicas.
    fn publish(
        &self,
        service: &ServiceRow,
        split: &Split,
        links: &[&ReplicaLink],
        specs: &HashMap<u32, Arc<RevisionSpec>>,
    ) {
        let state = self.state();
        let mut revisions = Vec::new();
        let mut timeout = Duration::from_secs(60);
        for (number, percent) in &split.shares {
            let Some(spec) = specs.get(number) else {
                continue;
            };
            timeout = Duration::from_secs(u64::from(spec.timeout_s));
            let replicas = links
                .iter()
                .filter(|l| l.revision == *number)
                .filter_map(|l| {
                    state
                        .ready
                        .get(&l.workload_id)
                        .map(|addr| self.routes.replica(l.workload_id, *addr))
                })
                .collect::<Vec<_>>();
            let stats = self.routes.stats(service.id, *number);
            if !replicas.is_empty() {
                stats.demand.store(false, Ordering::Relaxed);
            }
            revisions.push(RevisionRoute {
                number: *number,
                percent: *percent,
                protocol: spec.protocol,
                container_concurrency: spec.container_concurrency,
                replicas,
                stats,
            });
        }
        let unchanged = self
            .routes
            .service(&service.profile, &service.name)
            .is_some_and(|old| same_route(&old, &revisions));
        if !unchanged {
            self.routes.put_service(
                &service.profile,
                &service.name,
                ServiceRoute::new(service.id, timeout, revisions),
            );
        }
    }

    pub(in crate::serving) async fn event(&self, service: &ServiceRow, message: &str) {
        let at_ms = now_ms();
        if let Err(e) = self
            .store
            .serving()
            .add_event(service.id, at_ms, message)
            .await
        {
            tracing::warn!(error = %e, "could not record a model event");
        }
        self.engine.events().publish(api::Event {
            kind: api::EventKind::Model,
            profile: Some(service.profile.clone()),
            user: None,
            at_ms,
            data: serde_json::json!({"name": service.name, "message": message}),
        });
    }
}

/// Whether the table already says this (same revisions, shares and replicas): rebuilding it
/// would reset the split counter for nothing.
fn same_route(old: &ServiceRoute, new: &[RevisionRoute]) -> bool {
    old.revisions.len() == new.len()
        && old.revisions.iter().zip(new).all(|(a, b)| {
            a.number == b.number
                && a.percent == b.percent
                && a.replicas.len() == b.replicas.len()
                && a.replicas
                    .iter()
                    .zip(&b.replicas)
                    .all(|(x, y)| Arc::ptr_eq(x, y))
        })
}
