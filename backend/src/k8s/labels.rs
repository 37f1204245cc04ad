//! The labels every object carries. `app.kubernetes.io/managed-by=capstan` and the profile let
//! the runtime list (and prune) what it owns; the workload's id and the group select a group's
//! pods, and never change for the life of the workload, because controller selectors cannot.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

pub const NAME: &str = "app.kubernetes.io/name";
pub const INSTANCE: &str = "app.kubernetes.io/instance";
pub const COMPONENT: &str = "app.kubernetes.io/component";
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The value of [`MANAGED_BY`] on everything Capstan creates.
pub const MANAGER: &str = "capstan";
pub const PROFILE: &str = "capstan.dev/profile";
/// The workload's id in Capstan's store: a name can be reused after a delete, an id cannot.
pub const WORKLOAD: &str = "capstan.dev/workload";
pub const KIND: &str = "capstan.dev/kind";
/// A training replica's index within its group.
pub const REPLICA: &str = "capstan.dev/replica";

/// Kubeflow's notebook controller's labels on a notebook's pods; the first selects them.
pub const STATEFULSET: &str = "statefulset";
pub const NOTEBOOK_NAME: &str = "notebook-name";

/// The label Kubernetes puts on every namespace with its own name; unlike a label of our own, a
/// tenant cannot put it on another namespace.
pub const NAMESPACE_NAME: &str = "kubernetes.io/metadata.name";

pub type Labels = BTreeMap<String, String>;

/// What a profile's namespace and its RBAC, quota and policy objects carry.
pub fn profile_labels(profile: &str) -> Labels {
    Labels::from([
        (MANAGED_BY.to_owned(), MANAGER.to_owned()),
        (PROFILE.to_owned(), profile.to_owned()),
    ])
}

/// What a notebook's objects carry: the profile's labels, the notebook as name and instance,
/// and the `notebook` kind.
pub fn notebook_labels(profile: &str, notebook: &str) -> Labels {
    let mut labels = profile_labels(profile);
    labels.extend([
        (NAME.to_owned(), notebook.to_owned()),
        (INSTANCE.to_owned(), notebook.to_owned()),
        (
            KIND.to_owned(),
            api::WorkloadKind::Notebook.as_str().to_owned(),
        ),
    ]);
    labels
}

/// The labels that select a notebook's pod, as Kubeflow's notebook controller selects it.
pub fn notebook_selector_labels(notebook: &str) -> Labels {
    Labels::from([(STATEFULSET.to_owned(), notebook.to_owned())])
}

/// Who a group's objects belong to.
#[derive(Debug, Clone, Copy)]
pub struct GroupRef<'a> {
    pub profile: &'a str,
    pub workload_id: i64,
    pub workload: &'a str,
    pub kind: &'a str,
    pub group: &'a str,
}

impl GroupRef<'_> {
    /// The labels of a group's objects and pods; `instance` is the group's object name.
    pub fn labels(&self, instance: &str) -> Labels {
        let mut labels = profile_labels(self.profile);
        labels.extend([
            (NAME.to_owned(), self.workload.to_owned()),
            (INSTANCE.to_owned(), instance.to_owned()),
            (COMPONENT.to_owned(), self.group.to_owned()),
            (WORKLOAD.to_owned(), self.workload_id.to_string()),
            (KIND.to_owned(), self.kind.to_owned()),
        ]);
        labels
    }

    /// The labels that pick out exactly this group's pods.
    pub fn selector_labels(&self) -> Labels {
        Labels::from([
            (WORKLOAD.to_owned(), self.workload_id.to_string()),
            (COMPONENT.to_owned(), self.group.to_owned()),
        ])
    }

    pub fn selector(&self) -> LabelSelector {
        LabelSelector {
            match_labels: Some(self.selector_labels()),
            ..LabelSelector::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_labels_name_everything_and_select_by_id_and_group() {
        let group = GroupRef {
            profile: "team-a",
            workload_id: 42,
            workload: "resnet",
            kind: "training",
            group: "worker",
        };
        let labels = group.labels("resnet-worker");
        assert_eq!(labels[MANAGED_BY], "capstan");
        assert_eq!(labels[PROFILE], "team-a");
        assert_eq!(labels[NAME], "resnet");
        assert_eq!(labels[INSTANCE], "resnet-worker");
        assert_eq!(labels[COMPONENT], "worker");
        assert_eq!(labels[WORKLOAD], "42");
        assert_eq!(labels[KIND], "training");
        for (key, value) in group.selector_labels() {
            assert_eq!(labels[&key], value, "the selector matches the pods' labels");
        }
    }
}
