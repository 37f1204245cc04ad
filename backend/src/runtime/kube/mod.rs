//! `KubeRuntime` (cluster mode): a workload is the objects that [`crate::k8s`] builds for it,
//! server-side applied in its profile's namespace and owned by an anchor ConfigMap
//! ([`apply`]); a task per workload follows its pods and reports its phase in the local
//! runtime's words ([`pod_status`], [`watch`]); logs come from `pods/log`. A restarted Capstan
//! adopts the workloads whose anchors it finds (nothing created twice: applying is
//! idempotent). Tested against `kube-fake`.
//!
//! Not yet (issue 10): the queue's scheduling gate on pods created before admission and the
//! server's choice of this runtime (profiles, nodes and the leader lease are in
//! [`crate::cluster`]).

pub mod apply;
mod logs;
pub mod pod_status;
mod watch;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use api::{Phase, WorkloadKind};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams};
use tokio::sync::{Notify, mpsc};
use tokio::task::AbortHandle;

use self::apply::{ANCHOR_LABEL, AnchorRecord, anchor_name, apply_anchor, apply_object, record_of};
use super::{
    BoxFuture, Endpoint, PlacedWorkload, RESTARTED, Runtime, RuntimeError, RuntimeFuture,
    RuntimeReport,
};
use crate::clock::now_ms;
use crate::k8s::{self, K8sConfig, names};

/// What the runtime's tasks share.
pub(crate) struct Shared {
    client: Client,
    reports: Mutex<VecDeque<RuntimeReport>>,
    wake: Notify,
}

impl Shared {
    fn report(&self, report: RuntimeReport) {
        lock(&self.reports).push_back(report);
        self.wake.notify_one();
    }
}

/// A workload the runtime follows.
struct Live {
    record: AnchorRecord,
    watcher: AbortHandle,
}

pub struct KubeRuntime {
    shared: Arc<Shared>,
    config: K8sConfig,
    live: Mutex<HashMap<i64, Live>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn cluster_error(id: i64, action: &str, e: kube::Error) -> RuntimeError {
    RuntimeError::Cluster {
        id,
        action: action.to_owned(),
        message: apply::api_message(e),
    }
}

impl KubeRuntime {
    pub fn new(client: Client, config: K8sConfig) -> Self {
        KubeRuntime {
            shared: Arc::new(Shared {
                client,
                reports: Mutex::new(VecDeque::new()),
                wake: Notify::new(),
            }),
            config,
            live: Mutex::new(HashMap::new()),
        }
    }

    fn follow(&self, record: AnchorRecord, last: Option<Phase>) {
        let watcher = watch::follow(Arc::clone(&self.shared), record.clone(), last);
        if let Some(old) = lock(&self.live).insert(record.id, Live { record, watcher }) {
            old.watcher.abort();
        }
    }

    async fn start(&self, workload: &PlacedWorkload) -> Result<Vec<Endpoint>, RuntimeError> {
        let id = workload.id;
        let placed = k8s::PlacedWorkload {
            id,
            profile: workload.profile.clone(),
            name: workload.name.clone(),
            spec: workload.spec.clone(),
            placements: workload.placements.clone(),
            queued: false,
        };
        let objects =
            k8s::workload_objects(&self.config, &placed).map_err(|e| RuntimeError::Cluster {
                id,
                action: "build the objects".to_owned(),
                message: e.to_string(),
            })?;
        let record = AnchorRecord {
            id,
            namespace: workload.profile.clone(),
            name: workload.name.clone(),
            kind: workload.spec.kind,
            pods: workload
                .spec
                .groups
                .iter()
                .map(|g| g.replicas as usize)
                .sum(),
            endpoints: endpoints_of(workload),
        };
        let client = &self.shared.client;
        let owner = apply_anchor(client, &record)
            .await
            .map_err(|e| cluster_error(id, "apply the workload's anchor", e))?;
        for object in &objects {
            if let Err(e) = apply_object(client, &record.namespace, object, &owner).await {
                let action = format!("apply {} {}", object.kind(), object.name());
                // Nothing half-created: the anchor takes what was applied with it.
                let _ = self.remove_anchor(&record.namespace, id, 0).await;
                return Err(cluster_error(id, &action, e));
            }
        }
        let endpoints = record.endpoints();
        self.follow(record, None);
        Ok(endpoints)
    }

