//! Where a request points: `/api/v1/namespaces/{ns}/pods/{name}/log`,
//! `/apis/apps/v1/deployments`… as the group-version, the namespace, the resource's plural
//! name, the object's name and a subresource.

/// A request's resource address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePath {
    /// `v1` for the core group, else `apps/v1`.
    pub group_version: String,
    pub namespace: Option<String>,
    /// `pods`, `namespaces`…
    pub plural: String,
    pub name: Option<String>,
    /// `status`, `log`.
    pub subresource: Option<String>,
}

impl ResourcePath {
    /// Reads a path; `None` when it is not a resource's.
    pub fn parse(path: &str) -> Option<ResourcePath> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let (group_version, rest) = match parts.as_slice() {
            ["api", version, rest @ ..] => ((*version).to_owned(), rest),
            ["apis", group, version, rest @ ..] => (format!("{group}/{version}"), rest),
            _ => return None,
        };
        // `namespaces/{ns}/{plural}…` is namespaced; `namespaces` or `namespaces/{name}`
        // alone is the Namespace object itself.
        let (namespace, rest) = match rest {
            ["namespaces", ns, plural, more @ ..] => (Some((*ns).to_owned()), {
                let mut v = vec![*plural];
                v.extend_from_slice(more);
                v
            }),
            other => (None, other.to_vec()),
        };
        let (plural, name, subresource) = match rest.as_slice() {
            [plural] => (*plural, None, None),
            [plural, name] => (*plural, Some(*name), None),
            [plural, name, sub] => (*plural, Some(*name), Some(*sub)),
            _ => return None,
        };
        Some(ResourcePath {
            group_version,
            namespace,
            plural: plural.to_owned(),
            name: name.map(str::to_owned),
            subresource: subresource.map(str::to_owned),
        })
    }

    /// Whether objects of this resource live in a namespace (by the resources Kubernetes keeps
    /// at cluster scope; everything else is namespaced).
    pub fn is_cluster_scoped(&self) -> bool {
        matches!(
            self.plural.as_str(),
            "namespaces"
                | "nodes"
                | "persistentvolumes"
                | "clusterroles"
                | "clusterrolebindings"
                | "storageclasses"
                | "priorityclasses"
                | "customresourcedefinitions"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_group_and_namespaced_paths() {
        let p = ResourcePath::parse("/api/v1/namespaces/team-a/pods/lab-0/log").unwrap();
        assert_eq!(p.group_version, "v1");
        assert_eq!(p.namespace.as_deref(), Some("team-a"));
        assert_eq!(
            (p.plural.as_str(), p.name.as_deref()),
            ("pods", Some("lab-0"))
        );
        assert_eq!(p.subresource.as_deref(), Some("log"));

        let ns = ResourcePath::parse("/api/v1/namespaces/team-a").unwrap();
        assert_eq!(
            (ns.plural.as_str(), ns.name.as_deref()),
            ("namespaces", Some("team-a"))
        );
        assert!(ns.namespace.is_none() && ns.is_cluster_scoped());

        let all = ResourcePath::parse("/apis/apps/v1/deployments").unwrap();
        assert_eq!(all.group_version, "apps/v1");
        assert!(all.namespace.is_none() && all.name.is_none());
        assert!(ResourcePath::parse("/healthz").is_none());
    }
}
