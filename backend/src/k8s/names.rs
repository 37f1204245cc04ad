//! Object names. Kubernetes wants DNS-1123 labels of at most 63 characters (fewer for some
//! kinds); a workload and a group are each up to 63 already, so a joined name may be too long.
//! Such a name keeps a readable prefix and ends in a hash of the whole, so two long names that
//! share a prefix still differ, and the same input always gives the same name (server-side apply
//! finds the object again).

use sha2::{Digest, Sha256};

/// The longest DNS-1123 label.
pub const MAX_LABEL: usize = 63;

/// A StatefulSet's name goes into its pods' `controller-revision-hash` label with a dash and a
/// 10-character hash, and label values stop at 63: 52 is the longest that works.
pub const MAX_STATEFUL_SET: usize = 52;

/// `<workload>-<group>`: the name of a group's controller, claim prefix and Service.
pub fn group_object_name(workload: &str, group: &str) -> String {
    fit(&format!("{workload}-{group}"), MAX_LABEL)
}

/// The StatefulSet of a notebook group: like [`group_object_name`], at most 52 characters.
pub fn stateful_set_name(workload: &str, group: &str) -> String {
    fit(&format!("{workload}-{group}"), MAX_STATEFUL_SET)
}

/// `<workload>-<group>-<replica>`: one training replica's pod, also its host name, so at most
/// 63 characters; the replica index stays visible at the end when the rest is shortened.
pub fn replica_pod_name(workload: &str, group: &str, replica: u32) -> String {
    let suffix = format!("-{replica}");
    let base = fit(&format!("{workload}-{group}"), MAX_LABEL - suffix.len());
    format!("{base}{suffix}")
}

/// A group's Service: [`service_name_for`] `<workload>-<group>`.
pub fn service_name(workload: &str, group: &str) -> String {
    service_name_for(&format!("{workload}-{group}"))
}

/// The Service named after `name`. Service names are DNS-1035 labels, which must start with a
/// letter, and a workload or notebook name may start with a digit: such names get an `svc-`
/// prefix.
pub fn service_name_for(name: &str) -> String {
    if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        fit(name, MAX_LABEL)
    } else {
        fit(&format!("svc-{name}"), MAX_LABEL)
    }
}

/// A notebook's workspace claim, `<notebook>-workspace`, as Kubeflow's Jupyter web app names it;
/// a notebook name of at most 52 characters keeps it whole.
pub fn notebook_workspace_claim(notebook: &str) -> String {
    fit(&format!("{notebook}-workspace"), MAX_LABEL)
}

/// The Secret that holds a notebook's Jupyter token, `<notebook>-token`.
pub fn notebook_token_secret(notebook: &str) -> String {
    fit(&format!("{notebook}-token"), MAX_LABEL)
}

/// A claim for one of a group's volumes: `<workload>-<group>-<volume>`.
pub fn claim_name(workload: &str, group: &str, volume: &str) -> String {
    fit(&format!("{workload}-{group}-{volume}"), MAX_LABEL)
}

/// The RoleBinding of one contributor in one role. User names are emails, which are not DNS
/// labels: the readable part is the user name with every other character turned into `-`, and
/// a hash of the exact user name always follows, because that mapping is lossy (`a.b@x` and
/// `a-b@x` must not share a binding). The role is part of the name because a binding's
/// `roleRef` cannot change: a new role is a new binding, and the old one is pruned.
pub fn user_binding_name(role: &str, user: &str) -> String {
    let hash = short_hash(user);
    let readable = format!("user-{role}-{}", sanitize(user));
    let prefix = truncate(&readable, MAX_LABEL - hash.len() - 1);
    format!("{prefix}-{hash}")
}

/// `name` itself when it is at most `max` characters, else its first characters and `-<hash>`.
/// `name` must already consist of DNS-label characters.
pub fn fit(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let hash = short_hash(name);
    let prefix = truncate(name, max - hash.len() - 1);
    format!("{prefix}-{hash}")
}

/// The first `max` characters of `name` without a trailing `-` (which would double the dash
/// before the hash).
fn truncate(name: &str, max: usize) -> &str {
    let end = name
        .char_indices()
        .nth(max)
        .map_or(name.len(), |(index, _)| index);
    name[..end].trim_end_matches('-')
}