    async fn remove_anchor(&self, namespace: &str, id: i64, grace: u32) -> Result<(), kube::Error> {
        let anchors: Api<ConfigMap> = Api::namespaced(self.shared.client.clone(), namespace);
        let params = DeleteParams {
            grace_period_seconds: Some(grace),
            ..DeleteParams::background()
        };
        match anchors.delete(&anchor_name(id), &params).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn stop(&self, id: i64, grace: Duration) -> Result<(), RuntimeError> {
        let Some(live) = lock(&self.live).remove(&id) else {
            return Ok(());
        };
        live.watcher.abort();
        let grace = u32::try_from(grace.as_secs()).unwrap_or(u32::MAX);
        self.remove_anchor(&live.record.namespace, id, grace)
            .await
            .map_err(|e| cluster_error(id, "delete the workload's objects", e))?;
        self.shared.report(RuntimeReport {
            id,
            phase: Phase::Stopped,
            reason: "stopped".to_owned(),
            exits: Vec::new(),
            at_ms: now_ms(),
        });
        Ok(())
    }

    /// The anchors in the cluster, by workload id.
    async fn anchors(&self) -> Result<HashMap<i64, AnchorRecord>, kube::Error> {
        let all: Api<ConfigMap> = Api::all(self.shared.client.clone());
        let listed = all
            .list(&ListParams::default().labels(&format!("{ANCHOR_LABEL}=true")))
            .await?;
        Ok(listed
            .items
            .iter()
            .filter_map(record_of)
            .map(|r| (r.id, r))
            .collect())
    }

    async fn recover(&self, known: &[(i64, Phase)]) -> Result<Vec<RuntimeReport>, RuntimeError> {
        let anchors = self
            .anchors()
            .await
            .map_err(|e| cluster_error(0, "list the workloads' anchors", e))?;
        let mut reports = Vec::new();
        for (id, _) in known {
            let report = |phase, reason: &str| RuntimeReport {
                id: *id,
                phase,
                reason: reason.to_owned(),
                exits: Vec::new(),
                at_ms: now_ms(),
            };
            match anchors.get(id) {
                Some(record) => {
                    self.follow(record.clone(), Some(Phase::Running));
                    reports.push(report(Phase::Running, "adopted after a restart"));
                }
                None => reports.push(report(Phase::Failed, RESTARTED)),
            }
        }
        Ok(reports)
    }
}

/// Where each replica's ports are reached in the cluster: a training replica at its own pod's
/// name under its group's headless Service, the others through their group's Service.
fn endpoints_of(workload: &PlacedWorkload) -> Vec<(String, u32, String, String, u16)> {
    let ns = &workload.profile;
    let mut out = Vec::new();
    for group in &workload.spec.groups {
        let service = names::service_name(&workload.name, &group.name);
        for replica in 0..group.replicas {
            let host = if workload.spec.kind == WorkloadKind::Training {
                let pod = names::replica_pod_name(&workload.name, &group.name, replica);
                format!("{pod}.{service}.{ns}.svc")
            } else {
                format!("{service}.{ns}.svc")
            };
            for port in &group.ports {
                out.push((
                    group.name.clone(),
                    replica,
                    port.name.clone(),
                    host.clone(),
                    port.container_port,
                ));
            }
        }
    }
    out
}

impl Runtime for KubeRuntime {
    fn start<'a>(&'a self, workload: &'a PlacedWorkload) -> RuntimeFuture<'a, Vec<Endpoint>> {
        Box::pin(KubeRuntime::start(self, workload))
    }

    fn stop(&self, id: i64, grace: Duration) -> RuntimeFuture<'_, ()> {
        Box::pin(KubeRuntime::stop(self, id, grace))
    }

    fn delete(&self, id: i64) -> RuntimeFuture<'_, ()> {
        Box::pin(KubeRuntime::stop(self, id, Duration::ZERO))
    }

    fn reports(&self) -> Vec<RuntimeReport> {
        lock(&self.shared.reports).drain(..).collect()
    }

    fn next_reports(&self) -> BoxFuture<'_, Vec<RuntimeReport>> {
        Box::pin(async move {
            loop {
                let waiting = self.shared.wake.notified();
                let reports = self.reports();
                if !reports.is_empty() {
                    return reports;
                }
                waiting.await;
            }
        })
    }

    fn recover<'a>(&'a self, known: &'a [(i64, Phase)]) -> RuntimeFuture<'a, Vec<RuntimeReport>> {
        Box::pin(KubeRuntime::recover(self, known))
    }

    fn endpoints(&self, id: i64) -> Vec<Endpoint> {
        lock(&self.live)
            .get(&id)
            .map(|l| l.record.endpoints())
            .unwrap_or_default()
    }

    fn log_tail<'a>(
        &'a self,
        id: i64,
        group: &'a str,
        replica: u32,
        lines: usize,
    ) -> RuntimeFuture<'a, Vec<String>> {
        Box::pin(async move {
            let namespace = self.namespace_of(id)?;
            logs::tail(&self.shared.client, &namespace, id, group, replica, lines).await
        })
    }

    fn log_follow<'a>(
        &'a self,
        id: i64,
        group: &'a str,
        replica: u32,
    ) -> RuntimeFuture<'a, mpsc::Receiver<String>> {
        Box::pin(async move {
            let namespace = self.namespace_of(id)?;
            logs::follow(&self.shared.client, &namespace, id, group, replica).await
        })
    }
}

impl KubeRuntime {
    fn namespace_of(&self, id: i64) -> Result<String, RuntimeError> {
        lock(&self.live)
            .get(&id)
            .map(|l| l.record.namespace.clone())
            .ok_or(RuntimeError::NoLog {
                id,
                group: String::new(),
                replica: 0,
            })
    }
}
