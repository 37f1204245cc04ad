//! Replicas: started and stopped to match what the autoscaler wants, asked whether they answer,
//! and forgotten when their process ends.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use api::Phase;

use super::reconcile::Active;
use super::{RevisionState, State};
use crate::authz::Principal;
use crate::clock::now_ms;
use crate::serving::replica::{self, PORT_NAME};
use crate::serving::spec::RevisionSpec;
use crate::serving::{Serving, ServingError};
use crate::store::{ReplicaLink, RevisionRow, ServiceRow};

/// What asking the starting replicas found.
pub(super) struct Starting {
    /// Some replica is not ready yet.
    pub any: bool,
    /// A revision answered for the first time.
    pub became_ready: bool,
}

/// How long a replica being stopped may take to answer what it has in flight.
const DRAIN_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);
const DRAIN_POLL: std::time::Duration = std::time::Duration::from_millis(50);

fn principal() -> Principal {
    Principal::service("serving")
}

impl Serving {
    /// Asks each running replica that was not ready yet whether it answers now (and, on an
    /// autoscaler tick, each ready one whether it still does), all at once.
    pub(super) async fn probe_replicas(
        &self,
        service: &ServiceRow,
        links: &[&ReplicaLink],
        active: &Active<'_>,
        rows: &[RevisionRow],
        specs: &HashMap<u32, Arc<RevisionSpec>>,
        recheck: bool,
    ) -> Result<Starting, ServingError> {
        let mut found = Starting {
            any: false,
            became_ready: false,
        };
        let mut probes = tokio::task::JoinSet::new();
        for link in links {
            let running = active
                .get(&link.workload_id)
                .is_some_and(|w| w.phase == Phase::Running);
            let (Some(spec), true) = (specs.get(&link.revision), running) else {
                continue;
            };
            let was_ready = self.state().ready.contains_key(&link.workload_id);
            if was_ready && !recheck {
                continue;
            }
            found.any |= !was_ready;
            let Some(addr) = self.http_address(link.workload_id) else {
                continue;
            };
            let (probe, protocol, link) = (self.probe.clone(), spec.protocol, (*link).clone());
            probes.spawn(async move {
                let ready = probe.ready(addr, protocol).await;
                (link, addr, was_ready, ready)
            });
        }
        while let Some(Ok((link, addr, was_ready, ready))) = probes.join_next().await {
            match (was_ready, ready) {
                (true, false) => {
                    // It stopped answering: out of the table until it answers again.
                    self.state().ready.remove(&link.workload_id);
                }
                (false, true) => {
                    found.became_ready |= self.became_ready(service, &link, addr, rows).await?;
                }
                _ => {}
            }
        }
        Ok(found)
    }

    /// Where the replica's `http` port is.
    fn http_address(&self, workload_id: i64) -> Option<std::net::SocketAddr> {
        self.engine
            .endpoints(workload_id)
            .into_iter()
            .find(|e| e.port_name == PORT_NAME)
            .and_then(|e| format!("{}:{}", e.host, e.port).parse().ok())
    }

    /// Puts a replica that answers in the table; answers whether its revision is ready for
    /// the first time.
    async fn became_ready(
        &self,
        service: &ServiceRow,
        link: &ReplicaLink,
        addr: std::net::SocketAddr,
        rows: &[RevisionRow],
    ) -> Result<bool, ServingError> {
        {
            let mut state = self.state();
            state.ready.insert(link.workload_id, addr);
            if let Some(st) = state.revisions.get_mut(&(service.id, link.revision)) {
                st.failures = 0;
                st.failure = None;
            }
        }
        let first = rows
            .iter()
            .any(|r| r.number == link.revision && r.ready_at_ms.is_none());
        if first {
            self.store
                .serving()
                .set_revision_ready(service.id, link.revision, now_ms())
                .await?;
            self.event(service, &format!("revision {} is ready", link.revision))
                .await;
        }
        Ok(first)
    }

    /// A replica's workload is no longer active: forget it, and count a failure.
    pub(super) async fn replica_ended(
        &self,
        link: &ReplicaLink,
        services: &[ServiceRow],
    ) -> Result<(), ServingError> {
        let row = self.store.workloads().by_id(link.workload_id).await?;
        self.state().ready.remove(&link.workload_id);
        self.store
            .serving()
            .remove_replica(link.workload_id)
            .await?;
        let Some(row) = row else {
            return Ok(());
        };
        if let Some(service) = services.iter().find(|s| s.id == link.service_id)
            && row.phase == Phase::Failed
        {
            let reason = row
                .reason
                .clone()
                .unwrap_or_else(|| "no reason given".into());
            let message = format!(
                "replica {} of revision {} failed: {reason}",
                row.name, link.revision
            );
            if let Some(st) = self
                .state()
                .revisions
                .get_mut(&(link.service_id, link.revision))
            {
                st.failed(reason);
            }
            self.event(service, &message).await;
        }
        // Its logs go with it: a replica is cattle, the model's events keep what happened.
        if let Err(e) = self.engine.remove(&row.profile, &row.name).await {
            tracing::debug!(workload = row.name, error = %e, "could not remove an ended replica");
        }
        Ok(())
    }

