//! A profile kept as its namespace: the Namespace, Kubeflow's two service accounts, a
//! RoleBinding per contributor and per service account, the ResourceQuota and the
//! NetworkPolicy that [`crate::k8s::profile_objects`] builds, server-side applied by `capstan`.
//! What the profile no longer has is deleted: a removed contributor's RoleBinding, a quota
//! that now limits nothing. Applying the same profile again changes nothing.

use std::collections::HashSet;

use k8s_openapi::api::core::v1::{Namespace, ResourceQuota, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::Client;
use kube::api::{Api, ApiResource, DeleteParams, ListParams};
use serde::Serialize;

use crate::k8s::labels::{MANAGED_BY, MANAGER, PROFILE};
use crate::k8s::{K8sConfig, ProfileObjects, QUOTA_NAME, profile_objects};
use crate::runtime::kube::apply::{api_message, apply_value};

/// Why a profile could not be applied: the builder's refusal or the API's message.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("profile {profile}: {message}")]
    Build { profile: String, message: String },
    #[error("profile {profile}: the cluster could not {action}: {message}")]
    Cluster {
        profile: String,
        action: String,
        message: String,
    },
}

fn cluster(profile: &str, action: impl Into<String>) -> impl FnOnce(kube::Error) -> SyncError {
    let (profile, action) = (profile.to_owned(), action.into());
    move |e| SyncError::Cluster {
        profile,
        action,
        message: api_message(e),
    }
}

async fn apply<K>(client: &Client, namespace: Option<&str>, object: &K) -> Result<(), kube::Error>
where
    K: kube::Resource<DynamicType = ()> + Serialize,
{
    let name = object.meta().name.clone().unwrap_or_default();
    let value = serde_json::to_value(object).map_err(kube::Error::SerdeError)?;
    apply_value(
        client,
        namespace,
        &ApiResource::erase::<K>(&()),
        &name,
        value,
    )
    .await
}

/// Applies `profile`'s objects and deletes what it no longer has.
pub async fn apply_profile(
    client: &Client,
    config: &K8sConfig,
    profile: &ProfileObjects,
) -> Result<(), SyncError> {
    let name = profile.name.as_str();
    let manifests = profile_objects(config, profile).map_err(|e| SyncError::Build {
        profile: name.to_owned(),
        message: e.to_string(),
    })?;
    apply(client, None, &manifests.namespace)
        .await
        .map_err(cluster(name, "apply its Namespace"))?;
    let ns = Some(name);
    for account in &manifests.service_accounts {
        apply::<ServiceAccount>(client, ns, account)
            .await
            .map_err(cluster(name, "apply a ServiceAccount"))?;
    }
    for binding in &manifests.role_bindings {
        apply::<RoleBinding>(client, ns, binding)
            .await
            .map_err(cluster(name, "apply a RoleBinding"))?;
    }
    let quotas: Api<ResourceQuota> = Api::namespaced(client.clone(), name);
    match &manifests.resource_quota {
        Some(quota) => apply(client, ns, quota)
            .await
            .map_err(cluster(name, "apply its ResourceQuota"))?,
        None => match quotas.delete(QUOTA_NAME, &DeleteParams::default()).await {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(e) => return Err(cluster(name, "delete its ResourceQuota")(e)),
        },
    }
    apply::<NetworkPolicy>(client, ns, &manifests.network_policy)
        .await
        .map_err(cluster(name, "apply its NetworkPolicy"))?;
    prune_bindings(client, name, &manifests.role_bindings).await
}

/// Deletes the profile's RoleBindings (by Capstan's labels) that `keep` does not name.
async fn prune_bindings(
    client: &Client,
    profile: &str,
    keep: &[RoleBinding],
) -> Result<(), SyncError> {
    let wanted: HashSet<&str> = keep
        .iter()
        .filter_map(|b| b.metadata.name.as_deref())
        .collect();
    let bindings: Api<RoleBinding> = Api::namespaced(client.clone(), profile);
    let selector = format!("{MANAGED_BY}={MANAGER},{PROFILE}={profile}");
    let found = bindings
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(cluster(profile, "list its RoleBindings"))?;
    for binding in found.items {
        let Some(name) = binding.metadata.name.as_deref() else {
            continue;
        };
        if !wanted.contains(name) {
            bindings
                .delete(name, &DeleteParams::default())
                .await
                .map_err(cluster(profile, format!("delete RoleBinding {name}")))?;
        }
    }
    Ok(())
}

/// Deletes the profile's namespace, and with it everything in it.
pub async fn delete_profile(client: &Client, profile: &str) -> Result<(), SyncError> {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    match namespaces.delete(profile, &DeleteParams::default()).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(e) => Err(cluster(profile, "delete its Namespace")(e)),
    }
}