/// Lower case; anything but a letter or a digit becomes one `-`; no `-` at either end.
fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// Eight hex digits of the SHA-256 of `text`: enough to tell names apart within a namespace.
fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())[..4]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_dns_label(name: &str) -> bool {
        !name.is_empty()
            && name.len() <= MAX_LABEL
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !name.starts_with('-')
            && !name.ends_with('-')
    }

    #[test]
    fn short_names_are_kept_as_they_are() {
        assert_eq!(group_object_name("resnet", "worker"), "resnet-worker");
        assert_eq!(stateful_set_name("lab", "main"), "lab-main");
        assert_eq!(replica_pod_name("resnet", "worker", 3), "resnet-worker-3");
        assert_eq!(claim_name("lab", "main", "home"), "lab-main-home");
    }

    #[test]
    fn long_names_are_truncated_with_a_hash_of_the_whole() {
        let workload = "w".repeat(60);
        let a = group_object_name(&workload, "worker");
        let b = group_object_name(&workload, "master");
        assert_eq!(a.len(), MAX_LABEL);
        assert!(is_dns_label(&a), "{a}");
        assert!(a.starts_with(&"w".repeat(54)), "{a}");
        assert_ne!(
            a, b,
            "the hash tells apart names that share the kept prefix"
        );
        assert_eq!(a, group_object_name(&workload, "worker"), "stable");
    }

    #[test]
    fn a_name_of_exactly_63_characters_is_not_touched() {
        let workload = "w".repeat(56);
        assert_eq!(group_object_name(&workload, "worker").len(), 63);
        assert_eq!(
            group_object_name(&workload, "worker"),
            format!("{workload}-worker")
        );
    }

    #[test]
    fn no_double_dash_before_the_hash() {
        // The cut falls right after a dash.
        let workload = format!("{}-{}", "a".repeat(53), "b".repeat(20));
        let name = group_object_name(&workload, "g");
        assert!(!name.contains("--"), "{name}");
        assert!(is_dns_label(&name), "{name}");
    }

    #[test]
    fn stateful_sets_stop_at_52() {
        let name = stateful_set_name(&"n".repeat(50), "main");
        assert_eq!(name.len(), MAX_STATEFUL_SET);
        assert!(is_dns_label(&name));
    }

    #[test]
    fn replica_pods_keep_their_index_visible() {
        let workload = "t".repeat(63);
        let names: Vec<String> = (0..12)
            .map(|i| replica_pod_name(&workload, "worker", i))
            .collect();
        for (i, name) in names.iter().enumerate() {
            assert!(name.len() <= MAX_LABEL, "{name}");
            assert!(is_dns_label(name), "{name}");
            assert!(name.ends_with(&format!("-{i}")), "{name}");
        }
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn services_start_with_a_letter() {
        assert_eq!(service_name("lab", "main"), "lab-main");
        assert_eq!(service_name("0day", "main"), "svc-0day-main");
        assert!(service_name(&"9".repeat(63), "g").starts_with("svc-"));
        assert_eq!(service_name(&"9".repeat(63), "g").len(), MAX_LABEL);
    }

    #[test]
    fn a_52_character_notebook_keeps_its_workspace_and_token_names_whole() {
        let notebook = "n".repeat(52);
        assert_eq!(
            notebook_workspace_claim(&notebook),
            format!("{notebook}-workspace")
        );
        assert_eq!(
            notebook_token_secret(&notebook),
            format!("{notebook}-token")
        );
        assert_eq!(service_name_for("1lab"), "svc-1lab");
    }

    #[test]
    fn user_bindings_are_labels_that_tell_similar_users_apart() {
        let a = user_binding_name("edit", "a.b@example.com");
        let b = user_binding_name("edit", "a-b@example.com");
        assert!(a.starts_with("user-edit-a-b-example-com-"), "{a}");
        assert_ne!(a, b);
        assert!(is_dns_label(&a) && is_dns_label(&b));
        assert_ne!(
            user_binding_name("view", "a.b@example.com"),
            a,
            "a new role is a new binding"
        );
        let long = user_binding_name("owner", &format!("{}@example.com", "x".repeat(80)));
        assert_eq!(long.len(), MAX_LABEL);
        assert!(is_dns_label(&long), "{long}");
    }
}
