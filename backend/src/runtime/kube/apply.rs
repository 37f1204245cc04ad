//! Putting a workload's objects into the cluster: server-side apply with the field manager
//! `capstan` (so that applying again changes only what Capstan owns, and a restarted Capstan
//! applying the same objects creates nothing twice), each object owned by the workload's
//! anchor, a ConfigMap `capstan-workload-<id>` that also records what a restarted Capstan needs
//! to adopt the workload. Deleting the anchor deletes everything (garbage collection).

use api::WorkloadKind;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::Client;
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::k8s::WorkloadObject;
use crate::k8s::labels::{MANAGED_BY, MANAGER, WORKLOAD};
use crate::runtime::Endpoint;

/// The field manager of everything Capstan applies.
pub const FIELD_MANAGER: &str = "capstan";
/// The label that marks a workload's anchor.
pub const ANCHOR_LABEL: &str = "capstan.dev/anchor";

/// A kube error in words: the API's message and code, or the client's own error.
pub fn api_message(e: kube::Error) -> String {
    match e {
        kube::Error::Api(status) => format!("{} ({})", status.message, status.code),
        other => other.to_string(),
    }
}

pub fn anchor_name(id: i64) -> String {
    format!("capstan-workload-{id}")
}

/// What the anchor records of its workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnchorRecord {
    pub id: i64,
    pub namespace: String,
    pub name: String,
    pub kind: WorkloadKind,
    /// Pods the workload has when all are there.
    pub pods: usize,
    pub endpoints: Vec<(String, u32, String, String, u16)>,
}

impl AnchorRecord {
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.endpoints
            .iter()
            .map(|(group, replica, port_name, host, port)| Endpoint {
                group: group.clone(),
                replica: *replica,
                port_name: port_name.clone(),
                host: host.clone(),
                port: *port,
            })
            .collect()
    }
}

/// Applies the anchor and answers the owner reference its objects carry.
pub async fn apply_anchor(
    client: &Client,
    record: &AnchorRecord,
) -> Result<OwnerReference, kube::Error> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), &record.namespace);
    let name = anchor_name(record.id);
    let anchor = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "labels": {
                MANAGED_BY: MANAGER,
                WORKLOAD: record.id.to_string(),
                ANCHOR_LABEL: "true",
            },
        },
        "data": { "workload": serde_json::to_string(record).unwrap_or_default() },
    });
    let applied = api
        .patch(
            &name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&anchor),
        )
        .await?;
    Ok(OwnerReference {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        name,
        uid: applied.metadata.uid.unwrap_or_default(),
        block_owner_deletion: Some(true),
        controller: Some(false),
    })
}

/// The anchor's record, read back.
pub fn record_of(anchor: &ConfigMap) -> Option<AnchorRecord> {
    let text = anchor.data.as_ref()?.get("workload")?;
    serde_json::from_str(text).ok()
}

/// Applies one of the builders' objects, owned by the anchor.
pub async fn apply_object(
    client: &Client,
    namespace: &str,
    object: &WorkloadObject,
    owner: &OwnerReference,
) -> Result<(), kube::Error> {
    let mut value = serde_json::to_value(object).map_err(kube::Error::SerdeError)?;
    value["metadata"]["ownerReferences"] = json!([owner]);
    apply_value(
        client,
        Some(namespace),
        &resource_of(object),
        object.name(),
        value,
    )
    .await
}

/// Server-side applies `object` (with its apiVersion and kind) as `capstan`, in `namespace`
/// or at cluster scope.
pub async fn apply_value(
    client: &Client,
    namespace: Option<&str>,
    resource: &ApiResource,
    name: &str,
    object: serde_json::Value,
) -> Result<(), kube::Error> {
    let dynamic: DynamicObject = serde_json::from_value(object).map_err(kube::Error::SerdeError)?;
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, resource),
        None => Api::all_with(client.clone(), resource),
    };
    api.patch(
        name,
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(&dynamic),
    )
    .await?;
    Ok(())
}

fn resource_of(object: &WorkloadObject) -> ApiResource {
    match object {
        WorkloadObject::PersistentVolumeClaim(_) => {
            ApiResource::erase::<PersistentVolumeClaim>(&())
        }
        WorkloadObject::StatefulSet(_) => ApiResource::erase::<StatefulSet>(&()),
        WorkloadObject::Deployment(_) => ApiResource::erase::<Deployment>(&()),
        WorkloadObject::Job(_) => ApiResource::erase::<Job>(&()),
        WorkloadObject::Pod(_) => ApiResource::erase::<Pod>(&()),
        WorkloadObject::Service(_) => ApiResource::erase::<Service>(&()),
    }
}
