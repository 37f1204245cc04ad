//! A profile's objects: its namespace, who may do what there (RoleBindings of contributors and
//! of Kubeflow's two default service accounts), its quota and a NetworkPolicy that keeps other
//! tenants out.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Namespace, ResourceQuota, ResourceQuotaSpec, ServiceAccount};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicySpec,
};
use k8s_openapi::api::rbac::v1::{RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::Serialize;

use crate::profiles::Role;

use super::config::K8sConfig;
use super::error::BuildError;
use super::labels::{self, profile_labels};
use super::names::user_binding_name;
use super::resources::quota_hard;

/// The service account that notebooks run as and that may edit the profile (Kubeflow's name).
pub const DEFAULT_EDITOR: &str = "default-editor";
/// A service account that may read the profile (Kubeflow's name).
pub const DEFAULT_VIEWER: &str = "default-viewer";
pub const QUOTA_NAME: &str = "capstan-quota";
pub const NETWORK_POLICY_NAME: &str = "capstan-isolation";

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
/// Annotations that keep the exact user and Capstan role of a binding, whose name has neither.
pub const USER_ANNOTATION: &str = "capstan.dev/user";
pub const ROLE_ANNOTATION: &str = "capstan.dev/role";

/// What a profile's objects are built from. `name` is a validated profile name (a DNS-1123
/// label, see [`crate::profiles::validate_profile_name`]); it names the namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileObjects {
    pub name: String,
    /// Users (their sign-in names) and their roles.
    pub contributors: Vec<(String, Role)>,
    pub quota: api::Quota,
}

/// Everything a profile needs in the cluster, in the order to apply it (namespace first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileManifests {
    pub namespace: Namespace,
    pub service_accounts: Vec<ServiceAccount>,
    pub role_bindings: Vec<RoleBinding>,
    /// `None` when the quota limits nothing.
    pub resource_quota: Option<ResourceQuota>,
    pub network_policy: NetworkPolicy,
}

/// The objects of `profile` for a cluster configured as `config`.
pub fn profile_objects(
    config: &K8sConfig,
    profile: &ProfileObjects,
) -> Result<ProfileManifests, BuildError> {
    let name = profile.name.as_str();
    let hard = quota_hard(config, name, &profile.quota)?;

    let mut role_bindings: Vec<RoleBinding> = profile
        .contributors
        .iter()
        .map(|(user, role)| user_binding(config, name, user, *role))
        .collect();
    role_bindings.extend([
        service_account_binding(name, DEFAULT_EDITOR, &config.edit_cluster_role),
        service_account_binding(name, DEFAULT_VIEWER, &config.view_cluster_role),
    ]);

    Ok(ProfileManifests {
        namespace: Namespace {
            metadata: ObjectMeta {
                name: Some(name.to_owned()),
                labels: Some(profile_labels(name)),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        },
        service_accounts: [DEFAULT_EDITOR, DEFAULT_VIEWER]
            .into_iter()
            .map(|account| ServiceAccount {
                metadata: meta(name, account),
                ..ServiceAccount::default()
            })
            .collect(),
        role_bindings,
        resource_quota: (!hard.is_empty()).then(|| ResourceQuota {
            metadata: meta(name, QUOTA_NAME),
            spec: Some(ResourceQuotaSpec {
                hard: Some(hard),
                ..ResourceQuotaSpec::default()
            }),
            ..ResourceQuota::default()
        }),
        network_policy: isolation(config, name),
    })
}

/// The ClusterRole a Capstan role is bound to: owners are admins in the cluster, the difference
/// (the last owner cannot leave) is Capstan's.
pub fn cluster_role(config: &K8sConfig, role: Role) -> &str {
    match role {
        Role::Owner | Role::Admin => &config.admin_cluster_role,
        Role::Edit => &config.edit_cluster_role,
        Role::View => &config.view_cluster_role,
    }
}

fn meta(namespace: &str, name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some(namespace.to_owned()),
        labels: Some(profile_labels(namespace)),
        ..ObjectMeta::default()
    }
}

fn cluster_role_ref(name: &str) -> RoleRef {
    RoleRef {
        api_group: Some(RBAC_GROUP.to_owned()),
        kind: "ClusterRole".to_owned(),
        name: name.to_owned(),
    }
}

fn user_binding(config: &K8sConfig, namespace: &str, user: &str, role: Role) -> RoleBinding {
    let mut metadata = meta(namespace, &user_binding_name(role.as_str(), user));
    metadata.annotations = Some(BTreeMap::from([
        (USER_ANNOTATION.to_owned(), user.to_owned()),
        (ROLE_ANNOTATION.to_owned(), role.as_str().to_owned()),
    ]));
    RoleBinding {
        metadata,
        role_ref: cluster_role_ref(cluster_role(config, role)),
        subjects: Some(vec![Subject {
            api_group: Some(RBAC_GROUP.to_owned()),
            kind: "User".to_owned(),
            name: user.to_owned(),
            namespace: None,
        }]),
    }
}

fn service_account_binding(namespace: &str, account: &str, cluster_role: &str) -> RoleBinding {
    RoleBinding {
        metadata: meta(namespace, account),
        role_ref: cluster_role_ref(cluster_role),
        subjects: Some(vec![Subject {
            api_group: None,
            kind: "ServiceAccount".to_owned(),
            name: account.to_owned(),
            namespace: Some(namespace.to_owned()),
        }]),
    }
}