    /// Starts and stops replicas so that each revision has what it should.
    pub(super) async fn match_replicas(
        &self,
        service: &ServiceRow,
        links: &[&ReplicaLink],
        active: &Active<'_>,
        specs: &HashMap<u32, Arc<RevisionSpec>>,
        desired: &HashMap<u32, u32>,
    ) -> Result<(), ServingError> {
        for (number, want) in desired {
            let mine: Vec<&ReplicaLink> = links
                .iter()
                .copied()
                .filter(|l| l.revision == *number && active.contains_key(&l.workload_id))
                .collect();
            let have = mine.len() as u32;
            if have < *want {
                let Some(spec) = specs.get(number) else {
                    continue;
                };
                let backing_off = self
                    .state()
                    .revisions
                    .get(&(service.id, *number))
                    .is_some_and(|st| st.backing_off());
                if backing_off {
                    continue;
                }
                let mut started = 0;
                for _ in have..*want {
                    if !self.start_replica(service, *number, spec).await? {
                        break;
                    }
                    started += 1;
                }
                if started > 0 {
                    let verb = if have == 0 {
                        "scaled up from zero"
                    } else {
                        "scaled up"
                    };
                    let to = have + started;
                    self.event(service, &format!("revision {number}: {verb} to {to}"))
                        .await;
                }
            } else if have > *want {
                let doomed = self.pick_to_stop(&mine, (have - want) as usize);
                for link in doomed {
                    let addr = self.state().ready.remove(&link.workload_id);
                    self.store
                        .serving()
                        .remove_replica(link.workload_id)
                        .await?;
                    if let Some(w) = active.get(&link.workload_id) {
                        let draining = addr.and(self.routes.ready_replica(link.workload_id));
                        self.stop_when_drained(&w.profile, &w.name, draining);
                    }
                }
                let verb = if *want == 0 {
                    "scaled to zero"
                } else {
                    "scaled down"
                };
                let message = if *want == 0 {
                    format!("revision {number}: {verb}")
                } else {
                    format!("revision {number}: {verb} to {want}")
                };
                self.event(service, &message).await;
            }
        }
        Ok(())
    }

    /// Stops a replica once the requests it has in flight are answered (the table, published
    /// later in this pass, no longer sends it new ones), or after the drain limit.
    fn stop_when_drained(
        &self,
        profile: &str,
        name: &str,
        draining: Option<Arc<crate::serving::routes::ReplicaRoute>>,
    ) {
        let engine = Arc::clone(&self.engine);
        let (profile, name) = (profile.to_owned(), name.to_owned());
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            // Let this pass publish the table without the replica before counting.
            tokio::time::sleep(DRAIN_POLL).await;
            while let Some(r) = &draining
                && r.outstanding.load(Ordering::Relaxed) > 0
                && started.elapsed() < DRAIN_LIMIT
            {
                tokio::time::sleep(DRAIN_POLL).await;
            }
            if let Err(e) = engine.remove(&profile, &name).await {
                tracing::warn!(workload = name, error = %e, "could not stop a replica");
            }
        });
    }

    /// Which replicas go first: those not ready, then those with the fewest requests in flight.
    fn pick_to_stop<'a>(&self, mine: &[&'a ReplicaLink], n: usize) -> Vec<&'a ReplicaLink> {
        let state = self.state();
        let mut ranked: Vec<(bool, u32, &ReplicaLink)> = mine
            .iter()
            .map(|l| {
                let ready = state.ready.contains_key(&l.workload_id);
                let load = self
                    .routes
                    .ready_replica(l.workload_id)
                    .map_or(0, |r| r.outstanding.load(Ordering::Relaxed));
                (ready, load, *l)
            })
            .collect();
        ranked.sort_by_key(|(ready, load, l)| (*ready, *load, std::cmp::Reverse(l.workload_id)));
        ranked.into_iter().take(n).map(|(_, _, l)| l).collect()
    }

    /// Answers whether it started one; a refusal (quota, no node large enough) counts as a
    /// failure of the revision and is told in its events.
    async fn start_replica(
        &self,
        service: &ServiceRow,
        number: u32,
        spec: &RevisionSpec,
    ) -> Result<bool, ServingError> {
        let name = replica::workload_name(&service.name, number);
        let workload = replica::workload_spec(&service.name, spec, &self.config.runtimes, name);
        match self
            .engine
            .submit(&principal(), &service.profile, &workload)
            .await
        {
            Ok(row) => {
                let linked = self
                    .store
                    .serving()
                    .add_replica(&ReplicaLink {
                        workload_id: row.id,
                        service_id: service.id,
                        revision: number,
                    })
                    .await;
                if let Err(e) = linked {
                    // The model was deleted meanwhile: nothing would ever stop this replica.
                    let _ = self.engine.remove(&service.profile, &row.name).await;
                    return Err(e.into());
                }
                Ok(true)
            }
            Err(e) => {
                let reason = e.to_string();
                {
                    let mut state = self.state();
                    let State { revisions, .. } = &mut *state;
                    revisions
                        .entry((service.id, number))
                        .or_insert_with(|| RevisionState::new(now_ms(), 1))
                        .failed(reason.clone());
                }
                self.event(
                    service,
                    &format!("revision {number}: cannot start a replica: {reason}"),
                )
                .await;
                Ok(false)
            }
        }
    }
}