/// Every pod of the namespace accepts traffic only from pods of the same namespace and from
/// Capstan's own namespace (the dashboard's proxy to notebooks, the inference router). Egress is
/// left open, as in Kubeflow: images, datasets and package indexes are outside.
fn isolation(config: &K8sConfig, namespace: &str) -> NetworkPolicy {
    let same_namespace = NetworkPolicyPeer {
        pod_selector: Some(LabelSelector::default()),
        ..NetworkPolicyPeer::default()
    };
    let platform = NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(
                labels::NAMESPACE_NAME.to_owned(),
                config.platform_namespace.clone(),
            )])),
            ..LabelSelector::default()
        }),
        ..NetworkPolicyPeer::default()
    };
    NetworkPolicy {
        metadata: meta(namespace, NETWORK_POLICY_NAME),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector::default()),
            policy_types: Some(vec!["Ingress".to_owned()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![same_namespace, platform]),
                ports: None,
            }]),
            egress: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> ProfileObjects {
        ProfileObjects {
            name: "team-a".into(),
            contributors: vec![
                ("ana@example.com".into(), Role::Owner),
                ("bo@example.com".into(), Role::Admin),
                ("cy@example.com".into(), Role::Edit),
                ("di@example.com".into(), Role::View),
            ],
            quota: api::Quota {
                gpu_milli: Some(4000),
                ..api::Quota::default()
            },
        }
    }

    fn build() -> ProfileManifests {
        profile_objects(&K8sConfig::default(), &profile()).unwrap()
    }

    #[test]
    fn the_namespace_is_the_profile_and_is_labelled_as_capstans() {
        let ns = build().namespace;
        assert_eq!(ns.metadata.name.as_deref(), Some("team-a"));
        let labels = ns.metadata.labels.unwrap();
        assert_eq!(labels["app.kubernetes.io/managed-by"], "capstan");
        assert_eq!(labels["capstan.dev/profile"], "team-a");
    }

    #[test]
    fn each_contributor_is_bound_to_the_cluster_role_of_their_role() {
        let bindings = build().role_bindings;
        let roles: Vec<(&str, &str, &str)> = bindings
            .iter()
            .map(|b| {
                let subject = &b.subjects.as_ref().unwrap()[0];
                (
                    subject.kind.as_str(),
                    subject.name.as_str(),
                    b.role_ref.name.as_str(),
                )
            })
            .collect();
        assert_eq!(
            roles,
            [
                ("User", "ana@example.com", "capstan-admin"),
                ("User", "bo@example.com", "capstan-admin"),
                ("User", "cy@example.com", "capstan-edit"),
                ("User", "di@example.com", "capstan-view"),
                ("ServiceAccount", "default-editor", "capstan-edit"),
                ("ServiceAccount", "default-viewer", "capstan-view"),
            ]
        );
        for binding in &bindings {
            assert_eq!(binding.metadata.namespace.as_deref(), Some("team-a"));
            assert_eq!(binding.role_ref.kind, "ClusterRole");
        }
    }

    #[test]
    fn cluster_role_names_come_from_the_config() {
        let config = K8sConfig {
            admin_cluster_role: "kubeflow-admin".into(),
            ..K8sConfig::default()
        };
        let bindings = profile_objects(&config, &profile()).unwrap().role_bindings;
        assert_eq!(bindings[0].role_ref.name, "kubeflow-admin");
    }

    #[test]
    fn kubeflows_default_service_accounts_exist() {
        let names: Vec<_> = build()
            .service_accounts
            .into_iter()
            .map(|sa| sa.metadata.name.unwrap())
            .collect();
        assert_eq!(names, ["default-editor", "default-viewer"]);
    }

    #[test]
    fn no_quota_object_without_limits() {
        let mut p = profile();
        p.quota = api::Quota::default();
        let built = profile_objects(&K8sConfig::default(), &p).unwrap();
        assert!(built.resource_quota.is_none());
    }

    #[test]
    fn ingress_only_from_the_namespace_and_the_platform() {
        let config = K8sConfig {
            platform_namespace: "capstan-system".into(),
            ..K8sConfig::default()
        };
        let spec = profile_objects(&config, &profile())
            .unwrap()
            .network_policy
            .spec
            .unwrap();
        assert_eq!(spec.pod_selector, Some(LabelSelector::default()));
        assert_eq!(
            spec.policy_types.as_deref(),
            Some(&["Ingress".to_owned()][..])
        );
        let rules = spec.ingress.unwrap();
        assert_eq!(rules.len(), 1);
        let from = rules[0].from.as_ref().unwrap();
        assert_eq!(from[0].pod_selector, Some(LabelSelector::default()));
        assert!(from[0].namespace_selector.is_none(), "same namespace only");
        let platform = from[1].namespace_selector.as_ref().unwrap();
        assert_eq!(
            platform.match_labels.as_ref().unwrap()["kubernetes.io/metadata.name"],
            "capstan-system"
        );
    }

    #[test]
    fn a_bad_quota_is_an_error() {
        let mut p = profile();
        p.quota.cpu_milli = Some(-5);
        assert!(matches!(
            profile_objects(&K8sConfig::default(), &p),
            Err(BuildError::NegativeQuota {
                field: "cpu_milli",
                ..
            })
        ));
    }
}
